//! `recommendations` (the catalog and how an item shows) and an offer's `recommend` (which
//! products, how many, which left out).

use super::check::{index, join, Checker};
use super::grammar::{RECOMMEND, RECOMMENDATIONS};
use super::offers::template;
use crate::config::check::msg;
use crate::facts::Scope;
use crate::recommend::{
    Exclusions, RecSettings, RecSpec, Strategy, EXCLUSIONS, MAX_COUNT, STRATEGIES,
};
use serde_json::Value;

const AT: &str = "recommendations";

pub(super) fn compile(ck: &mut Checker, v: &Value) -> RecSettings {
    let defaults = RecSettings::default();
    let Some(m) = ck.object(v, AT, &RECOMMENDATIONS) else {
        return defaults;
    };
    let catalog = ck.field(m, AT, "catalog", Checker::string);
    let item_template = ck.field(m, AT, "item_template", |ck, t, p| {
        template(ck, t, p, Scope::ITEM)
    });
    let half_life = ck.field(m, AT, "affinity_half_life", Checker::duration);
    RecSettings {
        catalog: catalog.map_or(defaults.catalog, str::to_string),
        item_template,
        affinity_half_life: half_life.unwrap_or(defaults.affinity_half_life),
    }
}

/// An offer's `recommend`.
pub(super) fn compile_spec(ck: &mut Checker, v: &Value, path: &str) -> Option<RecSpec> {
    let m = ck.object(v, path, &RECOMMEND)?;
    let before = ck.issues.len();
    let strategy = ck.field(m, path, "strategy", |ck, s, p| {
        ck.one_of(s, p, "strategy", STRATEGIES, Strategy::parse)
    });
    let count = match m.get("count") {
        None => 4,
        Some(c) => {
            let cp = join(path, "count");
            match ck.count(c, &cp) {
                Some(n) if (1..=MAX_COUNT).contains(&n) => n,
                Some(n) => {
                    ck.err(&cp, msg!("must be between 1 and {MAX_COUNT}, found {n}"));
                    0
                }
                None => 0,
            }
        }
    };
    let mut exclude = Exclusions::default();
    let xp = join(path, "exclude");
    for (i, x) in ck
        .field(m, path, "exclude", Checker::array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let known = |s: &str| EXCLUSIONS.iter().copied().find(|e| *e == s);
        match ck.one_of(x, &index(&xp, i), "exclusion", EXCLUSIONS, known) {
            Some("purchased") => exclude.purchased = true,
            Some("in_cart") => exclude.in_cart = true,
            Some("out_of_stock") => exclude.out_of_stock = true,
            Some("viewed") => exclude.viewed = true,
            _ => {}
        }
    }
    if ck.issues.len() > before {
        return None;
    }
    Some(RecSpec {
        strategy: strategy?,
        count: count as usize,
        exclude,
    })
}
