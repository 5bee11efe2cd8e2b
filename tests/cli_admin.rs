//! The commands that call a running Worker with the admin token (`report`, `deliveries`,
//! `signal --url`) against a real local HTTP server (std::net) that answers as told: the
//! request they make, what they print, and the errors when no good answer comes.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};

const TOKEN: &str = "admin-test-token";

/// A request the server saw: its first line, headers (lower-case names) and body.
#[derive(Debug, Clone)]
struct Request {
    line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The raw answer: status line and extra headers, body.
type Reply = (&'static str, &'static str, String);

/// Serves `reply` on a free port for every request; its URL and the requests seen.
fn serve(reply: Reply) -> (String, Arc<Mutex<Vec<Request>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                match h.trim_end().split_once(':') {
                    Some((n, v)) => headers.push((n.to_ascii_lowercase(), v.trim().to_string())),
                    None => break,
                }
            }
            let len = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            log.lock().unwrap().push(Request {
                line: line.trim_end().to_string(),
                headers,
                body: String::from_utf8(body).unwrap(),
            });
            let (status, extra, body) = &reply;
            write!(
                stream,
                "HTTP/1.1 {status}\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
    });
    (url, seen)
}

fn json_reply(status: &'static str, v: Value) -> Reply {
    (status, "content-type: application/json\r\n", v.to_string())
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
    let (url, seen) = serve(json_reply("200 OK", answer.clone()));
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
        json!({"signals": {"restock": {"product_ids": ["p-1"]}}, "woken": true}),
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
        json!({"error": "a valid bearer token is required"}),
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
    let (url, _) = serve(("502 Bad Gateway", "", "upstream broke\n".into()));
    let (code, _, err) = signpost(&["report", "--url", &url], Some(TOKEN));
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!("{url}/__signpost/report: 502: upstream broke\n")
    );
    // A redirect is not followed (the token goes only where it was sent): it says where to.
    let (url, seen) = serve((
        "308 Permanent Redirect",
        "location: https://shop.example/__signpost/report\r\n",
        String::new(),
    ));
    let (code, _, err) = signpost(&["report", "--url", &url], Some(TOKEN));
    assert_eq!(code, 2);
    assert!(
        err.contains("308: (no message) (redirected to https://shop.example/__signpost/report"),
        "{err}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
    // A 200 that is not a report.
    let (url, _) = serve(json_reply("200 OK", json!({"hello": 1})));
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
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
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
