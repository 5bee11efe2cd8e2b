//! `experiments` and `holdout`: who is bucketed how, and the share of visitors kept from any
//! personalization to measure it against.

use super::check::{join, Checker};
use super::grammar::{EXPERIMENT, HOLDOUT};
use super::names::{check_name, event_name};
use crate::experiments::{Experiment, Holdout};
use serde_json::Value;

pub(super) fn compile(ck: &mut Checker, v: &Value) -> Vec<Experiment> {
    let mut out = Vec::new();
    let Some(m) = ck.map(v, "experiments") else {
        return out;
    };
    for (id, e) in m {
        let path = join("experiments", id);
        if let Err(msg) = check_name(id) {
            ck.err(&path, msg);
        }
        let Some(em) = ck.object(e, &path, &EXPERIMENT) else {
            continue;
        };
        let goal = em
            .get("goal")
            .and_then(|g| event_name(ck, g, &join(&path, "goal")));
        let salt = em
            .get("salt")
            .and_then(|s| ck.string(s, &join(&path, "salt")))
            .map(str::to_string)
            .unwrap_or_else(|| id.clone());
        out.push(Experiment {
            id: id.clone(),
            salt,
            goal,
        });
    }
    out
}

pub(super) fn compile_holdout(ck: &mut Checker, v: &Value) -> Option<Holdout> {
    let m = ck.object(v, "holdout", &HOLDOUT)?;
    let percent = m
        .get("percent")
        .and_then(|p| ck.number(p, "holdout.percent"));
    if percent.is_some_and(|p| !(0.0..=100.0).contains(&p)) {
        ck.err("holdout.percent", "must be between 0 and 100");
        return None;
    }
    let goal = m
        .get("goal")
        .and_then(|g| event_name(ck, g, "holdout.goal"));
    let salt = m.get("salt").and_then(|s| ck.string(s, "holdout.salt"))?;
    Some(Holdout {
        percent: percent?,
        salt: salt.to_string(),
        goal,
    })
}
