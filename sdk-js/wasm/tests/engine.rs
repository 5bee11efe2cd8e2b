//! The bindings, run by wasm-bindgen-test in Node and in headless Chromium (see Makefile).
#![cfg(target_arch = "wasm32")]

use signpost_wasm::SignpostEngine;
use wasm_bindgen_test::*;

const CONFIG: &str = include_str!("../../../examples/config.json");
const CATALOG: &str = include_str!("../../../examples/catalog.json");
const NOW: f64 = 1_795_000_000_000.0;

#[wasm_bindgen_test]
fn compiles_the_example_config() {
    assert!(SignpostEngine::new(CONFIG, Some(CATALOG.to_string())).is_ok());
}

#[wasm_bindgen_test]
fn rejects_broken_config_with_the_core_message() {
    let err = SignpostEngine::new("{ not json", None)
        .err()
        .expect("must fail");
    let message = wasm_bindgen::JsValue::from(err);
    let text = js_sys_message(&message);
    assert!(text.contains("config"), "unexpected message: {text}");
}

#[wasm_bindgen_test]
fn a_new_visitor_gets_an_empty_plan() {
    let engine = SignpostEngine::new(CONFIG, Some(CATALOG.to_string())).unwrap();
    let out = engine
        .decide(r#"{"id":"first-visit-000"}"#, "/", NOW)
        .unwrap();
    let decision: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(decision["plan"]["slots"], serde_json::json!([]));
}

fn js_sys_message(v: &wasm_bindgen::JsValue) -> String {
    let message = js_sys::Reflect::get(v, &"message".into()).unwrap();
    message.as_string().unwrap_or_default()
}
