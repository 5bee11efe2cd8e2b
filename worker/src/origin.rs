//! Where pages come from: the site behind `ORIGIN`, or the demo's static assets.

use wasm_bindgen::prelude::*;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Env, Request, Result, Url};

#[wasm_bindgen]
extern "C" {
    /// The runtime's `fetch`, called directly: the page path makes one per request.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &web_sys::Request) -> js_sys::Promise;
}

/// Fetches the request from the origin: `ORIGIN` (scheme and host of the real site) when set,
/// else the `ASSETS` binding that serves the demo store. Method, headers and body go as they
/// came; redirects are returned to the visitor, not followed.
/// Pages take the same way in worker/js/page.js (`fetchOrigin`); this one serves the endpoints'
/// pass-through and the editor's preview.
pub async fn fetch(env: &Env, req: &Request) -> Result<web_sys::Response> {
    let mut url = req.url()?;
    let origin = env.var("ORIGIN").map(|v| v.to_string()).unwrap_or_default();
    if origin.is_empty() {
        let response = env.assets("ASSETS")?.fetch_request(req.clone()?).await?;
        return Ok(response.into());
    }
    let base = Url::parse(&origin)?;
    url.set_scheme(base.scheme()).ok();
    url.set_host(base.host_str())?;
    url.set_port(base.port()).ok();
    let inner = req.inner();
    let init = web_sys::RequestInit::new();
    init.set_method(&inner.method());
    init.set_headers(&inner.headers());
    // A request with a body sends a clone's: the caller's keeps its body for a retry.
    if inner.body().is_some() {
        let copy = inner.clone().map_err(crate::page::js_err)?;
        if let Some(body) = copy.body() {
            init.set_body(&body);
        }
    }
    init.set_redirect(web_sys::RequestRedirect::Manual);
    let forwarded = web_sys::Request::new_with_str_and_init(url.as_str(), &init)
        .map_err(crate::page::js_err)?;
    let response = JsFuture::from(global_fetch(&forwarded))
        .await
        .map_err(crate::page::js_err)?;
    Ok(response.unchecked_into())
}
