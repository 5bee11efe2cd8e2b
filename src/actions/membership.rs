//! Segment membership over time: which of the segments an action watches the visitor is in,
//! kept in the profile with since when, so a visitor enters a segment once per membership
//! however many pages, events or timers find them in it.

use super::Kind;
use crate::config::Config;
use crate::engine::{Engine, Signals};
use crate::facts::Ctx;
use crate::intent::IntentNow;
use crate::profile::{Membership, Profile};
use crate::time::Millis;

/// The visitor entered or left a segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// [`Kind::Entered`] or [`Kind::Exited`].
    pub kind: Kind,
    /// The segment's name.
    pub segment: String,
    /// When it was found.
    pub at: Millis,
}

/// The segments some action's `on` names, as indices into the config's segments, each once.
pub(crate) fn watched(cfg: &Config) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for i in cfg.actions.iter().filter_map(|a| a.on.segment()) {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// Calls `f` with the facts of `profile` at `now` as an action sees them: the profile, its
/// session, its intent and the site's signals; never a request (timers have none).
pub(crate) fn with_ctx<R>(
    engine: &Engine,
    profile: &Profile,
    signals: &Signals,
    now: Millis,
    f: impl FnOnce(&Ctx, &IntentNow) -> R,
) -> R {
    let cfg = engine.config();
    let intent = cfg.intent.evaluate(&profile.intent, now);
    let mut ctx = Ctx::new(cfg, engine.catalog(), profile, now);
    ctx.signals = Some(signals);
    ctx.intent = Some(&intent);
    f(&ctx, &intent)
}

/// Evaluates the watched segments at `now`, updates the memberships the profile keeps and
/// answers what changed, in the order of the config's actions. A segment no action watches
/// any more is forgotten without a transition.
pub fn update_membership(
    engine: &Engine,
    profile: &mut Profile,
    signals: &Signals,
    now: Millis,
) -> Vec<Transition> {
    let cfg = engine.config();
    let watched = watched(cfg);
    let inside: Vec<bool> = with_ctx(engine, profile, signals, now, |ctx, _| {
        watched.iter().map(|i| ctx.segment(*i)).collect()
    });
    let names = |i: &usize| cfg.segments.get(*i).map(|s| s.name.as_str());
    let members = &mut profile.journey.members;
    members.retain(|m| watched.iter().any(|i| names(i) == Some(m.segment.as_str())));
    let mut out = Vec::new();
    for (i, now_in) in watched.iter().zip(inside) {
        let Some(name) = names(i) else { continue };
        let was_in = members.iter().position(|m| m.segment == name);
        let kind = match (was_in, now_in) {
            (None, true) => {
                members.push(Membership {
                    segment: name.to_string(),
                    since: now,
                });
                Kind::Entered
            }
            (Some(k), false) => {
                members.remove(k);
                Kind::Exited
            }
            _ => continue,
        };
        out.push(Transition {
            kind,
            segment: name.to_string(),
            at: now,
        });
    }
    out
}

/// Whether a change of the site's signals can move anyone's journeys: a watched segment or
/// an action's `if` reads `signals.*`. A host that stores signals then wakes every profile,
/// since a signal is site-wide and no profile changes to say so.
pub fn reads_signals(cfg: &Config) -> bool {
    let signal = |f: &crate::facts::Fact| matches!(f, crate::facts::Fact::Signal(_));
    let reads =
        |c: &crate::conditions::Cond| crate::config::actions::reads(c, &cfg.segments, 0, &signal);
    let watched_read = watched(cfg)
        .into_iter()
        .filter_map(|i| cfg.segments.get(i))
        .any(|s| reads(&s.cond));
    watched_read
        || cfg
            .actions
            .iter()
            .filter_map(|a| a.cond.as_ref())
            .any(reads)
}

/// Whether the profile as a page or an event post left it would move its journeys once its
/// writer hears of it: a watched segment's membership differs from the one kept, or an event
/// some action starts on was recorded. Such a change is handed over at once rather than
/// within the flush interval, so a visitor who leaves right after it is not missed.
pub fn moved(engine: &Engine, profile: &Profile, signals: &Signals, now: Millis) -> bool {
    if !profile.journey.unacted.is_empty() {
        return true;
    }
    let cfg = engine.config();
    let watched = watched(cfg);
    if watched.is_empty() {
        return false;
    }
    with_ctx(engine, profile, signals, now, |ctx, _| {
        watched.iter().any(|i| {
            let name = cfg.segments.get(*i).map(|s| s.name.as_str()).unwrap_or("");
            ctx.segment(*i) != profile.journey.member_since(name).is_some()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Event;
    use crate::time::MINUTE;

    pub(crate) fn engine() -> Engine {
        crate::actions::run::tests::engine()
    }

    #[test]
    fn a_visitor_enters_once_per_membership_and_leaves() {
        let engine = engine();
        let mut p = Profile::new("v1");
        let signals = Signals::new();
        let add = Event::new("add_to_cart").with("product_id", "tent");
        engine.record_event(&mut p, &add, 0);
        assert!(update_membership(&engine, &mut p, &signals, 0).is_empty());
        let t = update_membership(&engine, &mut p, &signals, 30 * MINUTE);
        assert_eq!(t.len(), 1);
        assert_eq!(
            (t[0].kind, t[0].segment.as_str()),
            (Kind::Entered, "cart_abandoner")
        );
        assert_eq!(p.journey.member_since("cart_abandoner"), Some(30 * MINUTE));
        for m in 31..40 {
            assert!(update_membership(&engine, &mut p, &signals, m * MINUTE).is_empty());
        }
        engine.record_event(&mut p, &add, 40 * MINUTE);
        let t = update_membership(&engine, &mut p, &signals, 40 * MINUTE);
        assert_eq!(t[0].kind, Kind::Exited);
        assert_eq!(p.journey.member_since("cart_abandoner"), None);
    }

    fn with_actions(actions: serde_json::Value) -> Engine {
        let mut v: serde_json::Value =
            serde_json::from_str(include_str!("../../examples/config.json")).unwrap();
        v["actions"] = actions;
        Engine::new(
            &v.to_string(),
            Some(include_str!("../../examples/catalog.json")),
        )
        .unwrap()
    }

    #[test]
    fn only_a_watched_segment_or_an_if_that_reads_signals_makes_signals_matter() {
        let on =
            |seg: &str| serde_json::json!([{ "id": "a", "on": { "enter": seg }, "send": "crm" }]);
        assert!(reads_signals(
            with_actions(on("waiting_for_restock")).config()
        ));
        assert!(!reads_signals(with_actions(on("cart_abandoner")).config()));
        let by_if = serde_json::json!([{ "id": "a", "on": { "event": "purchase" },
            "if": { "segment": "waiting_for_restock" }, "send": "crm" }]);
        assert!(reads_signals(with_actions(by_if).config()));
    }

    #[test]
    fn a_change_that_moves_a_membership_or_starts_an_action_is_seen_at_once() {
        let engine = engine();
        let signals = Signals::new();
        let mut p = Profile::new("v1");
        assert!(!moved(&engine, &p, &signals, 0), "nothing happened yet");
        let add = Event::new("add_to_cart").with("product_id", "tent");
        engine.record_event(&mut p, &add, 0);
        assert!(
            !moved(&engine, &p, &signals, MINUTE),
            "idle for a minute: not yet"
        );
        assert!(
            moved(&engine, &p, &signals, 30 * MINUTE),
            "idle long enough: entered"
        );
        update_membership(&engine, &mut p, &signals, 30 * MINUTE);
        assert!(!moved(&engine, &p, &signals, 31 * MINUTE), "kept: no news");
        let order = Event::new("purchase").with("total", 5.0);
        engine.record_trusted_event(&mut p, &order, 32 * MINUTE);
        assert!(
            moved(&engine, &p, &signals, 32 * MINUTE),
            "an action starts on purchase"
        );
    }
}
