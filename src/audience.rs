//! Audience sizes for the editor: how many of the visitors of the last days a segment or an
//! offer's condition would match, so a marketer sees "about 1,200 visitors" beside what they
//! build instead of publishing blind.
//!
//! Two sources, because neither alone answers both questions:
//! - The measurement rows know each visitor's segments on every page they saw, so a segment's
//!   audience is counted exactly there (the host runs [`crate::measure::sql::SEGMENT_VISITORS`]).
//! - An offer's condition can read any profile fact, which no row holds, so it is evaluated
//!   on a sample of stored profiles ([`Tally`]) and the share that matches is scaled to the
//!   visitors the rows counted. Without measurement the share of the sample is the answer.
//!
//! Profiles are judged as on a page of the site's home (`request.*` facts of `/`, no business
//! signals): a condition on the page's path or query matches only as it would there.

use crate::engine::Engine;
use crate::facts::Ctx;
use crate::profile::Profile;
use crate::request::RequestInfo;
use crate::time::{Millis, DAY};
use serde::Serialize;
use serde_json::Map;

/// The days an audience looks back over.
pub const WINDOW_DAYS: i64 = 7;

/// What an audience is of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// The members of this segment.
    Segment(String),
    /// The visitors this offer's condition (`when`) matches; schedule and caps aside.
    Offer(String),
}

/// The audience names something the config does not have.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AudienceError {
    /// No segment of that name.
    #[error("no segment \"{0}\" in the config")]
    NoSegment(String),
    /// No offer of that id.
    #[error("no offer \"{0}\" in the config")]
    NoOffer(String),
}

/// A sample of stored profiles, judged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Profiles read.
    pub sampled: u32,
    /// Of them, seen within the window.
    pub active: u32,
    /// Of the active ones, those the audience holds.
    pub matched: u32,
}

impl Tally {
    /// The share of active profiles that match, if any was active.
    pub fn share(&self) -> Option<f64> {
        (self.active > 0).then(|| f64::from(self.matched) / f64::from(self.active))
    }

    /// The audience among `visitors` (the rows' count over the window), from the share.
    pub fn estimate(&self, visitors: u64) -> Option<u64> {
        self.share().map(|s| (s * visitors as f64).round() as u64)
    }
}

/// Judges the sample `profiles` against `audience` at `now`.
pub fn tally<'p>(
    engine: &Engine,
    audience: &Audience,
    profiles: impl IntoIterator<Item = &'p Profile>,
    now: Millis,
) -> Result<Tally, AudienceError> {
    let cfg = engine.config();
    let test = match audience {
        Audience::Segment(name) => Test::Segment(
            cfg.segments
                .iter()
                .position(|s| &s.name == name)
                .ok_or_else(|| AudienceError::NoSegment(name.clone()))?,
        ),
        Audience::Offer(id) => Test::Offer(
            cfg.offers
                .iter()
                .position(|o| &o.id == id)
                .ok_or_else(|| AudienceError::NoOffer(id.clone()))?,
        ),
    };
    let home = engine.request_facts(&RequestInfo::new("/"), now);
    let signals = Map::new();
    let mut t = Tally::default();
    for p in profiles {
        t.sampled += 1;
        if now - p.updated > WINDOW_DAYS * DAY {
            continue;
        }
        t.active += 1;
        let intent = cfg.intent.evaluate(&p.intent, now);
        let mut ctx = Ctx::new(cfg, engine.catalog(), p, now);
        ctx.request = Some(&home);
        ctx.signals = Some(&signals);
        ctx.intent = Some(&intent);
        let hit = match test {
            Test::Segment(i) => ctx.segment(i),
            Test::Offer(i) => cfg.offers[i].when.as_ref().is_none_or(|c| c.eval(&ctx)),
        };
        t.matched += u32::from(hit);
    }
    Ok(t)
}

#[derive(Clone, Copy)]
enum Test {
    Segment(usize),
    Offer(usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Event;
    use crate::testutil::example_engine;

    const NOW: Millis = 1_795_194_000_000;

    /// A visitor last seen `days_ago`, with `carts` add-to-carts.
    fn visitor(engine: &Engine, id: &str, days_ago: i64, carts: usize) -> Profile {
        let at = NOW - days_ago * DAY;
        let mut p = Profile::new(id);
        let req = RequestInfo::new("/products/tent-basecamp-4p");
        engine.on_request(&mut p, &req, &Default::default(), at);
        for _ in 0..carts {
            let e = Event::new("add_to_cart")
                .with("product_id", "tent-basecamp-4p")
                .with("price", 529);
            engine.record_events(&mut p, &[e], at);
        }
        p
    }

    #[test]
    fn a_segment_and_an_offer_on_a_sample_known_by_construction() {
        let engine = example_engine();
        // The example's cart_abandoner: a cart idle 30 minutes, no purchase in 7 days.
        let seg = "cart_abandoner".to_string();
        let mut sample = Vec::new();
        for i in 0..6 {
            sample.push(visitor(&engine, &format!("c{i}"), 1, 1)); // active, carted
        }
        for i in 0..4 {
            sample.push(visitor(&engine, &format!("b{i}"), 2, 0)); // active, browsing
        }
        for i in 0..5 {
            sample.push(visitor(&engine, &format!("o{i}"), 30, 1)); // carted, long gone
        }
        let t = tally(&engine, &Audience::Segment(seg), &sample, NOW).unwrap();
        assert_eq!(
            t,
            Tally {
                sampled: 15,
                active: 10,
                matched: 6
            }
        );
        assert_eq!(t.estimate(1_000), Some(600));
        // cart-reminder's condition is that segment: the same visitors.
        let offer = Audience::Offer("cart-reminder".into());
        assert_eq!(tally(&engine, &offer, &sample, NOW).unwrap(), t);
        // ready-free-shipping needs the ready_to_buy tier, which one old cart does not reach.
        let ready = Audience::Offer("ready-free-shipping".into());
        assert_eq!(tally(&engine, &ready, &sample, NOW).unwrap().matched, 0);
    }

    #[test]
    fn unknown_names_are_errors_and_an_empty_sample_has_no_estimate() {
        let engine = example_engine();
        assert_eq!(
            tally(&engine, &Audience::Segment("nope".into()), &[], NOW),
            Err(AudienceError::NoSegment("nope".into()))
        );
        assert_eq!(
            tally(&engine, &Audience::Offer("nope".into()), &[], NOW)
                .unwrap_err()
                .to_string(),
            "no offer \"nope\" in the config"
        );
        let t = tally(&engine, &Audience::Segment("returning".into()), &[], NOW).unwrap();
        assert_eq!((t.share(), t.estimate(50)), (None, None));
    }
}
