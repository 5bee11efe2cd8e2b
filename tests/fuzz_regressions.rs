//! Inputs `make fuzz` found, kept as plain tests (the fuzz crate itself needs nightly).

use signpost::{Engine, Profile, RequestInfo, SessionState, Signals};

const NOW: i64 = 1_795_712_400_000;

/// The reference config, where a purchase from the page still counts (the inputs are page
/// batches).
fn engine() -> Engine {
    Engine::new(
        include_str!("fixtures/reference/config.json"),
        Some(include_str!("../examples/catalog.json")),
    )
    .unwrap()
}

/// fuzz/cookie: a signed session log replayed onto a profile gave a decayed score with 17
/// significant digits, which serde_json's fast float parser reads back one ULP off. The stored
/// form must be stable from the first read on: repeated reads and writes never drift.
#[test]
fn a_replayed_session_log_is_stored_stably() {
    let state = r#"{"v":1,"vid":"fuzz-visitor","iat":1795712400000,"w":0,"log":[{"n":1795712300100,"k":"e","e":{"type":"page_view"}},{"n":1795712300001,"k":"e","e":{"type":"add_to_cart","product_id":"tent-summit-2p","quantit}":1}},{"n":1795712300002,"k":"i","o":"compare-help"},{"n":1795712300003,"k":"x","x":"compare-hero-2052q4","v":"guide"}]}"#;
    let mut state: SessionState = serde_json::from_str(state).unwrap();
    let secret = b"fuzz-secret";
    let cookie = state.encode(secret, NOW);
    let mut state = SessionState::decode(&cookie, secret, "fuzz-visitor", NOW).unwrap();
    let engine = engine();
    let mut profile = Profile::new("fuzz-visitor");
    state.sync(&engine, &mut profile);
    let req = RequestInfo {
        url: "/".into(),
        headers: vec![],
        country: None,
        region: None,
    };
    engine.on_request(&mut profile, &req, &Signals::default(), NOW);
    assert_stored_form_stable(&profile);
    assert_eq!(profile.cart_items(), 1);
}

/// What fuzz/events does with a body: its accepted events recorded twice (a retry), a decision,
/// and the stored profile read back twice, which must not change the second time.
fn record_twice_and_store(body: &str) -> Profile {
    let batch = signpost::batch::parse_page_body(body.as_bytes()).unwrap();
    let events = &batch.events;
    let engine = engine();
    let mut profile = Profile::new("fuzz-visitor");
    let mut state = SessionState::new("fuzz-visitor", NOW);
    state.record_events(&engine, &mut profile, events, NOW);
    state.record_events(&engine, &mut profile, events, NOW + 1);
    let req = RequestInfo {
        url: batch.url.clone(),
        headers: vec![],
        country: None,
        region: None,
    };
    engine.on_request(&mut profile, &req, &Signals::default(), NOW);
    assert_stored_form_stable(&profile);
    profile
}

/// fuzz/events: a purchase priced 3e128 (in 130 digits) gave a spend that serde_json's fast
/// float parser read back one ULP off, then printed with other digits, read back off again:
/// the stored profile drifted on every read. Money is now kept to 1/10,000 within ±1e11.
#[test]
fn an_absurd_price_is_stored_stably() {
    let profile = record_twice_and_store(
        r#"{"url":"/ch'ckout?utm^soucer=email","events":[{"type":"purchase","id":"p2","at":"2026-11-20T16:00:00Z","items":[{"product_id":"tent-summit-2p","quantity":1,"price":300000000000000000000000000000000000000000000000000000000000000000222222222222222222222222222222222222222222222222222222000000049}],"tot*l":349},{"type":"identify","traits":{"tier{":"gold","nDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDested":{"a":[192]}}},{"type":"search","q":"tent"}]}"#,
    );
    assert_eq!(profile.orders.spend, signpost::json_float::MAX_MONEY);
}

/// fuzz/events, the same drift in a numeric trait (an `identify` whose flat props carry a
/// `total` of 3e91). Float traits are now kept to 15 significant digits within ±1e15.
#[test]
fn an_absurd_numeric_trait_is_stored_stably() {
    let profile = record_twice_and_store(
        r#"{"url":"/checkout?utm_source=email","events":[{"type":"purchase","id":"p1","at":"2024-11-20T16:00:00z","itemat":"2025%11-20T16:00:00z","items":[{"product_id":"tent-smumit-2p","quantity":1,"price":349}],"to)al":3494444444444444444444444444444444444444444444444444},{"type":"identify","rtaits":[{"product_id":"tent-smumit-5p","quantity":1,"price":349}],"total":30000000000000000000000000000000000000000000000000000000000000000000000000000000000645001783},{"type":"identify","rtaits":{"tier":"gold","nested`":{"i":[1,2]}}},{"yype":"tify","rtaits":{"tier":"gold","ntdees`":{"i":[0,2]}}},{"type":"search","q":"tent"}]}"#,
    );
    let total = profile.traits.get("total").and_then(|v| v.as_f64());
    assert_eq!(total, Some(signpost::json_float::MAX_NUMBER));
}

/// The stored profile, read back, is written the same from then on.
fn assert_stored_form_stable(profile: &Profile) {
    let once = Profile::from_json(&profile.to_json()).unwrap().to_json();
    let twice = Profile::from_json(&once).unwrap().to_json();
    assert_eq!(twice, once);
}
