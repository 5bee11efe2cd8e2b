//! `POST /__signpost/ingest`: events from the site's backend (see `signpost::ingest` for the
//! body), each sent to its profile's writer (`profiles`), so they count exactly once however
//! pages, devices and retries interleave. Authenticated by its own secret,
//! `SIGNPOST_INGEST_TOKEN`, not the admin token: a shop backend gets no editor rights.

use crate::answers::{body_within, error, json, unavailable};
use crate::cookies;
use crate::page::Visit;
use crate::profiles::{self, Op};
use futures_util::future::join_all;
use serde_json::json;
use signpost::batch::EventStatus;
use signpost::events::Event;
use signpost::ingest::{parse_ingest_body, IngestBatch};
use signpost::limits::MAX_INGEST_BODY_BYTES;
use signpost::session::constant_time_eq;
use std::collections::BTreeMap;
use worker::{Env, Request, Result};

pub async fn ingest(mut req: Request, env: &Env) -> Result<web_sys::Response> {
    let Some(token) = crate::text_binding(env, "SIGNPOST_INGEST_TOKEN").filter(|t| !t.is_empty())
    else {
        return error(
            401,
            "ingest is off: the Worker has no SIGNPOST_INGEST_TOKEN",
        );
    };
    let header = req.headers().get("authorization")?.unwrap_or_default();
    let given = header.strip_prefix("Bearer ").unwrap_or("").trim();
    if !constant_time_eq(given.as_bytes(), token.as_bytes()) {
        return error(
            401,
            "Authorization: Bearer <SIGNPOST_INGEST_TOKEN> is required",
        );
    }
    let body = match body_within(&mut req, MAX_INGEST_BODY_BYTES).await? {
        Ok(body) => body,
        Err(answer) => return Ok(answer),
    };
    let visit = Visit::new(&req, env)?;
    let test_ids = visit.test_hooks;
    let visitor_ok =
        |v: &str| cookies::valid_visitor_id(v) || (test_ids && cookies::valid_test_visitor_id(v));
    let mut batch = match parse_ingest_body(&body, &visitor_ok) {
        Ok(b) => b,
        Err(e) => return error(400, &e.to_string()),
    };
    if env.durable_object(profiles::BINDING).is_err() {
        return unavailable("ingest needs the SIGNPOST_PROFILES Durable Object (wrangler.toml)");
    }
    record(env, &mut batch, visit.now).await;
    json(200, &json!({ "results": batch.results }))
}

/// Sends each profile's events to its writer, all profiles at once, and marks each event's
/// result. Events of a writer that failed are rejected with the reason, to be sent again.
async fn record(env: &Env, batch: &mut IngestBatch, now: i64) {
    let mut by_key: BTreeMap<String, (Vec<usize>, Vec<Event>)> = BTreeMap::new();
    for (index, target, event) in std::mem::take(&mut batch.events) {
        let entry = by_key.entry(target.profile_key()).or_default();
        entry.0.push(index);
        entry.1.push(event);
    }
    let calls = by_key
        .into_iter()
        .map(|(key, (indexes, events))| async move {
            let op = Op::Ingest { key, events, now };
            (indexes, profiles::send(env, &op).await)
        });
    for (indexes, answer) in join_all(calls).await {
        match answer {
            Ok(Some(reply)) if reply.statuses.len() == indexes.len() => {
                for (i, status) in indexes.into_iter().zip(reply.statuses) {
                    batch.mark(i, status, None);
                }
            }
            other => {
                let why = match other {
                    Err(e) => e.to_string(),
                    _ => "the profile's writer gave no answer".into(),
                };
                worker::console_warn!("signpost: ingest: events not stored: {why}");
                for i in indexes {
                    let error = format!("not stored ({why}); send it again");
                    batch.mark(i, EventStatus::Rejected, Some(error));
                }
            }
        }
    }
}
