//! Intent scoring: per-signal accumulators that decay with a half-life, summed into a score
//! that maps to a tier, with hysteresis so a visitor does not flicker between tiers.
//!
//! On an event at time `t`, each matching signal does `acc = min(cap, acc·2^(-(t-at)/half_life)
//! + score)`. The score at time `t` is `max(0, Σ acc decayed to t)`. The tier is the highest
//! whose `min_score` is reached; a visitor keeps a tier (and the ones below it) until the score
//! falls below `min_score - hysteresis`.

use crate::conditions::Cond;
use crate::profile::{Acc, IntentState};
use crate::time::{decay_factor, Millis};

/// The config's intent model: signals, their decay, and the tiers.
#[derive(Clone, Debug)]
pub struct IntentModel {
    /// Time for an accumulator to lose half its value.
    pub half_life: Millis,
    /// What adds to the score.
    pub signals: Vec<Signal>,
    /// Ascending by `min_score` (checked when the config is compiled).
    pub tiers: Vec<Tier>,
    /// How far below a tier's `min_score` a visitor who has it keeps it.
    pub hysteresis: f64,
    /// Event types that reset the visitor's intent.
    pub reset_on: Vec<String>,
}

/// One intent signal: an event (with an optional condition) adding to the score.
#[derive(Clone, Debug)]
pub struct Signal {
    /// Its id.
    pub id: String,
    /// The event type it scores.
    pub event: String,
    /// A condition on the event and profile, if any.
    pub when: Option<Cond>,
    /// `Some(true)`: only when the product was viewed before; `Some(false)`: only the first view.
    pub repeat: Option<bool>,
    /// What one event adds (may be negative).
    pub score: f64,
    /// The most its accumulator may hold.
    pub cap: Option<f64>,
}

/// A tier: a name for a score range.
#[derive(Clone, Debug)]
pub struct Tier {
    /// Its name.
    pub name: String,
    /// The score that reaches it.
    pub min_score: f64,
}

/// The intent at one instant.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct IntentNow {
    /// The score at that instant.
    pub score: f64,
    /// The tier's index in the config.
    #[serde(skip)]
    pub tier: Option<usize>,
    /// The tier's name.
    #[serde(rename = "tier")]
    pub tier_name: Option<String>,
    /// The tier before this instant (for hysteresis).
    pub previous_tier: Option<String>,
    /// True when the tier is kept only by hysteresis (score below its `min_score`).
    pub held_by_hysteresis: bool,
    /// Each signal's decayed accumulator, in config order (zeros left out).
    pub signals: Vec<(String, f64)>,
}

impl Default for IntentModel {
    fn default() -> Self {
        IntentModel {
            half_life: 30 * crate::time::MINUTE,
            signals: Vec::new(),
            tiers: Vec::new(),
            hysteresis: 0.0,
            reset_on: Vec::new(),
        }
    }
}

impl IntentModel {
    /// An accumulator decayed to `now`.
    pub fn decayed(&self, acc: &Acc, now: Millis) -> f64 {
        acc.value * decay_factor(now - acc.at, self.half_life)
    }

    /// Adds a signal's score at `t`, capped.
    pub fn add(&self, state: &mut IntentState, signal: &Signal, t: Millis) {
        let i = match state.accs.iter().position(|a| a.signal == signal.id) {
            Some(i) => i,
            None => {
                state.accs.push(Acc {
                    signal: signal.id.clone(),
                    value: 0.0,
                    at: t,
                });
                state.accs.len() - 1
            }
        };
        let acc = &mut state.accs[i];
        let mut v = acc.value * decay_factor(t - acc.at, self.half_life) + signal.score;
        if let Some(cap) = signal.cap {
            v = v.min(cap);
        }
        acc.value = v;
        acc.at = acc.at.max(t);
    }

    /// Clears the accumulators (`reset_on`) and the remembered tier.
    pub fn reset(&self, state: &mut IntentState) {
        state.accs.clear();
        state.tier = None;
    }

    /// Drops accumulators of signals the config no longer has.
    pub fn prune(&self, state: &mut IntentState) {
        state
            .accs
            .retain(|a| self.signals.iter().any(|s| s.id == a.signal));
    }

    /// The score at `now`: every accumulator decayed to then, summed, never below zero.
    pub fn score(&self, state: &IntentState, now: Millis) -> f64 {
        let sum: f64 = state
            .accs
            .iter()
            .filter(|a| self.signals.iter().any(|s| s.id == a.signal))
            .map(|a| self.decayed(a, now))
            .sum();
        sum.max(0.0)
    }

    /// The tier for a score, given the tier held before: (index, held by hysteresis).
    pub fn tier_for(&self, score: f64, previous: Option<&str>) -> (Option<usize>, bool) {
        let prev = previous.and_then(|p| self.tiers.iter().position(|t| t.name == p));
        let mut best = None;
        for (i, t) in self.tiers.iter().enumerate() {
            let threshold = match prev {
                Some(p) if i <= p => t.min_score - self.hysteresis,
                _ => t.min_score,
            };
            if score >= threshold {
                best = Some(i);
            }
        }
        let held = best.is_some_and(|i| score < self.tiers[i].min_score);
        (best, held)
    }

    /// The score and tier at `now`, with what each signal contributes.
    pub fn evaluate(&self, state: &IntentState, now: Millis) -> IntentNow {
        let score = self.score(state, now);
        let (tier, held) = self.tier_for(score, state.tier.as_deref());
        let signals = self
            .signals
            .iter()
            .filter_map(|s| {
                let acc = state.accs.iter().find(|a| a.signal == s.id)?;
                let v = self.decayed(acc, now);
                (v.abs() > 1e-9).then(|| (s.id.clone(), v))
            })
            .collect();
        IntentNow {
            score,
            tier,
            tier_name: tier.map(|i| self.tiers[i].name.clone()),
            previous_tier: state.tier.clone(),
            held_by_hysteresis: held,
            signals,
        }
    }

    /// Re-evaluates the tier at `t` and remembers it, so hysteresis has a reference.
    pub fn settle(&self, state: &mut IntentState, t: Millis) {
        let score = self.score(state, t);
        let (tier, _) = self.tier_for(score, state.tier.as_deref());
        state.tier = tier.map(|i| self.tiers[i].name.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MINUTE;

    fn model() -> IntentModel {
        IntentModel {
            half_life: 30 * MINUTE,
            signals: vec![
                Signal {
                    id: "page".into(),
                    event: "page_view".into(),
                    when: None,
                    repeat: None,
                    score: 0.5,
                    cap: Some(2.0),
                },
                Signal {
                    id: "compare".into(),
                    event: "compare_view".into(),
                    when: None,
                    repeat: None,
                    score: 3.0,
                    cap: None,
                },
                Signal {
                    id: "uncart".into(),
                    event: "remove_from_cart".into(),
                    when: None,
                    repeat: None,
                    score: -3.0,
                    cap: None,
                },
            ],
            tiers: vec![
                Tier {
                    name: "browsing".into(),
                    min_score: 0.0,
                },
                Tier {
                    name: "comparing".into(),
                    min_score: 4.0,
                },
                Tier {
                    name: "ready".into(),
                    min_score: 10.0,
                },
            ],
            hysteresis: 1.0,
            reset_on: vec!["purchase".into()],
        }
    }

    #[test]
    fn caps_and_decay() {
        let m = model();
        let mut st = IntentState::default();
        for i in 0..10 {
            m.add(&mut st, &m.signals[0], i * 1000);
        }
        assert_eq!(st.accs[0].value, 2.0, "capped at 2");
        m.add(&mut st, &m.signals[1], 9000);
        let s0 = m.score(&st, 9000);
        assert!((s0 - 5.0).abs() < 1e-9);
        let later = m.score(&st, 9000 + 30 * MINUTE);
        assert!(
            (later - 2.5).abs() < 1e-9,
            "one half-life halves the score: {later}"
        );
    }

    #[test]
    fn negative_scores_never_go_below_zero() {
        let m = model();
        let mut st = IntentState::default();
        m.add(&mut st, &m.signals[2], 0);
        assert_eq!(m.score(&st, 0), 0.0);
    }

    #[test]
    fn hysteresis_keeps_a_tier_until_a_full_point_below() {
        let m = model();
        assert_eq!(m.tier_for(4.2, None), (Some(1), false));
        assert_eq!(m.tier_for(3.5, None), (Some(0), false));
        assert_eq!(m.tier_for(3.5, Some("comparing")), (Some(1), true));
        assert_eq!(m.tier_for(2.9, Some("comparing")), (Some(0), false));
        // Falling from the top tier keeps the tiers below it on the same terms.
        assert_eq!(m.tier_for(3.2, Some("ready")), (Some(1), true));
        assert_eq!(m.tier_for(9.5, Some("ready")), (Some(2), true));
    }

    #[test]
    fn reset_clears_everything() {
        let m = model();
        let mut st = IntentState::default();
        m.add(&mut st, &m.signals[1], 0);
        m.settle(&mut st, 0);
        m.reset(&mut st);
        assert_eq!(m.score(&st, 0), 0.0);
        assert_eq!(st.tier, None);
    }
}
