//! Offers: what a slot can show, and whether it may show it now (schedule, cap, holdout).

use crate::conditions::Cond;
use crate::profile::Profile;
use crate::recommend::RecSpec;
use crate::template::Template;
use crate::time::{format_duration, format_timestamp, Millis};

/// One offer: where it goes, when it may show, and what it shows.
#[derive(Clone, Debug)]
pub struct Offer {
    /// Its id in the config.
    pub id: String,
    /// Position in the config's `offers` (ties in priority go to the first).
    pub index: usize,
    /// Where on the page it goes.
    pub target: Target,
    /// Higher wins a slot (ties go to the first in the config).
    pub priority: f64,
    /// The condition it needs, if any.
    pub when: Option<Cond>,
    /// When it runs.
    pub schedule: Schedule,
    /// How often one visitor may see it, if capped.
    pub cap: Option<Cap>,
    /// What it shows.
    pub body: Body,
    /// The event that counts as this offer's conversion (`goal`), if any.
    pub goal: Option<String>,
    /// Decided at the edge only (`edge_only`): left out of the config the browser reads.
    pub edge_only: bool,
}

/// Where an offer goes on the page.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// `data-sp-slot="<name>"`.
    Slot(String),
    /// A CSS selector; offers with the same selector compete for it.
    Selector(String),
}

/// When an offer runs: from `start` (inclusive) until `end` (exclusive).
#[derive(Clone, Debug, Default)]
pub struct Schedule {
    /// Not before this time.
    pub start: Option<Millis>,
    /// Not from this time on.
    pub end: Option<Millis>,
}

/// At most `max` impressions per visitor `per` window.
#[derive(Clone, Debug)]
pub struct Cap {
    /// Impressions allowed.
    pub max: u64,
    /// The window they are counted in.
    pub per: CapWindow,
}

/// The window a cap counts impressions in.
#[derive(Clone, Debug, PartialEq)]
pub enum CapWindow {
    /// A rolling window ending now.
    Rolling(Millis),
    /// The current session.
    Session,
    /// The visitor's whole life.
    Lifetime,
}

/// What an offer shows.
#[derive(Clone, Debug)]
pub enum Body {
    /// One template for everyone.
    Content(Template),
    /// Variants of an experiment, one per visitor by bucket.
    Experiment {
        /// Index into the config's experiments.
        experiment: usize,
        /// The variants, in the config's order.
        variants: Vec<Variant>,
        /// Bucket range ends, one per variant.
        ends: Vec<u64>,
    },
    /// Items picked from the catalog and rendered with the item template.
    Recommend(RecSpec),
}

/// One variant of an experiment's offer.
#[derive(Clone, Debug)]
pub struct Variant {
    /// Its id.
    pub id: String,
    /// Its share of the traffic.
    pub weight: f64,
    /// `None` for a control variant: the page keeps its own content.
    pub content: Option<Template>,
}

/// Offers that compete for one place on the page, highest priority first (ties: file order).
#[derive(Clone, Debug)]
pub struct SlotGroup {
    /// The slot name (for a selector, the selector itself).
    pub key: String,
    /// The selector, for a selector target.
    pub css: Option<String>,
    /// The offers, as indices into the config's offers.
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
