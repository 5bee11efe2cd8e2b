//! Where pages come from: the site behind `ORIGIN`, or the demo's static assets.

use worker::{Env, Fetch, Request, Result, Url};

/// Fetches the request from the origin: `ORIGIN` (scheme and host of the real site) when set,
/// else the `ASSETS` binding that serves the demo store. Method, headers and body go as they
/// came; redirects are returned to the visitor, not followed.
pub async fn fetch(env: &Env, req: &Request) -> Result<web_sys::Response> {
    let origin = env.var("ORIGIN").map(|v| v.to_string()).unwrap_or_default();
    if origin.is_empty() {
        let response = env.assets("ASSETS")?.fetch_request(req.clone()?).await?;
        return Ok(response.into());
    }
    let mut url = req.url()?;
    let base = Url::parse(&origin)?;
    url.set_scheme(base.scheme()).ok();
    url.set_host(base.host_str())?;
    url.set_port(base.port()).ok();
    // A clone: the caller's request keeps its body for a retry.
    let copy = req.clone()?;
    let inner = copy.inner();
    let init = web_sys::RequestInit::new();
    init.set_method(&inner.method());
    init.set_headers(&inner.headers());
    if let Some(body) = inner.body() {
        init.set_body(&body);
    }
    init.set_redirect(web_sys::RequestRedirect::Manual);
    let forwarded = web_sys::Request::new_with_str_and_init(url.as_str(), &init)
        .map_err(crate::page::js_err)?;
    let response = Fetch::Request(forwarded.into()).send().await?;
    Ok(response.into())
}
