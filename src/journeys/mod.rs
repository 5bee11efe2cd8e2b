//! Acceptance journeys: one customer each, steps in time order (a request with expectations,
//! an event from the page, a business signal, a server event from the site's backend, an
//! identify or a logout), on one device or several. The runner keeps every profile between
//! steps the way the Worker does, through its serialized form and the single writer's
//! operations (`crate::writer`), so persistence and identity are tested too. Time passes as
//! in the Worker: after every change the profile's actions are evaluated
//! (`crate::actions::advance`) and the instant it answers is the profile's one timer, fired
//! before any later step; what they deliver is checked by `expect.sent`.

mod check;
mod run;

pub use check::{check, check_sent, summary};
pub use run::{run, run_journey};

use crate::events::Event;
use crate::request::RequestInfo;
use crate::time::{parse_timestamp, Millis};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A journeys file: what to run against and the journeys to run.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JourneyFile {
    /// The file format's version, when the file states it.
    #[serde(default)]
    pub format: Option<u32>,
    /// The config, relative to the journeys file.
    #[serde(default)]
    pub config: Option<String>,
    /// The catalog, relative to the journeys file.
    #[serde(default)]
    pub catalog: Option<String>,
    /// What the file is for, in words (not read).
    #[serde(default)]
    pub about: Option<String>,
    /// The journeys, each run with a fresh visitor.
    pub journeys: Vec<Journey>,
}

/// One visitor's journey: its steps, in time order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journey {
    /// Its name in the report.
    pub name: String,
    /// The visitor id (experiments and the holdout bucket by it).
    pub visitor: String,
    /// What the journey shows, in words (not read).
    #[serde(default)]
    pub about: Option<String>,
    /// The steps, in time order.
    pub steps: Vec<Step>,
}

/// One step: at most one action (a request, a page event, a signal, a server event, an
/// identify, a logout) at a time; a step without one only checks its `expect`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// When it happens (RFC 3339).
    pub at: String,
    /// The device (browser) it happens on; the journey's first device when left out. Each
    /// device has its own visitor id, cookie and session.
    #[serde(default)]
    pub device: Option<String>,
    /// A page request.
    #[serde(default)]
    pub request: Option<StepRequest>,
    /// An event from the page.
    #[serde(default)]
    pub event: Option<Event>,
    /// A business signal set at that time.
    #[serde(default)]
    pub signal: Option<StepSignal>,
    /// An event as the ingest receives it from the site's backend: for this device's visitor,
    /// or for a user when it holds `"user"`.
    #[serde(default)]
    pub server_event: Option<Event>,
    /// The device's visitor is identified as a user (the runner signs, as the site would).
    #[serde(default)]
    pub identify: Option<StepIdentify>,
    /// `true`: the device logs out and starts as a fresh anonymous visitor.
    #[serde(default)]
    pub reset: Option<bool>,
    /// What the decision must be: the request's, or after any other step a decision for the
    /// device's last page that records nothing.
    #[serde(default)]
    pub expect: Option<Expect>,
}

/// An identify step: who the visitor is on the site.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepIdentify {
    /// The site's user id.
    pub user: String,
}

impl Step {
    /// How many actions the step holds (the parser allows at most one).
    fn actions(&self) -> usize {
        [
            self.request.is_some(),
            self.event.is_some(),
            self.signal.is_some(),
            self.server_event.is_some(),
            self.identify.is_some(),
            self.reset == Some(true),
        ]
        .into_iter()
        .filter(|a| *a)
        .count()
    }
}

/// A step's page request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// The URL (path and query, or absolute).
    pub url: String,
    /// Request headers (names compared case-insensitively).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// What the Worker's runtime would add (country, region).
    #[serde(default)]
    pub cf: Option<Cf>,
}

impl StepRequest {
    /// A plain request for `url`.
    pub fn at(url: &str) -> StepRequest {
        StepRequest {
            url: url.into(),
            headers: BTreeMap::new(),
            cf: None,
        }
    }
}

/// The request's `cf` properties, as the Worker's runtime gives them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cf {
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default)]
    pub country: Option<String>,
    /// ISO 3166-2 subdivision code.
    #[serde(default)]
    pub region: Option<String>,
}

/// A business signal: its name and data (`null` removes it).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSignal {
    /// The signal's name.
    pub name: String,
    /// Its data.
    pub data: Value,
}

/// What a decision must be; every field left out is not checked.
#[derive(Debug, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The visitor's tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// slot -> `offer`, `offer/variant`, or null (page content untouched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slots: Option<BTreeMap<String, Option<String>>>,
    /// slot -> text its HTML must contain.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub contains: BTreeMap<String, String>,
    /// slot -> text its HTML must not contain.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub not_contains: BTreeMap<String, String>,
    /// slot -> the recommended item ids, in order.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub items: BTreeMap<String, Vec<String>>,
    /// Whether the page is personalized at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personalized: Option<bool>,
    /// Whether the visitor is in the global holdout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdout: Option<bool>,
    /// The deliveries made since the last step whose expect held `sent` (or the journey's
    /// start), this step's own included, in order; `[]`: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<Vec<Sent>>,
}

/// One delivery as a journey expects it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sent {
    /// The action's id.
    pub action: String,
    /// `segment.entered`, `segment.exited` or `event`.
    pub kind: String,
    /// The destination's name.
    pub destination: String,
}

impl std::fmt::Display for Sent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} -> {}", self.action, self.kind, self.destination)
    }
}

/// Why a journeys file cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum JourneyError {
    /// Not JSON, or not in the file's layout (serde's words).
    #[error("journeys file: {0}")]
    Json(String),
    /// One step breaks a rule of the file (time order, one kind per step, ...).
    #[error("journeys[{journey}].steps[{step}]: {message}")]
    Step {
        /// The journey's index.
        journey: usize,
        /// The step's index.
        step: usize,
        /// What is wrong.
        message: String,
    },
}

impl JourneyFile {
    /// Reads a journeys file and checks its steps (kind, time, order).
    pub fn parse(json: &str) -> Result<JourneyFile, JourneyError> {
        let f: JourneyFile =
            serde_json::from_str(json).map_err(|e| JourneyError::Json(e.to_string()))?;
        for (j, journey) in f.journeys.iter().enumerate() {
            let mut last: Option<Millis> = None;
            for (s, step) in journey.steps.iter().enumerate() {
                let err = |message: String| JourneyError::Step {
                    journey: j,
                    step: s,
                    message,
                };
                match (step.actions(), &step.expect) {
                    (0, None) => return Err(err("a step needs an action or an expect".into())),
                    (0 | 1, _) => {}
                    _ => return Err(err(
                        "a step has at most one of request, event, signal, server_event, identify or reset"
                            .into(),
                    )),
                }
                if step.reset == Some(false) {
                    return Err(err("reset: only `true` means something".into()));
                }
                if let Some(d) = &step.device {
                    if !is_device_name(d) {
                        return Err(err(format!(
                            "device: {d:?} is not a name of 1 to 16 lowercase letters, digits or -"
                        )));
                    }
                }
                if let Some(i) = &step.identify {
                    if !crate::ingest::is_user_id(&i.user) {
                        return Err(err("identify.user: not a user id".into()));
                    }
                }
                let at = parse_timestamp(&step.at, None).map_err(|e| err(format!("at: {e}")))?;
                if last.is_some_and(|l| at < l) {
                    return Err(err("steps must be in time order".into()));
                }
                last = Some(at);
            }
        }
        Ok(f)
    }
}

/// A device's name: it becomes part of a visitor id, so it keeps to the ids' characters.
fn is_device_name(d: &str) -> bool {
    (1..=16).contains(&d.len())
        && d.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// One failing step: what was expected, what came out, and why.
#[derive(Debug)]
pub struct StepFailure {
    /// The step's index.
    pub step: usize,
    /// Its time, as written.
    pub at: String,
    /// The URL requested (or, for another step, the device's last page).
    pub url: String,
    /// Each expectation that did not hold.
    pub problems: Vec<String>,
    /// What was expected, in the summary's terms.
    pub expected: String,
    /// What the decision was, in the same terms.
    pub actual: String,
    /// The decision's full explanation.
    pub explanation: String,
}

/// How one journey went.
#[derive(Debug)]
pub struct JourneyReport {
    /// The journey's name.
    pub name: String,
    /// Its visitor.
    pub visitor: String,
    /// Steps run.
    pub steps: usize,
    /// Steps whose expectation was checked.
    pub checked: usize,
    /// The steps that failed.
    pub failures: Vec<StepFailure>,
}

/// Every journey's outcome.
#[derive(Debug, Default)]
pub struct Report {
    /// One per journey, in the file's order.
    pub journeys: Vec<JourneyReport>,
}

impl Report {
    /// Whether every journey passed.
    pub fn passed(&self) -> bool {
        self.journeys.iter().all(|j| j.failures.is_empty())
    }

    /// The report as the CLI prints it: one line per journey, each failure with its explanation.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for j in &self.journeys {
            let status = if j.failures.is_empty() {
                "ok  "
            } else {
                "FAIL"
            };
            s.push_str(&format!(
                "{status} {} ({} steps, {} checked)\n",
                j.name, j.steps, j.checked
            ));
            for f in &j.failures {
                s.push_str(&format!("     step {} at {} {}\n", f.step, f.at, f.url));
                for p in &f.problems {
                    s.push_str(&format!("       - {p}\n"));
                }
                s.push_str(&format!("       expected: {}\n", f.expected));
                s.push_str(&format!("       actual:   {}\n", f.actual));
                for line in f.explanation.lines() {
                    s.push_str(&format!("       | {line}\n"));
                }
            }
        }
        let failed = self
            .journeys
            .iter()
            .filter(|j| !j.failures.is_empty())
            .count();
        s.push_str(&format!(
            "{} journeys, {} passed, {} failed\n",
            self.journeys.len(),
            self.journeys.len() - failed,
            failed
        ));
        s
    }
}

/// The request a step describes, as a host would hand it to the engine.
pub fn request_info(r: &StepRequest) -> RequestInfo {
    RequestInfo {
        url: r.url.clone(),
        headers: r
            .headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect(),
        country: r.cf.as_ref().and_then(|c| c.country.clone()),
        region: r.cf.as_ref().and_then(|c| c.region.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_malformed_steps() {
        let two = r#"{"journeys":[{"name":"x","visitor":"v","steps":[{"at":"2026-01-01T00:00:00Z","request":{"url":"/"},"event":{"type":"x"}}]}]}"#;
        assert!(JourneyFile::parse(two)
            .unwrap_err()
            .to_string()
            .contains("at most one"));
        let typo = r#"{"journeys":[{"name":"x","visitor":"v","steps":[{"at":"2026-01-01T00:00:00Z","request":{"url":"/"},"expect":{"tiers":"x"}}]}]}"#;
        assert!(JourneyFile::parse(typo)
            .unwrap_err()
            .to_string()
            .contains("unknown field"));
        let order = r#"{"journeys":[{"name":"x","visitor":"v","steps":[{"at":"2026-01-02T00:00:00Z","event":{"type":"x"}},{"at":"2026-01-01T00:00:00Z","event":{"type":"x"}}]}]}"#;
        assert!(JourneyFile::parse(order)
            .unwrap_err()
            .to_string()
            .contains("time order"));
    }
}
