//! What the targets share: the example config and catalog, compiled once, and a fixed clock.
#![allow(dead_code)] // each target uses part of it

use signpost::{Engine, Profile, RequestInfo, Signals};
use std::sync::OnceLock;

pub const CONFIG: &str = include_str!("../../examples/config.json");
pub const CATALOG: &str = include_str!("../../examples/catalog.json");
/// 2026-11-20T17:00:00Z
pub const NOW: i64 = 1_795_712_400_000;

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(CONFIG, Some(CATALOG)).expect("the example compiles"))
}

pub fn request(url: &str) -> RequestInfo {
    RequestInfo {
        url: url.to_string(),
        headers: vec![("user-agent".into(), "Mozilla/5.0 (fuzz)".into())],
        country: Some("US".into()),
        region: Some("CO".into()),
    }
}

/// Decides for `profile`, and checks what every host relies on: the stored form stays within
/// the size bound and reads back as the same profile.
pub fn decide_and_store(engine: &Engine, profile: &mut Profile, url: &str) {
    let d = engine.on_request(profile, &request(url), &Signals::default(), NOW);
    serde_json::to_string(&d.plan).expect("a plan serializes");
    let json = profile.to_json();
    assert!(
        json.len() <= signpost::profile::MAX_PROFILE_BYTES,
        "profile of {} bytes",
        json.len()
    );
    let back = Profile::from_json(&json).expect("a stored profile reads back");
    // serde_json's fast float parser may move a 17-digit float by one ULP on the first read
    // (its `float_roundtrip` feature would cost size in both wasm budgets); after that the
    // stored form must be stable, so repeated reads and writes never drift.
    let once = back.to_json();
    let twice = Profile::from_json(&once).expect("reads back").to_json();
    assert_eq!(twice, once, "the profile round-trips");
    // The binary form hosts store keeps every bit, with no first-read drift.
    let stored = Profile::from_stored(&profile.to_stored()).expect("the stored form reads back");
    assert_eq!(&stored, &*profile, "the stored form round-trips");
}
