//! PLACEHOLDER facade, replaced by the real engine (issue 3). The signatures are the contract
//! the hosts build against; the behaviour here is only enough for the walking skeleton.

use crate::plan::{Plan, SlotPlan};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Milliseconds since the Unix epoch, as the hosts' clocks give it.
pub type Millis = i64;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("config: {0}")]
    Config(String),
}

/// A visitor's long-lived state, stored in KV under `profile:<id>`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Profile {
    pub id: String,
    #[serde(default)]
    pub traits: Map<String, Value>,
    #[serde(default)]
    pub page_views: u32,
}

impl Profile {
    pub fn new(id: &str) -> Profile {
        Profile {
            id: id.to_string(),
            ..Default::default()
        }
    }
}

/// One event, in the SDK's wire shape: `{"type": "add_to_cart", ...props}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(flatten)]
    pub props: Map<String, Value>,
}

/// Site-wide business signals (`signals` in KV): name -> data.
pub type Signals = Map<String, Value>;

/// What the core needs to know about an HTTP request.
#[derive(Clone, Debug, Default)]
pub struct RequestInfo {
    /// Path and query (`/products/x?utm_source=email`), or an absolute URL.
    pub url: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub country: Option<String>,
    pub region: Option<String>,
}

/// The outcome for one request: the Plan and what led to it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Decision {
    pub plan: Plan,
    pub tier: String,
    pub holdout: bool,
}

/// A compiled config and catalog, built once per config version and shared by requests.
pub struct Engine {
    config: Value,
}

impl Engine {
    pub fn new(config_json: &str, _catalog_json: Option<&str>) -> Result<Engine, EngineError> {
        let config: Value =
            serde_json::from_str(config_json).map_err(|e| EngineError::Config(e.to_string()))?;
        Ok(Engine { config })
    }

    /// Records the request's own events, then decides and counts the impressions.
    pub fn on_request(
        &self,
        profile: &mut Profile,
        req: &RequestInfo,
        signals: &Signals,
        now: Millis,
    ) -> Decision {
        profile.page_views += 1;
        self.decide(profile, req, signals, now)
    }

    /// Records events sent from the page.
    pub fn record_events(&self, profile: &mut Profile, events: &[Event], _now: Millis) {
        for e in events {
            if e.kind == "identify" {
                if let Some(Value::Object(t)) = e.props.get("traits") {
                    profile.traits.extend(t.clone());
                }
            }
        }
    }

    /// Decides without changing anything.
    pub fn decide(&self, profile: &Profile, _req: &RequestInfo, _s: &Signals, _now: Millis) -> Decision {
        let mut plan = Plan::default();
        if let Some(name) = profile.traits.get("first_name").and_then(Value::as_str) {
            let _ = &self.config;
            plan.slots.push(SlotPlan {
                slot: "hero".into(),
                offer: "welcome".into(),
                html: Some(format!("<h1>Welcome back, {}</h1>", name.replace('<', "&lt;"))),
                ..Default::default()
            });
        }
        Decision {
            plan,
            tier: "browsing".into(),
            holdout: false,
        }
    }
}
