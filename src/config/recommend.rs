//! `recommendations` (the catalog and how an item shows) and an offer's `recommend` (which
//! products, how many, which left out).

use super::check::{index, join, unknown, Checker};
use super::grammar::{RECOMMEND, RECOMMENDATIONS};
use crate::config::check::msg;
use crate::facts::Scope;
use crate::recommend::{
    Exclusions, RecSettings, RecSpec, Strategy, EXCLUSIONS, MAX_COUNT, STRATEGIES,
};
use crate::template::Template;
use serde_json::Value;

pub(super) fn compile(ck: &mut Checker, v: &Value) -> RecSettings {
    let mut r = RecSettings::default();
    let Some(m) = ck.object(v, "recommendations", &RECOMMENDATIONS) else {
        return r;
    };
    if let Some(c) = m
        .get("catalog")
        .and_then(|c| ck.string(c, "recommendations.catalog"))
    {
        r.catalog = c.to_string();
    }
    if let Some(t) = m
        .get("item_template")
        .and_then(|t| ck.string(t, "recommendations.item_template"))
    {
        match Template::compile(t, Scope::ITEM) {
            Ok(t) => r.item_template = Some(t),
            Err(e) => ck.err("recommendations.item_template", e),
        }
    }
    if let Some(h) = m
        .get("affinity_half_life")
        .and_then(|h| ck.duration(h, "recommendations.affinity_half_life"))
    {
        r.affinity_half_life = h;
    }
    r
}

pub(super) fn compile_spec(ck: &mut Checker, v: &Value, path: &str) -> Option<RecSpec> {
    let m = ck.object(v, path, &RECOMMEND)?;
    let before = ck.issues.len();
    let sp = join(path, "strategy");
    let strategy = m
        .get("strategy")
        .and_then(|s| ck.string(s, &sp))
        .and_then(|s| {
            Strategy::parse(s).or_else(|| {
                ck.err(&sp, unknown("strategy", s, STRATEGIES));
                None
            })
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
    if let Some(list) = m
        .get("exclude")
        .and_then(|x| ck.array(x, &join(path, "exclude")))
    {
        for (i, x) in list.iter().enumerate() {
            let xp = index(&join(path, "exclude"), i);
            match ck.string(x, &xp) {
                Some("purchased") => exclude.purchased = true,
                Some("in_cart") => exclude.in_cart = true,
                Some("out_of_stock") => exclude.out_of_stock = true,
                Some("viewed") => exclude.viewed = true,
                Some(other) => ck.err(&xp, unknown("exclusion", other, EXCLUSIONS)),
                None => {}
            }
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
