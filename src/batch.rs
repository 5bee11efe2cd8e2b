//! A batch of events from outside: checked one event at a time and answered one event at a
//! time, so that one bad event never costs the others.
//!
//! The page posts `{"url": "/path?q", "events": [...]}` to `POST /__signpost/events`. Only a
//! body that is not a batch at all (not JSON, no `url`, `events` not a list, more events than
//! [`MAX_BATCH_EVENTS`]) is refused whole; each event is otherwise accepted or rejected on its
//! own, with the reason, and the answer lists an [`EventResult`] per event in order. The limits
//! are those of [`crate::limits`], the same the browser SDK checks before it sends.

use crate::events::{check_event_name, Event};
use crate::limits::{
    MAX_BATCH_EVENTS, MAX_EVENT_BYTES, MAX_ID_LEN, MAX_PAGE_URL_BYTES, MAX_PROP_STRING_BYTES,
};
use serde::Serialize;
use serde_json::Value;

/// What is wrong with one event of a batch (or with the batch's count), named by its path.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EventError {
    /// More events than [`MAX_BATCH_EVENTS`].
    #[error("too many events in one batch: {0} (at most {MAX_BATCH_EVENTS})")]
    TooMany(usize),
    /// The `type` is missing or not an event name.
    #[error("events[{index}].type: {message}")]
    BadType {
        /// The event's place in the batch.
        index: usize,
        /// Why the name is refused.
        message: String,
    },
    /// The event's JSON is over [`MAX_EVENT_BYTES`].
    #[error("events[{0}]: larger than {MAX_EVENT_BYTES} bytes")]
    TooLarge(usize),
    /// A field (the `id` or a prop) breaks a limit.
    #[error("events[{index}].{key}: {message}")]
    BadProp {
        /// The event's place in the batch.
        index: usize,
        /// The field.
        key: String,
        /// What is wrong with it.
        message: String,
    },
    /// A type in the config's `trusted_events`: only the site's server may send it.
    #[error("events[{index}].type: \"{kind}\" comes only from the site's server (trusted_events)")]
    Trusted {
        /// The event's place in the batch.
        index: usize,
        /// Its type.
        kind: String,
    },
    /// The event is not an event in the wire shape (not an object, `at` not a time, ...).
    #[error("events[{index}]: {message}")]
    Malformed {
        /// The event's place in the batch.
        index: usize,
        /// What is wrong with it.
        message: String,
    },
}

/// What became of one event of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    /// Recorded.
    Accepted,
    /// Its id was seen before (a retried batch): not recorded again.
    Duplicate,
    /// Refused; [`EventResult::error`] says why.
    Rejected,
}

/// One entry of an answer's `results`, in the batch's order: `{"id", "status", "error"?}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventResult {
    /// The event's `id`, when it had one.
    pub id: Option<String>,
    /// What became of it.
    pub status: EventStatus,
    /// Why it was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Checks one event from outside against [`crate::limits`]: its name, its size, its id's and
/// its strings' lengths. `index` is its place in the batch, for the error's path.
pub fn check_event(index: usize, e: &Event) -> Result<(), EventError> {
    if let Err(e) = check_event_name(&e.kind) {
        return Err(EventError::BadType {
            index,
            message: e.to_string(),
        });
    }
    let size = serde_json::to_string(e)
        .map(|s| s.len())
        .unwrap_or(usize::MAX);
    if size > MAX_EVENT_BYTES {
        return Err(EventError::TooLarge(index));
    }
    if e.id.as_ref().is_some_and(|id| id.len() > MAX_ID_LEN) {
        return Err(EventError::BadProp {
            index,
            key: "id".into(),
            message: format!("longer than {MAX_ID_LEN} bytes"),
        });
    }
    for (key, v) in &e.props {
        if longest_string(v) > MAX_PROP_STRING_BYTES {
            return Err(EventError::BadProp {
                index,
                key: key.clone(),
                message: format!("a string longer than {MAX_PROP_STRING_BYTES} bytes"),
            });
        }
    }
    Ok(())
}

/// Checks a whole batch, refusing it at its first bad event (the in-page wasm, whose events
/// the SDK has already checked one by one).
pub fn validate_batch(events: &[Event]) -> Result<(), EventError> {
    if events.len() > MAX_BATCH_EVENTS {
        return Err(EventError::TooMany(events.len()));
    }
    events
        .iter()
        .enumerate()
        .try_for_each(|(i, e)| check_event(i, e))
}

/// What is wrong with the body of `POST /__signpost/events` when it is not a batch at all.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BodyError {
    /// Not JSON.
    #[error("body is not JSON: {0}")]
    NotJson(String),
    /// No `url`.
    #[error("url: missing")]
    NoUrl,
    /// A `url` that is not a path on this site.
    #[error("url: expected a path such as \"/products/x?q=1\"")]
    BadUrl,
    /// No `events`.
    #[error("events: missing")]
    NoEvents,
    /// `events` is not a list.
    #[error("events: expected an array")]
    NotAList,
    /// More events than [`MAX_BATCH_EVENTS`].
    #[error("events: {0} events in one batch (at most {MAX_BATCH_EVENTS})")]
    TooMany(usize),
}

/// A parsed page batch: the page it is for, the events that passed the checks, and a result
/// per event of the body, in order (accepted until recorded).
#[derive(Debug)]
pub struct PageBatch {
    /// The path and query of the page the events happened on.
    pub url: String,
    /// The events that passed, in order.
    pub events: Vec<Event>,
    /// Each passed event's place in `results`.
    indexes: Vec<usize>,
    /// One per event of the body, in order.
    pub results: Vec<EventResult>,
}

impl PageBatch {
    /// The events recorded for the first time (neither duplicates nor refused), after
    /// [`PageBatch::mark_recorded`].
    pub fn accepted(&self) -> impl Iterator<Item = &Event> {
        self.events
            .iter()
            .zip(&self.indexes)
            .filter(|(_, &i)| self.results[i].status == EventStatus::Accepted)
            .map(|(e, _)| e)
    }

    /// Takes what recording [`PageBatch::events`] said of each (`statuses`, in their order):
    /// duplicates are marked, and an event the engine refused (a type of the config's
    /// `trusted_events`, the only events recording refuses) is rejected with that reason and
    /// leaves `events`, so nothing downstream counts it.
    pub fn mark_recorded(&mut self, statuses: &[EventStatus]) {
        let mut kept = Vec::with_capacity(self.events.len());
        let mut kept_indexes = Vec::with_capacity(self.events.len());
        let passed = std::mem::take(&mut self.events)
            .into_iter()
            .zip(&self.indexes);
        for ((e, &index), &status) in passed.zip(statuses) {
            let result = &mut self.results[index];
            result.status = status;
            if status == EventStatus::Rejected {
                result.error = Some(
                    EventError::Trusted {
                        index,
                        kind: e.kind,
                    }
                    .to_string(),
                );
            } else {
                kept.push(e);
                kept_indexes.push(index);
            }
        }
        self.events = kept;
        self.indexes = kept_indexes;
    }
}

/// Parses the body the SDK posts, `{"url": "/path?q", "events": [...]}`, checking each event
/// on its own. The caller bounds the body's size first.
pub fn parse_page_body(body: &[u8]) -> Result<PageBatch, BodyError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| BodyError::NotJson(e.to_string()))?;
    let url = match value.get("url") {
        Some(Value::String(u)) if u.starts_with('/') && u.len() <= MAX_PAGE_URL_BYTES => u.clone(),
        Some(_) => return Err(BodyError::BadUrl),
        None => return Err(BodyError::NoUrl),
    };
    let list = take_events(value, MAX_BATCH_EVENTS).map_err(|e| match e {
        ListProblem::Missing => BodyError::NoEvents,
        ListProblem::NotAList => BodyError::NotAList,
        ListProblem::TooMany(n) => BodyError::TooMany(n),
    })?;
    let (passed, results) = judge_each(list, one_event);
    let (indexes, events) = passed.into_iter().unzip();
    Ok(PageBatch {
        url,
        events,
        indexes,
        results,
    })
}

/// Why a body holds no list of events to judge.
#[derive(Debug, PartialEq)]
pub enum ListProblem {
    /// No `events` field (or the body is not an object).
    Missing,
    /// `events` is not a list.
    NotAList,
    /// More events than a batch may hold.
    TooMany(usize),
}

/// The body's `events` list, of at most `max` events.
pub fn take_events(body: Value, max: usize) -> Result<Vec<Value>, ListProblem> {
    let list = match body {
        Value::Object(mut o) => match o.remove("events") {
            Some(Value::Array(list)) => list,
            Some(_) => return Err(ListProblem::NotAList),
            None => return Err(ListProblem::Missing),
        },
        _ => return Err(ListProblem::Missing),
    };
    if list.len() > max {
        return Err(ListProblem::TooMany(list.len()));
    }
    Ok(list)
}

/// Checks each event of a batch on its own with `one`: the events that passed, with their
/// places in the batch, and a result per event of the batch, in order (accepted until
/// recorded, or rejected with `one`'s reason). Page batches and the server ingest share it.
pub fn judge_each<T>(
    list: Vec<Value>,
    mut one: impl FnMut(usize, Value) -> Result<T, EventError>,
) -> (Vec<(usize, T)>, Vec<EventResult>) {
    let mut passed = Vec::with_capacity(list.len());
    let mut results = Vec::with_capacity(list.len());
    for (index, v) in list.into_iter().enumerate() {
        let id = v.get("id").and_then(Value::as_str).map(str::to_string);
        let (status, error) = match one(index, v) {
            Ok(t) => {
                passed.push((index, t));
                (EventStatus::Accepted, None)
            }
            Err(e) => (EventStatus::Rejected, Some(e.to_string())),
        };
        results.push(EventResult { id, status, error });
    }
    (passed, results)
}

fn one_event(index: usize, v: Value) -> Result<Event, EventError> {
    if !v.get("type").is_some_and(Value::is_string) {
        return Err(EventError::BadType {
            index,
            message: "missing or not a string".into(),
        });
    }
    let e = Event::from_value(v).map_err(|e| EventError::Malformed {
        index,
        message: e.to_string(),
    })?;
    check_event(index, &e)?;
    Ok(e)
}

fn longest_string(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::Array(a) => a.iter().map(longest_string).max().unwrap_or(0),
        Value::Object(o) => o.values().map(longest_string).max().unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_limits() {
        assert!(validate_batch(&[Event::new("trip_planned")]).is_ok());
        let bad = validate_batch(&[Event::new("ok"), Event::new("no spaces")]).unwrap_err();
        assert!(matches!(bad, EventError::BadType { index: 1, .. }));
        let many = vec![Event::new("x"); MAX_BATCH_EVENTS + 1];
        assert_eq!(
            validate_batch(&many),
            Err(EventError::TooMany(MAX_BATCH_EVENTS + 1))
        );
        let big = Event::new("x").with("blob", "a".repeat(MAX_EVENT_BYTES));
        assert_eq!(validate_batch(&[big]), Err(EventError::TooLarge(0)));
        let long = Event::new("search").with("q", "a".repeat(MAX_PROP_STRING_BYTES + 1));
        let err = validate_batch(&[Event::new("x"), long]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "events[1].q: a string longer than 512 bytes"
        );
    }

    #[test]
    fn every_name_the_sdk_accepts_is_accepted() {
        for name in ["add_to_cart", "newsletterSignup", "Checkout.Step:2-b", "x"] {
            assert!(validate_batch(&[Event::new(name)]).is_ok(), "{name}");
        }
        assert!(validate_batch(&[Event::new("x".repeat(64))]).is_ok());
        for bad in ["", "a b", "é", &"x".repeat(65)] {
            assert!(matches!(
                validate_batch(&[Event::new(bad)]),
                Err(EventError::BadType { index: 0, .. })
            ));
        }
    }

    #[test]
    fn body_errors_name_the_field() {
        let err = |b: &str| parse_page_body(b.as_bytes()).unwrap_err().to_string();
        assert!(err("nope").starts_with("body is not JSON"));
        assert_eq!(err(r#"{"events": []}"#), "url: missing");
        assert!(err(r#"{"url": "https://evil.example/", "events": []}"#)
            .starts_with("url: expected a path"));
        assert_eq!(
            err(r#"{"url": "/", "events": {}}"#),
            "events: expected an array"
        );
        assert_eq!(err(r#"{"url": "/"}"#), "events: missing");
        // A JSON bomb: serde_json's recursion limit, not the stack, stops it.
        let bomb = format!(
            r#"{{"url": "/", "events": {}{}}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert!(err(&bomb).starts_with("body is not JSON"));
        let batch = parse_page_body(br#"{"url": "/a?b=1", "events": [{"type": "search"}]}"#);
        let batch = batch.unwrap();
        assert_eq!((batch.url.as_str(), batch.events.len()), ("/a?b=1", 1));
    }

    #[test]
    fn each_event_is_answered_on_its_own() {
        let body = r#"{"url": "/", "events": [
            {"type": "add_to_cart", "id": "a"},
            1,
            {"type": "Bad Name", "id": "b"},
            {"type": "x", "at": [], "id": "c"},
            {"type": "newsletterSignup", "id": "d"}
        ]}"#;
        let batch = parse_page_body(body.as_bytes()).unwrap();
        let statuses: Vec<_> = batch.results.iter().map(|r| r.status).collect();
        use EventStatus::*;
        assert_eq!(statuses, [Accepted, Rejected, Rejected, Rejected, Accepted]);
        let errors: Vec<_> = batch.results.iter().map(|r| r.error.clone()).collect();
        assert_eq!(
            errors[1].as_deref(),
            Some("events[1].type: missing or not a string")
        );
        assert!(errors[2]
            .as_deref()
            .unwrap()
            .starts_with("events[2].type: "));
        assert!(errors[3].as_deref().unwrap().starts_with("events[3]: "));
        assert_eq!(batch.results[2].id.as_deref(), Some("b"));
        let kinds: Vec<_> = batch.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["add_to_cart", "newsletterSignup"]);
    }

    #[test]
    fn trusted_types_are_refused_and_the_rest_kept() {
        let body = r#"{"url": "/", "events": [
            {"type": "purchase", "id": "p", "total": 5000},
            {"type": "add_to_cart", "id": "a"},
            {"type": "refund"}
        ]}"#;
        let mut batch = parse_page_body(body.as_bytes()).unwrap();
        // What the engine's recording answers for them (see Engine::record_event).
        use EventStatus::*;
        batch.mark_recorded(&[Rejected, Duplicate, Rejected]);
        let kinds: Vec<_> = batch.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["add_to_cart"]);
        let json = serde_json::to_value(&batch.results).unwrap();
        assert_eq!(json[0]["status"], "rejected");
        assert_eq!(json[0]["id"], "p");
        assert_eq!(
            json[0]["error"],
            "events[0].type: \"purchase\" comes only from the site's server (trusted_events)"
        );
        assert_eq!(json[1]["status"], "duplicate");
        assert_eq!(json[2]["status"], "rejected");
        // What is left still lines up with its results.
        assert_eq!(batch.results[1].status, EventStatus::Duplicate);
    }

    #[test]
    fn recorded_duplicates_are_marked() {
        let body =
            r#"{"url": "/", "events": [{"type": "x", "id": "a"}, 2, {"type": "y", "id": "a"}]}"#;
        let mut batch = parse_page_body(body.as_bytes()).unwrap();
        batch.mark_recorded(&[EventStatus::Accepted, EventStatus::Duplicate]);
        let json = serde_json::to_value(&batch.results).unwrap();
        assert_eq!(json[0]["status"], "accepted");
        assert_eq!(json[1]["status"], "rejected");
        assert_eq!(json[2]["status"], "duplicate");
        assert!(json[2].get("error").is_none());
    }
}
