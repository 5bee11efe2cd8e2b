//! The API Worker compiles config versions for the page Worker, whose build has no compiler
//! (`config_reads::Step::Compile`): `compileSnapshot`, which the page Worker calls over its
//! `SIGNPOST_API` service binding (RPC, worker/js/api.js; no URL reaches it). It happens when
//! KV holds no snapshot this build loads: a config written to KV by hand, or published by
//! another build.

use crate::js_answer::JsObject;
use crate::store::{kv_err, StoreError, MAX_CONFIG_BYTES};
use futures_util::future::join;
use signpost::{snapshot, Engine};
use wasm_bindgen::prelude::*;
use worker::Env;

/// `compileSnapshot`: config version `version` compiled, as `{bytes}` (its snapshot, written
/// under `snapshot::key(version)` too), or `{reason, error}` (`reason` as `x-signpost`'s bypass
/// gives it).
#[wasm_bindgen(js_name = compileSnapshot, wasm_bindgen_futures = worker::wasm_bindgen_futures)]
pub async fn compile_snapshot(env: Env, version: f64) -> JsValue {
    match compile(&env, version as u64).await {
        Ok(bytes) => JsObject::new()
            .set("bytes", js_sys::Uint8Array::from(&bytes[..]))
            .build(),
        Err(e) => {
            worker::console_warn!("signpost: config {version} not compiled: {e}");
            JsObject::new()
                .set("reason", e.reason())
                .set("error", e.to_string())
                .build()
        }
    }
}

async fn compile(env: &Env, n: u64) -> Result<Vec<u8>, StoreError> {
    let kv = env.kv("SIGNPOST").map_err(kv_err)?;
    let key = format!("config:{n}");
    let (config, catalog) = join(kv.get(&key).text(), kv.get("catalog").text()).await;
    let config = config.map_err(kv_err)?.ok_or(StoreError::NoConfig)?;
    if config.len() > MAX_CONFIG_BYTES {
        return Err(StoreError::InvalidConfig(format!(
            "{key} is {} bytes, over the {MAX_CONFIG_BYTES} a config may have",
            config.len()
        )));
    }
    let catalog = catalog.map_err(kv_err)?;
    let engine = Engine::new(&config, catalog.as_deref())
        .map_err(|e| StoreError::InvalidConfig(e.to_string()))?;
    let bytes = snapshot::encode(n, catalog.as_deref(), &engine);
    // A cache: the next cold isolate of either Worker loads it; the page has it either way.
    let written = match kv.put_bytes(&snapshot::key(n), &bytes) {
        Ok(put) => put.execute().await,
        Err(e) => Err(e),
    };
    if let Err(e) = written {
        worker::console_warn!("signpost: config snapshot {n} not written: {e}");
    }
    Ok(bytes)
}
