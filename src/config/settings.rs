//! The small top-level sections: `consent`, `profile` and `attribution`.

use super::check::{unknown, Checker};
use super::grammar::{ATTRIBUTION, CONSENT, PROFILE};
use super::Consent;
use crate::time::Millis;
use serde_json::Value;

pub(super) fn consent(ck: &mut Checker, v: &Value) -> Consent {
    let mut c = Consent::default();
    let Some(m) = ck.object(v, "consent", &CONSENT) else {
        return c;
    };
    if let Some(name) = m.get("cookie").and_then(|x| ck.string(x, "consent.cookie")) {
        c.cookie = name.to_string();
    }
    if let Some(d) = m
        .get("default")
        .and_then(|x| ck.string(x, "consent.default"))
    {
        match d {
            "granted" => c.default_granted = true,
            "denied" => c.default_granted = false,
            other => ck.err(
                "consent.default",
                unknown("value", other, &["granted", "denied"]),
            ),
        }
    }
    if let Some(b) = m
        .get("respect_gpc")
        .and_then(|x| ck.boolean(x, "consent.respect_gpc"))
    {
        c.respect_gpc = b;
    }
    c
}

/// `profile.expire_after`: how long a profile lives without a write (KV's `expirationTtl`).
pub(super) fn profile(ck: &mut Checker, v: &Value) -> Option<Millis> {
    let m = ck.object(v, "profile", &PROFILE)?;
    let d = m
        .get("expire_after")
        .and_then(|d| ck.duration(d, "profile.expire_after"))?;
    // KV refuses a TTL under 60 s; two years is long past any honest use of a journey.
    if !(super::MIN_PROFILE_EXPIRY..=super::MAX_PROFILE_EXPIRY).contains(&d) {
        ck.err(
            "profile.expire_after",
            "must be between 1 minute and 730 days (\"1m\" .. \"730d\")",
        );
        return None;
    }
    Some(d)
}

/// `attribution.window`: how long after an exposure a goal still counts for it.
pub(super) fn attribution(ck: &mut Checker, v: &Value) -> Option<Millis> {
    let m = ck.object(v, "attribution", &ATTRIBUTION)?;
    let w = m
        .get("window")
        .and_then(|w| ck.duration(w, "attribution.window"))?;
    if w <= 0 {
        ck.err("attribution.window", "must be longer than zero");
        return None;
    }
    Some(w)
}
