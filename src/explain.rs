//! Explanations: why each slot got what it got, in words a marketer reads.

use crate::facts::format_number;
use crate::intent::IntentNow;
use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Explanation {
    pub visitor: String,
    /// The decision's instant (RFC 3339, UTC).
    pub at: String,
    pub personalized: bool,
    /// Consent as found on the request: `granted`, or why not.
    pub consent: String,
    pub intent: IntentNow,
    pub holdout: bool,
    pub segments: Vec<SegmentExplain>,
    /// Every offer, in config order.
    pub offers: Vec<OfferExplain>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SegmentExplain {
    pub name: String,
    pub matched: bool,
    pub why: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OfferExplain {
    pub id: String,
    /// The slot name, or the CSS selector.
    pub slot: String,
    pub priority: f64,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    pub why: String,
}

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
