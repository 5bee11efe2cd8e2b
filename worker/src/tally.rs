//! Measurement counts: a Durable Object per site (`SiteTally`, binding `SIGNPOST_TALLY`) keeps
//! the core's [`Tally`], and the Worker sends it each request's counts after the response.
//!
//! The object holds the tally in memory and writes every change through to its storage
//! (`n:<counter>` = value, `s:<visitor> <counter>` = 1 for a once-only count made), reading it
//! all back when it starts. A Durable Object runs one request at a time, and its storage
//! operations hold other events back, so a count is never lost between load and write.
//! Without the binding, measurement is off and pages are unaffected.

use serde::{Deserialize, Serialize};
use signpost::measure::{Count, Tally};
use std::cell::RefCell;
use std::collections::BTreeMap;
use worker::{
    durable_object, wasm_bindgen, AnalyticsEngineDataPointBuilder, AnalyticsEngineDataset,
    DurableObject, Env, Method, Request, Response, Result, State,
};

/// The binding; one object per site, by this name.
const BINDING: &str = "SIGNPOST_TALLY";
const OBJECT_NAME: &str = "site";
/// An optional Workers Analytics Engine dataset that gets every count as a data point.
const ANALYTICS_BINDING: &str = "SIGNPOST_ANALYTICS";

/// One visitor's counts from one request.
#[derive(Serialize, Deserialize)]
struct Batch {
    visitor: String,
    counts: Vec<Count>,
}

#[durable_object(fetch)]
pub struct SiteTally {
    state: State,
    tally: RefCell<Option<Tally>>,
}

impl DurableObject for SiteTally {
    fn new(state: State, _env: Env) -> Self {
        SiteTally {
            state,
            tally: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        self.load().await?;
        match (req.method(), req.path().as_str()) {
            (Method::Post, "/add") => {
                let batch: Batch = req.json().await?;
                let changes = self
                    .tally
                    .borrow_mut()
                    .get_or_insert_with(Tally::default)
                    .add(&batch.visitor, &batch.counts);
                if !changes.is_empty() {
                    let entries = js_sys::Object::new();
                    for (key, n) in &changes.counts {
                        js_sys::Reflect::set(
                            &entries,
                            &format!("n:{key}").into(),
                            &(*n as f64).into(),
                        )?;
                    }
                    for marker in &changes.counted {
                        js_sys::Reflect::set(&entries, &format!("s:{marker}").into(), &1.into())?;
                    }
                    self.state.storage().put_multiple_raw(entries).await?;
                }
                Response::ok("")
            }
            (Method::Get, "/counts") => {
                let counts = self
                    .tally
                    .borrow()
                    .as_ref()
                    .map(|t| t.counts.clone())
                    .unwrap_or_default();
                Response::from_json(&counts)
            }
            _ => Response::error("not found", 404),
        }
    }
}

impl SiteTally {
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
            }
        }
        self.tally.replace(Some(tally));
        Ok(())
    }
}

/// Sends one visitor's counts to the site's tally (call it inside `waitUntil`). Without the
/// binding, or with nothing to count, it does nothing.
pub async fn send(env: &Env, visitor: &str, counts: Vec<Count>) {
    if counts.is_empty() {
        return;
    }
    let token = signpost::measure::visitor_token(visitor);
    if let Ok(dataset) = env.analytics_engine(ANALYTICS_BINDING) {
        write_data_points(&dataset, &token, &counts);
    }
    let Ok(namespace) = env.durable_object(BINDING) else {
        return;
    };
    let result = async {
        let stub = namespace.get_by_name(OBJECT_NAME)?;
        let body = serde_json::to_string(&Batch {
            visitor: token,
            counts,
        })?;
        let init = worker::RequestInit {
            method: Method::Post,
            body: Some(body.into()),
            ..Default::default()
        };
        let req = Request::new_with_init("https://tally/add", &init)?;
        stub.fetch_with_request(req).await.map(drop)
    }
    .await;
    if let Err(e) = result {
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
    let stub = namespace.get_by_name(OBJECT_NAME)?;
    let mut res = stub.fetch_with_str("https://tally/counts").await?;
    Ok(Some(res.json().await?))
}
