//! The single writer of a stored profile: every change to it goes through these operations,
//! applied one at a time by whoever owns the profile (a Durable Object per profile in the
//! Worker, the journeys runner in tests), so no writer overwrites another's events.
//!
//! Three kinds of change reach a profile:
//! - a device's session log ([`apply_log`]): what a browser recorded since the profile it last
//!   read (see `crate::session`), sent every few seconds. Each device's position is kept in the
//!   profile (`Profile::rev_of`), so a log sent twice, or replayed by a page that read an older
//!   copy, counts once;
//! - server events ([`ingest`]): from the site's backend, any type (`trusted_events`
//!   included), each counted once by its id ([`SeenIds`] remembers far more ids than the
//!   profile's own short list);
//! - another profile ([`absorb`]): the anonymous visitor who identified as a user, once.

use crate::batch::EventStatus;
use crate::engine::Engine;
use crate::events::Event;
use crate::profile::{Decay, Profile};
use crate::session::{replay, Entry};
use crate::time::Millis;
use std::collections::VecDeque;

/// Event ids a profile's writer remembers to count each server event once: enough for a
/// customer's whole order history to be backfilled twice without a double count.
pub const MAX_WRITER_IDS: usize = 1000;

/// Replays the entries of `device`'s log that the profile does not hold yet, and moves the
/// device's position to the last of them. Returns how many were new.
pub fn apply_log(engine: &Engine, profile: &mut Profile, device: &str, log: &[Entry]) -> usize {
    let rev = profile.rev_of(device);
    let new: Vec<Entry> = log.iter().filter(|e| e.seq > rev).cloned().collect();
    if let Some(last) = new.iter().map(|e| e.seq).max() {
        replay(engine, profile, &new);
        profile.set_rev_of(device, last);
    }
    new.len()
}

/// The ids of server events already recorded, most recent last, at most [`MAX_WRITER_IDS`].
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SeenIds(VecDeque<String>);

impl SeenIds {
    /// Whether `id` was recorded before.
    pub fn contains(&self, id: &str) -> bool {
        self.0.iter().any(|s| s == id)
    }

    /// Remembers `id`, forgetting the oldest when full.
    pub fn insert(&mut self, id: &str) {
        if self.0.len() >= MAX_WRITER_IDS {
            self.0.pop_front();
        }
        self.0.push_back(id.to_string());
    }
}

/// Records server events (already checked, see `crate::ingest`), each at its `at` (or `now`),
/// any type. An id seen before, here or in the profile, is a duplicate.
pub fn ingest(
    engine: &Engine,
    profile: &mut Profile,
    seen: &mut SeenIds,
    events: &[Event],
    now: Millis,
) -> Vec<EventStatus> {
    events
        .iter()
        .map(|e| {
            let id = e.id.as_deref().unwrap_or_default();
            if seen.contains(id) || profile.seen_ids.iter().any(|s| s == id) {
                return EventStatus::Duplicate;
            }
            engine.record_trusted_event(profile, e, now);
            seen.insert(id);
            EventStatus::Accepted
        })
        .collect()
}

/// Adds an anonymous profile to a user's, unless it was added before (its device is known to
/// the user's profile). Returns whether it was added.
pub fn absorb(engine: &Engine, user: &mut Profile, anonymous: &Profile) -> bool {
    if user.knows_device(&anonymous.id) {
        return false;
    }
    let cfg = engine.config();
    let decay = Decay {
        intent: cfg.intent.half_life,
        affinity: cfg.recommendations.affinity_half_life,
    };
    user.absorb(anonymous, decay);
    // The device is known from now on, even if it never sent a log.
    let rev = user.rev_of(&anonymous.id);
    user.set_rev_of(&anonymous.id, rev);
    true
}

/// The profile key of a user: `u:<user id>` (a visitor id never holds a `:`).
pub fn user_key(user: &str) -> String {
    format!("u:{user}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Logged, SessionState};

    fn example_engine() -> Engine {
        let config = include_str!("../examples/config.json");
        Engine::new(config, Some(include_str!("../examples/catalog.json"))).unwrap()
    }

    fn add(product: &str) -> Event {
        Event::new("add_to_cart").with("product_id", product)
    }

    #[test]
    fn a_log_sent_twice_counts_once_and_other_devices_keep_their_own() {
        let engine = example_engine();
        let mut p = Profile::new("u:1");
        let log = vec![Entry {
            seq: 100,
            what: Logged::Event { e: add("tent") },
        }];
        assert_eq!(apply_log(&engine, &mut p, "phone", &log), 1);
        assert_eq!(apply_log(&engine, &mut p, "phone", &log), 0);
        assert_eq!(apply_log(&engine, &mut p, "laptop", &log), 1);
        assert_eq!(p.cart.lines[0].quantity, 2);
        assert_eq!((p.rev_of("phone"), p.rev_of("laptop")), (100, 100));
    }

    #[test]
    fn server_events_count_once_by_id_beyond_the_profiles_short_memory() {
        let engine = example_engine();
        let mut p = Profile::new("v");
        let mut seen = SeenIds::default();
        let order = |i: usize| {
            let mut e = Event::new("purchase").with("total", 10.0);
            e.id = Some(format!("o-{i}"));
            e
        };
        let first: Vec<Event> = (0..100).map(order).collect();
        let statuses = ingest(&engine, &mut p, &mut seen, &first, 1_000);
        assert!(statuses.iter().all(|s| *s == EventStatus::Accepted));
        let again = ingest(&engine, &mut p, &mut seen, &first, 2_000);
        assert!(again.iter().all(|s| *s == EventStatus::Duplicate));
        assert_eq!(p.orders.count, 100);
    }

    #[test]
    fn an_anonymous_profile_is_absorbed_once() {
        let engine = example_engine();
        let mut anon = Profile::new("v1");
        let mut state = SessionState::new("v1", 0);
        state.record_events(&engine, &mut anon, &[add("tent")], 1_000);
        let mut user = Profile::new("u:1");
        assert!(absorb(&engine, &mut user, &anon));
        assert!(!absorb(&engine, &mut user, &anon));
        assert_eq!(user.cart.lines.len(), 1);
        assert_eq!(user.cart.lines[0].quantity, 1);
    }

    #[test]
    fn an_add_that_arrives_after_the_backends_purchase_stays_out_of_the_cart() {
        let engine = example_engine();
        let mut p = Profile::new("v1");
        // The shop's backend: the order at 2_000 takes the tent.
        let mut order = Event::new("purchase")
            .with("total", 349)
            .with("items", serde_json::json!(["tent"]));
        order.id = Some("o-1".into());
        ingest(&engine, &mut p, &mut SeenIds::default(), &[order], 2_000);
        // The browser's log, flushed later, holds the add made before the order.
        let log = vec![Entry {
            seq: 1_000,
            what: Logged::Event { e: add("tent") },
        }];
        apply_log(&engine, &mut p, "v1", &log);
        assert!(p.cart.lines.is_empty(), "{:?}", p.cart);
        // A later add of the same product is a new intent and counts.
        let later = vec![Entry {
            seq: 3_000,
            what: Logged::Event { e: add("tent") },
        }];
        apply_log(&engine, &mut p, "v1", &later);
        assert_eq!(p.cart.lines.len(), 1);
    }

    #[test]
    fn an_event_in_the_millisecond_of_a_flush_is_not_lost() {
        let engine = example_engine();
        let mut stored = Profile::new("v1");
        let mut state = SessionState::new("v1", 0);
        let mut p = stored.clone();
        state.record_events(&engine, &mut p, &[add("tent")], 20_000);
        let (flush, _) = state.finish(&p, b"k", 20_000);
        let flush = flush.expect("due");
        apply_log(&engine, &mut stored, &flush.device, &flush.log);
        // The same millisecond, after the flush: logged after the browser's position.
        let mut p = stored.clone();
        state.sync(&engine, &mut p);
        state.record_events(&engine, &mut p, &[add("boots")], 20_000);
        assert_eq!(state.log.len(), 1, "kept for the next flush");
        apply_log(&engine, &mut stored, "v1", &state.log);
        assert_eq!(stored.cart.lines.len(), 2);
    }
}
