//! The Signpost Worker: thin glue between the runtime and the core. Everything that decides
//! lives in the `signpost` crate; this crate reads KV and cookies, calls the core, and streams
//! the origin's page through the runtime's HTMLRewriter.

mod cookies;
mod html_rewriter;
mod origin;
mod page;
mod store;

use worker::{event, Context, Env, Method, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<web_sys::Response> {
    let path = req.path();
    if let Some(endpoint) = path.strip_prefix("/__signpost/") {
        return endpoints(endpoint, req, &env).await;
    }
    if req.method() != Method::Get {
        return page::pass_through(&env, &req, page::Bypass("method")).await;
    }
    match page::serve(req.clone()?, &env, &ctx).await {
        Ok(response) => Ok(response),
        // Fail open: whatever went wrong, the visitor gets the origin's page.
        Err(e) => {
            worker::console_error!("signpost: bypass after error: {e}");
            page::pass_through(&env, &req, page::Bypass("error")).await
        }
    }
}

async fn endpoints(endpoint: &str, req: Request, env: &Env) -> Result<web_sys::Response> {
    let response = match endpoint {
        "test/rewrite" if test_hooks(env) && req.method() == Method::Post => {
            return rewrite_for_test(req).await;
        }
        "health" => Response::from_json(
            &serde_json::json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") }),
        )?,
        _ => Response::error("not found", 404)?,
    };
    Ok(response.into())
}

/// Test-only hooks, on when the `SIGNPOST_TEST_HOOKS` variable is `1` (never in wrangler.toml).
fn test_hooks(env: &Env) -> bool {
    env.var("SIGNPOST_TEST_HOOKS")
        .is_ok_and(|v| v.to_string() == "1")
}

#[derive(serde::Deserialize)]
struct RewriteCase {
    html: String,
    plan: signpost::Plan,
    state: Option<String>,
}

/// Applies a Plan to a page with the runtime's HTMLRewriter, so the shared rewrite fixtures
/// can check the Worker gives the same bytes as the core's reference rewriter.
async fn rewrite_for_test(mut req: Request) -> Result<web_sys::Response> {
    let case: RewriteCase = req.json().await?;
    let init = web_sys::ResponseInit::new();
    let headers = web_sys::Headers::new().map_err(page::js_err)?;
    headers
        .set("content-type", "text/html; charset=utf-8")
        .map_err(page::js_err)?;
    init.set_headers(&headers);
    let page = web_sys::Response::new_with_opt_str_and_init(Some(&case.html), &init)
        .map_err(page::js_err)?;
    html_rewriter::apply(page, &case.plan, case.state.as_deref()).map_err(page::js_err)
}
