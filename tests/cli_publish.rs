//! The publishing workflow of the `signpost` binary: `diff`, and `publish` → `versions` →
//! `rollback` end to end against wrangler's real local KV in a temporary `--persist-to`
//! directory (offline).

use serde_json::{json, Value};
use signpost::testutil::offer_mut;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn signpost(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_signpost"))
        .args(args)
        .current_dir(ROOT)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("signpost-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn example() -> Value {
    serde_json::from_str(include_str!("../examples/config.json")).unwrap()
}

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn diff_prints_one_line_per_change() {
    let dir = temp_dir("diff");
    let mut b = example();
    offer_mut(&mut b, "cart-reminder")["priority"] = 95.into();
    offer_mut(&mut b, "spring-email-landing")["schedule"]["start"] = "2026-04-01T00:00:00Z".into();
    b["offers"].as_array_mut().unwrap().push(json!({
        "id": "summer-sale", "slot": "banner", "priority": 65, "content": "Summer sale"
    }));
    b["holdout"]["percent"] = 10.into();
    let after = write(&dir, "after.json", &b);
    let (code, out, err) = signpost(&["diff", "examples/config.json", &after]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "offer \"cart-reminder\": priority 80 → 95",
            "offer \"spring-email-landing\": schedule moved: 2026-03-01T00:00:00Z until 2027-06-01T00:00:00Z → 2026-04-01T00:00:00Z until 2027-06-01T00:00:00Z",
            "offer \"summer-sale\" added: slot banner, priority 65",
            "holdout.percent: 5 → 10",
        ]
    );
    let (code, out, _) = signpost(&["diff", "examples/config.json", "examples/config.json"]);
    assert_eq!((code, out.as_str()), (0, "no changes\n"));
    let (code, _, err) = signpost(&["diff", "examples/config.json"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn an_invalid_config_is_refused_before_kv_is_touched() {
    let dir = temp_dir("invalid");
    let mut c = example();
    offer_mut(&mut c, "cart-reminder")["when"] = json!({"all": [{"segment": "cart_abandoner"}, {"fact": "request.path", "op": "equals", "value": "/"}]});
    let bad = write(&dir, "bad.json", &c);
    let kv = dir.join("kv");
    let (code, out, err) = signpost(&["publish", &bad, "--persist-to", kv.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("invalid config; nothing was published"),
        "{err}"
    );
    assert!(
        err.contains(
            "offers[3].when.all[1].op: unknown operator \"equals\"; expected one of eq, ne,"
        ),
        "{err}"
    );
    assert!(!out.contains("target:"), "{out}");
    assert!(!kv.exists(), "KV was touched");
    // Target flags are checked too.
    let (code, _, err) = signpost(&["versions", "--persist-to", "x", "--remote"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = signpost(&["rollback", "--to", "two"]);
    assert_eq!(code, 2, "{err}");
}

fn wrangler_get(kv: &Path, key: &str) -> String {
    String::from_utf8(wrangler_get_bytes(kv, key, true))
        .unwrap()
        .trim_end()
        .to_string()
}

/// A value in wrangler's local KV: its text (`text`), or its bytes as stored.
fn wrangler_get_bytes(kv: &Path, key: &str, text: bool) -> Vec<u8> {
    let out = Command::new(Path::new(ROOT).join("node_modules/.bin/wrangler"))
        .args(["kv", "key", "get", key, "--binding", "SIGNPOST", "--local"])
        .args(if text { &["--text"][..] } else { &[][..] })
        .arg("--persist-to")
        .arg(kv)
        .current_dir(ROOT)
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("WRANGLER_HIDE_BANNER", "true")
        .env("WRANGLER_SEND_ERROR_REPORTS", "false")
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout
}

#[test]
fn publish_versions_rollback_through_wrangler_kv() {
    if !Path::new(ROOT).join("node_modules/.bin/wrangler").exists() {
        println!("skipped: node_modules/.bin/wrangler is missing (run `npm install`)");
        return;
    }
    let dir = temp_dir("publish");
    let kv = dir.join("kv");
    let kv_s = kv.to_str().unwrap();
    let v1 = "examples/config.json";
    let mut c2 = example();
    offer_mut(&mut c2, "cart-reminder")["priority"] = 95.into();
    let v2 = write(&dir, "v2.json", &c2);

    let (code, out, err) = signpost(&[
        "publish",
        v1,
        "--catalog",
        "examples/catalog.json",
        "--local",
        "--persist-to",
        kv_s,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("wrote catalog"), "{out}");
    assert!(out.contains("published config:1"), "{out}");
    // The compiled snapshot went through wrangler as bytes, and loads as the JSON compiles.
    let key = signpost::snapshot::key(1);
    assert!(out.contains(&format!("wrote {key}")), "{out}");
    let catalog = include_str!("../examples/catalog.json");
    let loaded =
        signpost::snapshot::decode(&wrangler_get_bytes(&kv, &key, false), 1, Some(catalog))
            .expect("the snapshot wrangler stored loads");
    let compiled =
        signpost::Engine::new(include_str!("../examples/config.json"), Some(catalog)).unwrap();
    assert_eq!(format!("{loaded:?}"), format!("{compiled:?}"));

    let (code, out, err) = signpost(&["publish", &v2, "--base", "1", "--persist-to", kv_s]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("published config:2 and moved config:current 1 → 2"),
        "{out}"
    );
    assert!(
        out.contains("  offer \"cart-reminder\": priority 80 → 95"),
        "{out}"
    );

    // An invalid config changes nothing.
    let mut bad = c2.clone();
    bad["timezone"] = "Mars/Olympus".into();
    let bad = write(&dir, "bad.json", &bad);
    let (code, _, err) = signpost(&["publish", &bad, "--persist-to", kv_s]);
    assert_eq!(code, 1);
    assert!(err.contains("timezone: unknown IANA timezone"), "{err}");

    // A draft based on version 1, published once 2 is live: refused, with what changed.
    let (code, out, err) = signpost(&["publish", v1, "--base", "1", "--persist-to", kv_s]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("version 2 went live after version 1, the one this draft was based on"),
        "{err}"
    );
    assert!(
        err.contains("changes from version 1 to 2:\n    offer \"cart-reminder\": priority 80 → 95"),
        "{err}"
    );

    let (code, out, err) = signpost(&["versions", "--persist-to", kv_s]);
    assert_eq!(code, 0, "{err}");
    // Each version, then its record (who, when, why) indented under it.
    let (versions, records): (Vec<&str>, Vec<&str>) = out
        .lines()
        .skip(1)
        .partition(|l| !l.starts_with("        "));
    assert_eq!(
        versions,
        [
            "     1  first version",
            "*    2  since 1: offer \"cart-reminder\": priority 80 → 95"
        ],
        "{out}"
    );
    assert_eq!(records.len(), 2, "{out}");
    assert!(
        records[1].ends_with(": \"published from the CLI\""),
        "{out}"
    );

    let (code, out, err) = signpost(&["rollback", "--persist-to", kv_s]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("moved config:current 2 → 1"), "{out}");
    assert!(
        out.contains("  offer \"cart-reminder\": priority 95 → 80"),
        "{out}"
    );
    assert_eq!(wrangler_get(&kv, "config:current"), "1");
    // The rolled-back version is still stored, unchanged, and can go live again.
    let stored: Value = serde_json::from_str(&wrangler_get(&kv, "config:2")).unwrap();
    assert_eq!(stored, c2);
    let (code, out, err) = signpost(&["rollback", "--to", "2", "--persist-to", kv_s]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(wrangler_get(&kv, "config:current"), "2");
    let (code, _, err) = signpost(&["rollback", "--to", "2", "--persist-to", kv_s]);
    assert_eq!(code, 1);
    assert!(err.contains("version 2 is already live"), "{err}");

    // Signals merge, as the Worker's POST /__signpost/signals does.
    let (code, _, err) = signpost(&[
        "signal",
        "restock",
        r#"{"product_ids":["tent-ultralight-1p"]}"#,
        "--persist-to",
        kv_s,
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = signpost(&["signal", "weather_advisory", "null", "--persist-to", kv_s]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("signals now: restock"), "{out}");
    let signals: Value = serde_json::from_str(&wrangler_get(&kv, "signals")).unwrap();
    assert_eq!(
        signals,
        json!({"restock": {"product_ids": ["tent-ultralight-1p"]}})
    );
    let catalog: Value = serde_json::from_str(&wrangler_get(&kv, "catalog")).unwrap();
    assert_eq!(catalog["currency"], "USD");
    let _ = std::fs::remove_dir_all(&dir);
}
