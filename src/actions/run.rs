//! One evaluation of a profile's actions at an instant: memberships move, waits that are over
//! re-check their `if`, new transitions and events start actions, and the answer says what to
//! deliver now and when to look again.

use super::membership::{update_membership, watched, with_ctx, Transition};
use super::wake::next_change;
use super::{Action, Kind, Trigger};
use crate::engine::{Engine, Signals};
use crate::offers::CapWindow;
use crate::profile::{Profile, Wait};
use crate::time::Millis;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Whether the visitor may be followed beyond the page: the host knows (GPC, the consent
/// cookie, an erasure), the profile does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consent {
    /// Actions run.
    Granted,
    /// Nothing is sent; waiting actions and unacted events are dropped.
    Denied,
}

/// A message to deliver: plain data, turned into a body by [`super::payload`]. It serializes
/// (times in epoch milliseconds), so a host can queue it as it is and render it when it sends.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Delivery {
    /// Stable for the same action started at the same instant for the same profile: the
    /// `Idempotency-Key` and the `messageId`, so a delivery made twice is received once.
    pub id: String,
    /// The action's id.
    pub action: String,
    /// What it is about.
    pub kind: Kind,
    /// The destination's name.
    pub destination: String,
    /// The profile's key (a visitor id, or `u:<user>`).
    pub profile: String,
    /// The visitor (the browser's id; for a user, their most recent device), if known.
    pub visitor: Option<String>,
    /// The site's user id, when the visitor identified.
    pub user: Option<String>,
    /// The segment entered or left, or the event type.
    pub subject: String,
    /// When the transition or event happened.
    pub triggered: Millis,
    /// When it is sent (after the wait, if any).
    pub at: Millis,
    /// The traits the destination lists that the profile has.
    pub traits: Map<String, Value>,
}

/// What one evaluation found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Segments entered and left, in order.
    pub transitions: Vec<Transition>,
    /// What to deliver now, in order.
    pub deliveries: Vec<Delivery>,
    /// The next instant anything could change without a request (a wait is over, a watched
    /// segment's condition could flip as time passes): call [`advance`] again then. Never
    /// later than the true moment; it may be earlier, then that call answers a later one.
    /// `None`: nothing will change by waiting.
    pub next: Option<Millis>,
}

/// Evaluates the profile's actions at `now`, after a change (a page, an event, a server
/// event, an identify) or when the instant an earlier call answered comes. The host that
/// writes the profile calls it, saves the profile, hands the deliveries to its queue and
/// schedules itself for [`Outcome::next`] (one timer per profile, replaced).
pub fn advance(
    engine: &Engine,
    profile: &mut Profile,
    signals: &Signals,
    now: Millis,
    consent: Consent,
) -> Outcome {
    if consent == Consent::Denied {
        profile.journey.waits.clear();
        profile.journey.unacted.clear();
        return Outcome::default();
    }
    let cfg = engine.config();
    let transitions = update_membership(engine, profile, signals, now);
    let mut run = Run {
        engine,
        signals,
        now,
        deliveries: Vec::new(),
    };
    // Waits that are over first: they started before anything found now.
    let split = profile.journey.waits.partition_point(|w| w.due <= now);
    let due: Vec<Wait> = profile.journey.waits.drain(..split).collect();
    for w in due {
        let (Some(a), Some(kind)) = (cfg.action(&w.action), Kind::from_code(&w.kind)) else {
            continue; // the action was removed from the config, or the profile is corrupt
        };
        if run.allowed(a, profile) {
            run.deliver(profile, a, kind, &w.subject, w.at);
        }
    }
    for t in &transitions {
        let seg = cfg.segment_index(&t.segment);
        for a in &cfg.actions {
            let on = match t.kind {
                Kind::Entered => Trigger::Enter,
                _ => Trigger::Exit,
            };
            if seg.is_some_and(|s| a.on == on(s)) {
                run.start(profile, a, t.kind, &t.segment, t.at);
            }
        }
    }
    for u in std::mem::take(&mut profile.journey.unacted) {
        for a in cfg
            .actions
            .iter()
            .filter(|a| a.on == Trigger::Event(u.kind.clone()))
        {
            run.start(profile, a, Kind::Event, &u.kind, u.at);
        }
    }
    let wake = if watched(cfg).is_empty() {
        None
    } else {
        next_change(engine, profile, signals, now)
    };
    let waits = profile.journey.waits.first().map(|w| w.due);
    Outcome {
        transitions,
        deliveries: run.deliveries,
        next: [wake, waits].into_iter().flatten().min(),
    }
}

/// One evaluation's context and what it has delivered so far.
struct Run<'a> {
    engine: &'a Engine,
    signals: &'a Signals,
    now: Millis,
    deliveries: Vec<Delivery>,
}

impl Run<'_> {
    /// Starts `a`: sends now, or waits, unless it already waits, is capped or its `if` fails.
    fn start(&mut self, p: &mut Profile, a: &Action, kind: Kind, subject: &str, at: Millis) {
        if p.journey.waits.iter().any(|w| w.action == a.id) || !self.allowed(a, p) {
            return;
        }
        match a.wait.map(|w| at.saturating_add(w)) {
            Some(due) if due > self.now => {
                p.journey.add_wait(Wait {
                    action: a.id.clone(),
                    kind: kind.code().into(),
                    subject: subject.into(),
                    at,
                    due,
                });
            }
            _ => self.deliver(p, a, kind, subject, at),
        }
    }

    /// Whether `a` may send now: under its cap and its `if` holds.
    fn allowed(&self, a: &Action, p: &Profile) -> bool {
        if let Some(cap) = &a.cap {
            let since = match cap.per {
                CapWindow::Lifetime => None,
                CapWindow::Session => Some(p.session.started),
                CapWindow::Rolling(w) => Some(self.now - w + 1),
            };
            if p.journey.sent_count(&a.id, since) >= cap.max {
                return false;
            }
        }
        match &a.cond {
            None => true,
            Some(c) => with_ctx(self.engine, p, self.signals, self.now, |ctx, _| c.eval(ctx)),
        }
    }

    fn deliver(&mut self, p: &mut Profile, a: &Action, kind: Kind, subject: &str, at: Millis) {
        let dest = &self.engine.config().destinations[a.send];
        let user = p.id.strip_prefix("u:").map(str::to_string);
        let visitor = match &user {
            Some(_) => p.devices.first().map(|d| d.0.clone()),
            None => Some(p.id.clone()),
        };
        let traits = dest
            .traits
            .iter()
            .filter_map(|t| Some((t.clone(), p.traits.get(t)?.clone())))
            .collect();
        self.deliveries.push(Delivery {
            id: delivery_id(&p.id, &a.id, kind, at),
            action: a.id.clone(),
            kind,
            destination: dest.name.clone(),
            profile: p.id.clone(),
            visitor,
            user,
            subject: subject.to_string(),
            triggered: at,
            at: self.now,
            traits,
        });
        p.journey.record_sent(&a.id, self.now);
    }
}

/// 32 hex digits of SHA-256 over what makes a delivery itself.
fn delivery_id(profile: &str, action: &str, kind: Kind, at: Millis) -> String {
    let digest = Sha256::digest(format!("{profile}\n{action}\n{}\n{at}", kind.as_str()));
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::events::Event;
    use crate::time::{DAY, MINUTE};

    pub(crate) fn engine() -> Engine {
        Engine::new(
            include_str!("../../examples/config.json"),
            Some(include_str!("../../examples/catalog.json")),
        )
        .unwrap()
    }

    fn step(e: &Engine, p: &mut Profile, now: Millis) -> Outcome {
        advance(e, p, &Signals::new(), now, Consent::Granted)
    }

    fn sent(o: &Outcome) -> Vec<(&str, &str, &str)> {
        o.deliveries
            .iter()
            .map(|d| (d.action.as_str(), d.kind.as_str(), d.destination.as_str()))
            .collect()
    }

    fn add_to_cart(e: &Engine, p: &mut Profile, t: Millis) {
        let add = Event::new("add_to_cart").with("product_id", "tent");
        e.record_event(p, &add, t);
    }

    fn purchase(e: &Engine, p: &mut Profile, total: f64, t: Millis) {
        let mut order = Event::new("purchase").with("total", total);
        order.id = Some(format!("o-{t}"));
        e.record_trusted_event(p, &order, t);
    }

    #[test]
    fn an_idle_cart_enters_waits_and_sends_once() {
        let e = engine();
        let mut p = Profile::new("v1");
        add_to_cart(&e, &mut p, 0);
        let o = step(&e, &mut p, 0);
        assert!(o.deliveries.is_empty());
        assert_eq!(
            o.next,
            Some(30 * MINUTE),
            "when the cart has been idle 30 minutes"
        );
        let o = step(&e, &mut p, 30 * MINUTE);
        assert_eq!(o.transitions.len(), 1);
        assert!(o.deliveries.is_empty(), "cart-email waits");
        let due = 30 * MINUTE + e.config().action("cart-email").unwrap().wait.unwrap();
        assert_eq!(o.next, Some(due));
        let o = step(&e, &mut p, due);
        assert_eq!(sent(&o), [("cart-email", "segment.entered", "email")]);
        assert_eq!(o.deliveries[0].triggered, 30 * MINUTE);
        assert_eq!(o.deliveries[0].visitor.as_deref(), Some("v1"));
        assert!(step(&e, &mut p, due + MINUTE).deliveries.is_empty());
    }

    #[test]
    fn a_purchase_during_the_wait_cancels_the_email_and_leaves_the_ads_audience() {
        let e = engine();
        let mut p = Profile::new("v1");
        let view = Event::new("product_view").with("product_id", "tent");
        e.record_event(&mut p, &view, 0);
        add_to_cart(&e, &mut p, 0);
        step(&e, &mut p, 0);
        step(&e, &mut p, 30 * MINUTE);
        purchase(&e, &mut p, 120.0, 35 * MINUTE);
        let o = step(&e, &mut p, 35 * MINUTE);
        assert_eq!(sent(&o), [("ads-off", "segment.exited", "crm")]);
        assert_eq!(p.journey.waits.len(), 1, "still waiting");
        let o = step(&e, &mut p, o.next.unwrap());
        assert!(o.deliveries.is_empty(), "{o:?}");
        assert!(p.journey.waits.is_empty());
    }

    #[test]
    fn an_event_action_is_capped_and_checks_its_if() {
        let e = engine();
        let mut p = Profile::new("u:cust-1");
        p.set_rev_of("v9", 1);
        p.merge_traits(
            &serde_json::json!({"email": "a@b.example"})
                .as_object()
                .unwrap()
                .clone(),
        );
        purchase(&e, &mut p, 500.0, DAY);
        assert!(step(&e, &mut p, DAY).deliveries.is_empty(), "not gold yet");
        purchase(&e, &mut p, 600.0, 2 * DAY);
        let o = step(&e, &mut p, 2 * DAY);
        assert_eq!(sent(&o), [("gold", "event", "crm")]);
        let d = &o.deliveries[0];
        assert_eq!(
            (d.user.as_deref(), d.visitor.as_deref()),
            (Some("cust-1"), Some("v9"))
        );
        assert_eq!(d.subject, "purchase");
        purchase(&e, &mut p, 600.0, 3 * DAY);
        assert!(
            step(&e, &mut p, 3 * DAY).deliveries.is_empty(),
            "lifetime cap of 1"
        );
    }

    #[test]
    fn without_consent_nothing_is_sent_and_waits_are_dropped() {
        let e = engine();
        let mut p = Profile::new("v1");
        add_to_cart(&e, &mut p, 0);
        step(&e, &mut p, 30 * MINUTE);
        assert_eq!(p.journey.waits.len(), 1);
        let o = advance(&e, &mut p, &Signals::new(), 2 * DAY, Consent::Denied);
        assert_eq!(o, Outcome::default());
        assert!(p.journey.waits.is_empty());
    }

    #[test]
    fn a_delivery_travels_as_json() {
        let e = engine();
        let mut p = Profile::new("v1");
        for t in 0..3 {
            e.record_event(&mut p, &Event::new("trip_planned"), t);
        }
        for t in 3..8 {
            e.record_event(&mut p, &Event::new("list_shared"), t);
        }
        let d = step(&e, &mut p, 10).deliveries.remove(0);
        let json = serde_json::to_string(&d).unwrap();
        assert!(json.contains(r#""kind":"segment.entered""#), "{json}");
        assert_eq!(serde_json::from_str::<Delivery>(&json).unwrap(), d);
    }

    #[test]
    fn a_wait_started_anonymously_sends_for_the_user_after_login() {
        let e = engine();
        let mut anon = Profile::new("v1");
        add_to_cart(&e, &mut anon, 0);
        step(&e, &mut anon, 30 * MINUTE);
        let due = anon.journey.waits[0].due;
        let mut user = Profile::new("u:cust-7");
        assert!(crate::writer::absorb(&e, &mut user, &anon));
        assert_eq!(user.journey.waits.len(), 1, "the wait moved with the cart");
        let o = step(&e, &mut user, 31 * MINUTE);
        assert!(
            o.transitions.is_empty(),
            "already in cart_abandoner: no second entry"
        );
        assert_eq!(o.next, Some(due));
        let o = step(&e, &mut user, due);
        assert_eq!(sent(&o), [("cart-email", "segment.entered", "email")]);
        let d = &o.deliveries[0];
        assert_eq!(
            (d.user.as_deref(), d.visitor.as_deref()),
            (Some("cust-7"), Some("v1"))
        );
    }

    #[test]
    fn delivery_ids_are_stable_and_distinct() {
        let a = delivery_id("v1", "pql", Kind::Entered, 5);
        assert_eq!(a, delivery_id("v1", "pql", Kind::Entered, 5));
        assert_eq!(a.len(), 32);
        assert_ne!(a, delivery_id("v1", "pql", Kind::Entered, 6));
        assert_ne!(a, delivery_id("v2", "pql", Kind::Entered, 5));
    }
}
