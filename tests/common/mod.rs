//! A real local HTTP server for the CLI's tests (std::net, one thread): it keeps each request
//! and answers what the test's function says. Shared by the tests that run commands calling a
//! Worker (`cli_admin.rs`, `cli_ingest.rs`).

// Each test crate compiles this module on its own and uses part of it.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A request the server saw: its first line, headers (lower-case names) and body.
#[derive(Debug, Clone)]
pub struct Request {
    pub line: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`null` when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// An answer: the status line's rest ("200 OK"), extra header lines (each ending "\r\n"), body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: String,
    pub headers: String,
    pub body: String,
}

/// A JSON answer with `status` ("200 OK").
pub fn json_reply(status: &str, v: &Value) -> Reply {
    Reply {
        status: status.into(),
        headers: "content-type: application/json\r\n".into(),
        body: v.to_string(),
    }
}

/// Serves `answer(request)` on a free port until the test ends; its URL and what it saw.
pub fn serve(
    answer: impl Fn(&Request) -> Reply + Send + 'static,
) -> (String, Arc<Mutex<Vec<Request>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let req = read_request(&mut BufReader::new(stream.try_clone().unwrap()));
            let reply = answer(&req);
            log.lock().unwrap().push(req);
            write!(
                stream,
                "HTTP/1.1 {}\r\n{}content-length: {}\r\nconnection: close\r\n\r\n{}",
                reply.status,
                reply.headers,
                reply.body.len(),
                reply.body
            )
            .unwrap();
        }
    });
    (url, seen)
}

fn read_request(reader: &mut impl BufRead) -> Request {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        match h.trim_end().split_once(':') {
            Some((n, v)) => headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string())),
            None => break,
        }
    }
    let len = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    Request {
        line: line.trim_end().to_string(),
        headers,
        body: String::from_utf8(body).unwrap(),
    }
}
