//! Journeys beyond the page: when a visitor enters or leaves a segment, or an event happens,
//! an action (`actions` in the config) sends a message to a destination (`destinations`),
//! maybe after a `wait` whose `if` is checked again when it is over, within a `cap`.
//!
//! The core only decides; a host carries the result out. The host that writes a profile (a
//! Durable Object per profile in the Worker, the journeys runner in tests) calls [`advance`]
//! after every change it writes and whenever the instant it was told comes: it gets back the
//! [`Delivery`]s to make now and when to call again ([`Outcome::next`]). Deliveries are plain
//! data; [`payload`] turns one into the body a destination reads and signs it. Nothing here
//! reads a clock, a secret or the network.
//!
//! Only the config's types are in every build (a config names them); the logic is behind
//! feature `actions`, which the browser SDK leaves out: the page never sends anything.

use crate::conditions::Cond;
use crate::offers::Cap;
use crate::time::Millis;

#[cfg(feature = "actions")]
mod membership;
#[cfg(feature = "actions")]
pub mod payload;
#[cfg(feature = "actions")]
mod run;
#[cfg(feature = "actions")]
mod wake;

#[cfg(feature = "actions")]
pub use membership::{moved, reads_signals, update_membership, Transition};
#[cfg(feature = "actions")]
pub use run::{advance, Consent, Delivery, Outcome};
#[cfg(feature = "actions")]
pub use wake::next_change;

/// `destinations.<name>`: where messages go and how they are written.
#[derive(Clone, Debug, PartialEq)]
pub struct Destination {
    /// Its name in the config (`send` names it).
    pub name: String,
    /// The URL messages are posted to.
    pub url: String,
    /// The name of the environment secret that signs them (never the secret itself).
    pub secret: String,
    /// The body's format.
    pub format: Format,
    /// The profile traits each message carries.
    pub traits: Vec<String>,
}

/// How a message's body is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Signpost's own JSON (docs/marketers.md).
    Signpost,
    /// A `track` call as Segment and RudderStack accept it.
    Segment,
}

/// The formats' names in configs.
pub const FORMATS: &[&str] = &["signpost", "segment"];

impl Format {
    #[cfg(feature = "actions")]
    pub(crate) fn parse(s: &str) -> Option<Format> {
        match s {
            "signpost" => Some(Format::Signpost),
            "segment" => Some(Format::Segment),
            _ => None,
        }
    }
}

/// `actions[i]`: on what, after how long, if what, to where, how often.
#[derive(Clone, Debug)]
pub struct Action {
    /// Its id (unique).
    pub id: String,
    /// What starts it.
    pub on: Trigger,
    /// How long it waits before it sends (its `if` is checked again then).
    pub wait: Option<Millis>,
    /// What must hold when it starts and when it sends.
    pub cond: Option<Cond>,
    /// The destination, as an index into the config's destinations.
    pub send: usize,
    /// At most this many sends per visitor per window.
    pub cap: Option<Cap>,
}

/// What starts an action.
#[derive(Clone, Debug, PartialEq)]
pub enum Trigger {
    /// The visitor enters the segment (index into the config's segments).
    Enter(usize),
    /// The visitor leaves the segment.
    Exit(usize),
    /// An event of this type is recorded.
    Event(String),
}

/// What a delivery is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    /// The visitor entered a segment.
    #[serde(rename = "segment.entered")]
    Entered,
    /// The visitor left a segment.
    #[serde(rename = "segment.exited")]
    Exited,
    /// An event happened.
    #[serde(rename = "event")]
    Event,
}

impl Kind {
    /// Its name in payloads and journeys (`segment.entered`, `segment.exited`, `event`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Entered => "segment.entered",
            Kind::Exited => "segment.exited",
            Kind::Event => "event",
        }
    }

    /// Its short name in a stored profile.
    #[cfg(feature = "actions")]
    pub(crate) fn code(self) -> &'static str {
        match self {
            Kind::Entered => "entered",
            Kind::Exited => "exited",
            Kind::Event => "event",
        }
    }

    /// From its short name.
    #[cfg(feature = "actions")]
    pub(crate) fn from_code(s: &str) -> Option<Kind> {
        match s {
            "entered" => Some(Kind::Entered),
            "exited" => Some(Kind::Exited),
            "event" => Some(Kind::Event),
            _ => None,
        }
    }
}

impl Trigger {
    /// The segment it watches, if it watches one.
    pub fn segment(&self) -> Option<usize> {
        match self {
            Trigger::Enter(i) | Trigger::Exit(i) => Some(*i),
            Trigger::Event(_) => None,
        }
    }
}
