//! An HTML page request: identify, decide, fetch the origin, rewrite while streaming.

use crate::{cookies, html_rewriter, origin, store};
use signpost::{Decision, RequestInfo};
use wasm_bindgen::JsValue;
use worker::{Context, Env, Request, Result};

/// Why a page was passed through unchanged.
pub struct Bypass(pub &'static str);

/// Serves a page, personalized when consent, config and KV allow; otherwise the origin's
/// response unchanged but for `x-signpost: bypass; reason=...`.
pub async fn serve(req: Request, env: &Env, ctx: &Context) -> Result<web_sys::Response> {
    let started = js_sys::Date::now();
    let cookie_header = req.headers().get("cookie")?.unwrap_or_default();
    if let Some(reason) = opted_out(&req, &cookie_header)? {
        return pass_through(env, &req, reason).await;
    }
    let kv = match env.kv("SIGNPOST") {
        Ok(kv) => kv,
        Err(_) => return pass_through(env, &req, Bypass("no-kv")).await,
    };
    let (engine, signals) = match store::engine(&kv, started).await {
        Ok(loaded) => loaded,
        Err(e) => {
            worker::console_warn!("signpost: bypass: {e}");
            return pass_through(env, &req, Bypass(e.reason())).await;
        }
    };
    let existing =
        cookies::get(&cookie_header, cookies::VISITOR).filter(|id| cookies::valid_visitor_id(id));
    let visitor = match existing {
        Some(id) => id.to_string(),
        None => new_visitor_id(),
    };
    // The origin fetch and the profile read run concurrently.
    let (profile, response) =
        futures_util::future::join(store::load_profile(&kv, &visitor), origin::fetch(env, &req))
            .await;
    let response = response?;
    let mut profile = match profile {
        Ok(p) => p,
        Err(e) => {
            worker::console_warn!("signpost: bypass: {e}");
            return mark(response, Bypass(e.reason()));
        }
    };
    if !is_rewritable_html(&response) {
        return mark(response, Bypass("not-html"));
    }
    let info = request_info(&req)?;
    let decision = engine.on_request(&mut profile, &info, &signals, started as i64);
    let elapsed = js_sys::Date::now() - started;

    let headers = response.headers();
    set(&headers, "x-signpost", &personalized_header(&decision))?;
    set(&headers, "cache-control", "private, no-store")?;
    set(
        &headers,
        "server-timing",
        &format!("signpost;dur={elapsed:.2}"),
    )?;
    headers.delete("content-length").map_err(js_err)?;
    if existing.is_none() {
        let https = req.url()?.scheme() == "https";
        headers
            .append("set-cookie", &cookies::visitor_cookie(&visitor, https))
            .map_err(js_err)?;
    }
    let state =
        serde_json::json!({ "visitor_tier": decision.tier, "plan": decision.plan }).to_string();
    let rewritten = html_rewriter::apply(response, &decision.plan, Some(&state)).map_err(js_err)?;

    ctx.wait_until(async move {
        if let Err(e) = store::save_profile(&kv, &visitor, &profile).await {
            worker::console_warn!("signpost: profile not saved: {e}");
        }
    });
    Ok(rewritten)
}

/// `Sec-GPC: 1` or a denied consent cookie: no profile, no cookies, page untouched.
fn opted_out(req: &Request, cookie_header: &str) -> Result<Option<Bypass>> {
    if req.headers().get("sec-gpc")?.as_deref() == Some("1") {
        return Ok(Some(Bypass("gpc")));
    }
    if cookies::get(cookie_header, cookies::CONSENT) == Some("denied") {
        return Ok(Some(Bypass("consent")));
    }
    Ok(None)
}

/// The origin's response, untouched but for the bypass header.
pub async fn pass_through(env: &Env, req: &Request, why: Bypass) -> Result<web_sys::Response> {
    mark(origin::fetch(env, req).await?, why)
}

/// Adds `x-signpost: bypass; reason=...` to a response, copying it first when the runtime
/// has made its headers immutable.
pub fn mark(response: web_sys::Response, why: Bypass) -> Result<web_sys::Response> {
    let value = format!("bypass; reason={}", why.0);
    if response.headers().set("x-signpost", &value).is_ok() {
        return Ok(response);
    }
    let copy = web_sys::Response::new_with_opt_readable_stream_and_init(
        response.body().as_ref(),
        &response_init(&response),
    )
    .map_err(js_err)?;
    set(&copy.headers(), "x-signpost", &value)?;
    Ok(copy)
}

fn response_init(r: &web_sys::Response) -> web_sys::ResponseInit {
    let init = web_sys::ResponseInit::new();
    init.set_status(r.status());
    init.set_status_text(&r.status_text());
    init.set_headers(&r.headers());
    init
}

/// Only a complete `200 text/html` page is rewritten; everything else passes through.
fn is_rewritable_html(r: &web_sys::Response) -> bool {
    let html = r
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("text/html")
        });
    r.status() == 200 && html && r.body().is_some()
}

fn personalized_header(d: &Decision) -> String {
    let slots: Vec<String> = d
        .plan
        .slots
        .iter()
        .map(|s| match &s.variant {
            Some(v) => format!("{}={}/{}", s.slot, s.offer, v),
            None => format!("{}={}", s.slot, s.offer),
        })
        .collect();
    format!("personalized; slots={}", slots.join(","))
}

fn request_info(req: &Request) -> Result<RequestInfo> {
    let url = req.url()?;
    let mut headers = Vec::new();
    for (k, v) in req.headers().entries() {
        if k != "cookie" {
            headers.push((k, v));
        }
    }
    let cf = req.cf();
    Ok(RequestInfo {
        url: match url.query() {
            Some(q) => format!("{}?{}", url.path(), q),
            None => url.path().to_string(),
        },
        headers,
        country: cf.and_then(|c| c.country()),
        region: cf.and_then(|c| c.region_code()),
    })
}

/// A fresh, unguessable visitor id: a random UUID from the runtime's CSPRNG, without dashes.
fn new_visitor_id() -> String {
    crypto_random_uuid().replace('-', "")
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = randomUUID)]
    fn crypto_random_uuid() -> String;
}

fn set(headers: &web_sys::Headers, name: &str, value: &str) -> Result<()> {
    headers.set(name, value).map_err(js_err)
}

pub fn js_err(e: JsValue) -> worker::Error {
    worker::Error::JsError(format!("{e:?}"))
}
