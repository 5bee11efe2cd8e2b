//! Events: the SDK's wire shape, the edge's own events (`page_view`, `track` rules), and the
//! limits a host enforces on a batch from the page.

use crate::request::{decode, RequestFacts};
use crate::text::Quoted;
use crate::time::{parse_timestamp, Millis, TimestampError};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// The event types Signpost gives a meaning to; any other name is a custom event (counted,
/// usable in intent signals and `{event: ...}` conditions).
pub const STANDARD_EVENTS: &[&str] = &[
    "page_view",
    "product_view",
    "compare_view",
    "search",
    "add_to_cart",
    "remove_from_cart",
    "checkout_start",
    "purchase",
    "identify",
];

/// One event, in the SDK's wire shape: `{"type": "add_to_cart", "product_id": "x", ...}`.
/// `at` (ms since the epoch, or an RFC 3339 string) defaults to the time of recording; `id`
/// lets a retried batch be recognised.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// The event type (`type` on the wire): a standard one or a custom name.
    #[serde(rename = "type")]
    pub kind: String,
    /// When it happened, if the sender says; otherwise when it is recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Millis>,
    /// The sender's id for it, so a retried batch is not recorded twice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Every other field (`product_id`, `quantity`, `items`, custom props), as sent.
    #[serde(flatten)]
    pub props: Map<String, Value>,
}

impl Event {
    /// An event from its JSON tree: `type` a string, `id` a string or null, `at` milliseconds
    /// or an RFC 3339 time (or null), every other field a prop. Read by hand rather than
    /// derived: serde's `flatten` buffers every event through a second deserializer, which
    /// weighed several KB in the browser's wasm.
    pub fn from_value(v: Value) -> Result<Event, WireError> {
        let Value::Object(mut props) = v else {
            return Err(WireError::NotAnObject);
        };
        let kind = match props.remove("type") {
            Some(Value::String(s)) => s,
            Some(_) => return Err(WireError::NotAString("type")),
            None => return Err(WireError::NoType),
        };
        let id = match props.remove("id") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err(WireError::NotAString("id")),
        };
        let at = match props.remove("at") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => Some(n.as_f64().ok_or(WireError::AtNotATime)? as Millis),
            Some(Value::String(s)) => Some(parse_timestamp(&s, None)?),
            Some(_) => return Err(WireError::AtType),
        };
        Ok(Event {
            kind,
            at,
            id,
            props,
        })
    }

    /// A batch: a JSON array of events, or what is wrong with it (`events[1]: ...`).
    pub fn batch_from_json(json: &[u8]) -> Result<Vec<Event>, WireError> {
        let v = serde_json::from_slice(json).map_err(|e| WireError::BatchJson(e.to_string()))?;
        match v {
            Value::Array(a) => a
                .into_iter()
                .enumerate()
                .map(|(i, v)| Event::from_value(v).map_err(|e| WireError::InBatch(i, Box::new(e))))
                .collect(),
            _ => Err(WireError::BatchNotAnArray),
        }
    }
}

/// What is wrong with an event in the SDK's wire shape ([`Event::from_value`]), or with a
/// batch of them ([`Event::batch_from_json`]). The texts are those the SDK's callers see.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The event is not a JSON object.
    #[error("an event is a JSON object")]
    NotAnObject,
    /// No `type`.
    #[error("missing field `type`")]
    NoType,
    /// `type` or `id` (named) is not a string.
    #[error("\"{0}\" must be a string")]
    NotAString(&'static str),
    /// `at` is a number out of `f64`'s reach (only with arbitrary-precision numbers).
    #[error("\"at\" is not a time")]
    AtNotATime,
    /// `at` is a string but not a time.
    #[error(transparent)]
    AtText(#[from] TimestampError),
    /// `at` is neither a number nor a string.
    #[error("\"at\" must be milliseconds since the epoch or an RFC 3339 time")]
    AtType,
    /// The batch is not JSON (serde_json's message).
    #[error("events: {0}")]
    BatchJson(String),
    /// The batch is not an array.
    #[error("events: expected a JSON array of events")]
    BatchNotAnArray,
    /// What is wrong with the event at this place of the batch.
    #[error("events[{0}]: {1}")]
    InBatch(usize, Box<WireError>),
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Event::from_value(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl Event {
    /// An event of type `kind` with no props, timed at recording.
    pub fn new(kind: impl Into<String>) -> Event {
        Event {
            kind: kind.into(),
            at: None,
            id: None,
            props: Map::new(),
        }
    }

    /// The event with the prop `key` set (builder style, for hosts and tests).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Event {
        self.props.insert(key.into(), value.into());
        self
    }

    /// A prop as text; an empty string counts as absent.
    pub fn str_prop(&self, key: &str) -> Option<&str> {
        self.props
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    /// A prop as a number: a JSON number, or a string that reads as one (pages send both).
    pub fn num_prop(&self, key: &str) -> Option<f64> {
        match self.props.get(key)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => crate::facts::parse_number(s.trim()),
            _ => None,
        }
    }

    /// The `product_id` prop, which ties the event to the catalog.
    pub fn product_id(&self) -> Option<&str> {
        self.str_prop("product_id")
    }

    /// The `quantity` prop, when it is at least 1 (fractions cut, capped at `u32::MAX`).
    pub fn quantity(&self) -> Option<u32> {
        self.num_prop("quantity")
            .filter(|q| *q >= 1.0)
            .map(|q| q.min(u32::MAX as f64) as u32)
    }

    /// A purchase's items: ids, or objects with `product_id` (or `id`), `quantity`, `price`.
    pub fn items(&self) -> Vec<(String, u32, Option<f64>)> {
        let Some(Value::Array(items)) = self.props.get("items") else {
            return self
                .product_id()
                .map(|p| {
                    vec![(
                        p.to_string(),
                        self.quantity().unwrap_or(1),
                        self.num_prop("price"),
                    )]
                })
                .unwrap_or_default();
        };
        items
            .iter()
            .filter_map(|it| match it {
                Value::String(s) if !s.is_empty() => Some((s.clone(), 1, None)),
                Value::Object(o) => {
                    let id = o
                        .get("product_id")
                        .or_else(|| o.get("id"))
                        .and_then(Value::as_str)?;
                    let q = o
                        .get("quantity")
                        .and_then(Value::as_f64)
                        .unwrap_or(1.0)
                        .max(1.0) as u32;
                    Some((id.to_string(), q, o.get("price").and_then(Value::as_f64)))
                }
                _ => None,
            })
            .collect()
    }

    /// A prop by dotted path (`utm.source`), or the event's own `type`/`id`.
    pub fn lookup(&self, path: &[String]) -> Option<&Value> {
        let (first, rest) = path.split_first()?;
        let mut v = self.props.get(first.as_str())?;
        for k in rest {
            v = v.get(k.as_str())?;
        }
        Some(v)
    }
}

/// Event names: [`crate::limits::is_event_name`], or why not (the config's references to
/// events and every batch from outside are held to it).
pub fn check_event_name(name: &str) -> Result<(), NameError> {
    use crate::limits::MAX_EVENT_NAME_LEN;
    if name.is_empty() {
        return Err(NameError::EmptyEvent);
    }
    if name.len() > MAX_EVENT_NAME_LEN {
        return Err(NameError::LongEvent);
    }
    if let Some(c) = invalid_name_char(name) {
        return Err(NameError::EventChar(c, name.into()));
    }
    debug_assert!(crate::limits::is_event_name(name));
    Ok(())
}

/// The first character a name may not hold: names are ASCII letters, digits and
/// [`crate::limits::EVENT_NAME_PUNCTUATION`], event names and a config's ids alike.
pub(crate) fn invalid_name_char(name: &str) -> Option<char> {
    use crate::limits::EVENT_NAME_PUNCTUATION;
    // `[c]`, not `c`: a char that is not a constant is searched as a `&str` (crate::text).
    name.chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || EVENT_NAME_PUNCTUATION.contains([c])))
}

/// Why a name is refused: an event name ([`check_event_name`]), or an id or name in a config,
/// which holds the same characters but may be longer ([`crate::profile::MAX_ID_LEN`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// An empty event name.
    #[error("an event name must not be empty")]
    EmptyEvent,
    /// An event name over [`crate::limits::MAX_EVENT_NAME_LEN`].
    #[error(
        "event name longer than {} characters",
        crate::limits::MAX_EVENT_NAME_LEN
    )]
    LongEvent,
    /// A character an event name may not hold, and the name.
    #[error("invalid character {} in event name \"{}\" (use letters, digits, _ - . :)", Quoted(*.0), .1)]
    EventChar(char, String),
    /// An empty id or name.
    #[error("a name must not be empty")]
    Empty,
    /// An id or name over [`crate::profile::MAX_ID_LEN`] characters.
    #[error("names are at most {} characters", crate::profile::MAX_ID_LEN)]
    Long,
    /// A character an id or name may not hold, and the name.
    #[error("invalid character {} in \"{}\" (use letters, digits, _ - . :)", Quoted(*.0), .1)]
    Char(char, String),
}

fn pairs_to_object(pairs: &[(String, String)]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.entry(k.clone())
            .or_insert_with(|| Value::String(v.clone()));
    }
    Value::Object(m)
}

/// The `page_view` the edge records for a request: `path`, `url`, `referrer`, `utm.*`, `query.*`.
pub fn page_view(req: &RequestFacts) -> Event {
    let mut e = Event::new("page_view")
        .with("path", req.path.clone())
        .with("url", req.url.clone());
    if let Some(r) = &req.referrer {
        e = e.with("referrer", r.clone());
    }
    if !req.utm.is_empty() {
        e = e.with("utm", pairs_to_object(&req.utm));
    }
    if !req.query.is_empty() {
        e = e.with("query", pairs_to_object(&req.query));
    }
    e
}

/// Fills `path`, `utm` and `query` of a `page_view` sent by the page with only a `url`, so
/// signals such as `event.utm.source` work for single-page navigations too.
pub fn complete_page_view(e: &mut Event) {
    let Some(url) = e.str_prop("url").map(str::to_string) else {
        return;
    };
    let (_, path, query) = crate::request::split_url(&url);
    if !e.props.contains_key("path") {
        e.props.insert("path".into(), path.to_string().into());
    }
    let q: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k, true), decode(v, true))
        })
        .collect();
    let utm: Vec<(String, String)> = q
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("utm_")?.to_string(), v.clone())))
        .collect();
    if !utm.is_empty() && !e.props.contains_key("utm") {
        e.props.insert("utm".into(), pairs_to_object(&utm));
    }
    if !q.is_empty() && !e.props.contains_key("query") {
        e.props.insert("query".into(), pairs_to_object(&q));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_shape() {
        let e: Event = serde_json::from_str(
            r#"{"type":"add_to_cart","product_id":"t","quantity":2,"price":529,"at":"2026-11-20T17:04:00Z","id":"e1"}"#,
        )
        .unwrap();
        assert_eq!(e.kind, "add_to_cart");
        assert_eq!(e.product_id(), Some("t"));
        assert_eq!(e.quantity(), Some(2));
        assert_eq!(e.at, Some(1_795_194_240_000));
        assert_eq!(e.id.as_deref(), Some("e1"));
        assert!(!e.props.contains_key("type"));
        let back = serde_json::to_value(&e).unwrap();
        assert_eq!(back["type"], "add_to_cart");
        assert_eq!(back["price"], 529);
    }

    #[test]
    fn purchase_items_in_both_shapes() {
        let e: Event = serde_json::from_str(
            r#"{"type":"purchase","items":["a",{"product_id":"b","quantity":2,"price":5},{"id":"c"}]}"#,
        )
        .unwrap();
        let items = e.items();
        assert_eq!(items[0], ("a".to_string(), 1, None));
        assert_eq!(items[1], ("b".to_string(), 2, Some(5.0)));
        assert_eq!(items[2].0, "c");
    }

    #[test]
    fn spa_page_views_get_utm() {
        let mut e = Event::new("page_view").with("url", "https://x.test/a?utm_source=email&q=1");
        complete_page_view(&mut e);
        assert_eq!(e.props["path"], "/a");
        assert_eq!(e.props["utm"]["source"], "email");
        assert_eq!(e.props["query"]["q"], "1");
    }
}
