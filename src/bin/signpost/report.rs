//! `signpost report`: the measurement report of a running Worker.

use crate::{usage, Args, Fail};

/// Prints the measurement report of a running Worker (`GET /__signpost/report`), through
/// curl. The token comes from the environment and reaches curl on stdin, never on a command
/// line another user could read.
pub(crate) fn report(args: &[String]) -> Result<(), Fail> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let a = Args::parse(args, &["url"], &["json"])?;
    if let Some(extra) = a.positional.first() {
        return Err(usage(format!("unexpected argument \"{extra}\"")));
    }
    let token = std::env::var("SIGNPOST_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            usage("report needs the admin token in SIGNPOST_ADMIN_TOKEN (make dev writes it to .dev.vars)")
        })?;
    let base = a.one("url").unwrap_or("http://127.0.0.1:8787");
    let url = format!("{}/__signpost/report", base.trim_end_matches('/'));
    let mut child = Command::new("curl")
        .args(["-sS", "--fail-with-body", "-H", "@-", &url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Fail(format!("cannot run curl: {e}"), 2))?;
    if let Some(mut stdin) = child.stdin.take() {
        writeln!(stdin, "Authorization: Bearer {token}")
            .map_err(|e| Fail(format!("cannot talk to curl: {e}"), 2))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Fail(format!("curl failed: {e}"), 2))?;
    let body = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(Fail(format!("{url}: {}{}", err.trim(), body.trim()), 2));
    }
    if a.has("json") {
        print!("{body}");
        return Ok(());
    }
    // The Worker sends data; the text is made here, so the Worker's bundle carries no layout.
    #[derive(serde::Deserialize)]
    struct Answer {
        report: signpost::report::Report,
    }
    let answer: Answer =
        serde_json::from_str(&body).map_err(|e| Fail(format!("{url}: not a report: {e}"), 2))?;
    print!("{}", answer.report.to_text());
    Ok(())
}
