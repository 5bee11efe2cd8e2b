//! wasm-bindgen bindings of the Signpost core for the browser SDK.
//!
//! Plain data crosses the boundary: JSON text in, JSON text out, numbers for time. Nothing
//! borrowed from wasm memory is handed to JS, so the JS side never holds a handle into a
//! profile or decision. Every failure becomes a JS `Error` whose message is the core's own
//! (`offers[3].when.all[1].op: unknown operator ...`, `profile: ...`, `events: ...`).

//!
//! All JSON is read with `serde_json::from_slice`, as the core does: `from_str` would be a
//! second copy of the whole JSON reader in the wasm (it is generic over its input).

use signpost::{Detail, Engine, Event, Profile, RequestInfo, Signals};
use wasm_bindgen::prelude::*;

#[cfg(target_arch = "wasm32")]
mod alloc;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOC: alloc::ClassAlloc = alloc::ClassAlloc::new();

/// A compiled config and catalog, ready to decide. Built once per config version.
#[wasm_bindgen]
pub struct SignpostEngine {
    engine: Engine,
}

fn err(context: &str, e: impl std::fmt::Display) -> JsError {
    if context.is_empty() {
        JsError::new(&e.to_string())
    } else {
        JsError::new(&format!("{context}: {e}"))
    }
}

/// A profile from its JSON (any format version the core reads), or a new one for `visitor`
/// when the text is empty.
fn profile_of(visitor: &str, json: &str) -> Result<Profile, JsError> {
    if json.trim().is_empty() {
        return Ok(Profile::new(visitor));
    }
    Profile::from_json(json).map_err(|e| err("profile", e))
}

/// The request: the `RequestInfo` serde form (`{"url", "headers": [[name, value]], "country",
/// "region"}`), or just a URL (path and query).
fn request_of(request: &str) -> Result<RequestInfo, JsError> {
    if request.trim_start().starts_with('{') {
        let v = serde_json::from_slice(request.as_bytes()).map_err(|e| err("request", e))?;
        RequestInfo::from_value(&v).map_err(|e| err("request", e))
    } else {
        Ok(RequestInfo::new(request))
    }
}

fn signals_of(signals: Option<String>) -> Result<Signals, JsError> {
    match signals.as_deref().map(str::trim) {
        None | Some("") => Ok(Signals::new()),
        // Read as a `Value`: `Map`'s own reader would bring serde's type-error messages (and
        // core's float formatting with them) into the wasm.
        Some(s) => match serde_json::from_slice(s.as_bytes()).map_err(|e| err("signals", e))? {
            serde_json::Value::Object(m) => Ok(m),
            _ => Err(JsError::new("signals: expected a JSON object")),
        },
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, JsError> {
    serde_json::to_string(v).map_err(|e| err("", e))
}

/// `ms` from JS as the core's milliseconds; a non-finite time is an error, not a silent 0.
fn millis(now_ms: f64) -> Result<i64, JsError> {
    if now_ms.is_finite() {
        Ok(now_ms as i64)
    } else {
        Err(JsError::new("now: not a finite number of milliseconds"))
    }
}

#[wasm_bindgen]
impl SignpostEngine {
    /// Compiles a config (and optional catalog), both as JSON text. Fails with every problem
    /// the core found, each with its path.
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, catalog: Option<String>) -> Result<SignpostEngine, JsError> {
        let engine = Engine::new(config, catalog.as_deref()).map_err(|e| err("", e))?;
        Ok(SignpostEngine { engine })
    }

    /// Decides (pure, records nothing) for `request` given a profile as JSON (empty: a new
    /// visitor) and site-wide signals as JSON (optional), at `now_ms`. Returns the Decision
    /// as JSON (`plan`, `personalized`, `tier`, `score`, `holdout`, `segments`, ...).
    pub fn decide(
        &self,
        profile: &str,
        request: &str,
        signals: Option<String>,
        now_ms: f64,
    ) -> Result<String, JsError> {
        let profile = profile_of("", profile)?;
        let req = request_of(request)?;
        let signals = signals_of(signals)?;
        let decision = self
            .engine
            .decide(&profile, &req, &signals, millis(now_ms)?);
        to_json(&decision)
    }

    /// Records a batch of events (a JSON array in the SDK's wire shape) into a profile (JSON;
    /// empty for a new visitor `visitor`) at `now_ms`; returns the updated profile as JSON.
    /// Event ids already seen are skipped, as at the edge.
    pub fn record(
        &self,
        visitor: &str,
        profile: &str,
        events: &str,
        now_ms: f64,
    ) -> Result<String, JsError> {
        let mut profile = profile_of(visitor, profile)?;
        let events = Event::batch_from_json(events.as_bytes()).map_err(|e| err("", e))?;
        signpost::batch::validate_batch(&events).map_err(|e| err("events", e))?;
        self.engine
            .record_events(&mut profile, &events, millis(now_ms)?);
        Ok(profile.to_json())
    }

    /// A page request decided in the page (client-only mode), as the edge does it: records the
    /// request's `page_view` and `track` events, decides, counts what is served. With `served`
    /// false (the page will not show this decision) nothing is counted as served. Returns
    /// `{"profile": <profile>, "decision": <decision>}` as JSON.
    pub fn on_request(
        &self,
        visitor: &str,
        profile: &str,
        request: &str,
        signals: Option<String>,
        now_ms: f64,
        served: Option<bool>,
    ) -> Result<String, JsError> {
        let mut profile = profile_of(visitor, profile)?;
        let req = request_of(request)?;
        let signals = signals_of(signals)?;
        let now = millis(now_ms)?;
        let decision =
            self.engine
                .on_request_unserved(&mut profile, &req, &signals, now, Detail::Brief);
        if served != Some(false) {
            self.engine.record_served(&mut profile, &decision, now);
        }
        Ok(format!(
            r#"{{"profile":{},"decision":{}}}"#,
            profile.to_json(),
            to_json(&decision)?
        ))
    }
}

/// The core's version, so a page can tell which engine it runs.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The editor's checks (feature `editor`, not in the visitor SDK's build).
#[cfg(feature = "editor")]
mod editor {
    use signpost::config::check::Issues;
    use signpost::{Engine, EngineError};
    use wasm_bindgen::prelude::*;

    fn issues(list: &Issues, source: &str) -> Vec<serde_json::Value> {
        list.0
            .iter()
            .map(|i| serde_json::json!({ "source": source, "path": i.path, "message": i.message }))
            .collect()
    }

    /// Validates a config (with the catalog, when given, as publishing would): JSON
    /// `{"ok": bool, "issues": [{"source": "config"|"catalog", "path", "message"}]}`; every
    /// problem at once, each with the path the core names (`offers[3].when.all[1].op`).
    #[wasm_bindgen]
    pub fn validate(config: &str, catalog: Option<String>) -> String {
        let found = match Engine::new(config, catalog.as_deref()) {
            Ok(_) => Vec::new(),
            Err(EngineError::Config(i)) => issues(&i, "config"),
            Err(EngineError::Catalog(i)) => issues(&i, "catalog"),
        };
        serde_json::json!({ "ok": found.is_empty(), "issues": found }).to_string()
    }

    /// The config's grammar (`signpost::config::grammar`) as JSON, for the editor's forms:
    /// `{"config": <object>, "conditions": [<object>], "ops": [..]}`, an object being
    /// `{"fields": [{"name", "required", "shape"}]}` and a shape `{"kind": "value" |
    /// "condition" | "conditions" | "object" | "list" | "names", "object"?, "key"?, "of"?}`.
    #[wasm_bindgen]
    pub fn grammar() -> String {
        use signpost::config::grammar::{CONDITIONS, TOP};
        serde_json::json!({
            "config": object(&TOP),
            "conditions": CONDITIONS.iter().map(object).collect::<Vec<_>>(),
            "ops": signpost::conditions::OPS,
        })
        .to_string()
    }

    fn object(o: &signpost::config::grammar::Object) -> serde_json::Value {
        let fields: Vec<_> = o
            .fields
            .iter()
            .map(|f| serde_json::json!({ "name": f.name, "required": f.required, "shape": shape(&f.shape) }))
            .collect();
        serde_json::json!({ "fields": fields })
    }

    fn shape(s: &signpost::config::grammar::Shape) -> serde_json::Value {
        use serde_json::json;
        use signpost::config::grammar::Shape;
        match s {
            Shape::Value => json!({ "kind": "value" }),
            Shape::Condition => json!({ "kind": "condition" }),
            Shape::Conditions => json!({ "kind": "conditions" }),
            Shape::Object(o) => json!({ "kind": "object", "object": object(o) }),
            Shape::List(o, key) => json!({ "kind": "list", "object": object(o), "key": key }),
            Shape::Names(of) => json!({ "kind": "names", "of": shape(of) }),
        }
    }

    /// The facts conditions may test, with what each holds and the operators that suit it, and
    /// which roots each place of the config may use: `{"facts": [{"path", "type", "ops"}],
    /// "places": {"decision", "signal_where", "action"}}` (`*` in a path: a name to give).
    #[wasm_bindgen]
    pub fn facts() -> String {
        use signpost::facts::{known_facts, roots_of, Scope};
        let facts: Vec<_> = known_facts()
            .map(|(path, kind)| serde_json::json!({ "path": path, "type": kind.name(), "ops": kind.ops() }))
            .collect();
        serde_json::json!({
            "facts": facts,
            "places": {
                "decision": roots_of(Scope::DECISION),
                "signal_where": roots_of(Scope::SIGNAL_WHERE),
                "action": roots_of(Scope::ACTION),
            },
        })
        .to_string()
    }

    /// What changed from config `old` to `new`, one sentence each in a marketer's words (JSON
    /// array of strings; empty when either is not JSON).
    #[wasm_bindgen]
    pub fn changes(old: &str, new: &str) -> String {
        let parse = |s: &str| serde_json::from_slice::<serde_json::Value>(s.as_bytes()).ok();
        let list: Vec<String> = match (parse(old), parse(new)) {
            (Some(a), Some(b)) => signpost::diff::diff(&a, &b)
                .iter()
                .map(ToString::to_string)
                .collect(),
            _ => Vec::new(),
        };
        serde_json::Value::from(list).to_string()
    }

    /// Rebases a draft edited from `base` onto `live` (three texts), with `choices` (JSON
    /// `{"<conflict id>": "live" | "draft"}`, or empty) settling the items both changed:
    /// JSON `{"config": <the merged config>, "conflicts": [...], "resolved": bool}`, or
    /// `{"error"}` when a text is not JSON.
    #[wasm_bindgen]
    pub fn rebase(base: &str, live: &str, draft: &str, choices: &str) -> String {
        use serde_json::{json, Value};
        let parse = |what: &str, s: &str| {
            serde_json::from_str::<Value>(s).map_err(|e| format!("{what} is not JSON: {e}"))
        };
        let choices = if choices.trim().is_empty() {
            Ok(Default::default())
        } else {
            serde_json::from_str(choices).map_err(|e| format!("choices: {e}"))
        };
        let sides = (
            parse("base", base),
            parse("live", live),
            parse("draft", draft),
        );
        match (sides, choices) {
            ((Ok(b), Ok(l), Ok(d)), Ok(c)) => {
                let r = signpost::merge::rebase(&b, &l, &d, &c);
                json!({ "config": r.config, "conflicts": r.conflicts, "resolved": r.resolved() })
            }
            ((Err(e), _, _), _) | ((_, Err(e), _), _) | ((_, _, Err(e)), _) | (_, Err(e)) => {
                json!({ "error": e })
            }
        }
        .to_string()
    }
}
