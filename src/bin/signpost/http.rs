//! Calls to a running Worker's endpoints, in one place. They go through curl: the token reaches
//! it on stdin, never on a command line another user could read, and a body through a private
//! temporary file.

use crate::Fail;
use std::io::Write;
use std::process::{Command, Stdio};

/// The Worker `make dev` runs.
pub(crate) const DEFAULT_URL: &str = "http://127.0.0.1:8787";

/// What the Worker answered.
pub(crate) struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    /// The answer's `error` field, or its text.
    pub fn error(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v.get("error")?.as_str().map(str::to_string))
            .unwrap_or_else(|| self.body.trim().to_string())
    }

    /// A failure for an answer that is not the one wanted: status, the Worker's message and,
    /// for a 401, what to check (`token_hint`).
    pub fn fail(&self, url: &str, token_hint: &str) -> Fail {
        let hint = match self.status {
            401 => format!(" ({token_hint})"),
            _ => String::new(),
        };
        Fail(format!("{url}: {}: {}{hint}", self.status, self.error()), 2)
    }
}

/// `<base>/__signpost/<path>`.
pub(crate) fn endpoint(base: &str, path: &str) -> String {
    format!("{}/__signpost/{path}", base.trim_end_matches('/'))
}

/// The admin token from `SIGNPOST_ADMIN_TOKEN`, or a usage error of `command`.
pub(crate) fn admin_token(command: &str) -> Result<String, Fail> {
    std::env::var("SIGNPOST_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            crate::usage(
                command,
                "the admin token is not set: put it in SIGNPOST_ADMIN_TOKEN (make dev writes it to .dev.vars)",
            )
        })
}

/// One call with a bearer token and, for a `POST`, a JSON body. Err only when no answer came.
pub(crate) fn call(
    method: &str,
    url: &str,
    token: &str,
    body: Option<&str>,
) -> Result<Answer, Fail> {
    let file = match body {
        Some(b) => Some(BodyFile::new(b)?),
        None => None,
    };
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-X", method, "-H", "@-", "-w", "\n%{http_code}"]);
    if let Some(f) = &file {
        let data = format!("@{}", f.0.display());
        // No `Expect: 100-continue` round trip before a large body.
        cmd.args(["-H", "content-type: application/json", "-H", "Expect:"]);
        cmd.args(["--data-binary", &data]);
    }
    let out = cmd
        .arg(url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            if let Some(mut stdin) = child.stdin.take() {
                writeln!(stdin, "Authorization: Bearer {token}")?;
            }
            child.wait_with_output()
        })
        .map_err(|e| Fail(format!("cannot run curl: {e}"), 2))?;
    drop(file);
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(Fail(format!("{url}: {}", err.trim()), 2));
    }
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    let status = code
        .trim()
        .parse()
        .map_err(|_| Fail(format!("{url}: no HTTP status in curl's answer"), 2))?;
    Ok(Answer {
        status,
        body: body.to_string(),
    })
}

/// A request body in a temporary file, removed when dropped.
struct BodyFile(std::path::PathBuf);

impl BodyFile {
    fn new(body: &str) -> Result<BodyFile, Fail> {
        let path = std::env::temp_dir().join(format!(
            "signpost-body-{}-{}.json",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        open.open(&path)
            .and_then(|mut f| f.write_all(body.as_bytes()))
            .map_err(|e| Fail(format!("cannot write {}: {e}", path.display()), 2))?;
        Ok(BodyFile(path))
    }
}

impl Drop for BodyFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
