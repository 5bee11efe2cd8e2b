//! The config snapshot, the Worker's side of it (the format is `signpost::snapshot`): page.js
//! asks after loading a config how it was loaded (for `Server-Timing`), and writes the snapshot
//! this isolate owes KV (it had to compile the JSON) in `waitUntil` (worker/js/config-snapshot.js).
//! Synchronous calls: an async export's future costs more wasm than the write it would do.

use crate::store;
use wasm_bindgen::prelude::*;

/// `configLoaded`: `"snapshot"` or `"json"` when a config version was loaded since the last
/// call, else `undefined`.
#[wasm_bindgen(js_name = configLoaded)]
pub fn config_loaded() -> Option<String> {
    store::take_loaded().map(str::to_string)
}

/// `configSnapshotKey`: the KV key of the snapshot this isolate owes, if it owes one.
#[wasm_bindgen(js_name = configSnapshotKey)]
pub fn config_snapshot_key() -> Option<String> {
    store::pending_snapshot_key()
}

/// `configSnapshot`: the snapshot this isolate owes (of the config version it compiled from its
/// JSON), encoded; the debt is then gone.
#[wasm_bindgen(js_name = configSnapshot)]
pub fn config_snapshot() -> Option<Vec<u8>> {
    store::take_pending_snapshot()
}
