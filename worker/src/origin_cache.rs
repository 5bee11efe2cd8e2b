//! `POST /__signpost/cache/purge` (admin): removes pages from the origin cache (the origin's
//! HTML kept in the edge cache when `ORIGIN_CACHE` is on; worker/js/origin-cache.js). The
//! cache key and the Cache API call are written once, in that file; this checks the token and
//! the body. The Cache API is local to a data center, so this purges the copy of the data
//! center that runs it; docs/worker.md says how to purge every data center.

use crate::answers::{authorized, body_within, error, text};
use crate::page::js_err;
use crate::request_url::RequestUrl;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Env, Request, Result};

#[wasm_bindgen(module = "/js/origin-cache.js")]
extern "C" {
    /// Resolves to the JSON text of `[{"url", "deleted"}]`.
    #[wasm_bindgen(js_name = purgeOriginCache)]
    fn purge_origin_cache(base: &str, urls: Vec<String>) -> js_sys::Promise;
}

/// Largest purge body accepted.
const MAX_PURGE_BODY_BYTES: usize = 64 * 1024;
/// URLs one purge may name.
const MAX_PURGE_URLS: usize = 100;

/// `{"urls": ["/products/x", "https://shop.example/y?z"]}`: paths resolve against this
/// request's own origin (the host the pages are served on). 200 `{"purged": [{"url",
/// "deleted"}], "scope": "data-center"}`, `url` the cache key, `deleted` whether a copy was
/// there; 401 without the admin token, 400 for a bad body, 413 over 64 KiB, 503 when the cache
/// cannot be reached.
pub async fn purge(mut req: Request, env: &Env) -> Result<web_sys::Response> {
    if !authorized(&req, env)? {
        return error(401, "a valid bearer token is required");
    }
    let body = match body_within(&mut req, MAX_PURGE_BODY_BYTES).await? {
        Ok(body) => body,
        Err(answer) => return Ok(answer),
    };
    let Some(urls) = urls_of(&body) else {
        return error(400, r#"body is not {"urls": ["/path", ...]}"#);
    };
    if urls.is_empty() || urls.len() > MAX_PURGE_URLS {
        let n = urls.len();
        return error(
            400,
            &format!("urls: expected 1 to {MAX_PURGE_URLS} URLs, got {n}"),
        );
    }
    if let Some((i, bad)) = urls.iter().enumerate().find(|(_, u)| !purgeable(u)) {
        let why = format!("urls[{i}]: {bad:?} is not a path (/...) or an http(s) URL");
        return error(400, &why);
    }
    let base = RequestUrl::of(&req).origin().to_string();
    let purged = match JsFuture::from(purge_origin_cache(&base, urls)).await {
        Ok(v) => v.as_string().unwrap_or_default(),
        Err(e) => {
            worker::console_warn!("signpost: origin cache purge failed: {:?}", js_err(e));
            return error(
                503,
                "the edge cache could not be reached; nothing was purged",
            );
        }
    };
    let body = format!(r#"{{"purged":{purged},"scope":"data-center"}}"#);
    let response = text(200, &body, "application/json")?;
    crate::page::set(&response.headers(), "cache-control", "no-store")?;
    Ok(response)
}

/// The strings of `{"urls": [...]}`; None for any other body.
fn urls_of(body: &[u8]) -> Option<Vec<String>> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object().filter(|o| o.len() == 1)?;
    let urls = object.get("urls")?.as_array()?;
    urls.iter().map(|u| u.as_str().map(String::from)).collect()
}

/// A path of this host (not `//host/...`, another one) or an absolute http(s) URL.
fn purgeable(url: &str) -> bool {
    let path = url.starts_with('/') && !url.starts_with("//");
    let absolute = url.starts_with("https://") || url.starts_with("http://");
    (path || absolute) && url.len() <= 2048 && !url.contains(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::{purgeable, urls_of};

    #[test]
    fn paths_of_this_host_and_absolute_urls_only() {
        assert!(purgeable("/products/tent?x=1"));
        assert!(purgeable("https://shop.example/a"));
        assert!(!purgeable("//evil.example/a"));
        assert!(!purgeable("products/tent"));
        assert!(!purgeable("javascript:alert(1)"));
        assert!(!purgeable("/a\nb"));
    }

    #[test]
    fn the_body_is_a_list_of_urls_and_nothing_else() {
        let two = Some(vec!["/a".to_string(), "/b".to_string()]);
        assert_eq!(urls_of(br#"{"urls": ["/a", "/b"]}"#), two);
        assert_eq!(urls_of(br#"{"urls": ["/a", 1]}"#), None);
        assert_eq!(urls_of(br#"{"urls": "/a"}"#), None);
        assert_eq!(urls_of(br#"{"urls": [], "all": true}"#), None);
        assert_eq!(urls_of(b"/a"), None);
    }
}
