//! The parts of a profile, each with its short JSON keys (the stored layout, v1).

use super::*;

/// The current session. Intent is not reset by a new session, only decayed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Session {
    /// When the session started.
    #[serde(rename = "b", default)]
    pub started: Millis,
    /// The session's last request or event.
    #[serde(rename = "l", default)]
    pub last: Millis,
    /// Pages viewed in the session.
    #[serde(rename = "pv", default)]
    pub page_views: u32,
    /// Events recorded in the session.
    #[serde(rename = "e", default)]
    pub events: u32,
    /// Product views per category in this session.
    #[serde(rename = "cat", default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<(String, u32)>,
    /// The session's first page (path).
    #[serde(rename = "lp", default, skip_serializing_if = "String::is_empty")]
    pub landing_path: String,
    /// The landing page's `utm_*` parameters (without the prefix).
    #[serde(rename = "utm", default, skip_serializing_if = "Vec::is_empty")]
    pub utm: Vec<(String, String)>,
    /// The landing page's referrer.
    #[serde(rename = "ref", default, skip_serializing_if = "String::is_empty")]
    pub referrer: String,
}

/// Intent accumulators, one per signal id, and the tier last shown (for hysteresis).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct IntentState {
    /// One accumulator per intent signal that has fired.
    #[serde(rename = "a", default, skip_serializing_if = "Vec::is_empty")]
    pub accs: Vec<Acc>,
    /// The tier last shown, kept for hysteresis.
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

/// One signal's accumulator: `value` as of `at` (decays from there).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Acc {
    /// The intent signal's id.
    #[serde(rename = "k")]
    pub signal: String,
    /// Its value at `at`.
    #[serde(rename = "x")]
    pub value: f64,
    /// When `value` was last updated.
    pub at: Millis,
}

/// The cart as the page's events built it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Cart {
    /// One line per product.
    #[serde(rename = "l", default)]
    pub lines: Vec<CartLine>,
    /// The last change (add, remove, purchase), for `cart.idle_minutes`.
    #[serde(rename = "at", default)]
    pub changed: Millis,
}

/// One product in the cart.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct CartLine {
    /// The product id.
    #[serde(rename = "p")]
    pub product: String,
    /// How many.
    #[serde(rename = "q")]
    pub quantity: u32,
    /// Unit price, if the event or the catalog gave one.
    #[serde(rename = "pr", default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
}

/// A viewed product.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Viewed {
    /// The product id.
    #[serde(rename = "p")]
    pub product: String,
    /// Times viewed.
    #[serde(rename = "n")]
    pub count: u32,
    /// The last view.
    pub at: Millis,
}

/// A purchased product.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Purchased {
    /// The product id.
    #[serde(rename = "p")]
    pub product: String,
    /// When it was last bought.
    pub at: Millis,
}

/// Order history: exact count and spend, the recent orders with their dates.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Orders {
    /// Orders placed.
    #[serde(rename = "n", default)]
    pub count: u64,
    /// Their total value.
    #[serde(rename = "sp", default)]
    pub spend: f64,
    /// When the last order was placed.
    #[serde(rename = "l", default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Millis>,
    /// (time, total) of the most recent orders.
    #[serde(rename = "r", default, skip_serializing_if = "Vec::is_empty")]
    pub recent: Vec<(Millis, f64)>,
}

/// How much the visitor likes a category: a score that halves every half-life.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Affinity {
    /// The category.
    #[serde(rename = "c")]
    pub category: String,
    /// The score at `at`.
    #[serde(rename = "x")]
    pub score: f64,
    /// When `score` was last updated.
    pub at: Millis,
}

/// How often an event type happened: exact total, recent timestamps (most recent first).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct EventStat {
    /// The event type.
    #[serde(rename = "k")]
    pub kind: String,
    /// Times it happened.
    #[serde(rename = "n")]
    pub total: u64,
    /// When it happened recently, most recent first.
    #[serde(rename = "r", default)]
    pub recent: Vec<Millis>,
}

/// An offer's impressions: lifetime count and recent timestamps (most recent first).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Impression {
    /// The offer's id.
    #[serde(rename = "o")]
    pub offer: String,
    /// Times shown.
    #[serde(rename = "n")]
    pub total: u64,
    /// When it was shown recently, most recent first.
    #[serde(rename = "r", default)]
    pub recent: Vec<Millis>,
}

/// The first exposure of the visitor to an experiment, and how many since.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
pub struct Exposure {
    /// The experiment's id.
    #[serde(rename = "x")]
    pub experiment: String,
    /// The variant the visitor was assigned.
    #[serde(rename = "var")]
    pub variant: String,
    /// The first exposure to that variant.
    pub at: Millis,
    /// Exposures since.
    #[serde(rename = "n")]
    pub count: u64,
}

impl Cart {
    /// True for a cart that never changed.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.changed == 0
    }
}
