//! The editor's API (`/__signpost/admin/...`), every call behind the admin bearer token and
//! answered `Cache-Control: no-store`: the stored config, validation, a preview of a page as a
//! chosen or described visitor, audience sizes (audience.rs), publish, roll back and the list
//! of versions.
//!
//! Publishing reuses the core's `signpost::publish` (the same scheme as the CLI: an immutable
//! `config:<n>` and its record `config-meta:<n>`, then `config:current` moves). Its `Kv` trait
//! is synchronous and Workers KV is not, so the keys it reads are loaded into a `MemoryKv`
//! first, the operation runs there, and its writes are then replayed to KV in the order it
//! made them (version before pointer). A publish that names the version its draft was based on
//! is refused with 409 and both diffs when another version went live since.

use crate::answers::{authorized, error, json, unavailable};
use crate::page::{self, js_err, Visit};
use crate::request_url::RequestUrl;
use crate::{html_rewriter, origin, store};
use serde::Deserialize;
use serde_json::{json, Value};
use signpost::config::check::Issues;
use signpost::publish::{self, KvError, MemoryKv, Meta, Moved, Publication, PublishError};
use signpost::{Described, Engine, Event, Profile};
use std::rc::Rc;
use worker::kv::KvStore;
use worker::{Env, Method, Request, Result};

/// Largest config accepted (KV values may be larger; configs are far smaller).
const MAX_CONFIG_BYTES: usize = 512 * 1024;

pub async fn handle(path: &str, mut req: Request, env: &Env) -> Result<web_sys::Response> {
    if !authorized(&req, env)? {
        // Read (and drop) a body first: a client still sending it would see the connection
        // reset instead of the 401.
        if req.method() != Method::Get {
            let _ = req.bytes().await;
        }
        return error(401, "a valid bearer token is required");
    }
    let Ok(kv) = env.kv("SIGNPOST") else {
        return unavailable("no KV binding");
    };
    let response = match (path, req.method()) {
        ("versions", Method::Get) => versions(&kv).await,
        ("config", Method::Get) => stored_config(&req, &kv).await,
        ("validate", Method::Post) => match body_text(&mut req).await? {
            Ok(config) => validate(&kv, &config).await,
            Err(r) => Ok(r),
        },
        ("preview", Method::Post) => preview(&mut req, env, &kv).await,
        ("audience", Method::Post) => crate::audience::handle(&mut req, env, &kv).await,
        ("publish", Method::Post) => match body_text(&mut req).await? {
            Ok(body) => publish_config(&kv, &body).await,
            Err(r) => Ok(r),
        },
        ("rollback", Method::Post) => rollback(&mut req, &kv).await,
        ("profile", Method::Delete) => erase_person(&req, env).await,
        ("deliveries", Method::Get) => match crate::tally::deliveries(env).await? {
            Some(status) => json(200, &json!({ "destinations": status })),
            None => error(
                404,
                "delivery counts need the SIGNPOST_TALLY Durable Object (see wrangler.toml)",
            ),
        },
        (
            "versions" | "config" | "validate" | "preview" | "audience" | "publish" | "rollback"
            | "profile" | "deliveries",
            _,
        ) => error(405, "method not allowed for this endpoint"),
        _ => error(404, "no such admin endpoint"),
    }?;
    page::set(&response.headers(), "cache-control", "no-store")?;
    Ok(response)
}

/// The request body as text, or the error response to send.
async fn body_text(req: &mut Request) -> Result<std::result::Result<String, web_sys::Response>> {
    let body = req.bytes().await?;
    if body.len() > MAX_CONFIG_BYTES {
        return Ok(Err(error(413, "body larger than 524288 bytes")?));
    }
    match String::from_utf8(body) {
        Ok(s) => Ok(Ok(s)),
        Err(_) => Ok(Err(error(400, "body is not UTF-8 text")?)),
    }
}

/// Every problem as `{"path", "message"}`, for the editor to point at the line.
fn issues_json(issues: &Issues) -> Value {
    Value::Array(
        issues
            .0
            .iter()
            .map(|i| json!({ "path": i.path, "message": i.message }))
            .collect(),
    )
}

/// Every key under `prefix`.
async fn list_keys(kv: &KvStore, prefix: &str) -> std::result::Result<Vec<String>, KvError> {
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut list = kv.list().prefix(prefix.into());
        if let Some(c) = cursor.take() {
            list = list.cursor(c);
        }
        let page = list.execute().await.map_err(kv_error)?;
        names.extend(page.keys.into_iter().map(|k| k.name));
        match page.cursor {
            Some(c) if !page.list_complete => cursor = Some(c),
            _ => break,
        }
    }
    Ok(names)
}

/// The config keys `signpost::publish` reads, loaded from KV: `config:current`, the catalog,
/// every `config:<n>` and every record `config-meta:<n>`.
async fn snapshot(kv: &KvStore) -> std::result::Result<MemoryKv, KvError> {
    let mut names = list_keys(kv, "config:").await?;
    names.extend(list_keys(kv, "config-meta:").await?);
    for key in [publish::CURRENT, publish::CATALOG] {
        if !names.iter().any(|n| n == key) {
            names.push(key.to_string());
        }
    }
    let values = futures_util::future::join_all(names.iter().map(|k| kv.get(k).text())).await;
    let mut mem = MemoryKv::default();
    for (name, value) in names.into_iter().zip(values) {
        if let Some(v) = value.map_err(kv_error)? {
            mem.data.insert(name, v);
        }
    }
    Ok(mem)
}

/// Writes what the operation wrote in memory to KV, in the same order. On a failure the keys
/// before it are written and the rest not: the version goes before the pointer, so the live
/// site never points at a missing version.
async fn replay(kv: &KvStore, mem: &MemoryKv) -> std::result::Result<(), KvError> {
    for key in &mem.writes {
        let put = match mem.bytes.get(key) {
            // The config snapshot (signpost::snapshot), binary.
            Some(bytes) => kv.put_bytes(key, bytes),
            None => kv.put(key, mem.data.get(key).cloned().unwrap_or_default()),
        };
        put.map_err(kv_error)?
            .execute()
            .await
            .map_err(|e| KvError(format!("writing {key} failed: {e}")))?;
    }
    // This isolate serves the new version at once; others within their 30 s refresh.
    if !mem.writes.is_empty() {
        store::invalidate();
        crate::changed::note(crate::changed::Change::Config);
    }
    Ok(())
}

fn kv_error(e: impl std::fmt::Display) -> KvError {
    KvError(e.to_string())
}

/// Runs a `signpost::publish` operation over the keys loaded from KV, then writes to KV what it
/// wrote: its result, or the response saying why not.
async fn run<T>(
    kv: &KvStore,
    op: impl FnOnce(&mut MemoryKv) -> std::result::Result<T, PublishError>,
) -> Result<std::result::Result<T, web_sys::Response>> {
    let mut mem = match snapshot(kv).await {
        Ok(m) => m,
        Err(e) => return Ok(Err(unavailable(&e.to_string())?)),
    };
    let out = match op(&mut mem) {
        Ok(v) => v,
        Err(e) => return Ok(Err(refused(e)?)),
    };
    if let Err(e) = replay(kv, &mem).await {
        return Ok(Err(unavailable(&e.to_string())?));
    }
    Ok(Ok(out))
}

fn refused(e: PublishError) -> Result<web_sys::Response> {
    match e {
        PublishError::Invalid { what, issues } => json(
            400,
            &json!({
                "error": format!("{what} is invalid; nothing was written"),
                "issues": issues_json(&issues),
            }),
        ),
        PublishError::Store { error, live } => unavailable(&format!("{error}; {live}")),
        PublishError::Corrupt(m) => error(500, &m),
        PublishError::Refused(m) => error(409, &m),
        PublishError::Moved(m) => moved(&m),
    }
}

/// 409 for a draft whose base is no longer live: the sentence, who moved it, and both diffs,
/// so the editor can show them and offer to rebase.
fn moved(m: &Moved) -> Result<web_sys::Response> {
    let text = m.to_string();
    let lines =
        |c: &[signpost::diff::Change]| c.iter().map(ToString::to_string).collect::<Vec<_>>();
    json(
        409,
        &json!({
            "error": text.lines().next().unwrap_or_default(),
            "base": m.base,
            "live": m.live,
            "live_record": m.live_meta,
            "live_changes": lines(&m.base_to_live),
            "draft_changes": lines(&m.live_to_draft),
        }),
    )
}

/// `DELETE admin/profile?user=<id>` (or `?visitor=<id>`): erases everything kept about a
/// person (a data subject's request): the user's profile, every device's profile it absorbed,
/// and their writers' storage. Answers `{"erased": [keys]}`.
async fn erase_person(req: &Request, env: &Env) -> Result<web_sys::Response> {
    let url = RequestUrl::of(req);
    let param = |name: &str| url.param(name);
    let key = match (param("user"), param("visitor")) {
        (Some(u), None) if signpost::ingest::is_user_id(&u) => signpost::writer::user_key(&u),
        (None, Some(v)) if crate::cookies::valid_visitor_id(&v) => v,
        _ => {
            return error(
                400,
                "give ?user=<site user id> or ?visitor=<sp_vid>, one of them",
            )
        }
    };
    match crate::identity::erase_keys(env, vec![key]).await {
        Ok(erased) => json(200, &json!({ "erased": erased })),
        Err(e) => unavailable(&e.to_string()),
    }
}

/// `GET admin/versions`: `{"current": n, "versions": [{"version", "live", "summary", "at", "by",
/// "message"}]}`, newest first; the record's fields are null for a version without one.
async fn versions(kv: &KvStore) -> Result<web_sys::Response> {
    let listed = run(kv, |mem| {
        Ok((publish::current_version(mem)?, publish::versions(mem)?))
    });
    match listed.await? {
        Ok((current, list)) => json(
            200,
            &json!({
                "current": current,
                "versions": list.iter().rev().map(|v| json!({
                    "version": v.number, "live": v.live, "summary": v.summary,
                    "at": v.meta.as_ref().map(|m| m.at),
                    "by": v.meta.as_ref().map(|m| &m.by),
                    "message": v.meta.as_ref().map(|m| &m.message),
                })).collect::<Vec<_>>(),
            }),
        ),
        Err(response) => Ok(response),
    }
}

/// `GET admin/config[?version=n]`: the stored text of a version (the live one by default), so
/// the editor starts from exactly what is stored.
async fn stored_config(req: &Request, kv: &KvStore) -> Result<web_sys::Response> {
    let asked = RequestUrl::of(req).param("version");
    let version = match asked {
        Some(v) => match v.parse::<u64>() {
            Ok(n) => n.to_string(),
            Err(_) => return error(400, "version: expected a version number such as 3"),
        },
        None => match kv.get(publish::CURRENT).text().await {
            Ok(Some(v)) => v.trim().to_string(),
            Ok(None) => return error(404, "nothing is published yet (config:current is missing)"),
            Err(e) => return unavailable(&e.to_string()),
        },
    };
    match kv.get(&format!("config:{version}")).text().await {
        Ok(Some(config)) => json(200, &json!({ "version": version, "config": config })),
        Ok(None) => error(404, &format!("config:{version} does not exist")),
        Err(e) => unavailable(&e.to_string()),
    }
}

/// Compiles a config with the catalog in KV: `Ok(engine)`, or every problem.
pub(crate) async fn compile(kv: &KvStore, config: &str) -> std::result::Result<Engine, Value> {
    let catalog = kv.get(publish::CATALOG).text().await.ok().flatten();
    Engine::new(config, catalog.as_deref()).map_err(|e| {
        let what = match e {
            signpost::EngineError::Config(_) => "config",
            signpost::EngineError::Catalog(_) => "the catalog in KV",
        };
        json!({ "error": format!("{what} is invalid"), "issues": issues_json(e.issues()) })
    })
}

/// `POST admin/validate` (body: the config): `{"ok": true}` or `{"ok": false, "issues"}`.
async fn validate(kv: &KvStore, config: &str) -> Result<web_sys::Response> {
    match compile(kv, config).await {
        Ok(_) => json(200, &json!({ "ok": true, "issues": [] })),
        Err(v) => json(
            200,
            &json!({ "ok": false, "error": v["error"], "issues": v["issues"] }),
        ),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PreviewRequest {
    /// The draft to preview; `None`: the live config.
    config: Option<String>,
    url: String,
    /// A stored visitor's profile to start from.
    visitor: Option<String>,
    tier: Option<String>,
    segments: Option<Vec<String>>,
    /// Events recorded (in order, one second apart, ending now) before the page.
    #[serde(default)]
    events: Vec<Value>,
}

/// `POST admin/preview`: `{"config"?, "url", "visitor"?, "tier"?, "segments"?, "events"?}` ->
/// `{"config_version", "decision", "text", "html"}`: the decision with its full explanation and
/// the page as that visitor would get it (the origin's page with the plan applied).
async fn preview(req: &mut Request, env: &Env, kv: &KvStore) -> Result<web_sys::Response> {
    let body = req.bytes().await?;
    if body.len() > MAX_CONFIG_BYTES {
        return error(413, "body larger than 524288 bytes");
    }
    let p: PreviewRequest = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => return error(400, &format!("body: {e}")),
    };
    if !p.url.starts_with('/') || p.url.starts_with("//") || p.url.starts_with("/__signpost") {
        return error(400, "url: expected a page path such as /compare");
    }
    let visit = Visit::new(req, env)?;
    let (engine, version) = match &p.config {
        Some(draft) => match compile(kv, draft).await {
            Ok(e) => (Rc::new(e), "draft".to_string()),
            Err(v) => return json(400, &v),
        },
        None => match store::live(kv, visit.now as f64).await {
            Ok(live) => (live.engine, live.version),
            Err(e) => return unavailable(&e.to_string()),
        },
    };
    let signals = store::signals_now(kv).await.unwrap_or_default();
    let visitor = p.visitor.clone().unwrap_or_else(|| "preview".into());
    let mut profile = match &p.visitor {
        Some(id) => match store::load_profile(kv, id).await {
            Ok(Some(profile)) => profile,
            Ok(None) => return error(404, &format!("visitor: no stored profile for {id:?}")),
            Err(e) => return unavailable(&e.to_string()),
        },
        None => Profile::new(&visitor),
    };
    if !p.events.is_empty() {
        let mut events = Vec::with_capacity(p.events.len());
        for (i, v) in p.events.iter().enumerate() {
            let mut v = v.clone();
            if let Some(o) = v.as_object_mut() {
                // Spaced out before now, so the described journey has an order.
                let at = visit.now - 1000 * (p.events.len() - i) as i64;
                o.entry("at").or_insert(json!(at));
                o.entry("id").or_insert(json!(format!("preview-{i}")));
            }
            match serde_json::from_value::<Event>(v) {
                Ok(e) => events.push(e),
                Err(e) => return error(400, &format!("events[{i}]: {e}")),
            }
        }
        if let Err(e) = signpost::batch::validate_batch(&events) {
            return error(400, &format!("events: {e}"));
        }
        // The admin is a trusted source: the preview may describe a server's purchase.
        for e in &events {
            engine.record_trusted_event(&mut profile, e, visit.now);
        }
    }
    let described = Described {
        tier: p.tier.filter(|t| !t.is_empty()),
        segments: p.segments,
    };
    let mut info = page::request_info_for(req, Some(&p.url), visit.test_hooks)?;
    // The preview decides as for a visitor who consented, whatever the admin's own cookies say.
    info.headers
        .retain(|(k, _)| k != "cookie" && k != "sec-gpc" && k != "authorization");
    let d = match engine.preview(&profile, &info, &signals, visit.now, &described) {
        Ok(d) => d,
        Err(e) => return error(400, &e.to_string()),
    };
    let html = render(req, env, &p.url, &d.plan).await.unwrap_or_else(|e| {
        worker::console_warn!("signpost: preview page not rendered: {e}");
        None
    });
    json(
        200,
        &json!({
            "config_version": version,
            "visitor": visitor,
            "url": p.url,
            "decision": d,
            "text": d.explanation.to_text(),
            "html": html,
        }),
    )
}

/// The origin's page at `path` with the plan applied, or `None` when it is not an HTML page.
async fn render(
    req: &Request,
    env: &Env,
    path: &str,
    plan: &signpost::Plan,
) -> Result<Option<String>> {
    let url = RequestUrl::of(req).with_path(path);
    let page_req = Request::new(&url, Method::Get)?;
    let response = origin::fetch(env, &page_req).await?;
    let html = response
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("text/html"));
    if response.status() != 200 || !html {
        return Ok(None);
    }
    let rewritten = html_rewriter::apply(response, plan, None).map_err(js_err)?;
    let text = worker::wasm_bindgen_futures::JsFuture::from(rewritten.text().map_err(js_err)?)
        .await
        .map_err(js_err)?;
    Ok(text.as_string())
}

/// What `POST admin/publish` takes as JSON: the config's text, the version it was based on,
/// who publishes and why.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishRequest {
    config: String,
    base: Option<u64>,
    #[serde(default)]
    author: String,
    #[serde(default)]
    message: String,
}

/// `POST admin/publish`: the body is either the config itself (as before: no base checked, no
/// name recorded) or `{"config": "<the config's text>", "base"?: n, "author"?, "message"?}`
/// (a config has no top-level `config` field, so the two cannot be confused). Validated with
/// the catalog in KV, then written as `config:<n>` with its record and made live. 400 with
/// every problem, and nothing written, when invalid; 409 with both diffs when `base` is no
/// longer the live version.
async fn publish_config(kv: &KvStore, body: &str) -> Result<web_sys::Response> {
    let envelope = serde_json::from_str::<Value>(body)
        .ok()
        .filter(|v| v.get("config").is_some_and(Value::is_string));
    let (config, how) = match envelope {
        None => (body.to_string(), Publication::default()),
        Some(v) => {
            let r: PublishRequest = match serde_json::from_value(v) {
                Ok(r) => r,
                Err(e) => return error(400, &format!("body: {e}")),
            };
            let now = js_sys::Date::now() as i64;
            let meta = match Meta::new(now, &r.author, &r.message) {
                Ok(m) => m,
                Err(e) => return error(400, &e.to_string()),
            };
            let how = Publication {
                base: r.base,
                meta: Some(meta),
            };
            (r.config, how)
        }
    };
    let done = run(kv, |mem| publish::publish_with(mem, &config, None, &how));
    let p = match done.await? {
        Ok(p) => p,
        Err(response) => return Ok(response),
    };
    json(
        200,
        &json!({
            "version": p.version,
            "previous": p.previous,
            "changes": p.changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "record": how.meta,
        }),
    )
}

/// `POST admin/rollback` (body `{"to": n}`, or empty for the version before the live one).
async fn rollback(req: &mut Request, kv: &KvStore) -> Result<web_sys::Response> {
    let body = req.bytes().await?;
    let to = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) => match v.get("to") {
                None | Some(Value::Null) => None,
                Some(n) => match n.as_u64() {
                    Some(n) => Some(n),
                    None => return error(400, "to: expected a version number"),
                },
            },
            Err(e) => return error(400, &format!("body is not JSON: {e}")),
        }
    };
    let r = match run(kv, |mem| publish::rollback(mem, to)).await? {
        Ok(r) => r,
        Err(response) => return Ok(response),
    };
    json(
        200,
        &json!({
            "from": r.from,
            "to": r.to,
            "changes": r.changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }),
    )
}
