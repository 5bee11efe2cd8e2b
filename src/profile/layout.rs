//! The parts of a profile, each with its short JSON keys (the stored layout, v1).

use super::*;

/// The current session. Intent is not reset by a new session, only decayed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Session {
    #[serde(rename = "b", default)]
    pub started: Millis,
    #[serde(rename = "l", default)]
    pub last: Millis,
    #[serde(rename = "pv", default)]
    pub page_views: u32,
    #[serde(rename = "e", default)]
    pub events: u32,
    /// Product views per category in this session.
    #[serde(rename = "cat", default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<(String, u32)>,
    #[serde(rename = "lp", default, skip_serializing_if = "String::is_empty")]
    pub landing_path: String,
    /// The landing page's `utm_*` parameters (without the prefix).
    #[serde(rename = "utm", default, skip_serializing_if = "Vec::is_empty")]
    pub utm: Vec<(String, String)>,
    #[serde(rename = "ref", default, skip_serializing_if = "String::is_empty")]
    pub referrer: String,
}

/// Intent accumulators, one per signal id, and the tier last shown (for hysteresis).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct IntentState {
    #[serde(rename = "a", default, skip_serializing_if = "Vec::is_empty")]
    pub accs: Vec<Acc>,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

/// One signal's accumulator: `value` as of `at` (decays from there).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Acc {
    #[serde(rename = "k")]
    pub signal: String,
    #[serde(rename = "x")]
    pub value: f64,
    pub at: Millis,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Cart {
    #[serde(rename = "l", default)]
    pub lines: Vec<CartLine>,
    /// The last change (add, remove, purchase), for `cart.idle_minutes`.
    #[serde(rename = "at", default)]
    pub changed: Millis,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct CartLine {
    #[serde(rename = "p")]
    pub product: String,
    #[serde(rename = "q")]
    pub quantity: u32,
    /// Unit price, if the event or the catalog gave one.
    #[serde(rename = "pr", default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Viewed {
    #[serde(rename = "p")]
    pub product: String,
    #[serde(rename = "n")]
    pub count: u32,
    pub at: Millis,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Purchased {
    #[serde(rename = "p")]
    pub product: String,
    pub at: Millis,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Orders {
    #[serde(rename = "n", default)]
    pub count: u64,
    #[serde(rename = "sp", default)]
    pub spend: f64,
    #[serde(rename = "l", default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Millis>,
    /// (time, total) of the most recent orders.
    #[serde(rename = "r", default, skip_serializing_if = "Vec::is_empty")]
    pub recent: Vec<(Millis, f64)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Affinity {
    #[serde(rename = "c")]
    pub category: String,
    #[serde(rename = "x")]
    pub score: f64,
    pub at: Millis,
}

/// How often an event type happened: exact total, recent timestamps (most recent first).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct EventStat {
    #[serde(rename = "k")]
    pub kind: String,
    #[serde(rename = "n")]
    pub total: u64,
    #[serde(rename = "r", default)]
    pub recent: Vec<Millis>,
}

/// An offer's impressions: lifetime count and recent timestamps (most recent first).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Impression {
    #[serde(rename = "o")]
    pub offer: String,
    #[serde(rename = "n")]
    pub total: u64,
    #[serde(rename = "r", default)]
    pub recent: Vec<Millis>,
}

/// The first exposure of the visitor to an experiment, and how many since.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Exposure {
    #[serde(rename = "x")]
    pub experiment: String,
    #[serde(rename = "var")]
    pub variant: String,
    pub at: Millis,
    #[serde(rename = "n")]
    pub count: u64,
}

impl Cart {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.changed == 0
    }
}
