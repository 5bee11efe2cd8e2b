//! Journeys' messages to the tools marketers use (`destinations` in the config), through a
//! Cloudflare Queue (`SIGNPOST_DELIVERIES`), so a slow or failing receiver never holds a page
//! or loses a message.
//!
//! The profile's writer (`profiles`) decides what to send (`signpost::actions::advance`) and
//! puts one [`Message`] per delivery on the queue, its body already in the destination's
//! format. The same Worker's `queue()` handler (worker/js/deliver.js) takes them in batches:
//! [`delivery_request`] signs each at the time of sending (`Signpost-Signature`) with the
//! destination's secret from the environment, the handler posts it with its
//! `Idempotency-Key` and a timeout, and retries with backoff on 5xx, 429 and network errors;
//! after the queue's last try the message goes to the dead-letter queue, whose consumer
//! records it. What happened is counted per destination in the site's tally
//! ([`delivery_note`]), which `GET /__signpost/admin/deliveries` and `signpost deliveries` show.

use crate::store;
use serde::{Deserialize, Serialize};
use signpost::actions::{payload, Delivery};
use signpost::Engine;
use wasm_bindgen::prelude::*;
use worker::Env;

/// The producer binding.
pub const QUEUE: &str = "SIGNPOST_DELIVERIES";

/// One delivery on the queue.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Message {
    /// The delivery's id: its `Idempotency-Key`, the same on every try.
    pub id: String,
    /// The destination's name in the config.
    pub destination: String,
    /// The action that sends it.
    pub action: String,
    /// `segment.entered`, `segment.exited` or `event`.
    pub kind: String,
    /// The profile it is about (its key): an erased profile's messages are dropped.
    #[serde(default)]
    pub profile: String,
    /// The body, in the destination's format.
    pub body: String,
}

/// Puts a profile's deliveries on the queue. Without the binding journeys send nothing (said
/// once per batch in the log).
pub async fn enqueue(env: &Env, engine: &Engine, deliveries: Vec<Delivery>) {
    if deliveries.is_empty() {
        return;
    }
    let Ok(queue) = env.queue(QUEUE) else {
        worker::console_warn!(
            "signpost: {} deliveries not sent: no {QUEUE} queue binding",
            deliveries.len()
        );
        return;
    };
    let destinations = &engine.config().destinations;
    let messages: Vec<Message> = deliveries
        .iter()
        .filter_map(|d| {
            let dest = destinations.iter().find(|x| x.name == d.destination)?;
            Some(Message {
                id: d.id.clone(),
                destination: d.destination.clone(),
                action: d.action.clone(),
                kind: d.kind.as_str().into(),
                profile: d.profile.clone(),
                body: payload::body(d, dest.format),
            })
        })
        .collect();
    for m in messages {
        if let Err(e) = queue.send(&m).await {
            worker::console_error!("signpost: delivery {} not queued: {e}", m.id);
        }
    }
}

/// What the queue handler posts for one message, or why it cannot.
#[wasm_bindgen(getter_with_clone)]
#[derive(Default)]
pub struct DeliveryRequest {
    /// The destination's URL.
    pub url: String,
    /// The body.
    pub body: String,
    /// `Signpost-Signature`'s value.
    pub signature: String,
    /// `Idempotency-Key`'s value.
    pub key: String,
    /// The destination's name.
    pub destination: String,
    /// Why it cannot be sent now (the handler retries it: a secret set later, a config
    /// published later), or `None`.
    pub error: Option<String>,
    /// The destination is gone from the config: the message is dropped.
    pub gone: bool,
}

/// `deliveryRequest`: the request for one queued message (its JSON text), signed at `now`.
#[wasm_bindgen(js_name = deliveryRequest, wasm_bindgen_futures = worker::wasm_bindgen_futures)]
pub async fn delivery_request(env: Env, message: String, now: f64) -> DeliveryRequest {
    let mut out = DeliveryRequest::default();
    let m: Message = match serde_json::from_str(&message) {
        Ok(m) => m,
        Err(e) => {
            out.gone = true;
            out.error = Some(format!("not a delivery: {e}"));
            return out;
        }
    };
    out.key = m.id.clone();
    out.destination = m.destination.clone();
    let Ok(kv) = env.kv("SIGNPOST") else {
        out.error = Some("no KV binding".into());
        return out;
    };
    // An erased profile (the visitor asked, or the admin for them) takes its queued messages
    // with it. The writer publishes the profile to KV before it queues a message about it.
    if !m.profile.is_empty() && matches!(store::load_profile(&kv, &m.profile).await, Ok(None)) {
        out.gone = true;
        out.error = Some("the profile was erased".into());
        return out;
    }
    let live = store::live(&kv, now).await.map_err(|e| e.to_string());
    let live = match live {
        Ok(live) => live,
        Err(e) => {
            out.error = Some(format!("config unavailable: {e}"));
            return out;
        }
    };
    let destinations = &live.engine.config().destinations;
    let Some(dest) = destinations.iter().find(|d| d.name == m.destination) else {
        out.gone = true;
        out.error = Some(format!(
            "destination {:?} is no longer in the config",
            m.destination
        ));
        return out;
    };
    let Some(secret) = crate::text_binding(&env, &dest.secret).filter(|s| !s.is_empty()) else {
        out.error = Some(format!("the secret {} is not set", dest.secret));
        return out;
    };
    out.signature = payload::signature(secret.as_bytes(), now as i64, &m.body);
    out.url = dest.url.clone();
    out.body = m.body;
    out
}

/// `deliveryNote`: counts what happened to a message (`delivered`, `retried`, `failed` or
/// `dead`) for its destination, with the error, in the site's tally.
#[wasm_bindgen(js_name = deliveryNote, wasm_bindgen_futures = worker::wasm_bindgen_futures)]
pub async fn delivery_note(
    env: Env,
    destination: String,
    outcome: String,
    error: Option<String>,
    now: f64,
) {
    crate::tally::note_delivery(&env, &destination, &outcome, error, now).await;
}
