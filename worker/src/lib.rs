//! The Signpost Worker: thin glue between the runtime and the core. Everything that decides
//! lives in the `signpost` crate; this crate reads KV and cookies, calls the core, and streams
//! the origin's page through the runtime's HTMLRewriter.

mod admin;
mod alloc;
mod api;
mod cookies;
mod html_rewriter;
mod origin;
mod page;
mod store;
mod tally;

pub use tally::SiteTally;

use worker::{event, Context, Env, Method, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<web_sys::Response> {
    // If the Worker throws anyway (a wasm trap aborts the instance: the shim of worker-build
    // re-creates it on the next request, losing the isolate's config cache), the runtime sends
    // the request on to the origin instead of answering an error.
    ctx.pass_through_on_exception();
    let url = req.url()?;
    let path = url.path().to_string();
    if let Some(endpoint) = path.strip_prefix("/__signpost/") {
        return api::handle(endpoint, req, &env, &ctx).await;
    }
    // Only a plain GET is personalized: HEAD, other methods and Range requests go as they came.
    let why = match req.method() {
        Method::Get if req.headers().has("range")? => Some("range"),
        // A file that is not a page (/css/store.css): no KV read for it.
        Method::Get if is_asset_path(&path) => Some("not-html"),
        Method::Get => None,
        _ => Some("method"),
    };
    if let Some(why) = why {
        return or_unreachable(page::pass_through(&env, &req, page::Bypass(why)).await);
    }
    match page::serve(&req, url, &env, &ctx).await {
        Ok(response) => Ok(response),
        // Fail open: whatever went wrong, the visitor gets the origin's page.
        Err(e) => {
            worker::console_error!("signpost: bypass after error: {e}");
            or_unreachable(page::pass_through(&env, &req, page::Bypass("error")).await)
        }
    }
}

/// A path whose last segment has an extension other than `.html`/`.htm`.
fn is_asset_path(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    match last.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => {
            !(ext.eq_ignore_ascii_case("html") || ext.eq_ignore_ascii_case("htm"))
        }
        _ => false,
    }
}

/// The origin itself could not be reached: a plain 502 saying so.
fn or_unreachable(r: Result<web_sys::Response>) -> Result<web_sys::Response> {
    r.or_else(|e| {
        worker::console_error!("signpost: origin unreachable: {e}");
        let mut res = Response::error("origin unreachable", 502)?;
        res.headers_mut()
            .set("x-signpost", "bypass; reason=origin")?;
        Ok(res.into())
    })
}

/// Test-only hooks, on when the `SIGNPOST_TEST_HOOKS` variable is `1` (never in wrangler.toml).
fn test_hooks(env: &Env) -> bool {
    env.var("SIGNPOST_TEST_HOOKS")
        .is_ok_and(|v| v.to_string() == "1")
}

/// A text variable or secret; `None` when unset.
fn text_binding(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .or_else(|_| env.var(name))
        .ok()
        .map(|v| v.to_string())
}
