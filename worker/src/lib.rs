//! The Signpost Worker: thin glue between the runtime and the core. Everything that decides
//! lives in the `signpost` crate; this crate reads KV and cookies, calls the core, and streams
//! the origin's page through the runtime's HTMLRewriter.
//!
//! One crate, two Workers. The page Worker (built without the `api` feature) stands in front of
//! every page: it decides, rewrites, sends the profile's log and the measurement rows, and
//! forwards `/__signpost/*` to the API Worker. The API Worker (feature `api`, on by default)
//! serves those endpoints and holds the Durable Objects and the queues' consumers: the code
//! pages never call stays out of the wasm that every cold page loads (bench/RESULTS.md,
//! "Two Workers").

// The page Worker's build keeps what pages call; the items only the API Worker calls are
// compiled, linted and tested in the default build.
#![cfg_attr(not(feature = "api"), allow(dead_code, unused_imports))]

#[cfg(feature = "api")]
mod admin;
mod alloc;
mod answers;
#[cfg(feature = "api")]
mod api;
#[cfg(feature = "api")]
mod audience;
mod changed;
#[cfg(feature = "api")]
mod config_compile;
mod config_reads;
mod cookies;
#[cfg(feature = "api")]
mod deliveries;
mod html_rewriter;
#[cfg(feature = "api")]
mod identity;
#[cfg(feature = "api")]
mod ingest;
mod js_answer;
mod js_fields;
mod js_names;
mod measure;
mod measure_once;
mod origin;
mod origin_cache;
mod page;
mod page_config;
mod profile_cache;
#[cfg(feature = "api")]
mod profile_writer;
mod profiles;
#[cfg(feature = "api")]
mod report;
mod request_url;
mod store;
#[cfg(feature = "api")]
mod tally;
#[cfg(feature = "test-hooks")]
mod test_routes;
#[cfg(feature = "api")]
mod wake;

#[cfg(feature = "api")]
pub use profile_writer::ProfileWriter;
#[cfg(feature = "api")]
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
        return endpoint_answer(endpoint, req, &env, &ctx).await;
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

/// An endpoint: the page Worker's own (the origin cache lives in its data center's cache; the
/// test routes check its rewriter and memory), else the API Worker's, which the page Worker
/// reaches through its service binding (worker/js/entry.js) and never through here.
async fn endpoint_answer(
    endpoint: &str,
    req: Request,
    env: &Env,
    ctx: &Context,
) -> Result<web_sys::Response> {
    if endpoint == "cache/purge" {
        return match req.method() {
            worker::Method::Post => origin_cache::purge(req, env).await,
            _ => answers::error(405, "method not allowed for this endpoint"),
        };
    }
    #[cfg(feature = "test-hooks")]
    if let Some(path) = endpoint.strip_prefix("test/").filter(|_| test_hooks(env)) {
        if let Some(answer) = test_routes::handle(path, req).await {
            return answer;
        }
        return answers::error(404, "no such endpoint");
    }
    #[cfg(feature = "api")]
    {
        let (answer, notes) = changed::scoped(api::handle(endpoint, req, env, ctx)).await;
        answer.inspect(|response| {
            if let Some(notes) = notes {
                // Answers' headers are their own (never immutable); a failure costs only the note.
                let _ = response.headers().set(changed::HEADER, &notes);
            }
        })
    }
    #[cfg(not(feature = "api"))]
    {
        let _ = ctx;
        answers::error(
            404,
            "no such endpoint in the page Worker (SIGNPOST_API serves it)",
        )
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
