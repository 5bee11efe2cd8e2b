//! Acceptance journeys: one visitor each, steps in time order (a request with expectations, an
//! event from the page, or a business signal). The runner keeps the visitor's profile between
//! steps the way the Worker does, through its serialized form, so persistence is tested too.

use crate::decision::{Decision, Detail};
use crate::engine::{Engine, Signals};
use crate::events::Event;
use crate::facts::format_number;
use crate::profile::Profile;
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

/// One step: exactly one of a request, an event or a signal, at a time.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// When it happens (RFC 3339).
    pub at: String,
    /// A page request; only a request step may have an `expect`.
    #[serde(default)]
    pub request: Option<StepRequest>,
    /// An event from the page.
    #[serde(default)]
    pub event: Option<Event>,
    /// A business signal set at that time.
    #[serde(default)]
    pub signal: Option<StepSignal>,
    /// What the request's decision must be.
    #[serde(default)]
    pub expect: Option<Expect>,
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
                let kinds = [
                    step.request.is_some(),
                    step.event.is_some(),
                    step.signal.is_some(),
                ];
                if kinds.iter().filter(|k| **k).count() != 1 {
                    return Err(err(
                        "a step has exactly one of request, event or signal".into()
                    ));
                }
                if step.expect.is_some() && step.request.is_none() {
                    return Err(err("only a request step can have an expect".into()));
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

/// One failing step: what was expected, what came out, and why.
#[derive(Debug)]
pub struct StepFailure {
    /// The step's index.
    pub step: usize,
    /// Its time, as written.
    pub at: String,
    /// The URL requested.
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

/// Runs every journey against an engine.
pub fn run(engine: &Engine, file: &JourneyFile) -> Report {
    Report {
        journeys: file
            .journeys
            .iter()
            .map(|j| run_journey(engine, j))
            .collect(),
    }
}

/// Runs one journey with a fresh profile, kept between steps through its stored form.
pub fn run_journey(engine: &Engine, journey: &Journey) -> JourneyReport {
    let mut stored = Profile::new(journey.visitor.clone()).to_bytes();
    let mut signals = Signals::new();
    let mut report = JourneyReport {
        name: journey.name.clone(),
        visitor: journey.visitor.clone(),
        steps: journey.steps.len(),
        checked: 0,
        failures: Vec::new(),
    };
    for (i, step) in journey.steps.iter().enumerate() {
        // Parsed and checked by JourneyFile::parse; a bad time here is a programming error.
        let at = parse_timestamp(&step.at, None).unwrap_or(0);
        let mut profile =
            Profile::from_bytes(&stored).expect("a profile written by this engine reads back");
        if let Some(e) = &step.event {
            engine.record_event(&mut profile, e, at);
        } else if let Some(sig) = &step.signal {
            Engine::apply_signal(&mut signals, &sig.name, sig.data.clone());
        } else if let Some(r) = &step.request {
            let req = request_info(r);
            let before = profile.clone();
            let d = engine.on_request(&mut profile, &req, &signals, at);
            if let Some(expect) = &step.expect {
                report.checked += 1;
                let problems = check(expect, &d);
                if !problems.is_empty() {
                    // Replay the step with the full explanation of which facts decided.
                    let mut replay = before;
                    let full =
                        engine.on_request_with(&mut replay, &req, &signals, at, Detail::Full);
                    report.failures.push(StepFailure {
                        step: i,
                        at: step.at.clone(),
                        url: r.url.clone(),
                        problems,
                        expected: serde_json::to_string(expect).unwrap_or_default(),
                        actual: summary(&d),
                        explanation: full.explanation.to_text(),
                    });
                }
            }
        }
        stored = profile.to_bytes();
    }
    report
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

/// `offer` or `offer/variant`.
fn shown(d: &Decision, slot: &str) -> Option<String> {
    d.plan.slot(slot).map(|s| match &s.variant {
        Some(v) => format!("{}/{v}", s.offer),
        None => s.offer.clone(),
    })
}

/// What a decision did, in the expectation's terms.
pub fn summary(d: &Decision) -> String {
    let slots: Vec<String> = d
        .plan
        .slots
        .iter()
        .map(|s| {
            let items = if s.items.is_empty() {
                String::new()
            } else {
                format!(" {:?}", s.items)
            };
            format!(
                "{}={}{}",
                s.slot,
                shown(d, &s.slot).unwrap_or_default(),
                items
            )
        })
        .collect();
    format!(
        "tier {} (score {}), personalized {}, holdout {}, slots {{{}}}",
        if d.tier.is_empty() { "(none)" } else { &d.tier },
        format_number(d.score),
        d.personalized,
        d.holdout,
        slots.join(", ")
    )
}

/// Every way a decision differs from an expectation.
pub fn check(e: &Expect, d: &Decision) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = &e.tier {
        if &d.tier != t {
            out.push(format!(
                "tier: expected {t}, got {} (score {})",
                d.tier,
                format_number(d.score)
            ));
        }
    }
    if let Some(p) = e.personalized {
        if d.personalized != p {
            out.push(format!(
                "personalized: expected {p}, got {}",
                d.personalized
            ));
        }
    }
    if let Some(h) = e.holdout {
        if d.holdout != h {
            out.push(format!("holdout: expected {h}, got {}", d.holdout));
        }
    }
    for (slot, want) in e.slots.iter().flatten() {
        let got = shown(d, slot);
        let ok = match (want, &got) {
            (None, None) => true,
            (Some(w), Some(g)) => {
                w == g || (!w.contains('/') && g.split('/').next() == Some(w.as_str()))
            }
            _ => false,
        };
        if !ok {
            out.push(format!(
                "slot {slot}: expected {}, got {}",
                want.as_deref().unwrap_or("untouched"),
                got.as_deref().unwrap_or("untouched")
            ));
        }
    }
    for (slot, text) in &e.contains {
        let html = d
            .plan
            .slot(slot)
            .and_then(|s| s.html.as_deref())
            .unwrap_or("");
        if !html.contains(text.as_str()) {
            out.push(format!(
                "slot {slot}: expected the HTML to contain {text:?}; it is {html:?}"
            ));
        }
    }
    for (slot, text) in &e.not_contains {
        let html = d
            .plan
            .slot(slot)
            .and_then(|s| s.html.as_deref())
            .unwrap_or("");
        if html.contains(text.as_str()) {
            out.push(format!(
                "slot {slot}: expected the HTML not to contain {text:?}; it is {html:?}"
            ));
        }
    }
    for (slot, items) in &e.items {
        let got: Vec<String> = d
            .plan
            .slot(slot)
            .map(|s| s.items.clone())
            .unwrap_or_default();
        if &got != items {
            out.push(format!(
                "slot {slot}: expected items {items:?}, got {got:?}"
            ));
        }
    }
    out
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
            .contains("exactly one"));
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
