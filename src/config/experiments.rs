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
        let goal = ck.field(em, &path, "goal", event_name);
        let salt = ck.field(em, &path, "salt", Checker::string);
        out.push(Experiment {
            id: id.clone(),
            salt: salt.unwrap_or(id).to_string(),
            goal,
        });
    }
    out
}

pub(super) fn compile_holdout(ck: &mut Checker, v: &Value) -> Option<Holdout> {
    let m = ck.object(v, "holdout", &HOLDOUT)?;
    let percent = ck.field(m, "holdout", "percent", Checker::number);
    if percent.is_some_and(|p| !(0.0..=100.0).contains(&p)) {
        ck.err("holdout.percent", "must be between 0 and 100");
        return None;
    }
    let goal = ck.field(m, "holdout", "goal", event_name);
    let salt = ck.field(m, "holdout", "salt", Checker::string)?;
    Some(Holdout {
        percent: percent?,
        salt: salt.to_string(),
        goal,
    })
}
