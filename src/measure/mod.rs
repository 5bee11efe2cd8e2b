//! Measurement: what a served decision and a visitor's events add to the site's counts, and
//! the rows a store keeps of them.
//!
//! Attribution (documented for marketers in docs/marketers.md):
//! - An offer rendered into a served page is one impression; the visitors who saw it, clicked
//!   it (`offer_click`) and converted are each counted once per visitor.
//! - A conversion is the goal event of an experiment (`experiments.<id>.goal`), of an offer
//!   (`offers[i].goal`) or of the holdout comparison (`holdout.goal`, default `purchase`).
//! - It counts for an experiment's variant when the visitor's first exposure to the experiment
//!   came within the attribution window (`attribution.window`, default 7 days) before it, as
//!   experiment tools measure a conversion window; for an offer when the visitor's most recent
//!   impression of it came within the window; for the holdout comparison always (the arm is
//!   fixed by the visitor id). Each once per visitor and goal.
//!
//! Counting is split in two so hosts stay thin: [`served`] and [`converted`] say what to count
//! (pure functions of config, profile and what happened), and [`row`] turns counts and what
//! happened into rows a SQL store keeps, where once-only counts are counted as distinct
//! visitors, so a retried batch, a reload or a second tab never counts twice.

pub mod rollup;
mod row;
pub mod sql;

pub use row::{
    aggregate, day_of, event_rows, is_bot, page_rows, server_rows, transition_row, Row, COLUMNS,
};

use crate::config::Config;
use crate::decision::Decision;
use crate::engine::Engine;
use crate::events::Event;
use crate::profile::Profile;
use crate::request::RequestInfo;
use crate::time::Millis;
use serde::{Deserialize, Serialize};

/// The goal of the holdout comparison when the config names none.
pub const DEFAULT_HOLDOUT_GOAL: &str = "purchase";

/// One thing to count for one visitor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// The counter: `offer/<id>/impressions|visitors|clicks|conversions`,
    /// `exp/<experiment>/<variant>/visitors|conversions`, `holdout/in|out/visitors|conversions`.
    pub key: String,
    /// Counted at most once per visitor (otherwise every time).
    pub once: bool,
}

impl Count {
    fn once(key: String) -> Count {
        Count { key, once: true }
    }
}

/// The holdout arm of a visitor: `in` (sees no personalization) or `out`.
fn arm(holdout: bool) -> &'static str {
    if holdout {
        "in"
    } else {
        "out"
    }
}

/// What a page served with `decision` counts: impressions and reach of each rendered offer,
/// experiment exposures (control included), and the visitor's holdout arm.
pub fn served(config: &Config, decision: &Decision) -> Vec<Count> {
    if !decision.personalized {
        return Vec::new();
    }
    let mut out = Vec::new();
    for offer in &decision.impressions {
        out.push(Count {
            key: format!("offer/{offer}/impressions"),
            once: false,
        });
        out.push(Count::once(format!("offer/{offer}/visitors")));
    }
    for e in &decision.exposures {
        out.push(Count::once(format!(
            "exp/{}/{}/visitors",
            e.experiment, e.variant
        )));
    }
    if config.holdout.is_some() {
        out.push(Count::once(format!(
            "holdout/{}/visitors",
            arm(decision.holdout)
        )));
    }
    out
}

/// What `event` counts for a visitor whose profile holds their exposures so far: a click on
/// an offer, or conversions under the attribution rule above.
pub fn converted(config: &Config, profile: &Profile, event: &Event, now: Millis) -> Vec<Count> {
    let mut out = Vec::new();
    let kind = event.kind.as_str();
    if kind == "offer_click" {
        if let Some(offer) = event.props.get("offer").and_then(|o| o.as_str()) {
            if config.offer(offer).is_some() {
                out.push(Count::once(format!("offer/{offer}/clicks")));
            }
        }
    }
    let since = now.saturating_sub(config.attribution_window);
    for x in &config.experiments {
        if x.goal.as_deref() != Some(kind) {
            continue;
        }
        if let Some(e) = profile
            .exposures
            .iter()
            .find(|e| e.experiment == x.id && (since..=now).contains(&e.at))
        {
            out.push(Count::once(format!(
                "exp/{}/{}/conversions",
                x.id, e.variant
            )));
        }
    }
    for o in &config.offers {
        if o.goal.as_deref() != Some(kind) {
            continue;
        }
        let seen = profile
            .impressions
            .iter()
            .find(|i| i.offer == o.id)
            .and_then(|i| i.recent.last())
            .is_some_and(|t| (since..=now).contains(t));
        if seen {
            out.push(Count::once(format!("offer/{}/conversions", o.id)));
        }
    }
    if let Some(h) = &config.holdout {
        if h.goal.as_deref().unwrap_or(DEFAULT_HOLDOUT_GOAL) == kind {
            out.push(Count::once(format!(
                "holdout/{}/conversions",
                arm(h.contains(&profile.id))
            )));
        }
    }
    out
}

/// Everything a served page counts: [`served`], plus conversions by the request's own events
/// (a page view, or an event a `track` rule derives, can be a goal). Call it after the request
/// was recorded into `profile`.
pub fn for_page(
    engine: &Engine,
    profile: &Profile,
    req: &RequestInfo,
    decision: &Decision,
    now: Millis,
) -> Vec<Count> {
    let mut out = served(engine.config(), decision);
    // The request's events were recorded already; derive them again only when one of them
    // (a page view, or a `track` rule's event) can be a goal.
    if decision.personalized && page_events_can_convert(engine.config()) {
        let facts = engine.request_facts(req, now);
        for e in engine.request_events(&facts) {
            out.extend(converted(engine.config(), profile, &e, now));
        }
    }
    out
}

fn page_events_can_convert(config: &Config) -> bool {
    let holdout_goal = config
        .holdout
        .as_ref()
        .map(|h| h.goal.as_deref().unwrap_or(DEFAULT_HOLDOUT_GOAL));
    let goals = config
        .experiments
        .iter()
        .filter_map(|x| x.goal.as_deref())
        .chain(config.offers.iter().filter_map(|o| o.goal.as_deref()))
        .chain(holdout_goal);
    let page_events =
        std::iter::once("page_view").chain(config.track.iter().map(|t| t.event.as_str()));
    goals
        .into_iter()
        .any(|g| page_events.clone().any(|e| e == g))
}

/// Everything a batch of page events counts (after it was recorded into `profile`).
pub fn for_events(engine: &Engine, profile: &Profile, events: &[Event], now: Millis) -> Vec<Count> {
    events
        .iter()
        .flat_map(|e| {
            converted(
                engine.config(),
                profile,
                e,
                e.at.map_or(now, |t| t.min(now)),
            )
        })
        .collect()
}

/// How a tally names a visitor: the first 12 bytes of SHA-256 of their id, in hex. Enough to
/// count each visitor once; the stored counts hold no visitor id.
pub fn visitor_token(visitor: &str) -> String {
    use sha2::{Digest, Sha256};
    const HEX: &[u8; 16] = b"0123456789abcdef";
    Sha256::digest(visitor.as_bytes())[..12]
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_visitor_token_is_the_first_12_bytes_of_sha256_in_hex() {
        // SHA-256("abc") = ba7816bf 8f01cfea 414140de 5dae2223 ...
        assert_eq!(super::visitor_token("abc"), "ba7816bf8f01cfea414140de");
    }
}
