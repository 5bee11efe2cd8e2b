//! `experiments` and `holdout`: who is bucketed how, and the share of visitors kept from any
//! personalization to measure it against.

use super::check::Checker;
use super::grammar::{EXPERIMENT, HOLDOUT};
use super::names::event_name;
use crate::experiments::{Experiment, Holdout};
use serde_json::Value;

pub(super) fn compile(ck: &mut Checker, v: &Value) -> Vec<Experiment> {
    let mut out = Vec::new();
    ck.named(v, "experiments", &EXPERIMENT, |ck, id, path, em| {
        let goal = ck.field(em, path, "goal", event_name);
        let salt = ck.field(em, path, "salt", Checker::string);
        out.push(Experiment {
            id: id.clone(),
            salt: salt.unwrap_or(id).to_string(),
            goal,
        });
    });
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
