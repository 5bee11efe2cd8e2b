//! Server-to-server events: `POST /__signpost/ingest` from the site's backend (the order in
//! the payment system, the CRM's record, a login), addressed to a visitor or to a user.
//!
//! Body: `{"events": [{"visitor": "<sp_vid>" | "user": "<user id>", "type", "id", "at",
//! ...props}]}`. As with the page's batch (`crate::batch`), only a body that is not a batch at
//! all is refused whole; each event is otherwise accepted or rejected on its own, in order.
//! Every event needs an `id` (a retried call or a second backfill must not count twice); `at`
//! is milliseconds or RFC 3339 and defaults to the time of receipt. Any type is accepted,
//! those of `trusted_events` included: this is the trusted source.

use crate::batch::{
    check_event, judge_each, take_events, EventError, EventResult, EventStatus, ListProblem,
};
use crate::events::Event;
use crate::limits::{MAX_INGEST_EVENTS, MAX_USER_ID_LEN};
use serde_json::Value;

/// Whose profile a server event is for.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// An anonymous visitor, by the `sp_vid` cookie's id.
    Visitor(String),
    /// A user of the site, by the site's own id (the one `identify` signs).
    User(String),
}

impl Target {
    /// The key of the profile it addresses (see `crate::writer::user_key`).
    pub fn profile_key(&self) -> String {
        match self {
            Target::Visitor(v) => v.clone(),
            Target::User(u) => crate::writer::user_key(u),
        }
    }
}

/// A parsed ingest body: the events that passed, with their targets, and a result per event
/// of the body, in order (accepted until recorded).
#[derive(Debug)]
pub struct IngestBatch {
    /// `(place in the body, target, event)` for each event that passed.
    pub events: Vec<(usize, Target, Event)>,
    /// One per event of the body, in order.
    pub results: Vec<EventResult>,
}

impl IngestBatch {
    /// Sets the status recording gave the event at `index` of the body.
    pub fn mark(&mut self, index: usize, status: EventStatus, error: Option<String>) {
        let r = &mut self.results[index];
        r.status = status;
        r.error = error;
    }
}

/// What is wrong with an ingest body that is not a batch at all.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IngestBodyError {
    /// Not JSON.
    #[error("body is not JSON: {0}")]
    NotJson(String),
    /// No `events` list.
    #[error("events: missing (expected {{\"events\": [...]}})")]
    NoEvents,
    /// `events` is not a list.
    #[error("events: expected an array")]
    NotAList,
    /// More than [`MAX_INGEST_EVENTS`].
    #[error("events: {0} events in one call (at most {MAX_INGEST_EVENTS}; split the batch)")]
    TooMany(usize),
}

/// Whether `user` can be a site's user id: 1 to [`MAX_USER_ID_LEN`] bytes, no control
/// characters.
pub fn is_user_id(user: &str) -> bool {
    (1..=MAX_USER_ID_LEN).contains(&user.len()) && !user.chars().any(char::is_control)
}

/// Parses an ingest body, checking each event on its own. `visitor_ok` says which visitor ids
/// the host issues (its cookie's format). The caller bounds the body's size first.
pub fn parse_ingest_body(
    body: &[u8],
    visitor_ok: &dyn Fn(&str) -> bool,
) -> Result<IngestBatch, IngestBodyError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| IngestBodyError::NotJson(e.to_string()))?;
    let list = take_events(value, MAX_INGEST_EVENTS).map_err(|e| match e {
        ListProblem::Missing => IngestBodyError::NoEvents,
        ListProblem::NotAList => IngestBodyError::NotAList,
        ListProblem::TooMany(n) => IngestBodyError::TooMany(n),
    })?;
    let (passed, results) = judge_each(list, |index, v| one_event(index, v, visitor_ok));
    let events = passed
        .into_iter()
        .map(|(index, (target, e))| (index, target, e))
        .collect();
    Ok(IngestBatch { events, results })
}

fn one_event(
    index: usize,
    v: Value,
    visitor_ok: &dyn Fn(&str) -> bool,
) -> Result<(Target, Event), EventError> {
    let Value::Object(mut m) = v else {
        return Err(malformed(index, "an event is a JSON object"));
    };
    let prop = |key: &str, message: &str| EventError::BadProp {
        index,
        key: key.into(),
        message: message.into(),
    };
    let target = match (m.remove("visitor"), m.remove("user")) {
        (Some(_), Some(_)) => {
            return Err(malformed(index, "give \"visitor\" or \"user\", not both"))
        }
        (None, None) => return Err(malformed(index, "missing \"visitor\" or \"user\"")),
        (Some(Value::String(v)), None) if visitor_ok(&v) => Target::Visitor(v),
        (Some(_), None) => {
            return Err(prop(
                "visitor",
                "not a visitor id Signpost issued (the sp_vid cookie)",
            ))
        }
        (None, Some(Value::String(u))) if is_user_id(&u) => Target::User(u),
        (None, Some(_)) => {
            return Err(prop(
                "user",
                &format!("expected a string of 1 to {MAX_USER_ID_LEN} bytes (the site's user id)"),
            ))
        }
    };
    if !matches!(m.get("id"), Some(Value::String(s)) if !s.is_empty()) {
        return Err(prop("id", "missing: every server event needs a unique id"));
    }
    if !m.get("type").is_some_and(Value::is_string) {
        return Err(EventError::BadType {
            index,
            message: "missing or not a string".into(),
        });
    }
    let e = Event::from_value(Value::Object(m)).map_err(|e| malformed(index, &e.to_string()))?;
    check_event(index, &e)?;
    Ok((target, e))
}

fn malformed(index: usize, message: &str) -> EventError {
    EventError::Malformed {
        index,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(v: &str) -> bool {
        v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit())
    }

    const VID: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn each_event_is_judged_on_its_own() {
        let body = serde_json::json!({"events": [
            {"visitor": VID, "type": "purchase", "id": "o-1", "at": "2026-11-20T10:00:00Z", "total": 120},
            {"user": "cust-42", "type": "purchase", "id": "o-2", "at": 1_795_000_000_000_i64},
            {"user": "cust-42", "type": "purchase"},
            {"visitor": "nope", "type": "purchase", "id": "o-3"},
            {"visitor": VID, "user": "x", "type": "purchase", "id": "o-4"},
            {"user": "cust-42", "type": "no spaces", "id": "o-5"},
            "not an event",
        ]});
        let b = parse_ingest_body(body.to_string().as_bytes(), &hex).unwrap();
        let statuses: Vec<_> = b.results.iter().map(|r| r.status).collect();
        use EventStatus::*;
        assert_eq!(
            statuses,
            [Accepted, Accepted, Rejected, Rejected, Rejected, Rejected, Rejected]
        );
        let errors: Vec<_> = b.results.iter().filter_map(|r| r.error.clone()).collect();
        assert_eq!(
            errors[0],
            "events[2].id: missing: every server event needs a unique id"
        );
        assert!(
            errors[1].starts_with("events[3].visitor: not a visitor id"),
            "{}",
            errors[1]
        );
        assert_eq!(
            errors[2],
            "events[4]: give \"visitor\" or \"user\", not both"
        );
        assert!(errors[3].starts_with("events[5].type:"), "{}", errors[3]);
        assert_eq!(b.events.len(), 2);
        assert_eq!(b.events[0].1, Target::Visitor(VID.into()));
        assert_eq!(b.events[1].1.profile_key(), "u:cust-42");
        assert_eq!(b.events[0].2.at, Some(1_795_168_800_000));
        assert!(
            !b.events[0].2.props.contains_key("visitor"),
            "the target is not a prop"
        );
        assert_eq!(b.results[1].id.as_deref(), Some("o-2"));
    }

    #[test]
    fn only_a_body_that_is_no_batch_is_refused_whole() {
        let parse = |s: &str| parse_ingest_body(s.as_bytes(), &hex).map(|b| b.results.len());
        assert!(matches!(parse("nope"), Err(IngestBodyError::NotJson(_))));
        assert_eq!(parse("{}"), Err(IngestBodyError::NoEvents));
        assert_eq!(parse("[]"), Err(IngestBodyError::NoEvents));
        assert_eq!(parse(r#"{"events": 1}"#), Err(IngestBodyError::NotAList));
        assert_eq!(parse(r#"{"events": []}"#), Ok(0));
        let many = format!(
            r#"{{"events": [{}]}}"#,
            vec!["{}"; MAX_INGEST_EVENTS + 1].join(",")
        );
        assert_eq!(
            parse(&many),
            Err(IngestBodyError::TooMany(MAX_INGEST_EVENTS + 1))
        );
    }

    #[test]
    fn user_ids() {
        assert!(is_user_id("cust-42") && is_user_id("ana@example.com"));
        assert!(!is_user_id("") && !is_user_id("a\nb") && !is_user_id(&"x".repeat(129)));
    }
}
