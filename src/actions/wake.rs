//! When, without any request, a watched segment could change for a visitor: the cart has been
//! idle long enough, an event leaves a `within` window, the intent score decays below a
//! threshold, a day passes since the last order. A host sets its one timer per profile to the
//! earliest such instant and evaluates again then.
//!
//! The answer is conservative: never later than the first moment a condition's value can
//! flip, sometimes earlier (every time-dependent part counts, even one whose flip would not
//! change the segment; a comparison with a value not known in advance wakes at the fact's next
//! step). An early wake-up costs one evaluation that answers a later instant; a late one would
//! send late, so none is.

use super::membership::{watched, with_ctx};
use crate::conditions::{Cond, EventCount, Op, Rhs};
use crate::config::Config;
use crate::engine::{Engine, Signals};
use crate::facts::{Ctx, Fact, ProfileFact, SessionFact, Val};
use crate::intent::IntentNow;
use crate::profile::Profile;
use crate::time::{Millis, DAY, MINUTE};

/// The first instant after `now` at which a segment an action watches could change for
/// `profile` by time alone; `None` when none can.
pub fn next_change(
    engine: &Engine,
    profile: &Profile,
    signals: &Signals,
    now: Millis,
) -> Option<Millis> {
    let cfg = engine.config();
    with_ctx(engine, profile, signals, now, |ctx, intent| {
        let mut w = Wake {
            cfg,
            ctx,
            intent,
            profile,
            now,
            best: None,
        };
        for i in watched(cfg) {
            if let Some(s) = cfg.segments.get(i) {
                w.cond(&s.cond, 0);
            }
        }
        w.best
    })
}

struct Wake<'a> {
    cfg: &'a Config,
    ctx: &'a Ctx<'a>,
    intent: &'a IntentNow,
    profile: &'a Profile,
    now: Millis,
    best: Option<Millis>,
}

impl Wake<'_> {
    /// Keeps `t` if it is after now and earlier than what was found.
    fn at(&mut self, t: Millis) {
        if t > self.now && self.best.is_none_or(|b| t < b) {
            self.best = Some(t);
        }
    }

    fn cond(&mut self, c: &Cond, depth: usize) {
        match c {
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| self.cond(c, depth)),
            Cond::Not(c) => self.cond(c, depth),
            // Segments never refer to each other in a loop; `depth` only guards.
            Cond::Segment(i, _) if depth < self.cfg.segments.len() => {
                if let Some(s) = self.cfg.segments.get(*i) {
                    self.cond(&s.cond, depth + 1);
                }
            }
            Cond::Segment(..) => {}
            Cond::Event(EventCount {
                kind,
                within: Some(w),
                ..
            }) => {
                // Counted while `now - t <= w`: gone at `t + w + 1`.
                let stat = self.profile.events.iter().find(|e| &e.kind == kind);
                for t in stat.map(|s| s.recent.as_slice()).unwrap_or(&[]) {
                    self.at(t + w + 1);
                }
            }
            Cond::Event(_) => {}
            Cond::Test { fact, op, rhs, .. } => {
                let values = match rhs {
                    Rhs::None => Vec::new(),
                    Rhs::Lit(v) => numbers(v),
                    Rhs::From(f, _) => numbers(&self.ctx.get(f)),
                };
                self.fact(fact, *op, &values);
                // A time-dependent fact on the right is compared with the left's value.
                if let Rhs::From(f, _) = rhs {
                    let left = numbers(&self.ctx.get(fact));
                    self.fact(f, *op, &left);
                }
            }
        }
    }

    /// The instants at which `fact`, compared with `values`, could give another answer.
    fn fact(&mut self, fact: &Fact, op: Op, values: &[f64]) {
        let p = self.profile;
        match fact {
            Fact::Profile(ProfileFact::CartIdleMinutes) if !p.cart.lines.is_empty() => {
                self.steps(p.cart.changed, MINUTE, op, values)
            }
            Fact::Profile(ProfileFact::DaysSinceLastOrder) => {
                if let Some(last) = p.orders.last {
                    self.steps(last, DAY, op, values);
                }
            }
            Fact::Profile(ProfileFact::DaysSinceFirstVisit) if p.created != 0 => {
                self.steps(p.created, DAY, op, values)
            }
            Fact::Profile(ProfileFact::Orders365d) => {
                for (t, _) in &p.orders.recent {
                    self.at(t + 365 * DAY + 1);
                }
            }
            Fact::Session(SessionFact::Minutes) => {
                self.steps(p.session.started, MINUTE, op, values)
            }
            Fact::Session(SessionFact::Score) => self.decay(values),
            Fact::Session(SessionFact::Tier) => {
                let hysteresis = self.cfg.intent.hysteresis;
                let tiers = &self.cfg.intent.tiers;
                let bounds: Vec<f64> = tiers
                    .iter()
                    .flat_map(|t| [t.min_score, t.min_score - hysteresis])
                    .collect();
                self.decay(&bounds);
            }
            _ => {}
        }
    }

    /// A whole count of `unit`s since `base`: it reaches `k` at `base + k * unit`. Compared
    /// with known values, only reaching them (`gte`, `lt`) or passing them (`gt`, `lte`)
    /// matters, either for the other operators; otherwise every step does.
    fn steps(&mut self, base: Millis, unit: Millis, op: Op, values: &[f64]) {
        if values.is_empty() {
            let k = (self.now - base).max(0) / unit + 1;
            self.at(base + k * unit);
        }
        for v in values {
            let (reach, pass) = (v.ceil(), v.floor() + 1.0);
            let ks = match op {
                Op::Gte | Op::Lt => [reach, reach],
                Op::Gt | Op::Lte => [pass, pass],
                _ => [reach, pass],
            };
            for k in ks {
                if (0.0..1e12).contains(&k) {
                    self.at(base + k as Millis * unit);
                }
            }
        }
    }

    /// The intent score decays by half every half-life and nothing else moves it between
    /// events: it falls to `v` at `now + half_life * log2(score / v)`. A millisecond early
    /// for rounding.
    fn decay(&mut self, values: &[f64]) {
        let score = self.intent.score;
        let half_life = self.cfg.intent.half_life as f64;
        for v in values.iter().filter(|v| **v > 0.0 && score > **v) {
            let dt = half_life * (score / v).log2();
            self.at(self.now + (dt.floor() as Millis - 1).max(1));
        }
    }
}

/// The numbers a value holds (a list's too).
fn numbers(v: &Val) -> Vec<f64> {
    match v {
        Val::List(l) => l.iter().filter_map(Val::as_num).collect(),
        v => v.as_num().into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Event;
    use crate::profile::Acc;
    use crate::time::HOUR;

    fn engine(segment: serde_json::Value) -> Engine {
        let config = serde_json::json!({
            "version": 1,
            "intent": {"half_life": "1h", "signals": [{"id": "s", "event": "x", "score": 8}],
                       "tiers": [{"name": "low", "min_score": 0}, {"name": "high", "min_score": 4}],
                       "hysteresis": 1},
            "segments": {"watched": segment},
            "destinations": {"crm": {"url": "https://crm.example/", "secret": "CRM"}},
            "actions": [{"id": "a", "on": {"enter": "watched"}, "send": "crm"}]
        });
        Engine::new(&config.to_string(), None).unwrap()
    }

    fn next(e: &Engine, p: &Profile, now: Millis) -> Option<Millis> {
        next_change(e, p, &Signals::new(), now)
    }

    #[test]
    fn cart_idle_minutes_wake_when_the_threshold_is_reached() {
        let e = engine(
            serde_json::json!({"fact": "profile.cart.idle_minutes", "op": "gte", "value": 30}),
        );
        let mut p = Profile::new("v");
        assert_eq!(next(&e, &p, 0), None, "an empty cart is never idle");
        p.cart_add("tent", 1, None, 5 * MINUTE);
        assert_eq!(next(&e, &p, 6 * MINUTE), Some(35 * MINUTE));
        assert_eq!(next(&e, &p, 35 * MINUTE), None, "it only grows");
        let e = engine(
            serde_json::json!({"fact": "profile.cart.idle_minutes", "op": "eq", "value": 30}),
        );
        assert_eq!(
            next(&e, &p, 35 * MINUTE),
            Some(36 * MINUTE),
            "no longer 30 then"
        );
    }

    #[test]
    fn an_event_leaves_its_window_a_millisecond_after_it() {
        let e = engine(serde_json::json!({"not": {"event": "purchase", "within": "7d"}}));
        let mut p = Profile::new("v");
        p.count_event("purchase", HOUR, &|_| true);
        p.count_event("purchase", 2 * HOUR, &|_| true);
        assert_eq!(next(&e, &p, 3 * HOUR), Some(HOUR + 7 * DAY + 1));
        assert_eq!(p.event_count("purchase", Some(7 * DAY), HOUR + 7 * DAY), 2);
        assert_eq!(
            p.event_count("purchase", Some(7 * DAY), HOUR + 7 * DAY + 1),
            1
        );
    }

    #[test]
    fn a_decaying_score_wakes_before_it_crosses() {
        let e = engine(serde_json::json!({"fact": "session.score", "op": "gte", "value": 2}));
        let mut p = Profile::new("v");
        p.intent.accs.push(Acc {
            signal: "s".into(),
            value: 8.0,
            at: 0,
        });
        // 8 halves to 2 in two half-lives.
        let t = next(&e, &p, 0).unwrap();
        assert!((2 * HOUR - 2..=2 * HOUR).contains(&t), "{t}");
        let score = |at| e.config().intent.score(&p.intent, at);
        assert!(score(t) >= 2.0);
        let tier = engine(serde_json::json!({"fact": "session.tier", "op": "eq", "value": "high"}));
        let t = next(&tier, &p, 0).unwrap();
        // 8 falls to 4 (high's min_score) after one half-life; hysteresis keeps it to 3.
        assert!((HOUR - 2..=HOUR).contains(&t), "{t}");
    }

    #[test]
    fn days_since_the_last_order_step_daily_and_unknown_values_step_each_unit() {
        let e = engine(
            serde_json::json!({"fact": "profile.days_since_last_order", "op": "gte", "value": 60}),
        );
        let mut p = Profile::new("v");
        p.record_purchase(&[], 10.0, DAY);
        assert_eq!(next(&e, &p, 2 * DAY), Some(61 * DAY));
        let e = engine(serde_json::json!({"fact": "session.minutes", "op": "gte",
                                          "value_from": "signals.threshold.minutes"}));
        let ev = Event::new("x");
        e.record_event(&mut p, &ev, 10 * DAY);
        assert_eq!(
            next(&e, &p, 10 * DAY + 90 * 1000),
            Some(10 * DAY + 2 * MINUTE)
        );
    }
}
