//! wasm-bindgen bindings of the Signpost core for the browser. Plain data crosses the
//! boundary (JSON strings in, JSON strings out); errors become JS errors with the core's
//! message.

use signpost::{Engine, Event, Profile, RequestInfo, Signals};
use wasm_bindgen::prelude::*;

/// A compiled config and catalog, ready to decide.
#[wasm_bindgen]
pub struct SignpostEngine {
    engine: Engine,
}

#[wasm_bindgen]
impl SignpostEngine {
    /// Compiles a config (and optional catalog), both as JSON text.
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, catalog: Option<String>) -> Result<SignpostEngine, JsError> {
        let engine =
            Engine::new(config, catalog.as_deref()).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(SignpostEngine { engine })
    }

    /// Decides for `url` (path and query) given a profile as JSON, at `now_ms` (ms since the
    /// epoch). Returns the decision as JSON.
    pub fn decide(&self, profile: &str, url: &str, now_ms: f64) -> Result<String, JsError> {
        let profile: Profile =
            serde_json::from_str(profile).map_err(|e| JsError::new(&format!("profile: {e}")))?;
        let req = RequestInfo {
            url: url.to_string(),
            ..Default::default()
        };
        let decision = self
            .engine
            .decide(&profile, &req, &Signals::new(), now_ms as i64);
        serde_json::to_string(&decision).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Records a batch of events (a JSON array in the SDK's wire shape) into a profile (JSON;
    /// empty for a new visitor `visitor`) at `now_ms`, and returns the updated profile as JSON.
    pub fn record(
        &self,
        visitor: &str,
        profile: &str,
        events: &str,
        now_ms: f64,
    ) -> Result<String, JsError> {
        let mut profile: Profile = if profile.is_empty() {
            Profile::new(visitor)
        } else {
            serde_json::from_str(profile).map_err(|e| JsError::new(&format!("profile: {e}")))?
        };
        let events: Vec<Event> =
            serde_json::from_str(events).map_err(|e| JsError::new(&format!("events: {e}")))?;
        self.engine
            .record_events(&mut profile, &events, now_ms as i64);
        serde_json::to_string(&profile).map_err(|e| JsError::new(&e.to_string()))
    }
}

/// The core's version, so a page can tell which engine it runs.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
