//! The SDK's limits (sdk-js/src/limits.js) are generated from the core's (src/limits.rs) by
//! `signpost limits --js`, which `make sdk` runs; this fails when the committed copy is stale,
//! so a change to a limit cannot reach the endpoint without reaching the SDK.

use std::process::Command;

#[test]
fn the_sdk_copy_of_the_limits_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sdk-js/src/limits.js");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == signpost::limits::js_module(),
        "{path} differs from src/limits.rs: run `cargo run -q -- limits --js > sdk-js/src/limits.js`"
    );
}

#[test]
fn the_cli_prints_the_module() {
    let out = Command::new(env!("CARGO_BIN_EXE_signpost"))
        .args(["limits", "--js"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text, signpost::limits::js_module());
    assert!(text.contains("export const MAX_BATCH_EVENTS = 50;"));
    assert!(text.contains("export const EVENT_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;"));
}
