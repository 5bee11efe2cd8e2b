//! Where pages come from: the site behind `ORIGIN`, or the demo's static assets.

use worker::{Env, Fetch, Request, Response, Result, Url};

/// Fetches the request from the origin: `ORIGIN` (scheme and host of the real site) when set,
/// else the `ASSETS` binding that serves the demo store.
pub async fn fetch(env: &Env, req: &Request) -> Result<web_sys::Response> {
    let origin = env.var("ORIGIN").map(|v| v.to_string()).unwrap_or_default();
    let response: Response = if origin.is_empty() {
        env.assets("ASSETS")?.fetch_request(req.clone()?).await?
    } else {
        let mut url = req.url()?;
        let base = Url::parse(&origin)?;
        url.set_scheme(base.scheme()).ok();
        url.set_host(base.host_str())?;
        url.set_port(base.port()).ok();
        let mut init = worker::RequestInit::new();
        init.with_method(req.method())
            .with_headers(req.headers().clone());
        let forwarded = Request::new_with_init(url.as_str(), &init)?;
        Fetch::Request(forwarded).send().await?
    };
    Ok(response.into())
}
