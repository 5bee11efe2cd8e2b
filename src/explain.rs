//! Explanations: why each slot got what it got, in words a marketer reads.

use crate::facts::format_number;
use crate::intent::IntentNow;
use serde::Serialize;

/// Why a decision is what it is: the visitor's intent, holdout, segments and every offer.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Explanation {
    /// The visitor id.
    pub visitor: String,
    /// The decision's instant (RFC 3339, UTC).
    pub at: String,
    /// Whether the page was personalized (consent granted).
    pub personalized: bool,
    /// Consent as found on the request: `granted`, or why not.
    pub consent: String,
    /// The intent score and tier.
    pub intent: IntentNow,
    /// Whether the visitor is in the global holdout.
    pub holdout: bool,
    /// Every segment, in config order.
    pub segments: Vec<SegmentExplain>,
    /// Every offer, in config order.
    pub offers: Vec<OfferExplain>,
}

/// One segment and whether the visitor is in it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SegmentExplain {
    /// The segment's name.
    pub name: String,
    /// Whether it matched.
    pub matched: bool,
    /// Why, in words.
    pub why: String,
}

/// One offer's outcome and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OfferExplain {
    /// The offer's id.
    pub id: String,
    /// The slot name, or the CSS selector.
    pub slot: String,
    /// Its priority.
    pub priority: f64,
    /// What happened to it.
    pub outcome: Outcome,
    /// The experiment variant, if one was picked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Why, in words.
    pub why: String,
}

/// What happened to an offer in a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Won its slot and was rendered (or kept the page's content, for a control variant).
    Shown,
    /// Eligible, but a higher-priority (or earlier) offer took the slot.
    Outranked,
    /// Not eligible now: condition, schedule, cap, or no recommendation.
    NotEligible,
    /// Would have been shown; the visitor is in the global holdout.
    HeldOut,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Shown => "SHOWN",
            Outcome::Outranked => "outranked",
            Outcome::NotEligible => "not eligible",
            Outcome::HeldOut => "held out",
        }
    }
}

impl Explanation {
    /// A plain-text rendering for the CLI and the explain endpoint.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!("visitor {} at {}\n", self.visitor, self.at));
        if !self.personalized {
            s.push_str(&format!("not personalized: consent {}\n", self.consent));
            return s;
        }
        let i = &self.intent;
        s.push_str(&format!(
            "intent: score {} -> tier {}",
            format_number(i.score),
            i.tier_name.as_deref().unwrap_or("(none)")
        ));
        if i.held_by_hysteresis {
            s.push_str(" (kept by hysteresis)");
        }
        s.push('\n');
        if !i.signals.is_empty() {
            let parts: Vec<String> = i
                .signals
                .iter()
                .map(|(id, v)| format!("{id} {}", format_number(*v)))
                .collect();
            s.push_str(&format!("  signals: {}\n", parts.join(", ")));
        }
        if self.holdout {
            s.push_str("holdout: the visitor is in the global holdout; no offer is shown\n");
        }
        let matched: Vec<&str> = self
            .segments
            .iter()
            .filter(|x| x.matched)
            .map(|x| x.name.as_str())
            .collect();
        s.push_str(&format!(
            "segments: {}\n",
            if matched.is_empty() {
                "(none)".to_string()
            } else {
                matched.join(", ")
            }
        ));
        for o in &self.offers {
            let variant = o
                .variant
                .as_ref()
                .map(|v| format!("/{v}"))
                .unwrap_or_default();
            s.push_str(&format!(
                "  [{}] {}{variant} (slot {}, priority {}): {}\n",
                o.outcome.label(),
                o.id,
                o.slot,
                format_number(o.priority),
                o.why
            ));
        }
        s
    }
}
