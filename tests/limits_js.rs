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

/// The SDK package is released with the Worker: the same version, so the state's `writer`
/// equals the SDK's `VERSION` exactly when both come from one release.
#[test]
fn the_sdk_package_has_the_workspace_version() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sdk-js/package.json");
    let pkg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        pkg["version"],
        env!("CARGO_PKG_VERSION"),
        "{path}: bump it with the workspace's version in Cargo.toml"
    );
    assert!(signpost::limits::js_module().contains(&format!(
        "export const VERSION = \"{}\";",
        env!("CARGO_PKG_VERSION")
    )));
}
