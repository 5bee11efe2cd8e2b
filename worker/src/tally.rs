//! Measurement counts: a Durable Object per site (`SiteTally`, binding `SIGNPOST_TALLY`) keeps
//! the core's [`Tally`], and the Worker sends it each request's counts after the response.
//!
//! The object holds the tally in memory and writes every change through to its storage
//! (`n:<counter>` = value, `s:<visitor> <counter>` = 1 for a once-only count made), reading it
//! all back when it starts. A Durable Object runs one request at a time, and its storage
//! operations hold other events back, so a count is never lost between load and write.
//! Without the binding, measurement is off and pages are unaffected.
//!
//! The Worker does not call the object on every request: a Durable Object call costs more CPU
//! than the rest of a page (measured: about 1.1 ms per request on the corpus page, a third of
//! the Worker's work). Counts wait in the isolate for at most [`FLUSH_AFTER_MS`] and go in one
//! call, sent from the `waitUntil` of the request that queued the first of them. The queue
//! holds each visitor's distinct counts with how often each was made, so its size and the
//! object's work follow the visitors, not the pages.

use serde::{Deserialize, Serialize};
use signpost::measure::{Count, Tally};
use std::cell::{OnceCell, RefCell};
use std::collections::BTreeMap;
use std::time::Duration;
use worker::{
    durable_object, wasm_bindgen, AnalyticsEngineDataPointBuilder, AnalyticsEngineDataset,
    DurableObject, Env, Method, Request, Response, Result, State,
};

/// The binding; one object per site, by this name.
const BINDING: &str = "SIGNPOST_TALLY";
const OBJECT_NAME: &str = "site";
/// An optional Workers Analytics Engine dataset that gets every count as a data point.
const ANALYTICS_BINDING: &str = "SIGNPOST_ANALYTICS";

/// How long counts wait in the isolate before they go to the tally in one call.
const FLUSH_AFTER_MS: f64 = 500.0;
/// A queue of this many distinct counts goes at once (an isolate with many visitors).
const MAX_QUEUED_COUNTS: usize = 1_000;
/// A flush this overdue was lost (its request's `waitUntil` ended early): the next count sends.
const FLUSH_LOST_MS: f64 = 10_000.0;

/// One visitor's counts from one request or several queued ones: each distinct count once,
/// with how many times it was made.
#[derive(Serialize)]
struct Batch {
    visitor: String,
    counts: Vec<(Count, u64)>,
}

/// A [`Batch`] as the object reads it: in the earlier format too (each count bare, made once),
/// which isolates still running the previous version send during a deploy.
#[derive(Deserialize)]
struct Received {
    visitor: String,
    counts: Vec<ReceivedCount>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ReceivedCount {
    Times(Count, u64),
    Once(Count),
}

impl ReceivedCount {
    fn made(&self) -> (&Count, u64) {
        match self {
            ReceivedCount::Times(c, n) => (c, *n),
            ReceivedCount::Once(c) => (c, 1),
        }
    }
}

/// Counts queued in this isolate, and when their flush is due.
#[derive(Default)]
struct Queue {
    batches: Vec<Batch>,
    /// Distinct counts queued, over all batches.
    len: usize,
    due: f64,
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::new(Queue::default());
    static BINDINGS: OnceCell<Bindings> = const { OnceCell::new() };
}

/// Which measurement bindings the Worker has, looked up once per isolate (its `env` does not
/// change): each lookup crosses into JS and checks the object's type, which was a visible
/// part of a page's CPU when done on every page.
struct Bindings {
    tally: bool,
    analytics: Option<AnalyticsEngineDataset>,
}

fn bindings<R>(env: &Env, f: impl FnOnce(&Bindings) -> R) -> R {
    BINDINGS.with(|b| {
        f(b.get_or_init(|| Bindings {
            tally: env.durable_object(BINDING).is_ok(),
            analytics: env.analytics_engine(ANALYTICS_BINDING).ok(),
        }))
    })
}

impl Queue {
    /// Adds a visitor's counts. A count already queued for them is made once more; a once-only
    /// one stays at one (the tally would skip the rest). A visitor's batch holds a few distinct
    /// counts however many pages they view, so the queue and the tally's request stay small.
    fn push(&mut self, visitor: String, counts: Vec<Count>) {
        let batch = match self.batches.iter().position(|b| b.visitor == visitor) {
            Some(i) => &mut self.batches[i],
            None => {
                self.batches.push(Batch {
                    visitor,
                    counts: Vec::new(),
                });
                self.batches.last_mut().expect("just pushed")
            }
        };
        for c in counts {
            match batch.counts.iter_mut().find(|(q, _)| *q == c) {
                Some((_, n)) if !c.once => *n += 1,
                Some(_) => {}
                None => {
                    batch.counts.push((c, 1));
                    self.len += 1;
                }
            }
        }
    }

    fn take(&mut self) -> Vec<Batch> {
        self.len = 0;
        std::mem::take(&mut self.batches)
    }
}

#[durable_object(fetch)]
pub struct SiteTally {
    state: State,
    tally: RefCell<Option<Tally>>,
    /// Per destination, its last errors (journeys' deliveries), most recent last.
    errors: RefCell<BTreeMap<String, Vec<DeliveryError>>>,
}

/// One failed try of a delivery, for the editor and `signpost deliveries`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeliveryError {
    /// When (ms).
    pub at: f64,
    /// `retried`, `failed` or `dead`.
    pub outcome: String,
    /// What went wrong.
    pub error: String,
}

/// Errors kept per destination.
const MAX_DELIVERY_ERRORS: usize = 10;
/// The outcomes a delivery is counted under.
pub const DELIVERY_OUTCOMES: &[&str] = &["delivered", "retried", "failed", "dead"];

/// What the queue handler reports of one try.
#[derive(Serialize, Deserialize)]
struct DeliveryNote {
    destination: String,
    outcome: String,
    error: Option<String>,
    at: f64,
}

impl DurableObject for SiteTally {
    fn new(state: State, _env: Env) -> Self {
        SiteTally {
            state,
            tally: RefCell::new(None),
            errors: RefCell::new(BTreeMap::new()),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        self.load().await?;
        match (req.method(), req.path().as_str()) {
            (Method::Post, "/add") => {
                let batches: Vec<Received> = req.json().await?;
                // Counters keep their last value; markers are new ones only.
                let mut counts = BTreeMap::new();
                let mut counted = Vec::new();
                {
                    let mut tally = self.tally.borrow_mut();
                    let tally = tally.get_or_insert_with(Tally::default);
                    for batch in &batches {
                        let made = batch.counts.iter().map(ReceivedCount::made);
                        let changes = tally.add_times(&batch.visitor, made);
                        counts.extend(changes.counts);
                        counted.extend(changes.counted);
                    }
                }
                if !counts.is_empty() || !counted.is_empty() {
                    let entries = js_sys::Object::new();
                    for (key, n) in &counts {
                        js_sys::Reflect::set(
                            &entries,
                            &format!("n:{key}").into(),
                            &(*n as f64).into(),
                        )?;
                    }
                    for marker in &counted {
                        js_sys::Reflect::set(&entries, &format!("s:{marker}").into(), &1.into())?;
                    }
                    self.state.storage().put_multiple_raw(entries).await?;
                }
                Response::ok("")
            }
            (Method::Post, "/delivery") => {
                let note: DeliveryNote = req.json().await?;
                let counter = format!("delivery/{}/{}", note.destination, note.outcome);
                let n = {
                    let mut tally = self.tally.borrow_mut();
                    let tally = tally.get_or_insert_with(Tally::default);
                    let n = tally.counts.entry(counter.clone()).or_insert(0);
                    *n += 1;
                    *n
                };
                let storage = self.state.storage();
                storage.put(&format!("n:{counter}"), n as f64).await?;
                if let Some(error) = note.error {
                    let list = {
                        let mut errors = self.errors.borrow_mut();
                        let list = errors.entry(note.destination.clone()).or_default();
                        list.push(DeliveryError {
                            at: note.at,
                            outcome: note.outcome,
                            error,
                        });
                        let over = list.len().saturating_sub(MAX_DELIVERY_ERRORS);
                        list.drain(..over);
                        serde_json::to_string(list)?
                    };
                    storage
                        .put(&format!("e:{}", note.destination), list)
                        .await?;
                }
                Response::ok("")
            }
            (Method::Get, "/deliveries") => {
                let errors = self.errors.borrow().clone();
                Response::from_json(&deliveries_status(&self.counts(), &errors))
            }
            (Method::Get, "/counts") => Response::from_json(&self.counts()),
            _ => Response::error("not found", 404),
        }
    }
}

impl SiteTally {
    /// Every counter, as held in memory.
    fn counts(&self) -> BTreeMap<String, u64> {
        self.tally
            .borrow()
            .as_ref()
            .map(|t| t.counts.clone())
            .unwrap_or_default()
    }

    /// Reads the stored tally once per object instance.
    async fn load(&self) -> Result<()> {
        if self.tally.borrow().is_some() {
            return Ok(());
        }
        let mut tally = Tally::default();
        let all = self.state.storage().list().await?;
        for entry in all.entries() {
            let pair: js_sys::Array = entry?.into();
            let key = pair.get(0).as_string().unwrap_or_default();
            if let Some(counter) = key.strip_prefix("n:") {
                let n = pair.get(1).as_f64().unwrap_or(0.0) as u64;
                tally.counts.insert(counter.to_string(), n);
            } else if let Some(marker) = key.strip_prefix("s:") {
                tally.counted.insert(marker.to_string());
            } else if let Some(dest) = key.strip_prefix("e:") {
                let list = pair.get(1).as_string().unwrap_or_default();
                if let Ok(list) = serde_json::from_str(&list) {
                    self.errors.borrow_mut().insert(dest.to_string(), list);
                }
            }
        }
        self.tally.replace(Some(tally));
        Ok(())
    }
}

/// Per destination: how many deliveries were delivered, retried, failed (refused by the
/// receiver, not retried) and dead-lettered, and its last errors.
fn deliveries_status(
    counts: &BTreeMap<String, u64>,
    errors: &BTreeMap<String, Vec<DeliveryError>>,
) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for (key, n) in counts {
        let Some(rest) = key.strip_prefix("delivery/") else {
            continue;
        };
        let Some((dest, outcome)) = rest.rsplit_once('/') else {
            continue;
        };
        let entry = out
            .entry(dest.to_string())
            .or_insert_with(|| serde_json::json!({"errors": []}));
        entry[outcome] = (*n).into();
    }
    for (dest, list) in errors {
        let entry = out
            .entry(dest.clone())
            .or_insert_with(|| serde_json::json!({}));
        entry["errors"] = serde_json::to_value(list).unwrap_or_default();
    }
    for entry in out.values_mut() {
        for outcome in DELIVERY_OUTCOMES {
            if entry.get(*outcome).is_none() {
                entry[*outcome] = 0.into();
            }
        }
    }
    serde_json::Value::Object(out)
}

/// Counts one try of a journeys' delivery for its destination (see `deliveries`). Without
/// the tally's binding nothing is counted.
pub async fn note_delivery(
    env: &Env,
    destination: &str,
    outcome: &str,
    error: Option<String>,
    now: f64,
) {
    let note = DeliveryNote {
        destination: destination.into(),
        outcome: outcome.into(),
        error,
        at: now,
    };
    if let Err(e) = post(env, "delivery", &note).await {
        worker::console_warn!("signpost: delivery not counted: {e}");
    }
}

/// POSTs `body` as JSON to the site's tally at `path`; nothing without the binding.
async fn post(env: &Env, path: &str, body: &impl Serialize) -> Result<()> {
    let Ok(namespace) = env.durable_object(BINDING) else {
        return Ok(());
    };
    let stub = namespace.get_by_name(OBJECT_NAME)?;
    let init = worker::RequestInit {
        method: Method::Post,
        body: Some(serde_json::to_string(body)?.into()),
        ..Default::default()
    };
    let req = Request::new_with_init(&format!("https://tally/{path}"), &init)?;
    stub.fetch_with_request(req).await.map(drop)
}

/// Every destination's delivery counts and last errors; `None` when the tally is off.
pub async fn deliveries(env: &Env) -> Result<Option<serde_json::Value>> {
    let Ok(namespace) = env.durable_object(BINDING) else {
        return Ok(None);
    };
    let stub = namespace.get_by_name(OBJECT_NAME)?;
    let mut res = stub.fetch_with_str("https://tally/deliveries").await?;
    Ok(Some(res.json().await?))
}

/// What a caller of [`queue`] must run in `waitUntil` to get its counts sent.
pub enum Flush {
    /// Wait [`FLUSH_AFTER_MS`], then send everything queued by then.
    Later,
    /// Send now (the queue is full, or the flush that was due got lost).
    Now,
}

/// Queues one visitor's counts for the site's tally, without waiting for anything. The call
/// that queues the first count gets [`Flush::Later`] to run in its `waitUntil`; later ones
/// only add to the queue (`None`). Without the binding, or with nothing to count, it does
/// nothing.
pub fn queue(env: &Env, visitor: &str, counts: Vec<Count>) -> Option<Flush> {
    if counts.is_empty() {
        return None;
    }
    let token = signpost::measure::visitor_token(visitor);
    let tally = bindings(env, |b| {
        if let Some(dataset) = &b.analytics {
            write_data_points(dataset, &token, &counts);
        }
        b.tally
    });
    if !tally {
        return None;
    }
    let now = js_sys::Date::now();
    QUEUE.with_borrow_mut(|q| {
        let first = q.batches.is_empty();
        if first {
            q.due = now + FLUSH_AFTER_MS;
        }
        q.push(token, counts);
        if first {
            Some(Flush::Later)
        } else if q.len >= MAX_QUEUED_COUNTS || now > q.due + FLUSH_LOST_MS {
            Some(Flush::Now)
        } else {
            None
        }
    })
}

/// Runs what [`queue`] asked for (inside `waitUntil`).
pub async fn send(env: &Env, when: Flush) {
    if let Flush::Later = when {
        worker::Delay::from(Duration::from_millis(FLUSH_AFTER_MS as u64)).await;
    }
    flush(env).await;
}

/// Sends the counts queued in this isolate now, if any (before a report reads the tally).
pub async fn flush(env: &Env) {
    let batches = QUEUE.with_borrow_mut(Queue::take);
    if batches.is_empty() {
        return;
    }
    if let Err(e) = post(env, "add", &batches).await {
        worker::console_warn!("signpost: counts not recorded: {e}");
    }
}

/// For scale, where a Workers Analytics Engine dataset is bound: one data point per count,
/// `index1` the counter, `blob1` the counter, `blob2` the visitor digest, `blob3` `once` or
/// `each`, `double1` 1. Analytics Engine does not deduplicate: count once-only counters as
/// distinct `blob2` in queries (`SELECT blob1, COUNT(DISTINCT blob2) ... WHERE blob3 = 'once'`).
fn write_data_points(dataset: &AnalyticsEngineDataset, token: &str, counts: &[Count]) {
    for c in counts {
        let point = AnalyticsEngineDataPointBuilder::new()
            .indexes([c.key.as_str()])
            .blobs([c.key.as_str(), token, if c.once { "once" } else { "each" }])
            .add_double(1.0)
            .write_to(dataset);
        if let Err(e) = point {
            worker::console_warn!("signpost: analytics data point not written: {e}");
        }
    }
}

/// The site's counters, `None` when measurement is off (no binding).
pub async fn counts(env: &Env) -> Result<Option<BTreeMap<String, u64>>> {
    let Ok(namespace) = env.durable_object(BINDING) else {
        return Ok(None);
    };
    // What this isolate still holds counts too.
    flush(env).await;
    let stub = namespace.get_by_name(OBJECT_NAME)?;
    let mut res = stub.fetch_with_str("https://tally/counts").await?;
    Ok(Some(res.json().await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_object_reads_batches_in_both_formats() {
        let mut q = Queue::default();
        let page = || {
            vec![
                Count {
                    key: "offer/a/impressions".into(),
                    once: false,
                },
                Count {
                    key: "offer/a/visitors".into(),
                    once: true,
                },
            ]
        };
        q.push("v1".into(), page());
        q.push("v1".into(), page());
        assert_eq!(q.len, 2, "two distinct counts");
        let sent = serde_json::to_string(&q.take()).unwrap();
        let read: Vec<Received> = serde_json::from_str(&sent).unwrap();
        let made: Vec<(String, u64)> = read[0]
            .counts
            .iter()
            .map(|r| r.made())
            .map(|(c, n)| (c.key.clone(), n))
            .collect();
        assert_eq!(
            made,
            [
                ("offer/a/impressions".to_string(), 2),
                ("offer/a/visitors".to_string(), 1)
            ]
        );
        // The earlier format: every count bare.
        let earlier =
            r#"[{"visitor":"v2","counts":[{"key":"k","once":false},{"key":"k","once":false}]}]"#;
        let read: Vec<Received> = serde_json::from_str(earlier).unwrap();
        let mut tally = Tally::default();
        let made = read[0].counts.iter().map(ReceivedCount::made);
        tally.add_times(&read[0].visitor, made);
        assert_eq!(tally.get("k"), 2);
    }
}
