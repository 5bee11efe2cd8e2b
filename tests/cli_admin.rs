//! The commands that call a running Worker with the admin token (`report`, `deliveries`,
//! `signal --url`) against a real local HTTP server (std::net) that answers as told: the
//! request they make, what they print, and the errors when no good answer comes.

use serde_json::{json, Value};
use std::process::Command;
use std::sync::{Arc, Mutex};

const TOKEN: &str = "admin-test-token";

mod common;
use common::{json_reply, Reply};

/// Serves `reply` for every request; its URL and the requests seen.
fn serve(reply: Reply) -> (String, Arc<Mutex<Vec<common::Request>>>) {
    common::serve(move |_| reply.clone())
}

/// A reply with no JSON: status line, extra header lines, body.
fn raw(status: &str, headers: &str, body: &str) -> Reply {
    Reply {
        status: status.into(),
        headers: headers.into(),
        body: body.into(),
    }
}

fn signpost(args: &[&str], token: Option<&str>) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_signpost"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("SIGNPOST_ADMIN_TOKEN");
    if let Some(t) = token {
        cmd.env("SIGNPOST_ADMIN_TOKEN", t);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn deliveries_get_with_the_token_and_print_a_line_per_destination() {
    let answer = json!({"destinations": {"email": {"delivered": 4, "retried": 1, "failed": 0,
        "dead": 0, "errors": []}}});
    let (url, seen) = serve(json_reply("200 OK", &answer.clone()));
    let (code, out, err) = signpost(&["deliveries", "--url", &format!("{url}/")], Some(TOKEN));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "email: 4 delivered, 1 retried, 0 failed, 0 dead-lettered\n"
    );
    let (code, out, _) = signpost(&["deliveries", "--url", &url, "--json"], Some(TOKEN));
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), answer);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    for r in seen.iter() {
        assert_eq!(r.line, "GET /__signpost/admin/deliveries HTTP/1.1");
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
}

#[test]
fn signal_through_the_worker_posts_json_and_says_who_is_woken() {
    let (url, seen) = serve(json_reply(
        "200 OK",
        &json!({"signals": {"restock": {"product_ids": ["p-1"]}}, "woken": true}),
    ));
    let (code, out, err) = signpost(
        &[
            "signal",
            "restock",
            r#"{"product_ids": ["p-1"]}"#,
            "--url",
            &url,
        ],
        Some(TOKEN),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "set signal \"restock\"; signals now: restock; journeys that read signals are looking at every profile again\n"
    );
    let r = seen.lock().unwrap()[0].clone();
    assert_eq!(r.line, "POST /__signpost/signals HTTP/1.1");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("expect"), None);
    assert_eq!(
        serde_json::from_str::<Value>(&r.body).unwrap(),
        json!({"name": "restock", "data": {"product_ids": ["p-1"]}})
    );
}

#[test]
fn a_refused_token_names_the_status_the_workers_message_and_the_variable() {
    let (url, _) = serve(json_reply(
        "401 Unauthorized",
        &json!({"error": "a valid bearer token is required"}),
    ));
    let (code, out, err) = signpost(&["report", "--url", &url], Some("old-admin-token"));
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.starts_with(&format!(
            "{url}/__signpost/report: 401: a valid bearer token is required (is SIGNPOST_ADMIN_TOKEN"
        )),
        "{err}"
    );
    assert!(
        !err.contains("old-admin-token"),
        "the token is not printed: {err}"
    );
}

#[test]
fn other_answers_say_what_came() {
    // A body that is not JSON is quoted as it is.
    let (url, _) = serve(raw("502 Bad Gateway", "", "upstream broke\n"));
    let (code, _, err) = signpost(&["report", "--url", &url], Some(TOKEN));
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!("{url}/__signpost/report: 502: upstream broke\n")
    );
    // A redirect is not followed (the token goes only where it was sent): it says where to.
    let (url, seen) = serve(raw(
        "308 Permanent Redirect",
        "location: https://shop.example/__signpost/report\r\n",
        "",
    ));
    let (code, _, err) = signpost(&["report", "--url", &url], Some(TOKEN));
    assert_eq!(code, 2);
    assert!(
        err.contains("308: (no message) (redirected to https://shop.example/__signpost/report"),
        "{err}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
    // A 200 that is not a report.
    let (url, _) = serve(json_reply("200 OK", &json!({"hello": 1})));
    let (code, _, err) = signpost(&["report", "--url", &url], Some(TOKEN));
    assert_eq!(code, 2);
    assert!(
        err.starts_with("not a report: missing field `report`"),
        "{err}"
    );
}

#[test]
fn no_answer_names_the_url_and_why() {
    // A port nobody listens on: bound, then closed.
    let url = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let (code, out, err) = signpost(&["report", "--url", &url], Some(TOKEN));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.starts_with(&format!(
            "cannot reach {url}/__signpost/report: connection refused: is the Worker running there?"
        )),
        "{err}"
    );
    // Without the token nothing is sent: a usage error.
    let (code, _, err) = signpost(&["deliveries", "--url", &url], None);
    assert_eq!(code, 2);
    assert!(err.contains("SIGNPOST_ADMIN_TOKEN"), "{err}");
    assert!(err.contains("Usage: signpost deliveries"), "{err}");
}
