//! The Signpost Worker: thin glue between the runtime and the core. Everything that decides
//! lives in the `signpost` crate; this crate reads KV and cookies, calls the core, and streams
//! the origin's page through the runtime's HTMLRewriter.

mod admin;
mod alloc;
mod api;
mod audience;
mod config_reads;
mod cookies;
mod deliveries;
mod html_rewriter;
mod identity;
mod ingest;
mod js_answer;
mod measure;
mod origin;
mod origin_cache;
mod page;
mod page_config;
mod profile_cache;
mod profiles;
mod report;
mod request_url;
mod store;
mod tally;
mod wake;

pub use profiles::ProfileWriter;
pub use tally::SiteTally;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<web_sys::Response> {
    // If the Worker throws anyway (a wasm trap aborts the instance: the shim of worker-build
    // re-creates it on the next request, losing the isolate's config cache), the runtime sends
    // the request on to the origin instead of answering an error.
    ctx.pass_through_on_exception();
    let path = request_url::RequestUrl::of(&req).path().to_string();
    if let Some(endpoint) = path.strip_prefix("/__signpost/") {
        return api::handle(endpoint, req, &env, &ctx).await;
    }
    // Pages are served by worker/js/page.js (through `page::page_start` and `page_decide`).
    // One that reaches here came without entry.mjs: it goes through unchanged.
    let why = page::bypass_before_reading(
        req.method().as_ref(),
        &path,
        req.headers().has("range")?,
        req.headers().get("sec-gpc")?.as_deref(),
        &req.headers().get("cookie")?.unwrap_or_default(),
    );
    or_unreachable(page::pass_through(&env, &req, page::Bypass(why.unwrap_or("no-entry"))).await)
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

/// Test-only hooks: compiled in only with the `test-hooks` feature (the test build), and on
/// when the `SIGNPOST_TEST_HOOKS` variable is `1` (never in wrangler.toml).
fn test_hooks(env: &Env) -> bool {
    cfg!(feature = "test-hooks")
        && env
            .var("SIGNPOST_TEST_HOOKS")
            .is_ok_and(|v| v.to_string() == "1")
}

/// A text variable or secret; `None` when unset.
fn text_binding(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .or_else(|_| env.var(name))
        .ok()
        .map(|v| v.to_string())
}
