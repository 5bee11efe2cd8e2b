//! `signpost ingest`: server events from a file (a backfill, a script, a replay of orders) into
//! a running Worker's `POST /__signpost/ingest`, as the site's backend sends them.
//!
//! The file is an ingest body (`{"events": [...]}`) or a plain list of events; it is sent in
//! calls of at most [`MAX_INGEST_EVENTS`] events and [`MAX_INGEST_BODY_BYTES`] bytes, in order.
//! Every event carries its own `id`, so running the same file again counts nothing twice: the
//! Worker answers `duplicate` for what it has.

use crate::args::Ingest;
use crate::{http, read_json, usage, Fail};
use serde_json::Value;
use signpost::limits::{MAX_INGEST_BODY_BYTES, MAX_INGEST_EVENTS};

/// One entry of the Worker's `results`.
#[derive(serde::Deserialize)]
struct Outcome {
    id: Option<String>,
    status: String,
    error: Option<String>,
}

/// What the calls so far came to.
#[derive(Default)]
struct Tally {
    accepted: usize,
    duplicate: usize,
    rejected: usize,
    calls: usize,
}

impl Tally {
    fn summary(&self, total: usize) -> String {
        let sent = self.accepted + self.duplicate + self.rejected;
        let of = if sent == total {
            String::new()
        } else {
            format!(" of {total}")
        };
        format!(
            "{sent}{of} events in {} call{}: {} accepted, {} duplicate, {} rejected",
            self.calls,
            if self.calls == 1 { "" } else { "s" },
            self.accepted,
            self.duplicate,
            self.rejected
        )
    }
}

/// Sends the file's events; exit 1 when any was rejected, 2 when a call failed.
pub(crate) fn ingest(a: &Ingest) -> Result<(), Fail> {
    let file = &a.file;
    let env = &a.token_env;
    let token = std::env::var(env)
        .ok()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            usage(
                "ingest",
                format!(
                "ingest needs the ingest token in {env} (make dev writes SIGNPOST_INGEST_TOKEN to .dev.vars)"
            ),
            )
        })?;
    let events = match read_json(file)? {
        Value::Array(list) => list,
        Value::Object(mut o) => match o.remove("events") {
            Some(Value::Array(list)) => list,
            _ => {
                return Err(Fail(
                    format!("{file}: expected {{\"events\": [...]}} or a JSON list of events"),
                    2,
                ))
            }
        },
        _ => {
            return Err(Fail(
                format!("{file}: expected {{\"events\": [...]}} or a JSON list of events"),
                2,
            ))
        }
    };
    let url = http::endpoint(&a.url, "ingest");

    let mut tally = Tally::default();
    let mut start = 0;
    while start < events.len() {
        let (body, n) = next_call(&events[start..]);
        let outcomes = match body {
            Some(body) => {
                let results = post(&url, &token, &body).and_then(|r| {
                    if r.len() == n {
                        Ok(r)
                    } else {
                        Err(Fail(
                            format!("{url}: {} results for {n} events", r.len()),
                            2,
                        ))
                    }
                });
                // What went before this call is in, whatever becomes of it.
                let results =
                    results.inspect_err(|_| println!("{}", tally.summary(events.len())))?;
                tally.calls += 1;
                results
            }
            // One event over the size of a whole call: refused here, the rest still go.
            None => vec![Outcome {
                id: events[start]
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                status: "rejected".into(),
                error: Some(format!(
                    "events[0]: over {MAX_INGEST_BODY_BYTES} bytes, more than one call may carry"
                )),
            }],
        };
        for (i, o) in outcomes.into_iter().enumerate() {
            report(start, i, o, &mut tally);
        }
        start += n;
    }
    println!("{}", tally.summary(events.len()));
    if tally.rejected > 0 {
        return Err(Fail(
            format!(
                "ingest: {} of {} events rejected",
                tally.rejected,
                events.len()
            ),
            1,
        ));
    }
    Ok(())
}

/// The body of the next call and how many events it carries: as many as the limits allow
/// (at least one). `None` when the first event alone is over the size limit.
fn next_call(events: &[Value]) -> (Option<String>, usize) {
    const WRAPPER: usize = r#"{"events":[]}"#.len();
    let mut parts = Vec::new();
    let mut size = WRAPPER;
    for e in events.iter().take(MAX_INGEST_EVENTS) {
        let text = e.to_string();
        let add = text.len() + usize::from(!parts.is_empty());
        if size + add > MAX_INGEST_BODY_BYTES {
            break;
        }
        size += add;
        parts.push(text);
    }
    if parts.is_empty() {
        return (None, 1);
    }
    let n = parts.len();
    (Some(format!(r#"{{"events":[{}]}}"#, parts.join(","))), n)
}

/// Prints a line for an event that was not accepted; its error's path counts in the file.
fn report(start: usize, i: usize, o: Outcome, tally: &mut Tally) {
    let id =
        o.id.as_deref()
            .map_or("(no id)".into(), |s| format!("{s:?}"));
    match o.status.as_str() {
        "accepted" => tally.accepted += 1,
        "duplicate" => {
            tally.duplicate += 1;
            println!("duplicate events[{}] {id}: already ingested", start + i);
        }
        _ => {
            tally.rejected += 1;
            let error = o.error.unwrap_or_else(|| o.status.clone());
            let error = match error.strip_prefix(&format!("events[{i}]")) {
                Some(rest) => format!("events[{}]{rest}", start + i),
                None => error,
            };
            println!("rejected  events[{}] {id}: {error}", start + i);
        }
    }
}

/// One call; the Worker's answer per event.
fn post(url: &str, token: &str, body: &str) -> Result<Vec<Outcome>, Fail> {
    let answer = http::call("POST", url, token, Some(body))?;
    if answer.status != 200 {
        return Err(answer.fail(
            url,
            "the Worker refused the token: is it the Worker's SIGNPOST_INGEST_TOKEN?",
        ));
    }
    #[derive(serde::Deserialize)]
    struct Results {
        results: Vec<Outcome>,
    }
    serde_json::from_str::<Results>(&answer.body)
        .map(|a| a.results)
        .map_err(|e| Fail(format!("{url}: not an ingest answer: {e}"), 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn calls_carry_at_most_the_limits() {
        let events: Vec<Value> = (0..1203).map(|i| json!({"id": format!("e{i}")})).collect();
        let (body, n) = next_call(&events);
        assert_eq!(n, MAX_INGEST_EVENTS);
        let v: Value = serde_json::from_str(&body.unwrap()).unwrap();
        assert_eq!(v["events"].as_array().unwrap().len(), n);
        assert_eq!(v["events"][0], events[0]);

        let big = "x".repeat(MAX_INGEST_BODY_BYTES / 3);
        let events: Vec<Value> = (0..4).map(|i| json!({"id": i, "note": big})).collect();
        let (body, n) = next_call(&events);
        assert_eq!(n, 2);
        assert!(body.unwrap().len() <= MAX_INGEST_BODY_BYTES);

        let huge = [json!({"id": "h", "note": "x".repeat(MAX_INGEST_BODY_BYTES)})];
        assert_eq!(next_call(&huge), (None, 1));
    }
}
