//! The bindings, run by wasm-bindgen-test in Node and in headless Chromium (see Makefile).
#![cfg(target_arch = "wasm32")]

use serde_json::{json, Value};
use signpost_wasm::{version, SignpostEngine};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

const CONFIG: &str = include_str!("../../../examples/config.json");
const CATALOG: &str = include_str!("../../../examples/catalog.json");
/// 2026-11-20T17:00:00Z, the funnel journey's first step.
const NOW: f64 = 1_795_194_000_000.0;
const MIN: f64 = 60_000.0;

fn engine() -> SignpostEngine {
    SignpostEngine::new(CONFIG, Some(CATALOG.to_string())).unwrap()
}

fn message(err: impl Into<JsValue>) -> String {
    let v: JsValue = err.into();
    assert!(v.is_instance_of::<js_sys::Error>(), "not a JS Error: {v:?}");
    js_sys::Reflect::get(&v, &"message".into())
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

/// The winning offer of a slot in a decision, if any.
fn slot(decision: &Value, name: &str) -> Option<String> {
    decision["plan"]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["slot"] == name)
        .map(|s| s["offer"].as_str().unwrap().to_string())
}

#[wasm_bindgen_test]
fn compiles_the_example_config() {
    assert!(SignpostEngine::new(CONFIG, Some(CATALOG.to_string())).is_ok());
    assert!(!version().is_empty());
}

#[wasm_bindgen_test]
fn a_broken_config_is_a_js_error_with_the_core_message() {
    let text = message(SignpostEngine::new("{ not json", None).err().unwrap());
    assert!(text.contains("config"), "unexpected message: {text}");
    // The core's path-exact message crosses unchanged.
    let mut cfg: Value = parse(CONFIG);
    cfg["offers"][0]["when"] = json!({"fact": "session.tier", "op": "equals", "value": "x"});
    let text = message(SignpostEngine::new(&cfg.to_string(), None).err().unwrap());
    assert!(
        text.contains("offers[0].when.op"),
        "unexpected message: {text}"
    );
    // The visitor SDK's build names the problem by its path only (its configs come checked
    // from the Worker); the editor's build explains it.
    if cfg!(feature = "editor") {
        assert!(text.contains("equals"), "unexpected message: {text}");
    } else {
        assert!(
            text.contains("signpost check"),
            "unexpected message: {text}"
        );
    }
}

#[wasm_bindgen_test]
fn bad_profile_events_and_time_are_js_errors() {
    let e = engine();
    assert!(message(e.decide(r#"{"v":99}"#, "/", None, NOW).err().unwrap()).starts_with("profile"));
    assert!(message(e.record("v", "", "{}", NOW).err().unwrap()).starts_with("events"));
    let bad_name = r#"[{"type": "has space"}]"#;
    assert!(message(e.record("v", "", bad_name, NOW).err().unwrap()).contains("events[0].type"));
    assert!(message(e.decide("", "/", None, f64::NAN).err().unwrap()).starts_with("now"));
    for bad in ["[1]", "{", "2.5"] {
        let text = message(e.decide("", "/", Some(bad.into()), NOW).err().unwrap());
        assert!(text.starts_with("signals"), "unexpected message: {text}");
    }
}

#[wasm_bindgen_test]
fn a_new_visitor_gets_an_empty_plan() {
    let d = parse(&engine().decide("", "/", None, NOW).unwrap());
    assert_eq!(d["plan"]["slots"], json!([]));
    assert_eq!(d["personalized"], json!(true));
}

/// The funnel journey of examples/journeys.json through the bindings: page requests decided
/// in the page (on_request), then the add_to_cart event recorded, then a pure decision.
#[wasm_bindgen_test]
fn funnel_reaches_ready_to_buy_after_add_to_cart() {
    let e = engine();
    let mut profile = String::new();
    let pages = [
        "/",
        "/products/tent-summit-2p",
        "/products/tent-basecamp-4p",
        "/compare",
    ];
    let mut last = Value::Null;
    for (i, url) in pages.iter().enumerate() {
        let out = parse(
            &e.on_request(
                "funnel-000",
                &profile,
                url,
                None,
                NOW + i as f64 * MIN,
                None,
            )
            .unwrap(),
        );
        profile = out["profile"].to_string();
        last = out["decision"].clone();
    }
    assert_eq!(last["tier"], "comparing");
    assert_eq!(slot(&last, "hero").as_deref(), Some("compare-help"));
    assert_eq!(slot(&last, "banner"), None);

    let cart = r#"[{"type":"add_to_cart","id":"e1","product_id":"tent-basecamp-4p","quantity":1,"price":529}]"#;
    profile = e
        .record("funnel-000", &profile, cart, NOW + 4.0 * MIN)
        .unwrap();
    let req = json!({"url": "/compare", "headers": [["user-agent", "Mozilla/5.0"]]}).to_string();
    let d = parse(&e.decide(&profile, &req, None, NOW + 4.0 * MIN).unwrap());
    assert_eq!(d["tier"], "ready_to_buy");
    assert_eq!(slot(&d, "banner").as_deref(), Some("ready-free-shipping"));

    // A retried batch (same id) changes nothing.
    let again = e
        .record("funnel-000", &profile, cart, NOW + 4.0 * MIN)
        .unwrap();
    assert_eq!(parse(&again)["cart"], parse(&profile)["cart"]);
}

#[wasm_bindgen_test]
fn consent_cookie_in_the_request_stops_personalization() {
    let e = engine();
    let req = json!({"url": "/compare", "headers": [["cookie", "sp_consent=denied"]]}).to_string();
    let out = parse(&e.on_request("v", "", &req, None, NOW, None).unwrap());
    assert_eq!(out["decision"]["personalized"], json!(false));
    assert_eq!(out["profile"]["pv"], json!(0));
}

#[wasm_bindgen_test]
fn a_request_not_served_records_the_page_view_but_no_impression() {
    let e = engine();
    let mut profile = String::new();
    for (i, url) in ["/products/tent-summit-2p", "/products/tent-basecamp-4p"]
        .iter()
        .enumerate()
    {
        let out = parse(
            &e.on_request("v", &profile, url, None, NOW + i as f64 * MIN, None)
                .unwrap(),
        );
        profile = out["profile"].to_string();
    }
    let at = NOW + 2.0 * MIN;
    let shown = parse(
        &e.on_request("v", &profile, "/compare", None, at, None)
            .unwrap(),
    );
    let hidden = parse(
        &e.on_request("v", &profile, "/compare", None, at, Some(false))
            .unwrap(),
    );
    assert_eq!(
        slot(&shown["decision"], "hero").as_deref(),
        Some("compare-help")
    );
    assert_eq!(shown["decision"]["plan"], hidden["decision"]["plan"]);
    assert_eq!(
        hidden["profile"]["pv"],
        json!(3),
        "the page view is recorded"
    );
    let offers = |p: &Value| -> Vec<Value> {
        p["im"]
            .as_array()
            .map_or(vec![], |a| a.iter().map(|i| i["o"].clone()).collect())
    };
    assert!(offers(&shown["profile"]).contains(&json!("compare-help")));
    assert!(!offers(&hidden["profile"]).contains(&json!("compare-help")));
}

#[wasm_bindgen_test]
fn a_trusted_event_type_is_not_recorded_in_the_page() {
    let mut config = parse(CONFIG);
    config["trusted_events"] = json!(["purchase"]);
    let e = SignpostEngine::new(&config.to_string(), Some(CATALOG.to_string())).unwrap();
    let events = r#"[{"type":"purchase","id":"p1","total":5000,"items":["tent-summit-2p"]},
        {"type":"search","id":"s1","query":"tent"}]"#;
    let p = parse(&e.record("v", "", events, NOW).unwrap());
    assert_eq!(p["o"]["n"].as_u64().unwrap_or(0), 0, "{p}");
    let kinds: Vec<&str> = p["ev"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["k"].as_str())
        .collect();
    assert!(
        kinds.contains(&"search") && !kinds.contains(&"purchase"),
        "{kinds:?}"
    );
    // Without the field, the same batch counts its purchase.
    config.as_object_mut().unwrap().remove("trusted_events");
    let e = SignpostEngine::new(&config.to_string(), Some(CATALOG.to_string())).unwrap();
    let p = parse(&e.record("v", "", events, NOW).unwrap());
    assert_eq!(p["o"]["n"], 1);
}
