//! A delivery as the destination reads it: the body in the destination's format, and the
//! `Signpost-Signature` header that lets the receiver check it came from this site and was not
//! changed or replayed (docs/marketers.md has both formats and a verifier).
//!
//! Pure functions: the host resolves the destination's secret from its environment and reads
//! the clock; the same inputs give the same bytes, so the test vectors hold everywhere.

use super::{Delivery, Format, Kind};
use crate::time::{format_timestamp, Millis, SECOND};
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;

/// The body for a destination of `format`.
pub fn body(d: &Delivery, format: Format) -> String {
    match format {
        Format::Signpost => signpost_body(d),
        Format::Segment => segment_body(d),
    }
}

/// Signpost's own format:
/// `{"id", "action", "kind", "segment" | "event", "visitor", "user"?, "at", "triggered_at",
/// "traits"}`; times in RFC 3339 UTC, `user` only when the visitor identified, `traits` the
/// ones the destination lists that the profile has.
pub fn signpost_body(d: &Delivery) -> String {
    let mut m = Map::new();
    m.insert("id".into(), d.id.clone().into());
    m.insert("action".into(), d.action.clone().into());
    m.insert("kind".into(), d.kind.as_str().into());
    m.insert(subject_key(d.kind).into(), d.subject.clone().into());
    m.insert(
        "visitor".into(),
        d.visitor.clone().map_or(Value::Null, Value::from),
    );
    if let Some(u) = &d.user {
        m.insert("user".into(), u.clone().into());
    }
    m.insert("at".into(), format_timestamp(d.at).into());
    m.insert("triggered_at".into(), format_timestamp(d.triggered).into());
    m.insert("traits".into(), Value::Object(d.traits.clone()));
    Value::Object(m).to_string()
}

/// A Segment / RudderStack `track` call: the event is the action's id (what the tool's
/// campaign listens for), the properties say what happened, the listed traits go in
/// `context.traits`; `userId` when identified, `anonymousId` the visitor.
pub fn segment_body(d: &Delivery) -> String {
    let mut m = Map::new();
    m.insert("type".into(), "track".into());
    m.insert("event".into(), d.action.clone().into());
    if let Some(u) = &d.user {
        m.insert("userId".into(), u.clone().into());
    }
    if let Some(v) = &d.visitor {
        m.insert("anonymousId".into(), v.clone().into());
    }
    let properties = json!({
        "kind": d.kind.as_str(),
        subject_key(d.kind): d.subject,
        "triggered_at": format_timestamp(d.triggered),
    });
    m.insert("properties".into(), properties);
    let mut context = Map::new();
    if !d.traits.is_empty() {
        context.insert("traits".into(), Value::Object(d.traits.clone()));
    }
    context.insert(
        "library".into(),
        json!({"name": "signpost", "version": crate::config::CONFIG_VERSION}),
    );
    m.insert("context".into(), Value::Object(context));
    m.insert("timestamp".into(), format_timestamp(d.at).into());
    m.insert("messageId".into(), d.id.clone().into());
    Value::Object(m).to_string()
}

fn subject_key(kind: Kind) -> &'static str {
    match kind {
        Kind::Event => "event",
        _ => "segment",
    }
}

/// The `Signpost-Signature` header's value for `body` sent at `now`:
/// `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature(secret: &[u8], now: Millis, body: &str) -> String {
    let t = now.div_euclid(SECOND);
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(format!("{t}.{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={t},v1={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(kind: Kind, user: Option<&str>) -> Delivery {
        let mut traits = Map::new();
        traits.insert("plan".into(), "pro".into());
        Delivery {
            id: "0123456789abcdef0123456789abcdef".into(),
            action: "pql".into(),
            kind,
            destination: "crm".into(),
            profile: "v1".into(),
            visitor: Some("v1".into()),
            user: user.map(str::to_string),
            subject: "trip_planner_power_user".into(),
            triggered: 1_795_194_000_000,
            at: 1_795_197_600_000,
            traits,
        }
    }

    #[test]
    fn the_signpost_format() {
        let b: Value =
            serde_json::from_str(&signpost_body(&delivery(Kind::Entered, Some("c-1")))).unwrap();
        assert_eq!(
            b,
            json!({"id": "0123456789abcdef0123456789abcdef", "action": "pql",
                   "kind": "segment.entered", "segment": "trip_planner_power_user",
                   "visitor": "v1", "user": "c-1", "at": "2026-11-20T18:00:00Z",
                   "triggered_at": "2026-11-20T17:00:00Z", "traits": {"plan": "pro"}})
        );
        let mut e = delivery(Kind::Event, None);
        e.subject = "purchase".into();
        let b: Value = serde_json::from_str(&body(&e, Format::Signpost)).unwrap();
        assert_eq!(
            (b["event"].as_str(), b.get("user")),
            (Some("purchase"), None)
        );
    }

    #[test]
    fn the_segment_format_is_a_track_call() {
        let b: Value = serde_json::from_str(&segment_body(&delivery(Kind::Exited, None))).unwrap();
        assert_eq!(b["type"], "track");
        assert_eq!(b["event"], "pql");
        assert_eq!(b["anonymousId"], "v1");
        assert!(b.get("userId").is_none());
        assert_eq!(b["properties"]["kind"], "segment.exited");
        assert_eq!(b["properties"]["segment"], "trip_planner_power_user");
        assert_eq!(b["context"]["traits"]["plan"], "pro");
        assert_eq!(b["timestamp"], "2026-11-20T18:00:00Z");
        assert_eq!(b["messageId"], "0123456789abcdef0123456789abcdef");
        let b: Value = serde_json::from_str(&body(
            &delivery(Kind::Entered, Some("c-1")),
            Format::Segment,
        ))
        .unwrap();
        assert_eq!(b["userId"], "c-1");
    }

    #[test]
    fn signature_test_vectors() {
        // printf '1795197600.{"a":1}' | openssl dgst -sha256 -hmac whsec-test
        assert_eq!(
            signature(b"whsec-test", 1_795_197_600_999, r#"{"a":1}"#),
            "t=1795197600,v1=eccda3e6eeb6c65f71a6c186f00d51ba87738a4fc7c3727bead4ae45a563bd16"
        );
        // printf '0.' | openssl dgst -sha256 -hmac key
        assert_eq!(
            signature(b"key", 0, ""),
            "t=0,v1=85841b4efc3cd7776c3c8f9b7cca9e281c550e5d19889d78e9e669c6337f000d"
        );
    }
}
