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
        return endpoints(endpoint, req).await;
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

async fn endpoints(endpoint: &str, _req: Request) -> Result<web_sys::Response> {
    let response = match endpoint {
        "health" => Response::from_json(
            &serde_json::json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") }),
        )?,
        _ => Response::error("not found", 404)?,
    };
    Ok(response.into())
}
