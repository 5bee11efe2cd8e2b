//! The marketer's config: parsed, checked and compiled once per config version.
//!
//! Checking walks the JSON itself (not serde's derive) so that every problem is reported at
//! once, each with its exact path, and unknown fields are errors: a typo must not silently
//! disable an offer.

#[cfg(feature = "actions")]
pub(crate) mod actions;
pub mod check;
pub(crate) mod conditions;
mod experiments;
pub mod grammar;
mod intent;
mod names;
mod offers;
mod parse;
mod recommend;
mod segments;
mod settings;
pub mod track;

use crate::experiments::{Experiment, Holdout};
use crate::intent::IntentModel;
use crate::offers::{Offer, SlotGroup};
use crate::recommend::RecSettings;
use crate::time::{Millis, DAY, MINUTE};
use crate::timezone::Tz;
use check::Issues;
use track::TrackRule;

pub use parse::compile;

/// The config format version this build reads.
pub const CONFIG_VERSION: u64 = 1;

/// A conversion counts for what the visitor saw in the 7 days before it, unless the config
/// says otherwise.
pub const DEFAULT_ATTRIBUTION_WINDOW: Millis = 7 * DAY;
/// Profiles expire after 90 days without a visit unless the config says otherwise.
pub const DEFAULT_PROFILE_EXPIRY: Millis = 90 * DAY;
pub(crate) const MIN_PROFILE_EXPIRY: Millis = MINUTE;
pub(crate) const MAX_PROFILE_EXPIRY: Millis = 730 * DAY;

/// A compiled config: every name resolved, every condition and template compiled. (Its format
/// version is not kept: a config compiles only when it is [`CONFIG_VERSION`].)
#[derive(Clone, Debug)]
pub struct Config {
    /// The site's name, for the people who read the config.
    pub site: Option<String>,
    /// The zone of `request.hour`, `request.weekday` and schedules without an offset.
    pub timezone: Tz,
    /// Paths that record an event at the edge.
    pub track: Vec<TrackRule>,
    /// How a visitor's actions score, and the tiers of the score.
    pub intent: IntentModel,
    /// Named conditions, in the config's order (conditions refer to them by index).
    pub segments: Vec<Segment>,
    /// Offers in file order, which breaks ties in priority.
    pub offers: Vec<Offer>,
    /// Slots in order of first appearance in `offers`.
    pub slots: Vec<SlotGroup>,
    /// The catalog and how a recommended item shows.
    pub recommendations: RecSettings,
    /// Experiments, by name.
    pub experiments: Vec<Experiment>,
    /// The share of visitors kept from personalization, if any.
    pub holdout: Option<Holdout>,
    /// Whose journeys may be kept.
    pub consent: Consent,
    /// How long a stored profile lives without a write (`profile.expire_after`).
    pub profile_expiry: Millis,
    /// How long after an exposure a conversion still counts for it (`attribution.window`).
    pub attribution_window: Millis,
    /// The event types it names: those it refers to, and those only the server may send.
    pub events: EventTypes,
    /// Funnels the report measures (`funnels`): each name with its ordered event types.
    pub funnels: Vec<(String, Vec<String>)>,
    /// Where actions send (`destinations`), in the config's order.
    pub destinations: Vec<crate::actions::Destination>,
    /// Journeys beyond the page (`actions`), in the config's order. Empty in a build without
    /// feature `actions` (the browser's), which leaves the section unread.
    pub actions: Vec<crate::actions::Action>,
}

/// The event types a config names, as recording asks about them.
#[derive(Clone, Debug, Default)]
pub struct EventTypes {
    /// Types the config refers to (kept longest in a full profile).
    pub referenced: Vec<String>,
    /// Types only the site's server may send (`trusted_events`): never recorded from the page,
    /// nor from the edge's `track` rules, which the page's URL drives.
    pub trusted: Vec<String>,
}

impl EventTypes {
    /// Whether the config refers to events of type `kind`.
    pub fn is_referenced(&self, kind: &str) -> bool {
        self.referenced.iter().any(|r| r == kind)
    }

    /// Whether events of type `kind` come only from the site's server (`trusted_events`).
    pub fn is_trusted(&self, kind: &str) -> bool {
        self.trusted.iter().any(|t| t == kind)
    }
}

/// A named condition of `segments`.
#[derive(Clone, Debug)]
pub struct Segment {
    /// Its name in the config.
    pub name: String,
    /// What a visitor must match to be in it.
    pub cond: crate::conditions::Cond,
}

/// `consent`: the cookie that records the visitor's choice, the default without one, and
/// whether `Sec-GPC: 1` means "no".
#[derive(Clone, Debug, PartialEq)]
pub struct Consent {
    /// The cookie's name (`sp_consent` unless the config says otherwise).
    pub cookie: String,
    /// Whether a visitor without the cookie consents (`default`: `"granted"`).
    pub default_granted: bool,
    /// Whether `Sec-GPC: 1` denies consent, whatever the cookie says.
    pub respect_gpc: bool,
}

impl Default for Consent {
    fn default() -> Self {
        Consent {
            cookie: "sp_consent".into(),
            default_granted: true,
            respect_gpc: true,
        }
    }
}

impl Config {
    /// Parses and compiles a config, or returns every problem found.
    pub fn parse(json: &str) -> Result<Config, Issues> {
        compile(json)
    }

    /// The index of the segment `name` in [`Config::segments`].
    pub fn segment_index(&self, name: &str) -> Option<usize> {
        self.segments.iter().position(|s| s.name == name)
    }

    /// The action with this id.
    pub fn action(&self, id: &str) -> Option<&crate::actions::Action> {
        self.actions.iter().find(|a| a.id == id)
    }

    /// The offer with this id.
    pub fn offer(&self, id: &str) -> Option<&Offer> {
        self.offers.iter().find(|o| o.id == id)
    }
}
