//! Signpost's core: decides, from a visitor's journey, what each slot of a page shows.
//!
//! Pure Rust: no JavaScript, no Workers API, no DOM. The clock is always an input, so every
//! decision is reproducible. Hosts (the Worker, the browser SDK, the CLI) carry data in and
//! out and apply the resulting [`Plan`].

pub mod engine;
pub mod plan;
#[cfg(feature = "html")]
pub mod rewrite;

pub use engine::{Decision, Engine, EngineError, Event, Profile, RequestInfo, Signals};
pub use plan::{Plan, SlotPlan};
