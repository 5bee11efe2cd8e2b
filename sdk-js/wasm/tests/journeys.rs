//! The acceptance journeys, run by the core compiled to
//! wasm (Node and headless Chromium), so the browser build decides exactly as the native one.
#![cfg(target_arch = "wasm32")]

use signpost::journeys::{run, JourneyFile};
use signpost::Engine;
use wasm_bindgen_test::*;

const CONFIG: &str = include_str!("../../../examples/config.json");
const CATALOG: &str = include_str!("../../../examples/catalog.json");
const JOURNEYS: &str = include_str!("../../../examples/journeys.json");

#[wasm_bindgen_test]
fn every_journey_passes_in_wasm() {
    let engine = Engine::new(CONFIG, Some(CATALOG)).expect("example config compiles");
    let file = JourneyFile::parse(JOURNEYS).expect("journeys parse");
    let report = run(&engine, &file);
    let checked: usize = report.journeys.iter().map(|j| j.checked).sum();
    assert_eq!(report.journeys.len(), file.journeys.len());
    assert!(checked > 0, "no step was checked");
    assert!(report.passed(), "{}", report.to_text());
}
