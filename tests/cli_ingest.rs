//! `signpost ingest` against a real local HTTP server (std::net, one thread) that plays the
//! Worker's `POST /__signpost/ingest`: the calls it makes, the token, what it prints and its
//! exit codes.

use serde_json::{json, Value};
use std::process::Command;
use std::sync::{Arc, Mutex};

const TOKEN: &str = "ingest-test-token";

mod common;
use common::Request as Seen;

type Answer = Box<dyn Fn(&Seen) -> (u16, Value) + Send>;

/// Serves `answer`'s JSON on a free port until the test ends; its URL and what it saw.
fn server(answer: Answer) -> (String, Arc<Mutex<Vec<Seen>>>) {
    common::serve(move |req| {
        let (status, out) = answer(req);
        common::json_reply(&format!("{status} X"), &out)
    })
}

/// Accepts every event, but for ids starting "dup" (seen before) and "bad" (refused, with an
/// error whose path counts in the call, as the Worker's do).
fn worker_like() -> Answer {
    Box::new(|req| {
        if req.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
            return (401, json!({"error": "ingest: missing or wrong token"}));
        }
        let results: Vec<Value> = req.json()["events"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let id = e["id"].as_str().unwrap_or("");
                if id.starts_with("dup") {
                    json!({"id": id, "status": "duplicate"})
                } else if id.starts_with("bad") {
                    json!({"id": id, "status": "rejected", "error": format!("events[{i}].total: expected a number")})
                } else {
                    json!({"id": id, "status": "accepted"})
                }
            })
            .collect();
        (200, json!({ "results": results }))
    })
}

fn signpost(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_signpost"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("SIGNPOST_INGEST_TOKEN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn file(name: &str, v: &Value) -> String {
    let dir = std::env::temp_dir().join(format!("signpost-cli-ingest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p.to_string_lossy().into_owned()
}

fn purchase(id: String) -> Value {
    json!({"user": "cust-42", "type": "purchase", "id": id, "at": "2026-11-20T10:00:00Z", "total": 120})
}

#[test]
fn a_list_goes_in_calls_of_500_and_each_refusal_gets_a_line() {
    let (url, seen) = server(worker_like());
    let mut events: Vec<Value> = (0..1203).map(|i| purchase(format!("o-{i}"))).collect();
    events[3] = purchase("dup-3".into());
    events[777] = purchase("bad-777".into());
    let f = file("list.json", &Value::Array(events.clone()));
    let token = [("SIGNPOST_INGEST_TOKEN", TOKEN)];
    let (code, out, err) = signpost(&["ingest", &f, "--url", &format!("{url}/")], &token);
    assert_eq!(code, 1, "a rejected event fails the run\n{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "duplicate events[3] \"dup-3\": already ingested",
            "rejected  events[777] \"bad-777\": events[777].total: expected a number",
            "1203 events in 3 calls: 1201 accepted, 1 duplicate, 1 rejected",
        ]
    );
    assert!(err.contains("ingest: 1 of 1203 events rejected"), "{err}");
    let seen = seen.lock().unwrap();
    let sizes: Vec<usize> = seen
        .iter()
        .map(|s| s.json()["events"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [500, 500, 203]);
    for s in seen.iter() {
        assert_eq!(s.line, "POST /__signpost/ingest HTTP/1.1");
        assert_eq!(s.header("content-type"), Some("application/json"));
        assert_eq!(s.header("expect"), None);
    }
    let sent: Vec<Value> = seen
        .iter()
        .flat_map(|s| s.json()["events"].as_array().unwrap().clone())
        .collect();
    assert_eq!(sent, events, "every event, as written, in order");
}

#[test]
fn an_ingest_body_all_accepted_exits_0_and_the_token_env_can_be_named() {
    let (url, seen) = server(worker_like());
    let body = json!({"events": [purchase("a".into()), purchase("b".into())]});
    let f = file("body.json", &body);
    let (code, out, err) = signpost(
        &["ingest", &f, "--url", &url, "--token-env", "SHOP_TOKEN"],
        &[("SHOP_TOKEN", TOKEN)],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out,
        "2 events in 1 call: 2 accepted, 0 duplicate, 0 rejected\n"
    );
    assert_eq!(seen.lock().unwrap()[0].json(), body);
    // The token is never printed.
    assert!(!err.contains(TOKEN));
}

#[test]
fn a_wrong_token_a_refused_body_and_no_token_end_with_2() {
    let (url, seen) = server(worker_like());
    let f = file("one.json", &json!([purchase("x".into())]));
    let (code, out, err) = signpost(
        &["ingest", &f, "--url", &url],
        &[("SIGNPOST_INGEST_TOKEN", "stale-token-4711")],
    );
    assert_eq!(code, 2, "{out}{err}");
    // The status, the Worker's own message, and which token to check.
    assert!(
        err.contains("/__signpost/ingest: 401: ingest: missing or wrong token"),
        "{err}"
    );
    assert!(err.contains("SIGNPOST_INGEST_TOKEN"), "{err}");
    assert_eq!(
        out,
        "0 of 1 events in 0 calls: 0 accepted, 0 duplicate, 0 rejected\n"
    );
    assert!(
        !err.contains("stale-token"),
        "the token is not printed: {err}"
    );

    let (code, _, err) = signpost(&["ingest", &f, "--url", &url], &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("ingest needs the ingest token in SIGNPOST_INGEST_TOKEN"),
        "{err}"
    );
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "nothing sent without a token"
    );

    let (url, _) = server(Box::new(|_| {
        (413, json!({"error": "ingest: body over 1048576 bytes"}))
    }));
    let (code, _, err) = signpost(
        &["ingest", &f, "--url", &url],
        &[("SIGNPOST_INGEST_TOKEN", TOKEN)],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("413: ingest: body over 1048576 bytes"),
        "{err}"
    );
}

#[test]
fn a_file_that_holds_no_events_is_a_usage_error() {
    let token = [("SIGNPOST_INGEST_TOKEN", TOKEN)];
    let f = file("nothing.json", &json!({"orders": []}));
    let (code, _, err) = signpost(&["ingest", &f], &token);
    assert_eq!(code, 2);
    assert!(
        err.contains("expected {\"events\": [...]} or a JSON list of events"),
        "{err}"
    );
    let (code, _, err) = signpost(&["ingest"], &token);
    assert_eq!(code, 2);
    assert!(err.contains("Usage: signpost ingest"), "{err}");
}
