//! The small top-level sections: `consent`, `profile`, `attribution` and `trusted_events`.

use super::check::{index, Checker};
use super::grammar::{ATTRIBUTION, CONSENT, PROFILE};
use super::names::event_name;
use super::Consent;
use crate::time::Millis;
use serde_json::Value;

pub(super) fn consent(ck: &mut Checker, v: &Value) -> Consent {
    let mut c = Consent::default();
    let Some(m) = ck.object(v, "consent", &CONSENT) else {
        return c;
    };
    if let Some(name) = ck.field(m, "consent", "cookie", Checker::string) {
        c.cookie = name.to_string();
    }
    let default = ck.field(m, "consent", "default", |ck, x, p| {
        ck.one_of(x, p, "value", &["granted", "denied"], |d| match d {
            "granted" => Some(true),
            "denied" => Some(false),
            _ => None,
        })
    });
    if let Some(granted) = default {
        c.default_granted = granted;
    }
    if let Some(b) = ck.field(m, "consent", "respect_gpc", Checker::boolean) {
        c.respect_gpc = b;
    }
    c
}

/// `profile.expire_after`: how long a profile lives without a write (KV's `expirationTtl`).
pub(super) fn profile(ck: &mut Checker, v: &Value) -> Option<Millis> {
    let m = ck.object(v, "profile", &PROFILE)?;
    let d = ck.field(m, "profile", "expire_after", Checker::duration)?;
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
    let w = ck.field(m, "attribution", "window", Checker::duration)?;
    if w <= 0 {
        ck.err("attribution.window", "must be longer than zero");
        return None;
    }
    Some(w)
}

/// The most steps a funnel has.
pub const MAX_FUNNEL_STEPS: usize = 8;

/// `funnels`: per name, its ordered steps (event types), 2 to [`MAX_FUNNEL_STEPS`] of them.
pub(super) fn funnels(ck: &mut Checker, v: &Value) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (name, steps) in ck.map(v, "funnels").into_iter().flatten() {
        let path = super::check::join("funnels", name);
        if let Err(e) = super::names::check_name(name) {
            ck.err(&path, e);
        }
        let Some(list) = ck.array(steps, &path) else {
            continue;
        };
        if !(2..=MAX_FUNNEL_STEPS).contains(&list.len()) {
            ck.err(&path, "expected 2 to 8 steps, each an event type");
            continue;
        }
        let names: Vec<String> = (list.iter().enumerate())
            .filter_map(|(i, e)| event_name(ck, e, &index(&path, i)))
            .collect();
        if names.len() == list.len() {
            out.push((name.clone(), names));
        }
    }
    out
}

/// `trusted_events`: event types only the site's server may send. Each name once.
pub(super) fn trusted_events(ck: &mut Checker, v: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, e) in ck
        .array(v, "trusted_events")
        .into_iter()
        .flatten()
        .enumerate()
    {
        let path = index("trusted_events", i);
        if let Some(e) = event_name(ck, e, &path) {
            if out.contains(&e) {
                ck.err(&path, super::check::msg!("\"{e}\" is listed twice"));
            } else {
                out.push(e);
            }
        }
    }
    out
}
