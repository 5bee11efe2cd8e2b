//! The `/__signpost/*` endpoints of the API Worker (feature `api`): events from the page, the
//! public config, the visitor's own profile, health, and the admin endpoints (explain, signals;
//! the editor's in `admin`) behind a bearer token. The page Worker forwards them here through
//! its `SIGNPOST_API` service binding; it answers the origin cache's purge itself.

use crate::answers::{authorized, body_within, empty, error, json, text, unavailable};
use crate::page::{self, js_err, Visit};
use crate::request_url::RequestUrl;
use crate::store;
use serde_json::{json, Value};
use signpost::batch::{parse_page_body, EventResult, PageBatch};
use signpost::events::Event;
use signpost::limits::MAX_EVENTS_BODY_BYTES;
use signpost::measure;
use signpost::session::{client_state, SessionState};
use signpost::{Engine, Profile};
use worker::{Context, Env, Method, Request, Result};

pub async fn handle(
    endpoint: &str,
    req: Request,
    env: &Env,
    ctx: &Context,
) -> Result<web_sys::Response> {
    if let Some(path) = endpoint.strip_prefix("admin/") {
        return crate::admin::handle(path, req, env).await;
    }
    let method = req.method();
    match (endpoint, method) {
        ("events", Method::Post) => events(req, env, ctx).await,
        ("config", Method::Get) => config(env, &req).await,
        ("profile", Method::Get) => profile(req, env).await,
        ("profile", Method::Delete) => crate::identity::erase(req, env).await,
        ("identify", Method::Post) => crate::identity::identify(req, env, ctx).await,
        ("reset", Method::Post) => crate::identity::reset(req, env, ctx).await,
        ("ingest", Method::Post) => crate::ingest::ingest(req, env).await,
        ("health", Method::Get) => json(
            200,
            &json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") }),
        ),
        ("explain", Method::Get) => explain(req, env).await,
        ("signals", Method::Post) => signals(req, env).await,
        ("report", Method::Get) => crate::report::report(req, env).await,
        (
            "events" | "config" | "profile" | "health" | "explain" | "signals" | "report"
            | "identify" | "reset" | "ingest",
            _,
        ) => error(405, "method not allowed for this endpoint"),
        _ => error(404, "no such endpoint"),
    }
}

/// `POST /__signpost/events`: `{"url": "/path?q", "events": [{"type", "id", "at", ...}]}`.
/// Records the new events (ids already seen are skipped) and answers the decision for `url`
/// with `results`: one `{"id", "status", "error"?}` per event, in order, so that one refused
/// event never costs the others. 400 only for a body that is not a batch at all.
async fn events(mut req: Request, env: &Env, ctx: &Context) -> Result<web_sys::Response> {
    let content_type = req.headers().get("content-type")?.unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        return error(415, "content-type must be application/json");
    }
    let (visit, body) = match page_post(&mut req, env, MAX_EVENTS_BODY_BYTES).await? {
        Ok(start) => start,
        Err(answer) => return Ok(answer),
    };
    let mut batch = match parse_page_body(&body) {
        Ok(parsed) => parsed,
        Err(e) => return error(400, &e.to_string()),
    };
    let Ok(kv) = env.kv("SIGNPOST") else {
        return unavailable("no KV binding");
    };
    let live = match store::live(&kv, visit.now as f64).await {
        Ok(live) => live,
        Err(e) => return unavailable(&e.to_string()),
    };
    let info = page::request_info_for(&req, Some(&batch.url), visit.test_hooks)?;
    if !live.engine.consent(&info).granted() {
        return empty(204);
    }
    let (visitor, new_visitor) = visit.visitor();
    let mut state = visit.session(&visitor);
    let (mut profile, stored_ok) = load_for(&kv, &state, new_visitor).await;
    if let Err(e) = stored_ok {
        return unavailable(&e.to_string());
    }
    let engine = &live.engine;
    state.sync(engine, &mut profile);
    // Trusted types come only from the site's server: the engine refuses them, and their
    // results say why (the SDK logs it).
    let statuses = state.record_events(engine, &mut profile, &batch.events, visit.now);
    batch.mark_recorded(&statuses);
    let browser = Browser {
        state: &mut state,
        profile: &profile,
        visitor: &visitor,
        new_visitor,
    };
    answer_state(ctx, env, &visit, (&live, &info), browser, Some(&batch))
}

/// The start of a post from the page (events, identify, reset): refused cross-site (403);
/// nothing for an opted-out visitor (204); the body, or 413 over `max` bytes. `Err` holds the
/// answer to give at once.
pub(crate) async fn page_post(
    req: &mut Request,
    env: &Env,
    max: usize,
) -> Result<std::result::Result<(Visit, Vec<u8>), web_sys::Response>> {
    if cross_site(req)? {
        return error(403, "cross-site request refused").map(Err);
    }
    let visit = Visit::new(req, env)?;
    if visit.opted_out(req)?.is_some() {
        return empty(204).map(Err);
    }
    Ok(body_within(req, max).await?.map(|body| (visit, body)))
}

/// The browser's profile (the user's once identified; a new one when there is none) and
/// whether it could be read. A new visitor (an id just drawn) has none: no read.
pub(crate) async fn load_for(
    kv: &worker::kv::KvStore,
    state: &SessionState,
    new_visitor: bool,
) -> (Profile, std::result::Result<(), store::StoreError>) {
    let key = state.profile_key();
    let stored = match new_visitor {
        true => Ok(None),
        false => store::load_profile(kv, &key).await,
    };
    match stored {
        Ok(p) => (p.unwrap_or_else(|| Profile::new(&key)), Ok(())),
        Err(e) => (Profile::new(&key), Err(e)),
    }
}

/// Answers the decision for a page after the browser's state changed (the events endpoint,
/// identify, reset): the client state with `results`, the cookies, and the flush and counts
/// after the response.
/// A browser's state after a change, as [`answer_state`] answers it.
pub(crate) struct Browser<'a> {
    pub state: &'a mut SessionState,
    pub profile: &'a Profile,
    pub visitor: &'a str,
    pub new_visitor: bool,
}

pub(crate) fn answer_state(
    ctx: &Context,
    env: &Env,
    visit: &Visit,
    (live, info): (&store::Live, &signpost::RequestInfo),
    b: Browser,
    batch: Option<&PageBatch>,
) -> Result<web_sys::Response> {
    let Browser {
        state,
        profile,
        visitor,
        new_visitor,
    } = b;
    let engine = &live.engine;
    let decision = engine.decide(profile, info, &live.signals, visit.now);
    let results = batch.map_or(&[][..], |b| &b.results);
    let rows = batch.map(|b| {
        let counts = measure::for_events(engine, profile, &b.events, visit.now);
        let events: Vec<Event> = b.accepted().cloned().collect();
        let now = visit.now;
        measure::event_rows(
            engine, profile, visitor, info, &decision, &events, &counts, now,
        )
    });
    // Journeys must learn of a posted event even if the visitor never comes back.
    let eager = !live.engine.config().actions.is_empty();
    let (flush, set_cookies) = visit.finish_with(state, profile, visitor, new_visitor, eager);
    let answer = EventsAnswer {
        state: client_state(&decision, &live.version),
        results,
    };
    let answer =
        serde_json::to_string(&answer).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let response = text(200, &answer, "application/json")?;
    let headers = response.headers();
    page::set(&headers, "cache-control", "private, no-store")?;
    for c in set_cookies {
        headers.append("set-cookie", &c).map_err(js_err)?;
    }
    page::after_response(ctx, env, flush, rows.unwrap_or_default(), visit.now);
    Ok(response)
}

/// The events endpoint's answer: the new decision (as in the page's state script) and what
/// became of each event.
#[derive(serde::Serialize)]
struct EventsAnswer<'a> {
    #[serde(flatten)]
    state: signpost::session::ClientState<'a>,
    results: &'a [EventResult],
}

/// `GET /__signpost/config`: what the browser needs to run the same core.
async fn config(env: &Env, req: &Request) -> Result<web_sys::Response> {
    let visit = Visit::new(req, env)?;
    let Ok(kv) = env.kv("SIGNPOST") else {
        return unavailable("no KV binding");
    };
    let live = match store::live(&kv, visit.now as f64).await {
        Ok(live) => live,
        Err(e) => return unavailable(&e.to_string()),
    };
    // The stored JSON compiled, so it is valid JSON. Only what the page may read is served:
    // no edge-only offer, none outside its schedule at the visit's time.
    let json = match store::config_json(&kv, &live).await {
        Ok(json) => json,
        Err(e) => return unavailable(&e.to_string()),
    };
    let stored: Value =
        serde_json::from_str(&json).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let public = signpost::public::public_config(live.engine.config(), stored, visit.now);
    let catalog = match live.catalog_json.as_deref() {
        Some(c) => signpost::public::public_catalog(&public, c),
        None => "null".into(),
    };
    let body = format!(
        r#"{{"version":{},"config":{},"catalog":{}}}"#,
        Value::String(live.version.clone()),
        public,
        catalog
    );
    let response = text(200, &body, "application/json")?;
    page::set(&response.headers(), "cache-control", "public, max-age=30")?;
    Ok(response)
}

/// `GET /__signpost/profile`: the visitor's own profile, with the session's latest events.
async fn profile(req: Request, env: &Env) -> Result<web_sys::Response> {
    let visit = Visit::new(&req, env)?;
    let Some(visitor) = visit.known_visitor() else {
        return empty(204);
    };
    if visit.opted_out(&req)?.is_some() {
        return empty(204);
    }
    let Ok(kv) = env.kv("SIGNPOST") else {
        return unavailable("no KV binding");
    };
    let mut state = visit.session(&visitor);
    let key = state.profile_key();
    let stored = match store::load_profile(&kv, &key).await {
        Ok(p) => p,
        Err(e) => return unavailable(&e.to_string()),
    };
    if stored.is_none() && state.log.is_empty() {
        return empty(204);
    }
    let mut profile = stored.unwrap_or_else(|| Profile::new(&key));
    if let Ok(live) = store::live(&kv, visit.now as f64).await {
        state.sync(&live.engine, &mut profile);
    }
    let response = text(200, &profile.to_json(), "application/json")?;
    page::set(&response.headers(), "cache-control", "private, no-store")?;
    Ok(response)
}

/// `GET /__signpost/explain?url=/x[&visitor=id]` (admin): the full explanation.
async fn explain(req: Request, env: &Env) -> Result<web_sys::Response> {
    if !authorized(&req, env)? {
        return error(401, "a valid bearer token is required");
    }
    let visit = Visit::new(&req, env)?;
    let url = RequestUrl::of(&req);
    let param = |name: &str| url.param(name);
    let Some(target) = param("url").filter(|u| u.starts_with('/')) else {
        return error(400, "url: missing (a path such as /compare)");
    };
    let from_cookie = visit.known_visitor();
    let Some(visitor) = param("visitor").or_else(|| from_cookie.clone()) else {
        return error(400, "visitor: missing (no visitor cookie and no &visitor=)");
    };
    let Ok(kv) = env.kv("SIGNPOST") else {
        return unavailable("no KV binding");
    };
    let live = match store::live(&kv, visit.now as f64).await {
        Ok(live) => live,
        Err(e) => return unavailable(&e.to_string()),
    };
    // The browser's own profile (the user's once identified), or the one asked for.
    let mine = from_cookie.as_deref() == Some(visitor.as_str());
    let mut state = visit.session(&visitor);
    let key = match param("user") {
        Some(user) => signpost::writer::user_key(&user),
        None if mine => state.profile_key(),
        None => visitor.clone(),
    };
    let stored = match store::load_profile(&kv, &key).await {
        Ok(p) => p,
        Err(e) => return unavailable(&e.to_string()),
    };
    let mut profile = stored.unwrap_or_else(|| Profile::new(&key));
    if mine && key == state.profile_key() {
        state.sync(&live.engine, &mut profile);
    }
    let info = page::request_info_for(&req, Some(&target), visit.test_hooks)?;
    let d = live.engine.decide_with(
        &profile,
        &info,
        &live.signals,
        visit.now,
        signpost::Detail::Full,
    );
    let text = d.explanation.to_text();
    let response = json(
        200,
        &json!({
            "visitor": visitor,
            "url": target,
            "config_version": live.version,
            "decision": d,
            "text": text,
        }),
    )?;
    page::set(&response.headers(), "cache-control", "private, no-store")?;
    Ok(response)
}

/// Largest signal body accepted.
const MAX_SIGNAL_BODY_BYTES: usize = 32 * 1024;

/// `POST /__signpost/signals` (admin): `{"name": "restock", "data": {...}}`; `null` removes.
async fn signals(mut req: Request, env: &Env) -> Result<web_sys::Response> {
    if !authorized(&req, env)? {
        return error(401, "a valid bearer token is required");
    }
    let body = match body_within(&mut req, MAX_SIGNAL_BODY_BYTES).await? {
        Ok(body) => body,
        Err(answer) => return Ok(answer),
    };
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return error(400, &format!("body is not JSON: {e}")),
    };
    let name = match value.get("name").and_then(Value::as_str) {
        Some(n) if !n.is_empty() && n.len() <= 64 => n.to_string(),
        _ => return error(400, "name: expected a signal name of 1 to 64 characters"),
    };
    let Some(data) = value.get("data").cloned() else {
        return error(400, "data: missing (null removes the signal)");
    };
    let Ok(kv) = env.kv("SIGNPOST") else {
        return unavailable("no KV binding");
    };
    let mut all = match store::signals_now(&kv).await {
        Ok(s) => s,
        Err(e) => return unavailable(&e.to_string()),
    };
    Engine::apply_signal(&mut all, &name, data);
    if let Err(e) = store::save_signals(&kv, &all).await {
        return unavailable(&e.to_string());
    }
    // Journeys that read signals look at every profile again (`crate::wake`).
    let now = Visit::new(&req, env)?.now;
    let reads = match store::live(&kv, now as f64).await {
        Ok(live) => signpost::actions::reads_signals(live.engine.config()),
        Err(_) => false,
    };
    let woken = reads && crate::wake::start(env, now, &all).await;
    let response = json(200, &json!({ "ok": true, "signals": all, "woken": woken }))?;
    // This isolate applies it at once; others within their 30 s config refresh.
    store::set_cached_signals(all);
    crate::changed::note(crate::changed::Change::Config);
    Ok(response)
}

/// An `Origin` header that is present and not this request's own origin (or a browser saying
/// the request is cross-site).
pub(crate) fn cross_site(req: &Request) -> Result<bool> {
    let url = RequestUrl::of(req);
    let own = url.origin();
    let origin = req.headers().get("origin")?;
    let site = req.headers().get("sec-fetch-site")?;
    Ok(origin.is_some_and(|o| o != own) || site.as_deref() == Some("cross-site"))
}
