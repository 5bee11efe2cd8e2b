//! The test build's routes (`/__signpost/test/*`, feature `test-hooks`, on only when the
//! `SIGNPOST_TEST_HOOKS` variable is `1`): answered by the page Worker, whose rewriter and
//! memory they check.

use crate::answers::{json, text};
use crate::page::js_err;
use serde_json::json;
use worker::{Request, Result};

/// The test route at `path` (after `/__signpost/test/`), or `None` for no such route.
pub async fn handle(path: &str, req: Request) -> Option<Result<web_sys::Response>> {
    match path {
        "rewrite" => Some(rewrite_for_test(req).await),
        "memory" => Some(memory_for_test()),
        _ => None,
    }
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
    let page = text(200, &case.html, "text/html")?;
    crate::html_rewriter::apply(page, &case.plan, case.state.as_deref()).map_err(js_err)
}

/// The Rust heap's bytes in use, and the size of this instance's wasm memory (which only
/// grows: the heap's high-water mark), for the load run's leak check.
fn memory_for_test() -> Result<web_sys::Response> {
    use wasm_bindgen::JsCast;
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let bytes = memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length();
    json(
        200,
        &json!({ "heap_in_use_bytes": crate::alloc::in_use(), "wasm_memory_bytes": bytes }),
    )
}
