//! `intent`: how a visitor's actions score (signals), the tiers the score falls into, and how
//! fast it fades.

use super::check::{index, join, Checker};
use super::conditions::{compile as compile_cond, SegmentNames};
use super::grammar::{INTENT, SIGNAL, TIER};
use super::names::{event_name, id_field};
use crate::config::check::msg;
use crate::facts::{format_number, Scope};
use crate::intent::{IntentModel, Signal, Tier};
use serde_json::Value;

pub(super) fn compile(ck: &mut Checker, v: &Value) -> IntentModel {
    let mut model = IntentModel::default();
    let Some(m) = ck.object(v, "intent", &INTENT) else {
        return model;
    };
    if let Some(h) = m
        .get("half_life")
        .and_then(|h| ck.duration(h, "intent.half_life"))
    {
        model.half_life = h;
    }
    if let Some(h) = m
        .get("hysteresis")
        .and_then(|h| ck.number(h, "intent.hysteresis"))
    {
        if h < 0.0 {
            ck.err("intent.hysteresis", "must be 0 or more");
        }
        model.hysteresis = h;
    }
    if let Some(list) = m.get("signals").and_then(|s| ck.array(s, "intent.signals")) {
        let where_names = SegmentNames(None);
        for (i, s) in list.iter().enumerate() {
            let path = index("intent.signals", i);
            let Some(sm) = ck.object(s, &path, &SIGNAL) else {
                continue;
            };
            let before = ck.issues.len();
            let id = id_field(ck, sm, "id", &path);
            if let Some(id) = &id {
                if model.signals.iter().any(|s| &s.id == id) {
                    ck.err(&join(&path, "id"), msg!("duplicate signal id \"{id}\""));
                }
            }
            let event = sm
                .get("event")
                .and_then(|e| event_name(ck, e, &join(&path, "event")));
            let when = sm.get("where").and_then(|w| {
                compile_cond(
                    ck,
                    w,
                    &join(&path, "where"),
                    Scope::SIGNAL_WHERE,
                    &where_names,
                )
            });
            let repeat = sm
                .get("repeat")
                .and_then(|r| ck.boolean(r, &join(&path, "repeat")));
            let score = sm
                .get("score")
                .and_then(|x| ck.number(x, &join(&path, "score")));
            let cap = sm
                .get("cap")
                .and_then(|x| ck.number(x, &join(&path, "cap")));
            if ck.issues.len() == before {
                if let (Some(id), Some(event), Some(score)) = (id, event, score) {
                    model.signals.push(Signal {
                        id,
                        event,
                        when,
                        repeat,
                        score,
                        cap,
                    });
                }
            }
        }
    }
    if let Some(list) = m.get("tiers").and_then(|t| ck.array(t, "intent.tiers")) {
        for (i, t) in list.iter().enumerate() {
            let path = index("intent.tiers", i);
            let Some(tm) = ck.object(t, &path, &TIER) else {
                continue;
            };
            let name = id_field(ck, tm, "name", &path);
            let min = tm
                .get("min_score")
                .and_then(|x| ck.number(x, &join(&path, "min_score")));
            if let (Some(name), Some(min_score)) = (name, min) {
                if model.tiers.iter().any(|t| t.name == name) {
                    ck.err(&join(&path, "name"), msg!("duplicate tier \"{name}\""));
                } else if let Some(prev) = model.tiers.last().filter(|p| p.min_score >= min_score) {
                    ck.err(
                        &join(&path, "min_score"),
                        msg!(
                            "tiers go from lowest to highest: {} is not above {} (tier \"{}\")",
                            format_number(min_score),
                            format_number(prev.min_score),
                            prev.name
                        ),
                    );
                } else {
                    model.tiers.push(Tier { name, min_score });
                }
            }
        }
    }
    if let Some(list) = m
        .get("reset_on")
        .and_then(|r| ck.array(r, "intent.reset_on"))
    {
        for (i, e) in list.iter().enumerate() {
            if let Some(e) = event_name(ck, e, &index("intent.reset_on", i)) {
                model.reset_on.push(e);
            }
        }
    }
    model
}
