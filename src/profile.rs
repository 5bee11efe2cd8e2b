//! The visitor's long-lived state, stored in KV under `profile:<visitor id>`.
//!
//! # Size bound
//! Every collection has a fixed limit and every string is cut (by its JSON-escaped byte
//! length), so a serialized profile never exceeds [`MAX_PROFILE_BYTES`] (96 KiB) however long
//! the visitor lives; the worst case, every list full of maximum-length strings, measures about
//! 70 KB (`tests/properties.rs`). A typical profile is 1 to 3 KB. When a list is full, what
//! goes first is:
//!
//! | part | limit | dropped first |
//! |---|---|---|
//! | viewed products | 50 | least recently viewed |
//! | purchased products | 50 | least recently purchased |
//! | orders kept with their date (for `orders_365d`) | 50 | oldest (count and spend stay exact) |
//! | cart lines | 30 | oldest line |
//! | category affinities | 16 | weakest after decay |
//! | event types counted | 32 | least recently seen type the config does not use |
//! | timestamps per event type (for `within`) | 32 | oldest (totals stay exact) |
//! | offers with impressions | 32 | least recently shown |
//! | impression timestamps per offer (for rolling caps) | 16 | oldest (lifetime counts stay exact) |
//! | experiments exposed | 16 | oldest first exposure |
//! | traits | 32 scalar values of up to 256 bytes | new traits are refused when full |
//! | event ids remembered (retry de-duplication) | 32 | oldest |
//!
//! Ids are cut at 128 bytes, event names at 64. Consequences the config checker enforces: an
//! event test with `within` counts at most 32 events, and a rolling cap allows at most 16.
//!
//! # Format versions
//! The JSON carries `"v"`. Version 1 is this layout; version 0 is the walking skeleton's
//! `{id, traits, page_views}`, still readable. A newer version than this build knows is refused
//! (the host then starts a fresh profile rather than destroy data it cannot read).

use crate::json_float::{money, number};
use crate::time::{decay_factor, Millis, DAY};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The profile format this build writes.
pub const FORMAT_VERSION: u32 = 1;
/// The most a serialized profile can weigh.
pub const MAX_PROFILE_BYTES: usize = 96 * 1024;

pub const MAX_VIEWED: usize = 50;
pub const MAX_PURCHASED: usize = 50;
pub const MAX_ORDERS_KEPT: usize = 50;
pub const MAX_CART_LINES: usize = 30;
pub const MAX_AFFINITIES: usize = 16;
pub const MAX_EVENT_TYPES: usize = 32;
pub const MAX_EVENT_TIMES: usize = 32;
pub const MAX_OFFERS_TRACKED: usize = 32;
pub const MAX_IMPRESSION_TIMES: usize = 16;
pub const MAX_EXPOSURES: usize = 16;
pub const MAX_TRAITS: usize = 32;
pub const MAX_TRAIT_LEN: usize = 256;
pub const MAX_SEEN_IDS: usize = 32;
pub use crate::limits::{MAX_EVENT_NAME_LEN, MAX_ID_LEN};
const MAX_SESSION_CATEGORIES: usize = 8;
const MAX_SESSION_UTM: usize = 5;
const MAX_PATH_LEN: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("profile is not valid JSON: {0}")]
    Json(String),
    #[error("profile format v{0} is newer than this engine reads (v{FORMAT_VERSION})")]
    TooNew(u64),
    #[error("profile v{version} is malformed: {message}")]
    Malformed { version: u64, message: String },
}

/// A visitor's long-lived state. See the module docs for its size bound and versions.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
#[serde(remote = "Self")]
pub struct Profile {
    #[serde(rename = "v")]
    pub version: u32,
    /// The visitor id (the `sp_vid` cookie), which experiments and the holdout bucket.
    pub id: String,
    #[serde(rename = "c", default)]
    pub created: Millis,
    #[serde(rename = "u", default)]
    pub updated: Millis,
    /// The host's write revision: when the profile was last stored (`session` replays only
    /// what came after it). 0 for a profile never stored.
    #[serde(rename = "r", default, skip_serializing_if = "is_zero")]
    pub rev: Millis,
    /// Sessions so far (a session ends after 30 minutes without a request or event).
    #[serde(rename = "vis", default)]
    pub visits: u32,
    #[serde(rename = "pv", default)]
    pub page_views: u64,
    #[serde(rename = "s", default)]
    pub session: Session,
    #[serde(rename = "i", default)]
    pub intent: IntentState,
    /// From `identify` events: scalar values only.
    #[serde(rename = "t", default, skip_serializing_if = "Map::is_empty")]
    pub traits: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Cart::is_empty")]
    pub cart: Cart,
    /// Most recent first.
    #[serde(rename = "vw", default, skip_serializing_if = "Vec::is_empty")]
    pub viewed: Vec<Viewed>,
    /// Most recent first.
    #[serde(rename = "pu", default, skip_serializing_if = "Vec::is_empty")]
    pub purchased: Vec<Purchased>,
    #[serde(rename = "o", default)]
    pub orders: Orders,
    #[serde(rename = "af", default, skip_serializing_if = "Vec::is_empty")]
    pub affinity: Vec<Affinity>,
    #[serde(rename = "ev", default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventStat>,
    #[serde(rename = "im", default, skip_serializing_if = "Vec::is_empty")]
    pub impressions: Vec<Impression>,
    #[serde(rename = "ex", default, skip_serializing_if = "Vec::is_empty")]
    pub exposures: Vec<Exposure>,
    #[serde(rename = "ids", default, skip_serializing_if = "Vec::is_empty")]
    pub seen_ids: Vec<String>,
}

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

impl Serialize for Profile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Profile::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Profile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Profile::from_value(v).map_err(serde::de::Error::custom)
    }
}

/// Sorts indices by `key`, highest first; equal keys keep their order. The crate's only sort:
/// a bottom-up merge sort in a few hundred bytes of wasm where the standard library's stable
/// sort is about 4 KB (a stable sort's result is unique, so it orders exactly as `sort_by`).
pub(crate) fn sort_desc_stable(indices: &mut [usize], key: &dyn Fn(usize) -> f64) {
    let n = indices.len();
    let keys: Vec<f64> = indices.iter().map(|&i| key(i)).collect();
    // Sort positions into `indices` by their key, then apply.
    let mut order: Vec<usize> = (0..n).collect();
    let mut buf = vec![0; n];
    let mut width = 1;
    while width < n {
        for start in (0..n).step_by(2 * width) {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut a, mut b) = (start, mid);
            for slot in &mut buf[start..end] {
                // The left run wins ties: that is what keeps equal keys in order.
                let left =
                    a < mid && (b == end || keys[order[a]].total_cmp(&keys[order[b]]).is_ge());
                *slot = if left {
                    a += 1;
                    order[a - 1]
                } else {
                    b += 1;
                    order[b - 1]
                };
            }
        }
        std::mem::swap(&mut order, &mut buf);
        width *= 2;
    }
    let sorted: Vec<usize> = order.iter().map(|&k| indices[k]).collect();
    indices.copy_from_slice(&sorted);
}

/// Cuts a string so that it takes at most `max` bytes inside a JSON string (escapes counted),
/// replacing control characters with spaces. This is what makes the size bound hold for any
/// input.
pub(crate) fn clip(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max));
    let mut used = 0;
    for c in s.chars() {
        let c = if c.is_control() { ' ' } else { c };
        let cost = match c {
            '"' | '\\' => 2,
            c => c.len_utf8(),
        };
        if used + cost > max {
            break;
        }
        used += cost;
        out.push(c);
    }
    out
}

fn is_zero(n: &Millis) -> bool {
    *n == 0
}

impl Default for Profile {
    fn default() -> Self {
        Profile::new("")
    }
}

impl Profile {
    pub fn new(id: impl Into<String>) -> Profile {
        Profile {
            version: FORMAT_VERSION,
            id: clip(&id.into(), MAX_ID_LEN),
            created: 0,
            updated: 0,
            rev: 0,
            visits: 0,
            page_views: 0,
            session: Session::default(),
            intent: IntentState::default(),
            traits: Map::new(),
            cart: Cart::default(),
            viewed: Vec::new(),
            purchased: Vec::new(),
            orders: Orders::default(),
            affinity: Vec::new(),
            events: Vec::new(),
            impressions: Vec::new(),
            exposures: Vec::new(),
            seen_ids: Vec::new(),
        }
    }

    /// Compact JSON for KV.
    pub fn to_json(&self) -> String {
        // Not `expect`: its Debug form of the error would bring Debug formatting of strings
        // (and its Unicode tables) into the browser's wasm.
        serde_json::to_string(self)
            .unwrap_or_else(|e| unreachable!("a profile always serializes: {e}"))
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_json().into_bytes()
    }

    /// Reads any format version this build knows.
    pub fn from_json(s: &str) -> Result<Profile, ProfileError> {
        Profile::from_bytes(s.as_bytes())
    }

    pub fn from_bytes(b: &[u8]) -> Result<Profile, ProfileError> {
        #[cfg(feature = "typed-profile")]
        if let Some(p) = Profile::read_typed(b) {
            return Ok(p);
        }
        Profile::read_tree(b)
    }

    /// The common case, a well-formed profile of this build's version, read straight into the
    /// structs by serde's derive: several times faster than a tree, and the Worker reads a
    /// profile on every page. Anything else (another version, a malformed profile, a
    /// duplicate key) is left to [`Profile::read_tree`], which reads every version and names
    /// what is wrong.
    #[cfg(feature = "typed-profile")]
    fn read_typed(b: &[u8]) -> Option<Profile> {
        let mut de = serde_json::Deserializer::from_slice(b);
        // The derive's own function (`remote = "Self"`), not the `Deserialize` impl below.
        let p = Profile::deserialize(&mut de).ok()?;
        de.end().ok()?;
        (p.version == FORMAT_VERSION).then_some(p)
    }

    /// Any version, through a JSON tree and the hand-written reader (profile_json.rs).
    fn read_tree(b: &[u8]) -> Result<Profile, ProfileError> {
        let v: Value = serde_json::from_slice(b).map_err(|e| ProfileError::Json(e.to_string()))?;
        Profile::from_value(v)
    }

    fn version_of(v: &Value) -> Result<u64, ProfileError> {
        match v.get("v") {
            None => Ok(0),
            Some(n) => n.as_u64().ok_or_else(|| ProfileError::Malformed {
                version: 0,
                message: "\"v\" is not a version number".into(),
            }),
        }
    }

    /// A profile already parsed into a tree, any format version this build reads.
    fn from_value(v: Value) -> Result<Profile, ProfileError> {
        match Profile::version_of(&v)? {
            0 => Ok(Profile::from_v0(&v)),
            version @ 1 => crate::profile_json::read_v1(&v)
                .map_err(|message| ProfileError::Malformed { version, message }),
            n => Err(ProfileError::TooNew(n)),
        }
    }

    /// The walking skeleton's format: `{id, traits, page_views}`.
    fn from_v0(v: &Value) -> Profile {
        let mut p = Profile::new(v.get("id").and_then(Value::as_str).unwrap_or(""));
        p.page_views = v.get("page_views").and_then(Value::as_u64).unwrap_or(0);
        if let Some(Value::Object(t)) = v.get("traits") {
            p.merge_traits(t);
        }
        p
    }

    // ---- derived facts -------------------------------------------------------------------

    pub fn cart_items(&self) -> u64 {
        self.cart.lines.iter().map(|l| l.quantity as u64).sum()
    }

    pub fn cart_value(&self) -> f64 {
        self.cart
            .lines
            .iter()
            .map(|l| l.price.unwrap_or(0.0) * l.quantity as f64)
            .sum()
    }

    pub fn in_cart(&self, product: &str) -> bool {
        self.cart.lines.iter().any(|l| l.product == product)
    }

    pub fn has_purchased(&self, product: &str) -> bool {
        self.purchased.iter().any(|p| p.product == product)
    }

    pub fn has_viewed(&self, product: &str) -> bool {
        self.viewed.iter().any(|v| v.product == product)
    }

    pub fn orders_within(&self, window: Millis, now: Millis) -> u64 {
        self.orders
            .recent
            .iter()
            .filter(|(at, _)| now - at <= window)
            .count() as u64
    }

    /// Categories by affinity decayed to `now`, strongest first.
    pub fn top_categories(&self, half_life: Millis, now: Millis) -> Vec<(&str, f64)> {
        let v: Vec<(&str, f64)> = self
            .affinity
            .iter()
            .map(|a| {
                (
                    a.category.as_str(),
                    a.score * decay_factor(now - a.at, half_life),
                )
            })
            .filter(|(_, s)| *s > 0.0)
            .collect();
        // Stable (equal scores keep their order), through the crate's one stable sort.
        let mut order: Vec<usize> = (0..v.len()).collect();
        sort_desc_stable(&mut order, &|i| v[i].1);
        order.into_iter().map(|i| v[i]).collect()
    }

    /// The session's most viewed category (ties: the first seen).
    pub fn session_top_category(&self) -> Option<&str> {
        let mut best: Option<&(String, u32)> = None;
        for c in &self.session.categories {
            if best.is_none_or(|b| c.1 > b.1) {
                best = Some(c);
            }
        }
        best.map(|c| c.0.as_str())
    }

    /// How many events of a type happened within `window` before `now` (or ever, if `None`).
    /// Windowed counts are exact up to [`MAX_EVENT_TIMES`].
    pub fn event_count(&self, kind: &str, window: Option<Millis>, now: Millis) -> u64 {
        let Some(stat) = self.events.iter().find(|e| e.kind == kind) else {
            return 0;
        };
        match window {
            None => stat.total,
            Some(w) => stat.recent.iter().filter(|t| now - **t <= w).count() as u64,
        }
    }

    /// Impressions of an offer since `since` (exact up to [`MAX_IMPRESSION_TIMES`]).
    pub fn impressions_since(&self, offer: &str, since: Millis) -> u64 {
        self.impressions
            .iter()
            .find(|i| i.offer == offer)
            .map(|i| i.recent.iter().filter(|t| **t >= since).count() as u64)
            .unwrap_or(0)
    }

    pub fn impressions_total(&self, offer: &str) -> u64 {
        self.impressions
            .iter()
            .find(|i| i.offer == offer)
            .map(|i| i.total)
            .unwrap_or(0)
    }

    // ---- updates -------------------------------------------------------------------------

    /// Starts a new session when the last activity is older than `timeout`; returns true if so.
    pub fn touch_session(&mut self, t: Millis, timeout: Millis) -> bool {
        if self.created == 0 {
            self.created = t;
        }
        self.updated = self.updated.max(t);
        let new = self.visits == 0 || t - self.session.last > timeout;
        if new {
            self.visits += 1;
            self.session = Session {
                started: t,
                last: t,
                ..Session::default()
            };
        } else {
            self.session.last = self.session.last.max(t);
        }
        new
    }

    /// Remembers an event id; false if it was seen already (a retried batch).
    pub fn remember_id(&mut self, id: &str) -> bool {
        let id = clip(id, MAX_ID_LEN);
        if self.seen_ids.contains(&id) {
            return false;
        }
        self.seen_ids.insert(0, id);
        self.seen_ids.truncate(MAX_SEEN_IDS);
        true
    }

    /// Counts an event type. `keep` names types the config uses, evicted last.
    pub fn count_event(&mut self, kind: &str, t: Millis, keep: &dyn Fn(&str) -> bool) {
        let kind = clip(kind, MAX_EVENT_NAME_LEN);
        let i = match self.events.iter().position(|e| e.kind == kind) {
            Some(i) => i,
            None => {
                if self.events.len() >= MAX_EVENT_TYPES {
                    let last_seen = |e: &EventStat| e.recent.first().copied().unwrap_or(0);
                    let victim = self
                        .events
                        .iter()
                        .enumerate()
                        .filter(|(_, e)| !keep(&e.kind))
                        .min_by_key(|(_, e)| last_seen(e))
                        .or_else(|| {
                            self.events
                                .iter()
                                .enumerate()
                                .min_by_key(|(_, e)| last_seen(e))
                        })
                        .map(|(i, _)| i)
                        .unwrap_or(0);
                    self.events.remove(victim);
                }
                self.events.push(EventStat {
                    kind,
                    total: 0,
                    recent: Vec::new(),
                });
                self.events.len() - 1
            }
        };
        let stat = &mut self.events[i];
        stat.total += 1;
        let pos = stat
            .recent
            .iter()
            .position(|x| *x <= t)
            .unwrap_or(stat.recent.len());
        stat.recent.insert(pos, t);
        stat.recent.truncate(MAX_EVENT_TIMES);
    }

    pub fn record_view(&mut self, product: &str, t: Millis) {
        let product = clip(product, MAX_ID_LEN);
        let count = match self.viewed.iter().position(|v| v.product == product) {
            Some(i) => self.viewed.remove(i).count + 1,
            None => 1,
        };
        self.viewed.insert(
            0,
            Viewed {
                product,
                count,
                at: t,
            },
        );
        self.viewed.truncate(MAX_VIEWED);
    }

    pub fn add_affinity(&mut self, category: &str, weight: f64, t: Millis, half_life: Millis) {
        let category = clip(category, MAX_ID_LEN);
        match self.affinity.iter_mut().find(|a| a.category == category) {
            Some(a) => {
                a.score = a.score * decay_factor(t - a.at, half_life) + weight;
                a.at = a.at.max(t);
            }
            None => {
                if self.affinity.len() >= MAX_AFFINITIES {
                    let weakest = self
                        .affinity
                        .iter()
                        .enumerate()
                        .min_by(|a, b| {
                            let da = a.1.score * decay_factor(t - a.1.at, half_life);
                            let db = b.1.score * decay_factor(t - b.1.at, half_life);
                            da.total_cmp(&db)
                        })
                        .map(|(i, _)| i)
                        .unwrap_or(0);
                    self.affinity.remove(weakest);
                }
                self.affinity.push(Affinity {
                    category,
                    score: weight,
                    at: t,
                });
            }
        }
    }

    pub fn add_session_category(&mut self, category: &str) {
        let cats = &mut self.session.categories;
        match cats.iter().position(|c| c.0 == category) {
            Some(i) => cats[i].1 += 1,
            None if cats.len() < MAX_SESSION_CATEGORIES => {
                cats.push((clip(category, MAX_ID_LEN), 1))
            }
            None => {}
        }
    }

    pub fn set_landing(&mut self, path: &str, utm: &[(String, String)], referrer: Option<&str>) {
        self.session.landing_path = clip(path, MAX_PATH_LEN);
        self.session.utm = utm
            .iter()
            .take(MAX_SESSION_UTM)
            .map(|(k, v)| (clip(k, 32), clip(v, MAX_ID_LEN)))
            .collect();
        self.session.referrer = clip(referrer.unwrap_or(""), MAX_PATH_LEN);
    }

    pub fn cart_add(&mut self, product: &str, quantity: u32, price: Option<f64>, t: Millis) {
        let product = clip(product, MAX_ID_LEN);
        let price = price.map(money);
        match self.cart.lines.iter_mut().find(|l| l.product == product) {
            Some(l) => {
                l.quantity = l.quantity.saturating_add(quantity);
                if price.is_some() {
                    l.price = price;
                }
            }
            None => {
                if self.cart.lines.len() >= MAX_CART_LINES {
                    self.cart.lines.remove(0);
                }
                self.cart.lines.push(CartLine {
                    product,
                    quantity,
                    price,
                });
            }
        }
        self.cart.changed = t;
    }

    /// Removes `quantity` of a product (all of it when `None`).
    pub fn cart_remove(&mut self, product: &str, quantity: Option<u32>, t: Millis) {
        if let Some(i) = self.cart.lines.iter().position(|l| l.product == product) {
            let line = &mut self.cart.lines[i];
            match quantity {
                Some(q) if q < line.quantity => line.quantity -= q,
                _ => {
                    self.cart.lines.remove(i);
                }
            }
            self.cart.changed = t;
        }
    }

    /// Records an order: totals, purchased products, and takes its items out of the cart.
    pub fn record_purchase(&mut self, items: &[String], total: f64, t: Millis) {
        let total = money(total);
        self.orders.count += 1;
        self.orders.spend = money(self.orders.spend + total);
        self.orders.last = Some(self.orders.last.map_or(t, |l| l.max(t)));
        let pos = self
            .orders
            .recent
            .iter()
            .position(|(at, _)| *at <= t)
            .unwrap_or(self.orders.recent.len());
        self.orders.recent.insert(pos, (t, total));
        self.orders.recent.truncate(MAX_ORDERS_KEPT);
        for item in items.iter().rev() {
            let item = clip(item, MAX_ID_LEN);
            self.purchased.retain(|p| p.product != item);
            self.purchased.insert(
                0,
                Purchased {
                    product: item.clone(),
                    at: t,
                },
            );
            if self.in_cart(&item) {
                self.cart_remove(&item, None, t);
            }
        }
        self.purchased.truncate(MAX_PURCHASED);
    }

    /// Merges `identify` traits: scalars only, strings clipped, at most [`MAX_TRAITS`].
    pub fn merge_traits(&mut self, traits: &Map<String, Value>) {
        for (k, v) in traits {
            let k = clip(k, MAX_EVENT_NAME_LEN);
            let v = match v {
                Value::String(s) => Value::String(clip(s, MAX_TRAIT_LEN)),
                Value::Number(n) if n.is_f64() => Value::from(number(n.as_f64().unwrap_or(0.0))),
                Value::Number(_) | Value::Bool(_) => v.clone(),
                Value::Null => {
                    self.traits.remove(&k);
                    continue;
                }
                _ => continue,
            };
            if self.traits.len() >= MAX_TRAITS && !self.traits.contains_key(&k) {
                continue;
            }
            self.traits.insert(k, v);
        }
    }

    pub fn record_impression(&mut self, offer: &str, t: Millis) {
        let offer = clip(offer, MAX_ID_LEN);
        let i = match self.impressions.iter().position(|i| i.offer == offer) {
            Some(i) => i,
            None => {
                if self.impressions.len() >= MAX_OFFERS_TRACKED {
                    let oldest = self
                        .impressions
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, i)| i.recent.first().copied().unwrap_or(0))
                        .map(|(i, _)| i)
                        .unwrap_or(0);
                    self.impressions.remove(oldest);
                }
                self.impressions.push(Impression {
                    offer,
                    total: 0,
                    recent: Vec::new(),
                });
                self.impressions.len() - 1
            }
        };
        let imp = &mut self.impressions[i];
        imp.total += 1;
        imp.recent.insert(0, t);
        imp.recent.truncate(MAX_IMPRESSION_TIMES);
    }

    pub fn record_exposure(&mut self, experiment: &str, variant: &str, t: Millis) {
        match self
            .exposures
            .iter_mut()
            .find(|e| e.experiment == experiment)
        {
            Some(e) => {
                e.count += 1;
                if e.variant != variant {
                    // Weights changed: keep the latest assignment, counted from now.
                    e.variant = clip(variant, MAX_ID_LEN);
                    e.at = t;
                    e.count = 1;
                }
            }
            None => {
                if self.exposures.len() >= MAX_EXPOSURES {
                    if let Some(oldest) = self
                        .exposures
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, e)| e.at)
                        .map(|(i, _)| i)
                    {
                        self.exposures.remove(oldest);
                    }
                }
                self.exposures.push(Exposure {
                    experiment: clip(experiment, MAX_ID_LEN),
                    variant: clip(variant, MAX_ID_LEN),
                    at: t,
                    count: 1,
                });
            }
        }
    }

    /// Days since the last order, if any (whole days).
    pub fn days_since_last_order(&self, now: Millis) -> Option<i64> {
        self.orders.last.map(|l| (now - l).max(0) / DAY)
    }
}

impl Cart {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.changed == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_merge_sort_orders_as_the_standard_stable_sort() {
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            2.5,
        ];
        let mut x: u64 = 7;
        for n in 0..200usize {
            let keys: Vec<f64> = (0..n)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    specials[(x >> 61) as usize % specials.len()] + ((x >> 40) % 3) as f64
                })
                .collect();
            let key = |i: usize| keys[i];
            let mut ours: Vec<usize> = (0..n).rev().collect();
            let mut std = ours.clone();
            sort_desc_stable(&mut ours, &key);
            std.sort_by(|&a, &b| key(b).total_cmp(&key(a)));
            assert_eq!(ours, std, "{keys:?}");
        }
    }
    use crate::time::MINUTE;

    #[test]
    fn round_trips_through_json() {
        let mut p = Profile::new("v-1");
        p.touch_session(1000, 30 * MINUTE);
        p.record_view("tent", 1000);
        p.cart_add("tent", 2, Some(10.0), 1000);
        p.record_purchase(&["tent".into()], 20.0, 2000);
        p.record_impression("offer", 2000);
        let json = p.to_json();
        assert!(json.starts_with("{\"v\":1,"));
        let back = Profile::from_json(&json).unwrap();
        assert_eq!(back, p);
        let via_serde: Profile = serde_json::from_str(&json).unwrap();
        assert_eq!(via_serde, p);
        assert_eq!(Profile::from_bytes(&p.to_bytes()).unwrap(), p);
    }

    #[test]
    fn reads_the_version_0_layout() {
        let old = r#"{"id":"abc","traits":{"first_name":"Ada","nested":{"x":1}},"page_views":7}"#;
        let p = Profile::from_json(old).unwrap();
        assert_eq!(p.id, "abc");
        assert_eq!(p.page_views, 7);
        assert_eq!(p.traits["first_name"], "Ada");
        assert!(
            !p.traits.contains_key("nested"),
            "only scalar traits are kept"
        );
        assert_eq!(p.version, FORMAT_VERSION);
    }

    #[test]
    fn a_frozen_version_1_profile_stays_readable() {
        // Written by format v1; later builds must keep reading it.
        let v1 = r#"{"v":1,"id":"frozen","c":1000,"u":5000,"vis":2,"pv":3,
            "s":{"b":4000,"l":5000,"pv":1,"e":2,"cat":[["tents",1]],"lp":"/","utm":[["source","email"]]},
            "i":{"a":[{"k":"page","x":0.5,"at":5000}],"t":"browsing"},
            "t":{"first_name":"Ada"},"cart":{"l":[{"p":"tent","q":1,"pr":349.0}],"at":4500},
            "vw":[{"p":"tent","n":2,"at":4500}],"pu":[{"p":"boot","at":3000}],
            "o":{"n":1,"sp":179.0,"l":3000,"r":[[3000,179.0]]},"af":[{"c":"tents","x":2.0,"at":4500}],
            "ev":[{"k":"page_view","n":3,"r":[5000,4000,1000]}],"im":[{"o":"hero","n":1,"r":[5000]}],
            "ex":[{"x":"exp","var":"guide","at":5000,"n":1}],"ids":["e1"]}"#;
        let p = Profile::from_json(v1).unwrap();
        assert_eq!(p.visits, 2);
        assert_eq!(p.cart_items(), 1);
        assert_eq!(p.session_top_category(), Some("tents"));
        assert_eq!(p.event_count("page_view", None, 6000), 3);
        assert_eq!(p.intent.tier.as_deref(), Some("browsing"));
    }

    /// The two readers agree: whatever the typed one reads, the tree reads the same, and it
    /// leaves every case it does not read (other versions, malformed input) to the tree.
    #[cfg(feature = "typed-profile")]
    #[test]
    fn the_typed_reader_reads_what_the_tree_reads_or_nothing() {
        let frozen = r#"{"v":1,"id":"frozen","c":1000,"u":5000,"vis":2,"pv":3,
            "s":{"b":4000,"l":5000,"pv":1,"e":2,"cat":[["tents",1]],"lp":"/","utm":[["source","email"]]},
            "i":{"a":[{"k":"page","x":0.5,"at":5000}],"t":"browsing"},
            "t":{"first_name":"Ada","n":2.5},"cart":{"l":[{"p":"tent","q":1,"pr":349.0}],"at":4500},
            "vw":[{"p":"tent","n":2,"at":4500}],"pu":[{"p":"boot","at":3000}],
            "o":{"n":1,"sp":179.0,"l":3000,"r":[[3000,179.0]]},"af":[{"c":"tents","x":2.0,"at":4500}],
            "ev":[{"k":"page_view","n":3,"r":[5000,4000,1000]}],"im":[{"o":"hero","n":1,"r":[5000]}],
            "ex":[{"x":"exp","var":"guide","at":5000,"n":1}],"ids":["e1"],"future":{"x":[1]}}"#;
        let typed = Profile::read_typed(frozen.as_bytes()).expect("a v1 profile reads typed");
        assert_eq!(typed, Profile::read_tree(frozen.as_bytes()).unwrap());
        let mut rich = Profile::new("r");
        rich.touch_session(1000, 30 * MINUTE);
        rich.record_view("tent", 1000);
        rich.cart_add("tent", 2, None, 1000);
        rich.record_purchase(&["tent".into()], 20.0, 2000);
        let json = rich.to_json();
        assert_eq!(Profile::read_typed(json.as_bytes()), Some(rich));

        let cases = [
            // The tree's own: other versions and what is malformed.
            (r#"{"id":"a","page_views":3}"#, "v0"),
            (r#"{"v":0,"id":"a"}"#, "v0 named"),
            (r#"{"v":2,"id":"a"}"#, "newer"),
            (r#"{"v":1}"#, "no id"),
            (r#"{"v":1,"id":"a","pv":-1}"#, "negative count"),
            (r#"{"v":1,"id":"a","pv":1.5}"#, "fractional count"),
            (r#"{"v":1,"id":"a","vis":4294967296}"#, "count out of range"),
            (r#"{"v":1,"id":"a","c":null}"#, "null for a number"),
            (
                r#"{"v":1,"id":"a","vw":[{"p":"x","n":1}]}"#,
                "an entry without its time",
            ),
            (
                r#"{"v":1,"id":"a","s":{"cat":[["a",1,2]]}}"#,
                "a pair of three",
            ),
            (r#"{"v":1,"id":"a","id":"b"}"#, "a duplicate key"),
            (r#"{"v":1,"id":"a"} x"#, "trailing text"),
            (
                r#"{"v":1,"id":"a","o":{"l":null}}"#,
                "null for an absent option",
            ),
            (r#"{"v":1,"id":"a","c":1e3}"#, "a time in float notation"),
        ];
        // Whatever the typed reader makes of them, the tree's answers (errors included) stand.
        for (text, what) in cases {
            let a = Profile::from_bytes(text.as_bytes()).map_err(|e| e.to_string());
            let b = Profile::read_tree(text.as_bytes()).map_err(|e| e.to_string());
            assert_eq!(a, b, "{what}");
        }
    }

    #[test]
    fn refuses_a_newer_format() {
        let err = Profile::from_json(r#"{"v":9,"id":"x"}"#).unwrap_err();
        assert!(matches!(err, ProfileError::TooNew(9)));
    }

    #[test]
    fn purchase_empties_its_cart_lines_and_orders_by_recency() {
        let mut p = Profile::new("x");
        p.cart_add("a", 1, Some(5.0), 10);
        p.cart_add("b", 3, None, 11);
        p.record_purchase(&["a".into()], 5.0, 20);
        assert_eq!(p.cart_items(), 3);
        assert_eq!(p.cart.changed, 20);
        p.record_purchase(&["c".into(), "d".into()], 7.0, 30);
        let order: Vec<&str> = p.purchased.iter().map(|x| x.product.as_str()).collect();
        assert_eq!(order, ["c", "d", "a"]);
        assert_eq!(p.orders.count, 2);
        assert_eq!(p.orders.spend, 12.0);
    }

    #[test]
    fn sessions_end_after_the_timeout() {
        let mut p = Profile::new("x");
        assert!(p.touch_session(0, 30 * MINUTE));
        assert!(!p.touch_session(29 * MINUTE, 30 * MINUTE));
        assert!(!p.touch_session(58 * MINUTE, 30 * MINUTE));
        assert!(p.touch_session(89 * MINUTE, 30 * MINUTE));
        assert_eq!(p.visits, 2);
    }

    #[test]
    fn event_windows_count_recent_times() {
        let mut p = Profile::new("x");
        for t in [0, 10, 20, 30] {
            p.count_event("trip_planned", t * DAY, &|_| false);
        }
        assert_eq!(p.event_count("trip_planned", None, 30 * DAY), 4);
        assert_eq!(p.event_count("trip_planned", Some(15 * DAY), 30 * DAY), 2);
        assert_eq!(p.event_count("other", None, 30 * DAY), 0);
    }

    #[test]
    fn dedupes_event_ids() {
        let mut p = Profile::new("x");
        assert!(p.remember_id("e1"));
        assert!(!p.remember_id("e1"));
    }
}
