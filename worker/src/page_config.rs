//! The page path's config: page.js reads the keys Rust names (`pageStart`'s `configKeys`, then
//! each `pageConfig` answer's `more`) and hands over what KV held; `crate::config_reads` makes
//! the config of it. Synchronous calls: page.js awaits KV itself, beside the profile's read,
//! which costs far less on a cold isolate than workers-rs's KV futures did (bench/RESULTS.md).
//!
//! Then, after the response, page.js writes the snapshot this isolate owes KV, if any
//! (`configSnapshot`, worker/js/config-snapshot.js).

use crate::config_reads::{self, Reads, Step};
use crate::js_answer::{strings, JsObject};
use wasm_bindgen::prelude::*;

/// `pageConfig`'s answer (page.js's `ConfigStep`).
#[derive(Default)]
pub struct ConfigStep {
    /// Why the page passes through (KV's state, no config, an invalid one).
    pub bypass: Option<String>,
    /// Keys to read too before asking again; empty when the config is ready.
    pub more: Vec<String>,
    /// `"snapshot"` or `"json"`: how a config version new to the isolate was loaded.
    pub loaded: Option<String>,
    /// The isolate owes KV a snapshot: call `configSnapshot` after the response.
    pub owes: bool,
    /// The config version the API Worker is to compile (`compileSnapshot`); its answer is the
    /// value of the one key in `more`.
    pub compile: Option<u64>,
}

impl ConfigStep {
    fn to_js(&self) -> JsValue {
        JsObject::new()
            .set("bypass", self.bypass.as_deref())
            .set("more", strings(&self.more))
            .set("loaded", self.loaded.as_deref())
            .set("owes", self.owes)
            .set("compile", self.compile.map(|n| n as f64))
            .build()
    }
}

/// `pageConfig`: the isolate's config from the keys read so far, every round's in order, and
/// each one's value as KV answered it (read as `"arrayBuffer"`; `null` when absent); or the
/// keys it still needs. `compiled`: the version the API Worker was asked to compile (its
/// snapshot is the value of the last key read, `null` when it did not), `unreachable` when the
/// asking failed. Plain arguments rather than one object: no deserializer to carry.
#[wasm_bindgen(js_name = pageConfig)]
pub fn page_config(
    now: f64,
    keys: Vec<String>,
    values: Vec<JsValue>,
    compiled: Option<f64>,
    unreachable: bool,
) -> JsValue {
    let mut reads = Reads::default();
    reads.compiled = compiled.map(|n| n as u64);
    reads.unreachable = unreachable;
    step(now, keys, values, &mut reads).to_js()
}

fn step(now: f64, keys: Vec<String>, values: Vec<JsValue>, reads: &mut Reads) -> ConfigStep {
    for (key, value) in keys.into_iter().zip(values) {
        let bytes = (!value.is_null()).then(|| js_sys::Uint8Array::new(&value).to_vec());
        reads.push(key, bytes);
    }
    match config_reads::step(reads, now) {
        Ok(Step::Ready(_, loaded)) => ConfigStep {
            loaded: loaded.map(|l| l.as_str().to_string()),
            owes: config_reads::owes(),
            ..ConfigStep::default()
        },
        Ok(Step::More(more)) => ConfigStep {
            more,
            ..ConfigStep::default()
        },
        Ok(Step::Compile(n)) => ConfigStep {
            more: vec![signpost::snapshot::key(n)],
            compile: Some(n),
            ..ConfigStep::default()
        },
        Err(e) => {
            worker::console_warn!("signpost: bypass: {e}");
            ConfigStep {
                bypass: Some(e.reason().into()),
                ..ConfigStep::default()
            }
        }
    }
}

/// A snapshot owed to KV: its bytes, and the keys to write them under.
#[wasm_bindgen(getter_with_clone)]
pub struct OwedSnapshot {
    pub keys: Vec<String>,
    pub bytes: Vec<u8>,
}

/// `configSnapshot`: the snapshot this isolate owes KV (encoded now, off the response path),
/// and the keys to write; the debt is then gone.
#[wasm_bindgen(js_name = configSnapshot)]
pub fn config_snapshot() -> Option<OwedSnapshot> {
    let (keys, bytes) = config_reads::take_owed()?;
    Some(OwedSnapshot { keys, bytes })
}
