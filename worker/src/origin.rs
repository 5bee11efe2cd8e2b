//! Where pages come from: the site behind `ORIGIN`, or the demo's static assets. The fetch
//! itself is `fetchOrigin` in worker/js/origin.js, the one place it is written; the page path
//! calls it from JS, and the endpoints' pass-through and the editor's preview through here.

use wasm_bindgen::prelude::*;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Env, Request, Result};

#[wasm_bindgen(module = "/js/origin.js")]
extern "C" {
    #[wasm_bindgen(js_name = fetchOrigin)]
    fn fetch_origin(request: &web_sys::Request, env: &Env) -> js_sys::Promise;
}

/// Fetches the request from the origin (see `fetchOrigin`). A request with a body sends a
/// clone's: the caller's keeps its body for a retry.
pub async fn fetch(env: &Env, req: &Request) -> Result<web_sys::Response> {
    let inner = req.inner();
    let copy;
    let sent = match inner.body() {
        Some(_) => {
            copy = inner.clone().map_err(crate::page::js_err)?;
            &copy
        }
        None => inner,
    };
    let response = JsFuture::from(fetch_origin(sent, env))
        .await
        .map_err(crate::page::js_err)?;
    Ok(response.unchecked_into())
}
