//! The `signpost` binary: exit codes and what it prints.

use std::process::Command;

fn signpost(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_signpost"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp(name: &str, body: &str) -> String {
    let dir = std::env::temp_dir().join(format!("signpost-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn validate_accepts_the_example() {
    let (code, out, _) = signpost(&[
        "validate",
        "examples/config.json",
        "--catalog",
        "examples/catalog.json",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("valid (13 offers"), "{out}");
    assert!(out.contains("5 actions to 2 destinations"), "{out}");
}

#[test]
fn validate_rejects_with_every_path() {
    let mut c: serde_json::Value =
        serde_json::from_str(include_str!("../examples/config.json")).unwrap();
    c["offers"][3]["when"] = serde_json::json!({"all": [{"segment": "cart_abandoner"}, {"fact": "request.path", "op": "equals", "value": "/"}]});
    c["timezone"] = "Mars/Olympus".into();
    let path = temp("broken.json", &c.to_string());
    let (code, _, err) = signpost(&["validate", &path]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "offers[3].when.all[1].op: unknown operator \"equals\"; expected one of eq, ne,"
        ),
        "{err}"
    );
    assert!(
        err.contains("timezone: unknown IANA timezone \"Mars/Olympus\""),
        "{err}"
    );
}

#[test]
fn journeys_pass_and_fail_with_details() {
    let (code, out, _) = signpost(&["journeys", "examples/journeys.json"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("24 journeys, 24 passed, 0 failed"), "{out}");

    let failing = r#"{"journeys":[{"name":"wrong","visitor":"exp-000","steps":[
        {"at":"2026-11-20T17:00:00Z","request":{"url":"/products/boot-granite-mid"}},
        {"at":"2026-11-20T17:01:00Z","request":{"url":"/compare"},"expect":{"slots":{"hero":"compare-help/reviews"},"tier":"ready_to_buy"}}]}]}"#;
    let path = temp("failing.json", failing);
    let root = env!("CARGO_MANIFEST_DIR");
    let (code, out, _) = signpost(&[
        "journeys",
        &path,
        "--config",
        &format!("{root}/examples/config.json"),
        "--catalog",
        &format!("{root}/examples/catalog.json"),
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains("slot hero: expected compare-help/reviews, got compare-help/guide"),
        "{out}"
    );
    assert!(
        out.contains("tier: expected ready_to_buy, got comparing"),
        "{out}"
    );
    assert!(out.contains("expected: {"), "{out}");
    assert!(
        out.contains("[SHOWN] compare-help/guide"),
        "the explanation is printed: {out}"
    );
}

#[test]
fn simulate_prints_plan_and_explanation() {
    let (code, out, err) = signpost(&[
        "simulate",
        "--config",
        "examples/config.json",
        "--catalog",
        "examples/catalog.json",
        "--url",
        "/compare",
        "--at",
        "2026-11-20T17:01:00Z",
        "--visitor",
        "exp-000",
        "--event",
        r#"{"type":"product_view","product_id":"boot-granite-mid"}"#,
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["tier"], "comparing");
    let hero = v["plan"]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["slot"] == "hero")
        .unwrap();
    assert_eq!(hero["variant"], "guide");
    assert!(hero["html"]
        .as_str()
        .unwrap()
        .contains("Not sure which boots"));
    assert!(v["explanation"]["offers"].as_array().unwrap().len() == 13);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(signpost(&["frobnicate"]).0, 2);
    assert_eq!(signpost(&["validate"]).0, 2);
    assert_eq!(
        signpost(&["simulate", "--config", "examples/config.json"]).0,
        2
    );
}
