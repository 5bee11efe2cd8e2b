//! Offers: what a slot can show, and whether it may show it now (schedule, cap, holdout).

use crate::conditions::Cond;
use crate::profile::Profile;
use crate::recommend::RecSpec;
use crate::template::Template;
use crate::time::{format_duration, format_timestamp, Millis};

#[derive(Clone, Debug)]
pub struct Offer {
    pub id: String,
    /// Position in the config's `offers` (ties in priority go to the first).
    pub index: usize,
    pub target: Target,
    pub priority: f64,
    pub when: Option<Cond>,
    pub schedule: Schedule,
    pub cap: Option<Cap>,
    pub body: Body,
    /// The event that counts as this offer's conversion (`goal`), if any.
    pub goal: Option<String>,
    /// Decided at the edge only (`edge_only`): left out of the config the browser reads.
    pub edge_only: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// `data-sp-slot="<name>"`.
    Slot(String),
    /// A CSS selector; offers with the same selector compete for it.
    Selector(String),
}

#[derive(Clone, Debug, Default)]
pub struct Schedule {
    pub start: Option<Millis>,
    pub end: Option<Millis>,
}

#[derive(Clone, Debug)]
pub struct Cap {
    pub max: u64,
    pub per: CapWindow,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CapWindow {
    /// A rolling window ending now.
    Rolling(Millis),
    /// The current session.
    Session,
    Lifetime,
}

#[derive(Clone, Debug)]
pub enum Body {
    Content(Template),
    Experiment {
        /// Index into the config's experiments.
        experiment: usize,
        variants: Vec<Variant>,
        /// Bucket range ends, one per variant.
        ends: Vec<u64>,
    },
    Recommend(RecSpec),
}

#[derive(Clone, Debug)]
pub struct Variant {
    pub id: String,
    pub weight: f64,
    /// `None` for a control variant: the page keeps its own content.
    pub content: Option<Template>,
}

/// Offers that compete for one place on the page, highest priority first (ties: file order).
#[derive(Clone, Debug)]
pub struct SlotGroup {
    /// The slot name (for a selector, the selector itself).
    pub key: String,
    pub css: Option<String>,
    pub offers: Vec<usize>,
}

impl Schedule {
    /// `None` when running at `now`, otherwise why not.
    pub fn check(&self, now: Millis) -> Option<String> {
        if let Some(s) = self.start {
            if now < s {
                return Some(format!("scheduled to start at {}", format_timestamp(s)));
            }
        }
        if let Some(e) = self.end {
            if now >= e {
                return Some(format!("schedule ended at {}", format_timestamp(e)));
            }
        }
        None
    }
}

impl Cap {
    /// `None` when under the cap, otherwise why not.
    pub fn check(&self, offer: &str, profile: &Profile, now: Millis) -> Option<String> {
        let (shown, span) = match &self.per {
            CapWindow::Lifetime => (profile.impressions_total(offer), "ever".to_string()),
            CapWindow::Session => (
                profile.impressions_since(offer, profile.session.started),
                "this session".to_string(),
            ),
            CapWindow::Rolling(w) => (
                profile.impressions_since(offer, now - w + 1),
                format!("in the last {}", format_duration(*w)),
            ),
        };
        (shown >= self.max).then(|| {
            format!(
                "capped: shown {shown} time(s) {span}, the cap is {}",
                self.max
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{DAY, HOUR};

    #[test]
    fn rolling_caps_forget_old_impressions() {
        let mut p = Profile::new("x");
        let cap = Cap {
            max: 2,
            per: CapWindow::Rolling(DAY),
        };
        p.record_impression("o", 0);
        assert!(cap.check("o", &p, HOUR).is_none());
        p.record_impression("o", HOUR);
        assert!(cap
            .check("o", &p, 2 * HOUR)
            .unwrap()
            .contains("shown 2 time(s) in the last 1d"));
        assert!(
            cap.check("o", &p, DAY + 1).is_none(),
            "the first impression left the window"
        );
        let life = Cap {
            max: 2,
            per: CapWindow::Lifetime,
        };
        assert!(life.check("o", &p, 100 * DAY).is_some());
    }

    #[test]
    fn schedules_are_half_open() {
        let s = Schedule {
            start: Some(10),
            end: Some(20),
        };
        assert!(s.check(9).is_some());
        assert!(s.check(10).is_none());
        assert!(s.check(19).is_none());
        assert!(s.check(20).is_some());
    }
}
