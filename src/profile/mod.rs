//! The visitor's long-lived state, stored in KV under `profile:<visitor id>`.
//!
//! # Size bound
//! Every collection has a fixed limit and every string is cut (by its JSON-escaped byte
//! length), so a serialized profile never exceeds [`MAX_PROFILE_BYTES`] (96 KiB) however long
//! the visitor lives; the worst case, every list full of maximum-length strings, measures about
//! 85 KB (`tests/properties.rs`). A typical profile is 1 to 3 KB. When a list is full, what
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
//! | devices whose session log was applied | 16 | least recently applied |
//! | segments whose membership is kept (those an action's `on` names) | 32 | none: the config's actions name at most 32 |
//! | actions waiting (one per action) | 8 | a new start is refused when full |
//! | actions whose sends are kept (for `cap`) | 16 | least recently sent |
//! | send times per action (for rolling caps) | 16 | oldest (lifetime counts stay exact) |
//! | event types an action starts on, not yet looked at | 8 | oldest type |
//!
//! Ids are cut at 128 bytes, event names at 64. Consequences the config checker enforces: an
//! event test with `within` counts at most 32 events, and a rolling cap allows at most 16.
//!
//! # Format versions
//! Hosts store the binary form (`binary`, from [`Profile::to_stored`]), which has a format
//! byte of its own; [`Profile::from_stored`] reads it and any JSON version below, so a JSON
//! profile stored before is upgraded on its next write. The JSON carries `"v"`. Version 1 is this layout; version 0 is the walking skeleton's
//! `{id, traits, page_views}`, still readable. A newer version than this build knows is refused
//! (the host then starts a fresh profile rather than destroy data it cannot read).
//!
//! # Where things are
//! `layout` holds the stored parts (`journey` those of journeys beyond the page), `binary`
//! reads and writes the stored form, `json` and `tree` the JSON, `query` derives the
//! facts conditions read, `update` changes a profile within the limits above, `bound` cuts
//! strings to size.

use crate::time::{decay_factor, Millis, DAY};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The profile format this build writes.
pub const FORMAT_VERSION: u32 = 1;
/// The most a serialized profile can weigh.
pub const MAX_PROFILE_BYTES: usize = 96 * 1024;

/// Viewed products kept.
pub const MAX_VIEWED: usize = 50;
/// Purchased products kept.
pub const MAX_PURCHASED: usize = 50;
/// Orders kept with their dates (for `orders_365d`).
pub const MAX_ORDERS_KEPT: usize = 50;
/// Cart lines.
pub const MAX_CART_LINES: usize = 30;
/// Category affinities.
pub const MAX_AFFINITIES: usize = 16;
/// Event types counted.
pub const MAX_EVENT_TYPES: usize = 32;
/// Timestamps kept per event type (for `within`).
pub const MAX_EVENT_TIMES: usize = 32;
/// Offers whose impressions are kept.
pub const MAX_OFFERS_TRACKED: usize = 32;
/// Impression timestamps kept per offer (for rolling caps).
pub const MAX_IMPRESSION_TIMES: usize = 16;
/// Experiments whose exposure is kept.
pub const MAX_EXPOSURES: usize = 16;
/// Traits kept.
pub const MAX_TRAITS: usize = 32;
/// Bytes of one trait's value.
pub const MAX_TRAIT_LEN: usize = 256;
/// Event ids remembered to drop a retried batch's duplicates.
pub const MAX_SEEN_IDS: usize = 32;
/// Devices (visitor ids) whose applied log position is kept; a user on more devices than this
/// loses the oldest one's position (its cookie log, if any, would then replay once more).
pub const MAX_DEVICES: usize = 16;
pub use crate::limits::{MAX_EVENT_NAME_LEN, MAX_ID_LEN};
const MAX_SESSION_CATEGORIES: usize = 8;
const MAX_SESSION_UTM: usize = 5;
const MAX_PATH_LEN: usize = 256;

pub use tree::LayoutError;

/// Why stored bytes are not a profile this build can use.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// Not JSON at all (the parser's words).
    #[error("profile is not valid JSON: {0}")]
    Json(String),
    /// Written by a newer build: left alone rather than overwritten.
    #[error("profile format v{0} is newer than this engine reads (v{FORMAT_VERSION})")]
    TooNew(u64),
    /// JSON, but not in the layout of its version.
    #[error("profile v{version} is malformed: {problem}")]
    Malformed {
        /// The format version it claims.
        version: u64,
        /// What is wrong, and where.
        #[source]
        problem: LayoutError,
    },
    /// Starts as the binary form but does not decode.
    #[cfg(feature = "actions")]
    #[error("binary profile is corrupt: {0}")]
    Binary(#[source] BinaryError),
}

/// A visitor's long-lived state. See the module docs for its size bound and versions.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typed-profile", derive(Deserialize))]
#[serde(remote = "Self")]
pub struct Profile {
    /// The format version (`v`), [`FORMAT_VERSION`] when written.
    #[serde(rename = "v")]
    pub version: u32,
    /// The visitor id (the `sp_vid` cookie), which experiments and the holdout bucket.
    pub id: String,
    /// When the profile was made.
    #[serde(rename = "c", default)]
    pub created: Millis,
    /// When it last changed.
    #[serde(rename = "u", default)]
    pub updated: Millis,
    /// The host's write revision: when the profile was last stored. For a profile with no
    /// `devices` (one written before there were several writers), also the last entry of its
    /// own visitor's session log that it holds. 0 for a profile never stored.
    #[serde(rename = "r", default, skip_serializing_if = "is_zero")]
    pub rev: Millis,
    /// Per device (visitor id) whose session log was applied: the last entry it holds
    /// (`session` replays only what came after). Most recent first.
    #[serde(rename = "dv", default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<(String, Millis)>,
    /// Sessions so far (a session ends after 30 minutes without a request or event).
    #[serde(rename = "vis", default)]
    pub visits: u32,
    /// Pages viewed, ever.
    #[serde(rename = "pv", default)]
    pub page_views: u64,
    /// The current session.
    #[serde(rename = "s", default)]
    pub session: Session,
    /// Intent accumulators and the tier last shown.
    #[serde(rename = "i", default)]
    pub intent: IntentState,
    /// From `identify` events: scalar values only.
    #[serde(rename = "t", default, skip_serializing_if = "Map::is_empty")]
    pub traits: Map<String, Value>,
    /// The cart.
    #[serde(default, skip_serializing_if = "Cart::is_empty")]
    pub cart: Cart,
    /// Most recent first.
    #[serde(rename = "vw", default, skip_serializing_if = "Vec::is_empty")]
    pub viewed: Vec<Viewed>,
    /// Most recent first.
    #[serde(rename = "pu", default, skip_serializing_if = "Vec::is_empty")]
    pub purchased: Vec<Purchased>,
    /// Orders placed.
    #[serde(rename = "o", default)]
    pub orders: Orders,
    /// Category affinities (when full, the weakest goes).
    #[serde(rename = "af", default, skip_serializing_if = "Vec::is_empty")]
    pub affinity: Vec<Affinity>,
    /// Event types with their counts.
    #[serde(rename = "ev", default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventStat>,
    /// Offers shown, with their impressions.
    #[serde(rename = "im", default, skip_serializing_if = "Vec::is_empty")]
    pub impressions: Vec<Impression>,
    /// Experiments the visitor was exposed to.
    #[serde(rename = "ex", default, skip_serializing_if = "Vec::is_empty")]
    pub exposures: Vec<Exposure>,
    /// Event ids seen lately, most recent first (retries are dropped).
    #[serde(rename = "ids", default, skip_serializing_if = "Vec::is_empty")]
    pub seen_ids: Vec<String>,
    /// Segment memberships, waiting actions and sends of journeys beyond the page.
    #[serde(rename = "jn", default, skip_serializing_if = "Journey::is_empty")]
    pub journey: Journey,
}

#[cfg(feature = "actions")]
mod binary;
mod bound;
mod journey;
mod json;
mod layout;
mod merge;
mod query;
mod tree;
mod update;

#[cfg(feature = "actions")]
pub use binary::{BinaryError, BINARY_FORMAT, MAGIC};
pub(crate) use bound::{clip, sort_desc_stable};
pub use journey::*;
pub use layout::*;
pub use merge::Decay;

fn is_zero(n: &Millis) -> bool {
    *n == 0
}

impl Default for Profile {
    fn default() -> Self {
        Profile::new("")
    }
}

impl Profile {
    /// A new profile for a visitor id (cut to [`MAX_ID_LEN`] bytes).
    pub fn new(id: impl Into<String>) -> Profile {
        Profile {
            version: FORMAT_VERSION,
            id: clip(&id.into(), MAX_ID_LEN),
            created: 0,
            updated: 0,
            rev: 0,
            devices: Vec::new(),
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
            journey: Journey::default(),
        }
    }
}

#[cfg(test)]
mod tests;
