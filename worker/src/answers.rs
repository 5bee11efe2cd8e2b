//! Answers every endpoint builds from (JSON, errors, the admin token's check, a bounded body),
//! shared by both Workers' builds: the page Worker answers a few endpoints itself (the origin
//! cache's purge, the test routes) and forwards the rest to the API Worker.

use crate::page::{self, js_err};
use serde_json::{json, Value};
use signpost::session::constant_time_eq;
use worker::{Env, Request, Result};

/// A request's body, or the 413 answer when it is over `max` bytes (by its declared length
/// first, so a large body is not read).
pub(crate) async fn body_within(
    req: &mut Request,
    max: usize,
) -> Result<std::result::Result<Vec<u8>, web_sys::Response>> {
    let too_large = || error(413, &format!("body larger than {max} bytes")).map(Err);
    let declared = req.headers().get("content-length")?;
    if declared.and_then(|n| n.parse::<usize>().ok()) > Some(max) {
        return too_large();
    }
    let body = req.bytes().await?;
    if body.len() > max {
        return too_large();
    }
    Ok(Ok(body))
}

/// `Authorization: Bearer <SIGNPOST_ADMIN_TOKEN>`, compared in constant time. With no token
/// configured, nobody is authorized.
pub(crate) fn authorized(req: &Request, env: &Env) -> Result<bool> {
    let Some(token) = crate::text_binding(env, "SIGNPOST_ADMIN_TOKEN").filter(|t| !t.is_empty())
    else {
        return Ok(false);
    };
    let header = req.headers().get("authorization")?.unwrap_or_default();
    let given = header.strip_prefix("Bearer ").unwrap_or("");
    Ok(constant_time_eq(given.trim().as_bytes(), token.as_bytes()))
}

pub(crate) fn text(status: u16, body: &str, content_type: &str) -> Result<web_sys::Response> {
    let init = web_sys::ResponseInit::new();
    init.set_status(status);
    let headers = web_sys::Headers::new().map_err(js_err)?;
    headers
        .set("content-type", &format!("{content_type}; charset=utf-8"))
        .map_err(js_err)?;
    init.set_headers(&headers);
    web_sys::Response::new_with_opt_str_and_init(Some(body), &init).map_err(js_err)
}

pub(crate) fn json(status: u16, value: &Value) -> Result<web_sys::Response> {
    text(status, &value.to_string(), "application/json")
}

pub(crate) fn error(status: u16, message: &str) -> Result<web_sys::Response> {
    let response = json(status, &json!({ "error": message }))?;
    page::set(&response.headers(), "cache-control", "no-store")?;
    Ok(response)
}

/// KV or config could not be read: the endpoint says so; pages meanwhile fail open.
pub(crate) fn unavailable(why: &str) -> Result<web_sys::Response> {
    worker::console_warn!("signpost: endpoint unavailable: {why}");
    let response = error(503, &format!("storage unavailable: {why}"))?;
    page::set(&response.headers(), "retry-after", "5")?;
    page::set(&response.headers(), "x-signpost", "bypass; reason=kv")?;
    Ok(response)
}

pub(crate) fn empty(status: u16) -> Result<web_sys::Response> {
    let init = web_sys::ResponseInit::new();
    init.set_status(status);
    web_sys::Response::new_with_opt_str_and_init(None, &init).map_err(js_err)
}
