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
fn usage_errors_exit_2_with_the_command_usage() {
    for (args, says) in [
        (&["frobnicate"][..], "unrecognized subcommand 'frobnicate'"),
        (&["validate"], "Usage: signpost validate"),
        (
            &["simulate", "--config", "examples/config.json"],
            "--url <URL>",
        ),
        (&["validate", "examples/config.json", "--nope"], "'--nope'"),
        (
            &["rollback", "--to", "two"],
            "invalid value 'two' for '--to",
        ),
        (&["versions", "--local", "--remote"], "cannot be used with"),
        (
            &[
                "simulate", "--config", "x", "--url", "/", "--header", "no colon",
            ],
            "'name: value'",
        ),
        (
            &["simulate", "--config", "x", "--url", "/", "--at", "tuesday"],
            "--at <TIME>",
        ),
        (
            &["report", "--url", "localhost:8787"],
            "expected http://host",
        ),
        (
            &["rewrite", "page.html"],
            "--plan <PLAN.json>|--state <STATE.json>",
        ),
        (&["limits"], "--js"),
        (&[], "Usage: signpost <COMMAND>"),
    ] {
        let (code, out, err) = signpost(args);
        assert_eq!(code, 2, "{args:?}\n{out}{err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
    }
}

#[test]
fn exit_codes_tell_success_a_no_and_a_failure_apart() {
    // 0: it worked; 1: the answer is no (a failing journey); 2: it could not be done.
    assert_eq!(signpost(&["journeys", "examples/journeys.json"]).0, 0);
    let journeys = std::fs::read_to_string("examples/journeys.json").unwrap();
    let mut failing: serde_json::Value = serde_json::from_str(&journeys).unwrap();
    failing["config"] = format!("{}/examples/config.json", env!("CARGO_MANIFEST_DIR")).into();
    failing["catalog"] = format!("{}/examples/catalog.json", env!("CARGO_MANIFEST_DIR")).into();
    // A first visit is "browsing"; expecting more of it fails that step.
    failing["journeys"][0]["steps"][0]["expect"]["tier"] = "ready_to_buy".into();
    let (code, out, err) = signpost(&["journeys", &temp("failing.json", &failing.to_string())]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("first-visit-gets-defaults"), "{out}");
    let (code, _, err) = signpost(&["validate", "examples/no-such-config.json"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("cannot read examples/no-such-config.json"),
        "{err}"
    );
}

/// Every command, as `signpost --help` lists them.
const COMMANDS: &[&str] = &[
    "validate",
    "diff",
    "publish",
    "publish-catalog",
    "signal",
    "versions",
    "rollback",
    "journeys",
    "report",
    "deliveries",
    "ingest",
    "rewrite",
    "simulate",
    "limits",
    "completions",
];

#[test]
fn every_command_has_clap_help() {
    let (code, out, _) = signpost(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Usage: signpost <COMMAND>"), "{out}");
    assert!(out.contains("Exit codes:\n  0  success"), "{out}");
    let listed: Vec<&str> = out
        .split("Commands:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert_eq!(listed, COMMANDS);
    for command in COMMANDS {
        for help in [vec![*command, "--help"], vec!["help", command]] {
            let (code, out, err) = signpost(&help);
            assert_eq!(code, 0, "{help:?}: {err}");
            assert!(
                out.contains(&format!("Usage: signpost {command}")),
                "{help:?}: {out}"
            );
            // Every flag and argument says what it is for, after two spaces.
            for line in out.lines().map(str::trim) {
                if line.starts_with(['-', '<']) {
                    let text = line.split_once("  ").map(|(_, t)| t.trim());
                    assert!(text.is_some_and(|t| !t.is_empty()), "{command}: {line:?}");
                }
            }
        }
    }
    let (code, out, _) = signpost(&["--version"]);
    assert_eq!(
        (code, out.trim()),
        (0, concat!("signpost ", env!("CARGO_PKG_VERSION")))
    );
}

#[test]
fn completions_cover_the_commands_and_their_flags() {
    let (code, bash, _) = signpost(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(bash.contains("complete -F _signpost"), "{bash}");
    for word in [
        "publish-catalog",
        "--persist-to",
        "--save-profile",
        "--token-env",
    ] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let (code, out, err) = signpost(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains("publish-catalog"), "{shell}");
    }
    assert_eq!(signpost(&["completions", "tcsh"]).0, 2);
}
