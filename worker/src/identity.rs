//! Who the browser is: `POST /__signpost/identify` (a user id the site's backend signed),
//! `POST /__signpost/reset` (logout), and erasure of everything kept about a person
//! (`DELETE /__signpost/profile` for the visitor's own data; the admin's by user id in
//! `admin`).
//!
//! On the first identify, the anonymous profile goes into the user's (its writer hands it
//! over, see `profiles`), and the signed session cookie carries the user id from then on, so
//! every page on any device identified as that user reads and writes the user's profile.

use crate::answers::{empty, error, unavailable};
use crate::api::{answer_state, cross_site, load_for, page_post, Browser};
use crate::page::{self, js_err, Visit};
use crate::profiles::{self, Op};
use crate::{cookies, store};
use serde::Deserialize;
use signpost::ingest::is_user_id;
use signpost::session::SessionState;
use signpost::writer::user_key;
use signpost::Profile;
use worker::{Context, Env, Request, Result};

/// Largest identify body accepted.
const MAX_IDENTIFY_BODY_BYTES: usize = 4096;

/// What the page posts to identify.
#[derive(Deserialize)]
struct IdentifyBody {
    user: Option<String>,
    signature: Option<String>,
    /// The page the answer's decision is for (the SDK sends its own path).
    url: Option<String>,
}

/// `POST /__signpost/identify`: `{"user", "signature", "url"?}`. 200 answers like the events
/// endpoint (the decision for `url` and `results: []`) with the session cookie now holding the
/// user; 400 for a missing or malformed user id, 403 for a wrong signature, 503 when the
/// Worker has no `SIGNPOST_IDENTITY_SECRET` (or no profile writer to merge with).
pub async fn identify(mut req: Request, env: &Env, ctx: &Context) -> Result<web_sys::Response> {
    let (visit, body) = match page_post(&mut req, env, MAX_IDENTIFY_BODY_BYTES).await? {
        Ok(start) => start,
        Err(answer) => return Ok(answer),
    };
    let body: IdentifyBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return error(
                400,
                &format!("identify: body is not {{\"user\", \"signature\"}}: {e}"),
            )
        }
    };
    let Some(user) = body.user.filter(|u| is_user_id(u)) else {
        return error(
            400,
            "identify: user: expected the site's user id (1 to 128 bytes, no control characters)",
        );
    };
    let Some(secret) =
        crate::text_binding(env, "SIGNPOST_IDENTITY_SECRET").filter(|s| !s.is_empty())
    else {
        return error(
            503,
            "identify is off: the Worker has no SIGNPOST_IDENTITY_SECRET",
        );
    };
    let signature = body.signature.unwrap_or_default();
    if !signpost::identity::verify(secret.as_bytes(), &user, &signature) {
        return error(
            403,
            "identify: the signature does not match the user id (expected the hex HMAC-SHA256 \
             of the id under SIGNPOST_IDENTITY_SECRET, computed by the site's backend)",
        );
    }
    let url = body
        .url
        .filter(|u| u.starts_with('/'))
        .unwrap_or_else(|| "/".into());
    let Ok(kv) = env.kv("SIGNPOST") else {
        return unavailable("no KV binding");
    };
    let live = match store::live(&kv, visit.now as f64).await {
        Ok(live) => live,
        Err(e) => return unavailable(&e.to_string()),
    };
    let info = page::request_info_for(&req, Some(&url), visit.test_hooks)?;
    if !live.engine.consent(&info).granted() {
        return empty(204);
    }
    let (visitor, new_visitor) = visit.visitor();
    let mut state = visit.session(&visitor);
    if state.user.is_none() {
        // The anonymous profile (with this browser's log) goes into the user's, once.
        let op = Op::Identify {
            key: visitor.clone(),
            user: user.clone(),
            log: state.log.clone(),
            now: visit.now,
        };
        match profiles::send(env, &op).await {
            Ok(Some(_)) => {}
            Ok(None) => return unavailable("identify needs the SIGNPOST_PROFILES Durable Object"),
            Err(e) => return unavailable(&e.to_string()),
        }
    }
    // A browser identified as someone else switches without merging: its data is theirs.
    state.user = Some(user);
    let (mut profile, stored_ok) = load_for(&kv, &state, false).await;
    if let Err(e) = stored_ok {
        return unavailable(&e.to_string());
    }
    state.sync(&live.engine, &mut profile);
    let browser = Browser {
        state: &mut state,
        profile: &profile,
        visitor: &visitor,
        new_visitor,
    };
    answer_state(ctx, env, &visit, (&live, &info), browser, None)
}

/// `POST /__signpost/reset` (logout): the browser starts as a new anonymous visitor; what it
/// recorded since its last flush still goes to the profile it had. Answers the decision for
/// the new visitor (the body's `url`, or `/`).
pub async fn reset(mut req: Request, env: &Env, ctx: &Context) -> Result<web_sys::Response> {
    let (visit, body) = match page_post(&mut req, env, MAX_IDENTIFY_BODY_BYTES).await? {
        Ok(start) => start,
        Err(answer) => return Ok(answer),
    };
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let url = match body.get("url").and_then(|u| u.as_str()) {
        Some(u) if u.starts_with('/') => u.to_string(),
        _ => "/".into(),
    };
    let Ok(kv) = env.kv("SIGNPOST") else {
        return unavailable("no KV binding");
    };
    let live = match store::live(&kv, visit.now as f64).await {
        Ok(live) => live,
        Err(e) => return unavailable(&e.to_string()),
    };
    if let Some(old) = visit.known_visitor() {
        let old_state = visit.session(&old);
        if !old_state.log.is_empty() {
            let flush = signpost::session::Flush {
                key: old_state.profile_key(),
                device: old.clone(),
                log: old_state.log,
            };
            let env2 = env.clone();
            let now = visit.now;
            ctx.wait_until(async move { page::send_flush(&env2, flush, now).await });
        }
    }
    let info = page::request_info_for(&req, Some(&url), visit.test_hooks)?;
    let visitor = visit
        .test_new_visitor
        .clone()
        .unwrap_or_else(page::new_visitor_id);
    let mut state = SessionState::new(&visitor, visit.now);
    let profile = Profile::new(&visitor);
    let browser = Browser {
        state: &mut state,
        profile: &profile,
        visitor: &visitor,
        new_visitor: true,
    };
    answer_state(ctx, env, &visit, (&live, &info), browser, None)
}

/// `DELETE /__signpost/profile`: the visitor erases their data (the user's too when the
/// browser is identified: every device's profile the user's knows); the cookies are expired.
pub async fn erase(req: Request, env: &Env) -> Result<web_sys::Response> {
    if cross_site(&req)? {
        return error(403, "cross-site request refused");
    }
    let visit = Visit::new(&req, env)?;
    if let Some(visitor) = visit.known_visitor() {
        let mut keys = vec![visitor.clone()];
        if let Some(user) = visit.session(&visitor).user {
            keys.push(user_key(&user));
        }
        if let Err(e) = erase_keys(env, keys).await {
            return unavailable(&e.to_string());
        }
    }
    let response = empty(204)?;
    let headers = response.headers();
    for name in [cookies::VISITOR, cookies::SESSION] {
        headers
            .append("set-cookie", &cookies::expired(name, visit.https))
            .map_err(js_err)?;
    }
    page::set(&headers, "cache-control", "private, no-store")?;
    Ok(response)
}

/// Erases profiles by key and, for a user's, the profiles of every device it absorbed: the
/// writers' storage and the KV copies. Answers the keys erased.
pub async fn erase_keys(env: &Env, mut keys: Vec<String>) -> Result<Vec<String>> {
    let kv = env.kv("SIGNPOST")?;
    let mut done = Vec::new();
    while let Some(key) = keys.pop() {
        if done.contains(&key) {
            continue;
        }
        match profiles::send(env, &Op::Erase { key: key.clone() }).await? {
            Some(reply) => keys.extend(reply.devices),
            None => store::delete_profile(&kv, &key)
                .await
                .map_err(|e| worker::Error::RustError(e.to_string()))?,
        }
        done.push(key);
    }
    Ok(done)
}
