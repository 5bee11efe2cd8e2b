//! `signpost report` and `signpost deliveries`: what a running Worker measured, and what its
//! journeys delivered.

use crate::args::Admin;
use crate::{http, Fail};
use serde_json::Value;

/// Prints the measurement report of a running Worker (`GET /__signpost/report`).
pub(crate) fn report(a: &Admin) -> Result<(), Fail> {
    let body = admin_get(a, "report", "report")?;
    if a.json {
        print!("{body}");
        return Ok(());
    }
    // The Worker sends data; the text is made here, so the Worker's bundle carries no layout.
    #[derive(serde::Deserialize)]
    struct Answer {
        report: signpost::report::Report,
    }
    let answer: Answer =
        serde_json::from_str(&body).map_err(|e| Fail(format!("not a report: {e}"), 2))?;
    print!("{}", answer.report.to_text());
    Ok(())
}

/// Prints, per destination, the journeys' deliveries of a running Worker
/// (`GET /__signpost/admin/deliveries`): delivered, retried, failed, dead-lettered, and the
/// last errors.
pub(crate) fn deliveries(a: &Admin) -> Result<(), Fail> {
    let body = admin_get(a, "deliveries", "admin/deliveries")?;
    if a.json {
        print!("{body}");
        return Ok(());
    }
    let answer: Value =
        serde_json::from_str(&body).map_err(|e| Fail(format!("not an answer: {e}"), 2))?;
    print!("{}", deliveries_text(&answer["destinations"]));
    Ok(())
}

/// The deliveries answer as text: a line per destination, its errors below.
fn deliveries_text(destinations: &Value) -> String {
    let Some(all) = destinations.as_object().filter(|d| !d.is_empty()) else {
        return "no deliveries yet\n".into();
    };
    let mut out = String::new();
    for (name, d) in all {
        let n = |k: &str| d[k].as_u64().unwrap_or(0);
        out.push_str(&format!(
            "{name}: {} delivered, {} retried, {} failed, {} dead-lettered\n",
            n("delivered"),
            n("retried"),
            n("failed"),
            n("dead")
        ));
        for e in d["errors"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "  {} {}: {}\n",
                e["at"]
                    .as_f64()
                    .map(|t| signpost::time::format_timestamp(t as i64))
                    .unwrap_or_default(),
                e["outcome"].as_str().unwrap_or(""),
                e["error"].as_str().unwrap_or("")
            ));
        }
    }
    out
}

/// `GET <url>/__signpost/<path>` with the admin token: the answer's body.
fn admin_get(a: &Admin, command: &str, path: &str) -> Result<String, Fail> {
    let token = http::admin_token(command)?;
    let url = http::endpoint(&a.url, path);
    let answer = http::call("GET", &url, &token, None)?;
    if !(200..300).contains(&answer.status) {
        return Err(answer.fail(&url, ADMIN_TOKEN_HINT));
    }
    Ok(answer.body)
}

/// What a 401 from an admin endpoint asks of the user.
pub(crate) const ADMIN_TOKEN_HINT: &str =
    "is SIGNPOST_ADMIN_TOKEN the Worker's admin token? make dev writes it to .dev.vars";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliveries_read_as_a_line_per_destination() {
        let answer = serde_json::json!({"email": {"delivered": 3, "retried": 2, "failed": 0,
            "dead": 1, "errors": [{"at": 1795168800000_i64, "outcome": "dead",
            "error": "gave up after the last try"}]}});
        assert_eq!(
            deliveries_text(&answer),
            "email: 3 delivered, 2 retried, 0 failed, 1 dead-lettered\n  \
             2026-11-20T10:00:00Z dead: gave up after the last try\n"
        );
        assert_eq!(
            deliveries_text(&serde_json::json!({})),
            "no deliveries yet\n"
        );
    }
}
