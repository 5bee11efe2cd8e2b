//! `POST /__signpost/admin/audience`: how many visitors of the last 7 days a segment or an
//! offer's condition would match, for the editor to show beside what is being built. The
//! counting is `signpost::audience`'s; this reads its inputs: the measurement rows in D1 and a
//! sample of stored profiles from KV.
//!
//! The sample is the first [`SAMPLE`] keys of a `profile:` listing. Visitor ids are random, so
//! the first keys in KV's (lexicographic) order are a random draw of the stored profiles; the
//! same draw each time, which keeps the figure steady while a condition is edited. One list
//! and at most [`SAMPLE`] reads stay far under a Worker's 1,000 KV operations per request.

use crate::admin::compile;
use crate::answers::{error, json, unavailable};
use crate::page::Visit;
use crate::{measure, store};
use serde::Deserialize;
use serde_json::json;
use signpost::audience::{self, Audience, WINDOW_DAYS};
use signpost::measure::sql::{ACTIVE_VISITORS, SEGMENT_VISITORS};
use signpost::time::DAY;
use signpost::{Engine, Profile};
use std::rc::Rc;
use worker::kv::KvStore;
use worker::{Env, Request, Result};

/// Profiles read per answer.
const SAMPLE: u64 = 200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AudienceRequest {
    /// The draft the segment or offer is in; `None`: the live config.
    config: Option<String>,
    segment: Option<String>,
    offer: Option<String>,
}

/// `{"config"?, "segment" | "offer"}` -> `{"window_days", "visitors", "members", "sample",
/// "estimate", "method"}`; `visitors` and `members` are `null` without measurement.
pub async fn handle(req: &mut Request, env: &Env, kv: &KvStore) -> Result<web_sys::Response> {
    let body = req.bytes().await?;
    let q: AudienceRequest = match serde_json::from_slice(&body) {
        Ok(q) => q,
        Err(e) => return error(400, &format!("body: {e}")),
    };
    let which = match (q.segment, q.offer) {
        (Some(s), None) => Audience::Segment(s),
        (None, Some(o)) => Audience::Offer(o),
        _ => return error(400, "body: name one of \"segment\" or \"offer\""),
    };
    let now = Visit::new(req, env)?.now;
    let engine: Rc<Engine> = match &q.config {
        Some(draft) => match compile(kv, draft).await {
            Ok(e) => Rc::new(e),
            Err(v) => return json(400, &v),
        },
        None => match store::live(kv, now as f64).await {
            Ok(live) => live.engine,
            Err(e) => return unavailable(&e.to_string()),
        },
    };
    let profiles = match sample(kv).await {
        Ok(p) => p,
        Err(e) => return unavailable(&e),
    };
    let tally = match audience::tally(&engine, &which, &profiles, now) {
        Ok(t) => t,
        Err(e) => return error(400, &e.to_string()),
    };
    // The rows name the segments of the live config: a segment only the draft has was never
    // measured, and the sample judges it.
    let measured_segment = match (&which, &q.config) {
        (Audience::Segment(s), Some(_)) => store::live(kv, now as f64)
            .await
            .is_ok_and(|live| live.engine.config().segments.iter().any(|x| &x.name == s)),
        (Audience::Segment(_), None) => true,
        (Audience::Offer(_), _) => false,
    };
    let range = [(now - WINDOW_DAYS * DAY).into(), (now + 1).into()];
    let measured = async {
        let visitors = measure::count(env, ACTIVE_VISITORS, &range).await?;
        let members = match &which {
            Audience::Segment(s) if measured_segment && visitors.is_some() => {
                let params = [range[0].clone(), range[1].clone(), s.as_str().into()];
                measure::count(env, SEGMENT_VISITORS, &params).await?
            }
            _ => None,
        };
        Ok::<_, String>((visitors, members))
    };
    // Measurement failing leaves the sample's answer, said so.
    let (visitors, members) = measured.await.unwrap_or((None, None));
    let (estimate, method) = match (members, visitors) {
        (Some(m), _) => (Some(m), "measurement: members seen in the window"),
        (None, Some(v)) => (
            tally.estimate(v),
            "sample: the share of active stored profiles that match, times measured visitors",
        ),
        (None, None) => (None, "sample only: measurement is off"),
    };
    json(
        200,
        &json!({
            "window_days": WINDOW_DAYS,
            "visitors": visitors,
            "members": members,
            "sample": tally,
            "share": tally.share(),
            "estimate": estimate,
            "method": method,
        }),
    )
}

/// The stored profiles of the first [`SAMPLE`] `profile:` keys (unreadable ones skipped).
async fn sample(kv: &KvStore) -> std::result::Result<Vec<Profile>, String> {
    let page = kv
        .list()
        .prefix("profile:".into())
        .limit(SAMPLE)
        .execute()
        .await
        .map_err(|e| format!("KV list: {e}"))?;
    let reads = page.keys.iter().filter_map(|k| {
        let id = k.name.strip_prefix("profile:")?;
        Some(store::load_profile(kv, id))
    });
    Ok(futures_util::future::join_all(reads)
        .await
        .into_iter()
        .filter_map(|r| r.ok().flatten())
        .collect())
}
