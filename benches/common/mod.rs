//! The workloads the benchmarks share: natively under criterion (`benches/*.rs`) and compiled
//! to wasm (`bench/wasm`, timed under Node by `make bench`), so both measure the same work.
#![allow(dead_code)] // each bench target uses its part

use signpost::plan::{Plan, SlotPlan};
use signpost::rewrite::{RewriteOptions, Rewriter};
use signpost::session::{client_state, SessionState};
use signpost::testutil::{example_engine, Rng};
use signpost::{Engine, Event, Profile, RequestInfo, Signals};

pub const T0: i64 = 1_795_194_000_000; // 2026-11-20T17:00:00Z

/// The example config and catalog, and a visitor whose profile has recorded 200 events (views,
/// carts, searches, a purchase, custom events); returns the time of the next request.
pub fn decision_setup() -> (Engine, Profile, Signals, i64) {
    let engine = example_engine();
    let products: Vec<String> = engine
        .catalog()
        .products
        .iter()
        .map(|p| p.id.clone())
        .collect();
    let mut rng = Rng(2026);
    let mut profile = Profile::new("bench-visitor");
    let mut t = T0 - 30 * 24 * 3_600_000;
    for i in 0..200 {
        t += (1 + rng.below(4 * 3600)) as i64 * 1000;
        let p = rng.pick(&products).clone();
        let e = match i % 10 {
            0..=3 => Event::new("product_view").with("product_id", p),
            4 => Event::new("add_to_cart")
                .with("product_id", p)
                .with("quantity", 1),
            5 => Event::new("search").with("query", "tent"),
            6 => Event::new("page_view").with("url", "/?utm_source=email"),
            7 => Event::new("trip_planned"),
            8 => Event::new("compare_view"),
            _ if i == 199 => Event::new("purchase")
                .with("items", vec![p])
                .with("total", 349),
            _ => Event::new("list_shared"),
        };
        engine.record_event(&mut profile, &e, t);
    }
    let mut signals = Signals::new();
    signals.insert(
        "restock".into(),
        serde_json::json!({"product_ids": ["tent-ultralight-1p"]}),
    );
    signals.insert(
        "weather_advisory".into(),
        serde_json::json!({"active": true, "regions": ["WY"]}),
    );
    (engine, profile, signals, t + 60_000)
}

/// A product page from an email campaign, on a phone.
pub fn decision_request() -> RequestInfo {
    RequestInfo {
        url: "/products/tent-summit-2p?utm_source=email&utm_campaign=spring-sale".into(),
        headers: vec![
            (
                "user-agent".into(),
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148".into(),
            ),
            ("referer".into(), "https://mail.example/".into()),
        ],
        country: Some("US".into()),
        region: Some("CO".into()),
    }
}

pub const SECRET: &[u8] = b"bench-secret";

/// What the Worker's core gets for a page (worker/src/page.rs `pageDecide`): the decision's
/// set-up, the stored profile (its stored form, as KV holds it) and the session cookie.
pub struct PageInput {
    pub engine: Engine,
    pub signals: Signals,
    pub now: i64,
    pub request: RequestInfo,
    pub stored: Vec<u8>,
    pub cookie: String,
}

/// The profile was stored 8 s ago with two pages since: no write is due, the common case.
pub fn page_setup() -> PageInput {
    let (engine, mut profile, signals, now) = decision_setup();
    let at = |url: &str| RequestInfo {
        url: url.into(),
        ..decision_request()
    };
    let mut state = SessionState::new(&profile.id, now - 8_000);
    // As the profile's writer left it after this browser's last flush.
    state.written = now - 8_000;
    profile.set_rev_of(&state.visitor, now - 8_000);
    let stored = profile.to_stored();
    state.on_request(
        &engine,
        &mut profile,
        &at("/compare"),
        &signals,
        now - 6_000,
    );
    let page = at("/products/tent-summit-2p");
    state.on_request(&engine, &mut profile, &page, &signals, now - 3_000);
    let cookie = state.encode(SECRET, now - 3_000);
    PageInput {
        engine,
        signals,
        now,
        request: decision_request(),
        stored,
        cookie,
    }
}

/// A page's core work: read the stored profile, check and replay the session cookie, decide,
/// sign the next cookie, write the page's state, count. Returns the next cookie, the state
/// and the number of counts.
pub fn page_work(input: &PageInput) -> (String, String, usize) {
    let PageInput {
        engine,
        signals,
        now,
        request,
        ..
    } = input;
    let mut p = Profile::from_stored(&input.stored).expect("the stored profile reads");
    let mut state =
        SessionState::decode(&input.cookie, SECRET, &p.id.clone(), *now).expect("a valid cookie");
    state.sync(engine, &mut p);
    let d = state.on_request(engine, &mut p, request, signals, *now);
    let (flush, next) = state.finish(&p, SECRET, *now);
    assert!(flush.is_none(), "no flush is due");
    let page = client_state(&d, "v1").to_json();
    let counts = signpost::measure::for_page(engine, &p, request, &d, *now);
    (next, page, counts.len())
}

/// Chunk size a response body arrives in.
pub const CHUNK: usize = 16 * 1024;

pub fn slot(name: &str, html: Option<&str>) -> SlotPlan {
    SlotPlan {
        slot: name.into(),
        offer: format!("{name}-offer"),
        html: html.map(Into::into),
        ..Default::default()
    }
}

pub fn css(selector: &str, html: &str) -> SlotPlan {
    SlotPlan {
        slot: selector.into(),
        css: Some(selector.into()),
        offer: "css-offer".into(),
        html: Some(html.into()),
        ..Default::default()
    }
}

/// The page's headline, as a tag-qualified selector and without the tag.
pub fn headline(page: &str) -> (&'static str, &'static str) {
    match page {
        "cloudflare.com.html" => ("h1.header-h1", ".header-h1"),
        "ecma402-spec.html" => ("h1.title", ".title"),
        _ => ("h1.allcaps", ".allcaps"),
    }
}

/// The decision state a page gets injected (about the size of a real one).
pub fn state_json() -> String {
    format!(
        r#"{{"v":1,"tier":"engaged","slots":{{"hero":"spring-sale"}},"items":[{}]}}"#,
        (0..40)
            .map(|i| format!("\"sku-{i:04}\""))
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// The typical Plan: three slots by name, one CSS offer on the page's headline.
pub fn typical_plan(page: &str) -> Plan {
    Plan {
        slots: vec![
            slot(
                "hero",
                Some("<h2>Spring sale</h2><p>20% off everything</p>"),
            ),
            slot(
                "recs",
                Some("<ul><li>One</li><li>Two</li><li>Three</li></ul>"),
            ),
            slot("banner", None),
            css(headline(page).0, "Personalised headline"),
        ],
    }
}

/// Rewrites `input` in [`CHUNK`]s as a response body arrives; returns the bytes written.
pub fn rewrite(input: &[u8], plan: &Plan, options: RewriteOptions<'_>) -> usize {
    let mut written = 0usize;
    let mut rewriter = Rewriter::new(plan, options, |c: &[u8]| {
        written += std::hint::black_box(c).len()
    })
    .expect("valid plan");
    for chunk in input.chunks(CHUNK) {
        rewriter.write(chunk).expect("rewrite");
    }
    rewriter.end().expect("end");
    written
}
