//! Signpost's core: decides, from a visitor's journey, what each slot of a page shows.
//!
//! Pure Rust: no JavaScript, no Workers API, no DOM, no clock (time is always an input), no
//! threads and no randomness, so every decision is reproducible and the same code runs in the
//! Worker, in the browser and in the CLI. Hosts carry data in and out and apply the resulting
//! [`Plan`].
//!
//! ```no_run
//! use signpost::{Engine, Profile, RequestInfo, Signals};
//! let engine = Engine::new(include_str!("../examples/config.json"),
//!                          Some(include_str!("../examples/catalog.json"))).unwrap();
//! let mut profile = Profile::new("visitor-1");
//! let decision = engine.on_request(&mut profile, &RequestInfo::new("/compare"),
//!                                  &Signals::new(), 1_795_194_000_000);
//! println!("{}", decision.explanation.to_text());
//! ```
//!
//! Modules, in the order a request meets them: [`config`] (parse, check, compile),
//! [`request`] (facts of the request), [`events`] and [`record`] (what happened),
//! [`profile`] (what is kept, bounded: see its docs for the size bound), [`intent`],
//! [`conditions`] and [`facts`], [`offers`], [`experiments`], [`recommend`], [`template`],
//! [`decision`] and [`explain`]; [`journeys`] runs acceptance journeys.

// The core is a library for three hosts and the CLI: every public item says what it is.
#![warn(missing_docs)]

pub mod actions;
pub mod analysis;
pub mod audience;
pub mod batch;
pub mod catalog;
mod codec;
pub mod conditions;
pub mod config;
pub mod decision;
pub mod diff;
pub mod engine;
pub mod events;
pub mod experiments;
pub mod explain;
pub mod facts;
pub mod identity;
pub mod ingest;
pub mod intent;
pub mod journeys;
pub mod json_float;
pub mod limits;
pub mod measure;
pub mod merge;
pub mod offers;
pub mod plan;
pub mod profile;
pub mod public;
pub mod publish;
pub mod recommend;
pub mod record;
pub mod report;
pub mod request;
#[cfg(feature = "html")]
pub mod rewrite;
pub mod series;
pub mod session;
pub mod snapshot;
pub mod stats;
pub mod template;
mod text;
pub mod time;
pub mod timezone;
pub mod writer;

// Helpers for tests and benches only: compiled for the crate's unit tests, and for the
// integration tests, benches and the wasm bench through feature `testutil` (dev-dependencies).
#[cfg(any(test, feature = "testutil"))]
pub mod testutil;

pub use decision::{Decision, Described, Detail, ExposureRecord};
pub use engine::{ConsentState, Engine, EngineError, Signals};
pub use events::Event;
pub use explain::Explanation;
pub use plan::{Plan, SlotPlan};
pub use profile::Profile;
pub use request::RequestInfo;
pub use session::SessionState;
pub use time::Millis;
