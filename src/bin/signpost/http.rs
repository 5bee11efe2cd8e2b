//! Calls to a running Worker's endpoints, in one place, with a blocking HTTP client in the
//! process: the token never appears on a command line or in a file another user could read.
//!
//! Any HTTP status is an answer (the caller says what it means); no answer at all is an error
//! that names the URL and why (refused, unknown host, timed out, TLS). Redirects are not
//! followed: the bearer token goes only to the URL given, and a redirect says which to give.

use crate::Fail;
use std::time::Duration;

/// The Worker `make dev` runs.
pub(crate) const DEFAULT_URL: &str = "http://127.0.0.1:8787";

/// How long one call may take, connecting included: an ingest call of 500 events is the
/// largest the Worker takes, and answers within seconds.
const TIMEOUT: Duration = Duration::from_secs(120);

/// The largest answer read (a report over a long range is the largest the Worker sends).
const MAX_ANSWER_BYTES: u64 = 256 << 20;

/// What the Worker answered.
pub(crate) struct Answer {
    pub status: u16,
    pub body: String,
    location: Option<String>,
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
    /// for what the caller can fix, what to do (`token_hint` for a 401).
    pub fn fail(&self, url: &str, token_hint: &str) -> Fail {
        let hint = match (self.status, &self.location) {
            (401, _) => format!(" ({token_hint})"),
            (300..=399, Some(to)) => format!(" (redirected to {to}: pass that as --url)"),
            _ => String::new(),
        };
        let error = self.error();
        let error = if error.is_empty() {
            "(no message)"
        } else {
            &error
        };
        Fail(format!("{url}: {}: {error}{hint}", self.status), 2)
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
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(TIMEOUT))
        .user_agent(concat!("signpost-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let auth = format!("Bearer {token}");
    let sent = match (method, body) {
        ("GET", None) => agent.get(url).header("authorization", &auth).call(),
        ("POST", Some(b)) => agent
            .post(url)
            .header("authorization", &auth)
            .header("content-type", "application/json")
            .send(b),
        _ => unreachable!("the CLI sends GET without a body and POST with one"),
    };
    let mut response = sent.map_err(|e| unanswered(url, &e))?;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_string()
        .map_err(|e| {
            Fail(
                format!("{url}: {status}, but its answer could not be read: {e}"),
                2,
            )
        })?;
    Ok(Answer {
        status,
        body,
        location,
    })
}

/// Why no answer came, in words that say what to check.
fn unanswered(url: &str, e: &ureq::Error) -> Fail {
    use std::io::ErrorKind;
    let why = match e {
        ureq::Error::Io(io) if io.kind() == ErrorKind::ConnectionRefused => {
            "connection refused: is the Worker running there? (`make dev` serves one at http://127.0.0.1:8787)".to_string()
        }
        ureq::Error::ConnectionFailed => "cannot connect: is the Worker running there?".into(),
        ureq::Error::HostNotFound => "unknown host: check --url".into(),
        ureq::Error::Timeout(_) => format!("no answer within {} s", TIMEOUT.as_secs()),
        ureq::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    };
    Fail(format!("cannot reach {url}: {why}"), 2)
}
