//! An HTML page request: identify, decide, fetch the origin, rewrite while streaming.

use crate::{cookies, html_rewriter, origin, store};
use signpost::session::{client_state, SessionState};
use signpost::{Profile, RequestInfo};
use wasm_bindgen::JsValue;
use worker::{Context, Env, Request, Result, Url};

/// Why a page was passed through unchanged.
pub struct Bypass(pub &'static str);

/// What every Signpost request needs to know about itself.
pub struct Visit {
    /// The request's URL, parsed once.
    pub url: Url,
    /// Now, in ms (the test clock when test hooks are on).
    pub now: i64,
    pub started: f64,
    pub https: bool,
    pub test_hooks: bool,
    /// With test hooks, the id a new visitor gets (`x-signpost-test-new-visitor`), so a test
    /// can keep its visitors out of the holdout.
    pub test_new_visitor: Option<String>,
    pub cookies: String,
    /// Signs `sp_s`: the `SIGNPOST_SECRET` secret, or without one a random key of this isolate
    /// (its cookies then only hold within the isolate; KV still carries the profile).
    pub secret: String,
}

thread_local! {
    static ISOLATE_SECRET: String = {
        worker::console_warn!("signpost: SIGNPOST_SECRET is not set; sp_s is signed with a per-isolate key");
        format!("{}{}", crypto_random_uuid(), crypto_random_uuid())
    };
}

impl Visit {
    pub fn new(req: &Request, env: &Env) -> Result<Visit> {
        Visit::at(req, req.url()?, env)
    }

    /// [`Visit::new`] for a request whose URL the caller parsed already.
    pub fn at(req: &Request, url: Url, env: &Env) -> Result<Visit> {
        let started = js_sys::Date::now();
        let test_hooks = crate::test_hooks(env);
        let test_header = |name: &str| -> Result<Option<String>> {
            Ok(if test_hooks {
                req.headers().get(name)?
            } else {
                None
            })
        };
        let test_now = test_header("x-signpost-test-now")?.and_then(|v| v.parse::<i64>().ok());
        let test_new_visitor =
            test_header("x-signpost-test-new-visitor")?.filter(|id| cookies::valid_visitor_id(id));
        Ok(Visit {
            now: test_now.unwrap_or(started as i64),
            started,
            https: url.scheme() == "https",
            url,
            test_hooks,
            test_new_visitor,
            cookies: req.headers().get("cookie")?.unwrap_or_default(),
            secret: crate::text_binding(env, "SIGNPOST_SECRET")
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| ISOLATE_SECRET.with(Clone::clone)),
        })
    }

    /// The path and query, as the core sees a page's URL.
    pub fn path_and_query(&self) -> String {
        path_and_query(&self.url)
    }

    /// `Sec-GPC: 1` or a denied consent cookie: no profile, no cookies, page untouched.
    pub fn opted_out(&self, req: &Request) -> Result<Option<Bypass>> {
        if req.headers().get("sec-gpc")?.as_deref().map(str::trim) == Some("1") {
            return Ok(Some(Bypass("gpc")));
        }
        if cookies::get(&self.cookies, cookies::CONSENT) == Some("denied") {
            return Ok(Some(Bypass("consent")));
        }
        Ok(None)
    }

    /// The visitor id in the cookie, if it is one we issue.
    pub fn known_visitor(&self) -> Option<String> {
        cookies::get(&self.cookies, cookies::VISITOR)
            .filter(|id| {
                cookies::valid_visitor_id(id)
                    || (self.test_hooks && cookies::valid_test_visitor_id(id))
            })
            .map(str::to_string)
    }

    /// The visitor's id, and whether it is new (to be set as a cookie).
    pub fn visitor(&self) -> (String, bool) {
        match self.known_visitor() {
            Some(id) => (id, false),
            None => (
                self.test_new_visitor.clone().unwrap_or_else(new_visitor_id),
                true,
            ),
        }
    }

    /// The session state in `sp_s` when it is valid for this visitor; otherwise a fresh one.
    pub fn session(&self, visitor: &str) -> SessionState {
        cookies::get(&self.cookies, cookies::SESSION)
            .and_then(|raw| SessionState::decode(raw, self.secret.as_bytes(), visitor, self.now))
            .unwrap_or_else(|| SessionState::new(visitor, self.now))
    }

    /// After recording: when the profile is due for a write, marks it and returns its body;
    /// and returns the `Set-Cookie` values (new visitor id, session state).
    pub fn finish(
        &self,
        state: &mut SessionState,
        profile: &mut Profile,
        visitor: &str,
        new_visitor: bool,
    ) -> (Option<String>, Vec<String>) {
        let body = state.write_due(profile, self.now).then(|| {
            state.mark_written(profile, self.now);
            profile.to_json()
        });
        let mut set = Vec::new();
        if new_visitor {
            set.push(cookies::visitor_cookie(visitor, self.https));
        }
        let value = state.encode(self.secret.as_bytes(), self.now);
        set.push(cookies::session_cookie(&value, self.https));
        (body, set)
    }
}

/// Serves a page, personalized when consent, config and KV allow; otherwise the origin's
/// response unchanged but for `x-signpost: bypass; reason=...`.
pub async fn serve(req: &Request, url: Url, env: &Env, ctx: &Context) -> Result<web_sys::Response> {
    let visit = Visit::at(req, url, env)?;
    if let Some(reason) = visit.opted_out(req)? {
        return pass_through(env, req, reason).await;
    }
    let kv = match env.kv("SIGNPOST") {
        Ok(kv) => kv,
        Err(_) => return pass_through(env, req, Bypass("no-kv")).await,
    };
    let live = match store::live(&kv, visit.now as f64).await {
        Ok(live) => live,
        Err(e) => {
            worker::console_warn!("signpost: bypass: {e}");
            return pass_through(env, req, Bypass(e.reason())).await;
        }
    };
    let (visitor, new_visitor) = visit.visitor();
    // The origin fetch and the profile read run concurrently. A new visitor (an id just drawn)
    // has no stored profile: no read.
    let load = async {
        if new_visitor {
            Ok(None)
        } else {
            store::load_profile(&kv, &visitor).await
        }
    };
    let (stored, response) =
        futures_util::future::join(load, origin::fetch_at(env, req, visit.url.clone())).await;
    let response = response?;
    if let Some(why) = not_rewritable(&response) {
        return mark(response, why);
    }
    let stored = match stored {
        Ok(p) => p,
        Err(e) => {
            worker::console_warn!("signpost: bypass: {e}");
            return mark(response, Bypass(e.reason()));
        }
    };
    if visit.test_hooks && req.headers().get("x-signpost-test-panic")?.is_some() {
        panic!("test hook: a panic while deciding");
    }
    let engine = &live.engine;
    let mut profile = stored.unwrap_or_else(|| Profile::new(&visitor));
    let mut state = visit.session(&visitor);
    state.sync(engine, &mut profile);
    let info = request_info_for(req, Some(&visit.path_and_query()), visit.test_hooks)?;
    let decision = state.on_request(engine, &mut profile, &info, &live.signals, visit.now);
    if !decision.personalized {
        return mark(response, Bypass("consent"));
    }
    let (write, set_cookies) = visit.finish(&mut state, &mut profile, &visitor, new_visitor);
    let elapsed = js_sys::Date::now() - visit.started;

    // The runtime's rewriter refuses some pages before reading a byte (a charset that is not
    // ASCII-compatible, or one it does not know): those pass through as they came.
    // The same JS object (not `Response.clone()`, which would tee the body).
    let source = Clone::clone(&response);
    let state_json = client_state(&decision, &live.version).to_string();
    let rewritten = match html_rewriter::apply(response, &decision.plan, Some(&state_json)) {
        Ok(r) => r,
        Err(e) => {
            let e = format!("{e:?}");
            worker::console_warn!("signpost: bypass: the rewriter refused the page: {e}");
            let why = if e.contains("encoding") {
                "charset"
            } else {
                "rewrite"
            };
            return mark(source, Bypass(why));
        }
    };
    // The rewriter's response has headers we may change; copy it only if a runtime's has not.
    let response = if rewritten.headers().set("x-signpost", "").is_ok() {
        rewritten
    } else {
        editable(rewritten)?
    };
    let headers = response.headers();
    set(&headers, "x-signpost", &personalized_header(&decision))?;
    set(&headers, "cache-control", "private, no-store")?;
    set(
        &headers,
        "server-timing",
        &format!("signpost;dur={elapsed:.2}"),
    )?;
    headers.delete("content-length").map_err(js_err)?;
    headers.delete("etag").map_err(js_err)?;
    for c in set_cookies {
        headers.append("set-cookie", &c).map_err(js_err)?;
    }
    let counts = signpost::measure::for_page(engine, &profile, &info, &decision, visit.now);
    after_response(ctx, env, kv, &live, visitor, write, counts);
    Ok(response)
}

/// Off the response path (`waitUntil`): the profile write when due, and the request's counts
/// to the site's tally (queued now; sent from here when this request is the one to send them).
pub fn after_response(
    ctx: &Context,
    env: &Env,
    kv: worker::kv::KvStore,
    live: &store::Live,
    visitor: String,
    write: Option<String>,
    counts: Vec<signpost::measure::Count>,
) {
    let flush = crate::tally::queue(env, &visitor, counts);
    if write.is_none() && flush.is_none() {
        return;
    }
    let ttl_s = store::profile_ttl_s(&live.engine);
    let env = env.clone();
    ctx.wait_until(async move {
        if let Some(body) = write {
            if let Err(e) = store::save_profile(&kv, &visitor, body, ttl_s).await {
                worker::console_warn!("signpost: profile not saved: {e}");
            }
        }
        if let Some(when) = flush {
            crate::tally::send(&env, when).await;
        }
    });
}

/// The origin's response, untouched but for the bypass header.
pub async fn pass_through(env: &Env, req: &Request, why: Bypass) -> Result<web_sys::Response> {
    mark(origin::fetch(env, req).await?, why)
}

/// Adds `x-signpost: bypass; reason=...` to a response, copying it first when the runtime
/// has made its headers immutable.
pub fn mark(response: web_sys::Response, why: Bypass) -> Result<web_sys::Response> {
    let value = format!("bypass; reason={}", why.0);
    if response.headers().set("x-signpost", &value).is_ok() {
        return Ok(response);
    }
    let copy = editable(response)?;
    set(&copy.headers(), "x-signpost", &value)?;
    Ok(copy)
}

/// The same response (status, headers, streamed body) with headers we may change: a fetched
/// response's are immutable.
fn editable(r: web_sys::Response) -> Result<web_sys::Response> {
    let init = web_sys::ResponseInit::new();
    init.set_status(r.status());
    init.set_status_text(&r.status_text());
    let headers = web_sys::Headers::new_with_headers(&r.headers()).map_err(js_err)?;
    init.set_headers(&headers);
    web_sys::Response::new_with_opt_readable_stream_and_init(r.body().as_ref(), &init)
        .map_err(js_err)
}

/// Only a complete `200 text/html` page is rewritten; everything else passes through.
fn not_rewritable(r: &web_sys::Response) -> Option<Bypass> {
    let html = r
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("text/html")
        });
    (r.status() != 200 || !html || r.body().is_none()).then_some(Bypass("not-html"))
}

fn personalized_header(d: &signpost::Decision) -> String {
    let slots: Vec<String> = d
        .plan
        .slots
        .iter()
        .map(|s| match &s.variant {
            Some(v) => format!("{}={}/{}", s.slot, s.offer, v),
            None => format!("{}={}", s.slot, s.offer),
        })
        .collect();
    let holdout = if d.holdout { "; holdout" } else { "" };
    format!("personalized; slots={}{holdout}", slots.join(","))
}

/// The request as the core sees it; `url` overrides the request's own path and query.
/// With test hooks on, `x-signpost-test-country` and `-region` override `request.cf` (Miniflare
/// has a fixed one).
pub fn request_info_for(req: &Request, url: Option<&str>, test_hooks: bool) -> Result<RequestInfo> {
    let mut headers = Vec::new();
    for (k, v) in req.headers().entries() {
        if !k.starts_with("x-signpost-test") {
            headers.push((k, v));
        }
    }
    let cf = req.cf();
    let test = |name: &str| -> Option<String> {
        test_hooks
            .then(|| req.headers().get(name).ok().flatten())
            .flatten()
    };
    Ok(RequestInfo {
        url: match url {
            Some(u) => u.to_string(),
            None => path_and_query(&req.url()?),
        },
        headers,
        country: test("x-signpost-test-country").or_else(|| cf.and_then(|c| c.country())),
        region: test("x-signpost-test-region").or_else(|| cf.and_then(|c| c.region_code())),
    })
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{}", url.path(), q),
        None => url.path().to_string(),
    }
}

/// A fresh, unguessable visitor id: a random UUID from the runtime's CSPRNG, without dashes.
fn new_visitor_id() -> String {
    crypto_random_uuid().replace('-', "")
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = randomUUID)]
    fn crypto_random_uuid() -> String;
}

pub fn set(headers: &web_sys::Headers, name: &str, value: &str) -> Result<()> {
    headers.set(name, value).map_err(js_err)
}

pub fn js_err(e: JsValue) -> worker::Error {
    worker::Error::JsError(format!("{e:?}"))
}
