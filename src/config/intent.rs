//! `intent`: how a visitor's actions score (signals), the tiers the score falls into, and how
//! fast it fades.

use super::check::{index, join, Checker, Fields};
use super::conditions::{compile as compile_cond, SegmentNames};
use super::grammar::{INTENT, SIGNAL, TIER};
use super::names::{event_name, name, new_id};
use crate::config::check::msg;
use crate::facts::{format_number, Scope};
use crate::intent::{IntentModel, Signal, Tier};
use serde_json::Value;

const AT: &str = "intent";

pub(super) fn compile(ck: &mut Checker, v: &Value) -> IntentModel {
    let mut model = IntentModel::default();
    let Some(m) = ck.object(v, AT, &INTENT) else {
        return model;
    };
    if let Some(h) = ck.field(m, AT, "half_life", Checker::duration) {
        model.half_life = h;
    }
    if let Some(h) = ck.field(m, AT, "hysteresis", Checker::number) {
        if h < 0.0 {
            ck.err("intent.hysteresis", "must be 0 or more");
        }
        model.hysteresis = h;
    }
    if let Some(s) = m.get("signals") {
        ck.each(s, "intent.signals", &SIGNAL, |ck, _, path, sm| {
            if let Some(s) = signal(ck, path, sm, &model.signals) {
                model.signals.push(s);
            }
        });
    }
    if let Some(t) = m.get("tiers") {
        ck.each(t, "intent.tiers", &TIER, |ck, _, path, tm| {
            if let Some(t) = tier(ck, path, tm, &model.tiers) {
                model.tiers.push(t);
            }
        });
    }
    let reset_on = ck.field(m, AT, "reset_on", Checker::array);
    for (i, e) in reset_on.into_iter().flatten().enumerate() {
        if let Some(e) = event_name(ck, e, &index("intent.reset_on", i)) {
            model.reset_on.push(e);
        }
    }
    model
}

/// `intent.signals[i]`, unless it has a problem.
fn signal(ck: &mut Checker, path: &str, m: &Fields, before: &[Signal]) -> Option<Signal> {
    let problems = ck.issues.len();
    let id = new_id(ck, m, path, "signal", before.iter().map(|s| s.id.as_str()));
    let event = ck.field(m, path, "event", event_name);
    // A signal's condition sees the event and the profile, never segments.
    let when = ck.field(m, path, "where", |ck, w, p| {
        compile_cond(ck, w, p, Scope::SIGNAL_WHERE, &SegmentNames(None))
    });
    let repeat = ck.field(m, path, "repeat", Checker::boolean);
    let score = ck.field(m, path, "score", Checker::number);
    let cap = ck.field(m, path, "cap", Checker::number);
    if ck.issues.len() > problems {
        return None;
    }
    Some(Signal {
        id: id?,
        event: event?,
        when,
        repeat,
        score: score?,
        cap,
    })
}

/// `intent.tiers[i]`: a new name, above the tier before it.
fn tier(ck: &mut Checker, path: &str, m: &Fields, before: &[Tier]) -> Option<Tier> {
    let name = ck.field(m, path, "name", name);
    let min_score = ck.field(m, path, "min_score", Checker::number);
    let (Some(name), Some(min_score)) = (name, min_score) else {
        return None;
    };
    if before.iter().any(|t| t.name == name) {
        ck.err(&join(path, "name"), msg!("duplicate tier \"{name}\""));
        return None;
    }
    if let Some(prev) = before.last().filter(|p| p.min_score >= min_score) {
        ck.err(
            &join(path, "min_score"),
            msg!(
                "tiers go from lowest to highest: {} is not above {} (tier \"{}\")",
                format_number(min_score),
                format_number(prev.min_score),
                prev.name
            ),
        );
        return None;
    }
    Some(Tier { name, min_score })
}
