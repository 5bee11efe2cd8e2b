//! An HTML page request, the Rust half: who the visitor is, and the decision. worker/js/page.js
//! is the other half (the origin fetch, KV, the HTMLRewriter); the API endpoints share `Visit`.

use crate::html_rewriter::Slot;
use crate::js_answer::{strings, JsObject};
use crate::js_fields::{FieldError, JsFields};
use crate::request_url::RequestUrl;
use crate::{cookies, origin, profile_cache, store};
use signpost::measure;
use signpost::plan::state_script;
use signpost::session::{client_state, Flush, SessionState};
use signpost::{Profile, RequestInfo};
use wasm_bindgen::prelude::*;
use worker::{Context, Env, Request, Result};

/// Why a page was passed through unchanged.
pub struct Bypass(pub &'static str);

/// What every Signpost request needs to know about itself.
pub struct Visit {
    /// Now, in ms (the test clock when test hooks are on).
    pub now: i64,
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

/// Sessions `pageStart` decoded, for `pageDecide` (see [`Visit::page_session`]), keyed by
/// the cookie's signature, the visitor and the request's time. A page that never gets to
/// `pageDecide` leaves its entry until it is pushed out.
type DecodedKey = (String, String, i64);
thread_local! {
    static DECODED: std::cell::RefCell<Vec<(DecodedKey, SessionState)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}
/// Entries kept: more than the pages one isolate has in flight at once.
const DECODED_MAX: usize = 32;

impl Visit {
    pub fn new(req: &Request, env: &Env) -> Result<Visit> {
        let test_hooks = crate::test_hooks(env);
        let test_header = |name: &str| -> Result<Option<String>> {
            Ok(if test_hooks {
                req.headers().get(name)?
            } else {
                None
            })
        };
        let now = test_header("x-signpost-test-now")?
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or_else(|| js_sys::Date::now() as i64);
        let cookies = req.headers().get("cookie")?.unwrap_or_default();
        let https = RequestUrl::of(req).scheme() == "https";
        let new_visitor = test_header("x-signpost-test-new-visitor")?;
        let secret = crate::text_binding(env, "SIGNPOST_SECRET");
        Ok(Visit::from_parts(
            secret,
            test_hooks,
            cookies,
            https,
            now,
            new_visitor,
        ))
    }

    /// A visit from what the caller read of the request and the environment (`secret`:
    /// `SIGNPOST_SECRET`); `now` is the test clock's when test hooks allowed one.
    /// `test_new_visitor` counts only with test hooks on.
    pub fn from_parts(
        secret: Option<String>,
        test_hooks: bool,
        cookies: String,
        https: bool,
        now: i64,
        test_new_visitor: Option<String>,
    ) -> Visit {
        let test_hooks = cfg!(feature = "test-hooks") && test_hooks;
        Visit {
            now,
            https,
            test_hooks,
            test_new_visitor: test_new_visitor
                .filter(|id| test_hooks && cookies::valid_visitor_id(id)),
            cookies,
            secret: secret
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| ISOLATE_SECRET.with(Clone::clone)),
        }
    }

    /// `Sec-GPC: 1` or a denied consent cookie: no profile, no cookies, page untouched.
    pub fn opted_out(&self, req: &Request) -> Result<Option<Bypass>> {
        let gpc = req.headers().get("sec-gpc")?;
        Ok(opted_out(gpc.as_deref(), &self.cookies).map(Bypass))
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

    /// [`Visit::session`] for a page: `pageStart` reads the cookie to know which profile to
    /// read (the user's once identified), and `pageDecide` gets that reading back from here
    /// rather than check the HMAC and parse the cookie a second time (about 11 µs natively).
    fn page_session(&self, visitor: &str, keep: bool) -> SessionState {
        let raw = cookies::get(&self.cookies, cookies::SESSION).unwrap_or("");
        // The cookie's signature names it: two cookies with one signature are the same.
        let sig = raw.rsplit_once('.').map_or("", |(_, sig)| sig);
        let key = (sig.to_string(), visitor.to_string(), self.now);
        let hit = DECODED.with_borrow_mut(|cache| {
            let i = cache.iter().position(|(k, _)| *k == key)?;
            Some(cache.remove(i).1)
        });
        if let Some(state) = hit {
            return state;
        }
        let state = self.session(visitor);
        if keep && !sig.is_empty() {
            DECODED.with_borrow_mut(|cache| {
                if cache.len() >= DECODED_MAX {
                    cache.remove(0);
                }
                cache.push((key, state.clone()));
            });
        }
        state
    }

    /// After recording: the log for the profile's writer when a flush is due (at once when
    /// `eager`, see `SessionState::finish_with`), and the `Set-Cookie` values (new visitor
    /// id, session state).
    pub fn finish_with(
        &self,
        state: &mut SessionState,
        profile: &Profile,
        visitor: &str,
        new_visitor: bool,
        eager: bool,
    ) -> (Option<Flush>, Vec<String>) {
        let (flush, value) = state.finish_with(profile, self.secret.as_bytes(), self.now, eager);
        if let Some(f) = &flush {
            // The cookie may now drop what it hands over: the next page must read KV, not an
            // older copy that lacks it.
            profile_cache::discard(&f.key);
        }
        let mut set = Vec::new();
        if new_visitor {
            set.push(cookies::visitor_cookie(visitor, self.https));
        }
        set.push(cookies::session_cookie(&value, self.https));
        (flush, set)
    }
}

/// Why a page request is not personalized before anything is read: not a plain `GET` of a
/// page (`HEAD`, other methods, `Range`, a file such as `/css/store.css`), `Sec-GPC: 1`, or a
/// denied consent cookie.
pub fn bypass_before_reading(
    method: &str,
    path: &str,
    range: bool,
    gpc: Option<&str>,
    cookies: &str,
) -> Option<&'static str> {
    if method != "GET" {
        return Some("method");
    }
    if range {
        return Some("range");
    }
    if is_asset_path(path) {
        return Some("not-html");
    }
    opted_out(gpc, cookies)
}

/// `Sec-GPC: 1` (its value given) or a denied consent cookie.
fn opted_out(gpc: Option<&str>, cookies: &str) -> Option<&'static str> {
    if gpc.map(str::trim) == Some("1") {
        return Some("gpc");
    }
    if cookies::get(cookies, cookies::CONSENT) == Some("denied") {
        return Some("consent");
    }
    None
}

/// `isPagePath`: a path that may be a page, not a file such as `/css/store.css`: the origin
/// cache (worker/js/origin-cache.js) looks up only these, by the rule that passes files through.
#[wasm_bindgen(js_name = isPagePath)]
pub fn is_page_path(path: &str) -> bool {
    !is_asset_path(path)
}

/// A path whose last segment has an extension other than `.html`/`.htm`.
fn is_asset_path(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    match last.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => {
            !(ext.eq_ignore_ascii_case("html") || ext.eq_ignore_ascii_case("htm"))
        }
        _ => false,
    }
}

// The page path. worker/js/page.js drives the runtime (origin fetch, the KV reads,
// HTMLRewriter) and calls these with one `PageRequest`: `pageStart`, then `pageConfig`
// (crate::page_config) only when the isolate's config is due for a check, then `pageDecide`.
// None of them awaits anything.

/// A page request as page.js describes it (its JSDoc type `PageRequest` in worker/js/page.js):
/// a plain JS object, read into this struct at each call (`crate::js_fields`). `pageStart`
/// needs the first group; page.js adds the rest before `pageDecide`. The `test_*` fields count
/// only in the test build.
#[derive(Default)]
pub struct PageRequest {
    method: String,
    path: String,
    range: bool,
    gpc: Option<String>,
    cookies: String,
    now: f64,
    secret: Option<String>,
    test_hooks: bool,
    test_new_visitor: Option<String>,
    test_now: Option<String>,
    // Added for `pageDecide`.
    visitor: String,
    is_new: bool,
    https: bool,
    url: String,
    header_lines: String,
    country: Option<String>,
    region: Option<String>,
    test_country: Option<String>,
    test_region: Option<String>,
    /// The stored profile's bytes as KV answered them (read as `"arrayBuffer"`).
    stored: Option<Vec<u8>>,
    /// `pageStart` found the profile in the isolate's cache: KV was not read.
    cached: bool,
    test_panic: bool,
}

impl PageRequest {
    /// The request page.js sent, or why it could not be read (a bug in page.js: the page then
    /// passes through).
    fn read(js: JsValue) -> std::result::Result<PageRequest, Bypass> {
        Self::fields(&JsFields::new(js)).map_err(|e| {
            worker::console_error!("signpost: a page request Rust cannot read: {e}");
            Bypass("error")
        })
    }

    fn fields(f: &JsFields) -> std::result::Result<PageRequest, FieldError> {
        Ok(PageRequest {
            method: f.string("method")?,
            path: f.string("path")?,
            range: f.bool("range")?,
            gpc: f.opt_string("gpc")?,
            cookies: f.string("cookies")?,
            now: f.number("now")?,
            secret: f.opt_string("secret")?,
            test_hooks: f.bool("testHooks")?,
            test_new_visitor: f.opt_string("testNewVisitor")?,
            test_now: f.opt_string("testNow")?,
            visitor: f.string("visitor")?,
            is_new: f.bool("isNew")?,
            https: f.bool("https")?,
            url: f.string("url")?,
            header_lines: f.string("headerLines")?,
            country: f.opt_string("country")?,
            region: f.opt_string("region")?,
            test_country: f.opt_string("testCountry")?,
            test_region: f.opt_string("testRegion")?,
            stored: f.bytes("stored")?,
            cached: f.bool("cached")?,
            test_panic: f.bool("testPanic")?,
        })
    }

    /// Now, in ms: the request's, or the test clock's in the test build with hooks on.
    fn clock(&self) -> f64 {
        let hooks = cfg!(feature = "test-hooks") && self.test_hooks;
        self.test_now
            .as_deref()
            .filter(|_| hooks)
            .and_then(|t| t.parse::<i64>().ok())
            .map_or(self.now, |t| t as f64)
    }
}

/// `pageStart`'s answer (page.js's `PageStart`): why the page passes through, or who the
/// visitor is.
pub struct PageStart {
    /// The bypass reason; the other fields are then empty.
    pub bypass: Option<String>,
    /// The visitor's id.
    pub visitor: String,
    /// The profile to read (KV `profile:<key>`): the visitor's, or the user's once the
    /// browser is identified.
    pub profile_key: String,
    /// A new visitor: an id just drawn, no stored profile to read.
    pub is_new: bool,
    /// The KV keys to read for the isolate's config (then `pageConfig`) before deciding;
    /// empty when it was checked recently.
    pub config_keys: Vec<String>,
    /// How long the config's reads may take, all rounds together.
    pub config_budget_ms: u32,
    /// The profile was read within the last minute: take it from the isolate
    /// (`crate::profile_cache`) instead of KV.
    pub cached: bool,
    /// How long the profile's KV read may take before the page passes through.
    pub profile_budget_ms: u32,
    /// Now, in ms: the request's `now`, or the test clock's in the test build.
    pub now: f64,
}

impl PageStart {
    fn to_js(&self) -> JsValue {
        JsObject::new()
            .set("bypass", self.bypass.as_deref())
            .set("visitor", self.visitor.as_str())
            .set("profileKey", self.profile_key.as_str())
            .set("isNew", self.is_new)
            .set("configKeys", strings(&self.config_keys))
            .set("configBudgetMs", self.config_budget_ms)
            .set("cached", self.cached)
            .set("profileBudgetMs", self.profile_budget_ms)
            .set("now", self.now)
            .build()
    }
}

/// `pageStart`: who the visitor is, or why the page passes through before anything is read.
#[wasm_bindgen(js_name = pageStart)]
pub fn page_start(req: JsValue) -> JsValue {
    start(req).to_js()
}

fn start(req: JsValue) -> PageStart {
    let mut out = PageStart {
        bypass: None,
        visitor: String::new(),
        profile_key: String::new(),
        is_new: false,
        cached: false,
        config_keys: Vec::new(),
        config_budget_ms: store::CONFIG_BUDGET_MS as u32,
        profile_budget_ms: store::PROFILE_BUDGET_MS as u32,
        now: 0.0,
    };
    let req = match PageRequest::read(req) {
        Ok(req) => req,
        Err(Bypass(why)) => {
            out.bypass = Some(why.into());
            return out;
        }
    };
    out.now = req.clock();
    let gpc = req.gpc.as_deref();
    if let Some(why) = bypass_before_reading(&req.method, &req.path, req.range, gpc, &req.cookies) {
        out.bypass = Some(why.into());
        return out;
    }
    let visit = Visit::from_parts(
        req.secret,
        req.test_hooks,
        req.cookies,
        false,
        out.now as i64,
        req.test_new_visitor,
    );
    (out.visitor, out.is_new) = visit.visitor();
    out.profile_key = match out.is_new {
        true => out.visitor.clone(),
        false => visit.page_session(&out.visitor, true).profile_key(),
    };
    out.cached = !out.is_new && profile_cache::pin(&out.profile_key, out.now);
    if store::cached(out.now).is_none() {
        out.config_keys = crate::config_reads::first_keys();
    }
    out
}

/// `optedOutOp`: a page passed through for GPC or a denied consent cookie, from a browser that
/// has a profile (its visitor cookie is there from before): `{key, op}`, the operation page.js
/// sends its profile's writer in `waitUntil`, so no journey sends anything for the visitor,
/// waiting actions included (`profiles::Op::Deny`). Nothing for a browser without a visitor
/// cookie.
#[wasm_bindgen(js_name = optedOutOp)]
pub fn opted_out_op(req: JsValue) -> JsValue {
    let Ok(req) = PageRequest::read(req) else {
        return JsValue::UNDEFINED;
    };
    let now = req.clock() as i64;
    let visit = Visit::from_parts(req.secret, req.test_hooks, req.cookies, false, now, None);
    let Some(visitor) = visit.known_visitor() else {
        return JsValue::UNDEFINED;
    };
    let key = visit.session(&visitor).profile_key();
    let op = crate::profiles::Op::Deny { key, now };
    match serde_json::to_string(&op) {
        Ok(text) => JsObject::new().set("key", op.key()).set("op", text).build(),
        Err(_) => JsValue::UNDEFINED,
    }
}

/// `pageDecide`'s answer (page.js's `PageAnswer`): why the page passes through after all, or
/// what page.js needs to rewrite and answer it.
#[derive(Default)]
pub struct PageAnswer {
    /// The bypass reason; the other fields are then empty.
    pub bypass: Option<String>,
    /// The slots to fill.
    pub slots: Vec<Slot>,
    /// `x-signpost`'s value.
    pub header: String,
    /// `Set-Cookie` values.
    pub cookies: Vec<String>,
    /// When a flush is due: the operation (JSON) that hands this browser's log to the
    /// profile's writer, and the profile's key; page.js sends it in `waitUntil`.
    pub profile_op: Option<String>,
    pub profile_key: Option<String>,
    /// Rows were queued and this page sends them: after this many ms, page.js takes them
    /// (`measureTake`) and puts them on the queue.
    pub measure_wait_ms: Option<f64>,
    /// The state script, as it goes at the end of `<body>`.
    pub state_script: String,
}

impl PageAnswer {
    fn bypass(why: &str) -> PageAnswer {
        PageAnswer {
            bypass: Some(why.into()),
            ..PageAnswer::default()
        }
    }

    fn to_js(&self) -> JsValue {
        let slots: js_sys::Array = self.slots.iter().map(Slot::to_js).collect();
        JsObject::new()
            .set("bypass", self.bypass.as_deref())
            .set("slots", slots)
            .set("header", self.header.as_str())
            .set("cookies", strings(&self.cookies))
            .set("profileOp", self.profile_op.as_deref())
            .set("profileKey", self.profile_key.as_deref())
            .set("measureWaitMs", self.measure_wait_ms)
            .set("stateScript", self.state_script.as_str())
            .build()
    }
}

/// The stored profile the page starts from: the isolate's copy when `pageStart` found one,
/// else KV's bytes, read and kept for the next pages. Or why the page passes through.
fn stored_profile(
    bytes: Option<Vec<u8>>,
    cached: bool,
    key: &str,
    now: f64,
) -> std::result::Result<Option<Profile>, &'static str> {
    if cached {
        // Pushed out by 32 other pages between `pageStart` and now: the page passes through
        // rather than start from nothing.
        return profile_cache::take_pinned(key, now).ok_or("profile-cache");
    }
    let profile = store::parse_profile(bytes.as_deref()).map_err(|e| {
        worker::console_warn!("signpost: {e}");
        e.reason()
    })?;
    let size = bytes.as_ref().map_or(0, Vec::len);
    profile_cache::put(key, profile.as_ref(), size, now);
    Ok(profile)
}

/// `pageDecide`: the decision for a page, from the stored profile's bytes (none: a new
/// profile).
#[wasm_bindgen(js_name = pageDecide)]
pub fn page_decide(env: Env, req: JsValue) -> JsValue {
    decide(env, req).to_js()
}

fn decide(env: Env, req: JsValue) -> PageAnswer {
    let req = match PageRequest::read(req) {
        Ok(req) => req,
        Err(Bypass(why)) => return PageAnswer::bypass(why),
    };
    let Some(live) = store::current() else {
        return PageAnswer::bypass("no-config");
    };
    let (now, https) = (req.now as i64, req.https);
    let visit = Visit::from_parts(req.secret, req.test_hooks, req.cookies, https, now, None);
    if visit.test_hooks && req.test_panic {
        panic!("test hook: a panic while deciding");
    }
    let (visitor, new_visitor) = (req.visitor, req.is_new);
    let engine = &live.engine;
    let mut state = visit.page_session(&visitor, false);
    let bytes = req.stored;
    let stored = match stored_profile(bytes, req.cached, &state.profile_key(), req.now) {
        Ok(p) => p,
        Err(why) => return PageAnswer::bypass(why),
    };
    let mut profile = stored.unwrap_or_else(|| Profile::new(state.profile_key()));
    state.sync(engine, &mut profile);
    let test = |value: Option<String>| value.filter(|_| visit.test_hooks);
    let info = RequestInfo {
        url: req.url,
        headers: header_pairs(&req.header_lines),
        country: test(req.test_country).or(req.country),
        region: test(req.test_region).or(req.region),
    };
    let decision = state.on_request(engine, &mut profile, &info, &live.signals, visit.now);
    if !decision.personalized {
        return PageAnswer::bypass("consent");
    }
    // A page that moves a journey hands its log over now: the visitor may never load another.
    let eager = !engine.config().actions.is_empty()
        && signpost::actions::moved(engine, &profile, &live.signals, visit.now);
    let (flush_log, cookies) =
        visit.finish_with(&mut state, &profile, &visitor, new_visitor, eager);
    let state_json = client_state(&decision, &live.version).to_json();
    let counts = measure::for_page(engine, &profile, &info, &decision, visit.now);
    let rows = measure::page_rows(
        engine, &profile, &visitor, &info, &decision, &counts, visit.now,
    );
    let measure_wait_ms = crate::measure::queue(&env, rows).map(|f| match f {
        crate::measure::Flush::Later => crate::measure::FLUSH_AFTER_MS,
        crate::measure::Flush::Now => 0.0,
    });
    let profile_key = flush_log.as_ref().map(|f| f.key.clone());
    let profile_op = flush_log
        .and_then(|flush| serde_json::to_string(&crate::profiles::Op::Apply { flush, now }).ok());
    PageAnswer {
        bypass: None,
        slots: crate::html_rewriter::slots_of(&decision.plan),
        header: personalized_header(&decision),
        cookies,
        profile_op,
        profile_key,
        measure_wait_ms,
        state_script: state_script(&state_json),
    }
}

/// `name\nvalue\n...` into pairs (a header value cannot hold a line break).
fn header_pairs(joined: &str) -> Vec<(String, String)> {
    let mut parts = joined.split('\n');
    let mut pairs = Vec::new();
    while let (Some(k), Some(v)) = (parts.next(), parts.next()) {
        pairs.push((k.to_string(), v.to_string()));
    }
    pairs
}

/// `measureTake`: the rows queued in the isolate, as the queue's messages (texts), for
/// page.js to send after `pageDecide`'s `measureWaitMs`.
#[wasm_bindgen(js_name = measureTake)]
pub fn measure_take() -> js_sys::Array {
    strings(&crate::measure::take_messages())
}

/// `measureLost`: a send of `measureTake`'s messages failed; once-only counts go again.
#[wasm_bindgen(js_name = measureLost)]
pub fn measure_lost() {
    crate::measure_once::forget();
}

/// `profileSent`: page.js handed the profile's writer this browser's log: the isolate's copy
/// is not one to keep (a page may have read KV while the log was on its way).
#[wasm_bindgen(js_name = profileSent)]
pub fn profile_sent(key: &str) {
    profile_cache::discard(key);
}

/// Sends a browser's log to the profile's writer (see `profiles`). Without its binding the
/// Worker writes KV itself, as before there was one: fine for one browser per profile, but
/// concurrent writers (the ingest, a second device) can then lose each other's events.
#[cfg(feature = "api")]
pub async fn send_flush(env: &Env, flush: Flush, now: i64) {
    let op = crate::profiles::Op::Apply { flush, now };
    match crate::profiles::send(env, &op).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            let crate::profiles::Op::Apply { flush, now } = op else {
                unreachable!("built above")
            };
            if let Err(e) = write_without_writer(env, &flush, now).await {
                worker::console_warn!("signpost: profile not saved: {e}");
            }
        }
        Err(e) => worker::console_warn!("signpost: profile not saved: {e}"),
    }
}

#[cfg(feature = "api")]
async fn write_without_writer(env: &Env, flush: &Flush, now: i64) -> Result<()> {
    let kv = env.kv("SIGNPOST")?;
    let err = |e: store::StoreError| worker::Error::RustError(e.to_string());
    let live = store::live(&kv, now as f64).await.map_err(err)?;
    let stored = store::load_profile(&kv, &flush.key).await.map_err(err)?;
    let mut profile = stored.unwrap_or_else(|| Profile::new(&flush.key));
    signpost::writer::apply_log(&live.engine, &mut profile, &flush.device, &flush.log);
    let ttl = store::profile_ttl_s(&live.engine);
    store::save_profile(&kv, &flush.key, profile.to_stored(), ttl)
        .await
        .map_err(err)
}

/// Off the response path (`waitUntil`): the browser's log to the profile's writer when due,
/// and the request's counts to the site's tally (queued now; sent from here when this request
/// is the one to send them).
#[cfg(feature = "api")]
pub fn after_response(
    ctx: &Context,
    env: &Env,
    flush: Option<Flush>,
    rows: Vec<signpost::measure::Row>,
    now: i64,
) {
    let measured = crate::measure::queue(env, rows);
    if flush.is_none() && measured.is_none() {
        return;
    }
    let env = env.clone();
    ctx.wait_until(async move {
        if let Some(flush) = flush {
            send_flush(&env, flush, now).await;
        }
        if let Some(when) = measured {
            crate::measure::send(&env, when).await;
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
        // `x-signpost-bot` comes from the runtime's verdict (page.js), never the client.
        if !k.starts_with("x-signpost-test") && k != "x-signpost-bot" {
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
            None => RequestUrl::of(req).path_and_query(),
        },
        headers,
        country: test("x-signpost-test-country").or_else(|| cf.and_then(|c| c.country())),
        region: test("x-signpost-test-region").or_else(|| cf.and_then(|c| c.region_code())),
    })
}

/// A fresh, unguessable visitor id: a random UUID from the runtime's CSPRNG, without dashes.
pub(crate) fn new_visitor_id() -> String {
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
