//! Journeys' delivery counts: a Durable Object per site (`SiteTally`, binding `SIGNPOST_TALLY`)
//! keeps, per destination, how many deliveries were delivered, retried, failed and
//! dead-lettered (`n:delivery/<destination>/<outcome>`) and its last errors (`e:<destination>`).
//! Its state is bounded by the config's destinations. (Measurement rows go to D1 instead,
//! `crate::measure`; the object once counted them too, with a marker per visitor.)
//! Without the binding nothing is counted and deliveries still go.

use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use worker::{
    durable_object, DurableObject, Env, ListOptions, Method, Request, Response, Result, State,
};

/// The binding; one object per site, by this name.
const BINDING: &str = "SIGNPOST_TALLY";
const OBJECT_NAME: &str = "site";
#[durable_object(fetch)]
pub struct SiteTally {
    state: State,
    /// Counter -> value, once read from storage.
    counts: RefCell<Option<BTreeMap<String, u64>>>,
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
            counts: RefCell::new(None),
            errors: RefCell::new(BTreeMap::new()),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        self.load().await?;
        match (req.method(), req.path().as_str()) {
            (Method::Post, "/delivery") => {
                let note: DeliveryNote = req.json().await?;
                let counter = format!("delivery/{}/{}", note.destination, note.outcome);
                let n = {
                    let mut counts = self.counts.borrow_mut();
                    let n = counts
                        .get_or_insert_with(BTreeMap::new)
                        .entry(counter.clone());
                    let n = n.or_insert(0);
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
            _ => Response::error("not found", 404),
        }
    }
}

impl SiteTally {
    /// Every counter, as held in memory.
    fn counts(&self) -> BTreeMap<String, u64> {
        self.counts.borrow().clone().unwrap_or_default()
    }

    /// Reads the stored tally once per object instance.
    async fn load(&self) -> Result<()> {
        if self.counts.borrow().is_some() {
            return Ok(());
        }
        let storage = self.state.storage();
        // By prefix: an object from before measurement moved to D1 also holds a marker per
        // visitor, which nothing reads any more.
        let mut counts = BTreeMap::new();
        let stored = storage
            .list_with_options(ListOptions::new().prefix("n:delivery/"))
            .await?;
        for entry in stored.entries() {
            let pair: js_sys::Array = entry?.into();
            let key = pair.get(0).as_string().unwrap_or_default();
            let n = pair.get(1).as_f64().unwrap_or(0.0) as u64;
            counts.insert(key["n:".len()..].to_string(), n);
        }
        let errors = storage
            .list_with_options(ListOptions::new().prefix("e:"))
            .await?;
        for entry in errors.entries() {
            let pair: js_sys::Array = entry?.into();
            let key = pair.get(0).as_string().unwrap_or_default();
            let list = pair.get(1).as_string().unwrap_or_default();
            if let Ok(list) = serde_json::from_str(&list) {
                self.errors
                    .borrow_mut()
                    .insert(key["e:".len()..].to_string(), list);
            }
        }
        self.counts.replace(Some(counts));
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
