//! One writer per profile: a Durable Object (`ProfileWriter`, binding `SIGNPOST_PROFILES`) per
//! profile key (a visitor id, or `u:<user id>`) applies every change to that profile, one at a
//! time, and publishes the result to KV, which stays the pages' fast read path.
//!
//! Why: Workers KV takes one write per key per second and is eventually consistent, and a
//! profile has several writers: each browser's pages and event posts (their cookie logs), the
//! shop's backend (the ingest), a second device of the same user. Read-modify-write through
//! KV loses whichever write lands first. The object keeps the authoritative copy in its own
//! strongly consistent storage and applies operations, not whole profiles (`signpost::writer`):
//! a browser's log moves that browser's position, a server event counts once by its id.
//!
//! Pages never wait for it: they read KV, replay their own cookie log on top (which stays in
//! the cookie until a stored profile shows it applied), and hand the log to the object in
//! `waitUntil` at most every 10 s. The object writes KV after each change, one write at a
//! time and always of its latest state; a failed write (KV's 429) is retried from an alarm.
//! The same alarm deletes the object's storage once the profile has been idle for the
//! config's `profile.expire_after`, as KV's own expiry drops the KV copy.
//!
//! Storage: `p` the profile in its stored form (`Profile::to_stored`; JSON text in an object
//! from before it, read by the same reader and rewritten on the next change), `ids` the server event ids seen, `alias` the user an
//! absorbed visitor became (later server events for the visitor go there), `exp` when idle.

use serde::{Deserialize, Serialize};
use signpost::batch::EventStatus;
use signpost::events::Event;
use signpost::session::{Entry, Flush};
use signpost::Signals;
use worker::{Env, Method, Request};

/// The binding; one object per profile key.
pub const BINDING: &str = "SIGNPOST_PROFILES";
/// How soon a failed KV write is tried again.
pub(crate) const RETRY_MS: i64 = 1_000;

/// What the Worker asks of a profile's writer.
#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// A browser's log (`flush.key` is the profile).
    Apply { flush: Flush, now: i64 },
    /// Server events for this profile.
    Ingest {
        key: String,
        events: Vec<Event>,
        now: i64,
    },
    /// The visitor (this profile) identified as `user`: its log is applied, then the profile
    /// goes into the user's, and later events for the visitor with it.
    Identify {
        key: String,
        user: String,
        log: Vec<Entry>,
        now: i64,
    },
    /// An anonymous profile to add to this user's (from the visitor's object).
    Absorb {
        key: String,
        profile: String,
        now: i64,
    },
    /// Delete everything held for the profile; answers the other devices' ids it knew.
    Erase { key: String },
    /// The visitor opted out (GPC or the consent cookie on a page): nothing is sent for the
    /// profile, and its waiting actions are dropped, until a page with consent writes again.
    Deny { key: String, now: i64 },
    /// A site-wide signal changed (`crate::wake`): the journeys are looked at again with
    /// these signals, or KV's when they were too large to carry. Nothing is made for a
    /// profile the object does not hold.
    Wake {
        key: String,
        now: i64,
        #[serde(default)]
        signals: Option<Signals>,
    },
}

impl Op {
    pub(crate) fn key(&self) -> &str {
        match self {
            Op::Apply { flush, .. } => &flush.key,
            Op::Ingest { key, .. }
            | Op::Identify { key, .. }
            | Op::Absorb { key, .. }
            | Op::Deny { key, .. }
            | Op::Wake { key, .. }
            | Op::Erase { key } => key,
        }
    }
}

impl Op {
    /// When the operation happens (ms); now for an erase.
    fn at(&self) -> f64 {
        match self {
            Op::Apply { now, .. }
            | Op::Ingest { now, .. }
            | Op::Identify { now, .. }
            | Op::Absorb { now, .. }
            | Op::Deny { now, .. }
            | Op::Wake { now, .. } => *now as f64,
            Op::Erase { .. } => js_sys::Date::now(),
        }
    }
}

/// The writer's answer.
#[derive(Serialize, Deserialize, Default)]
pub struct Reply {
    /// For `Ingest`: one per event, in order.
    #[serde(default)]
    pub statuses: Vec<EventStatus>,
    /// For `Erase`: the visitor ids of the profile's devices.
    #[serde(default)]
    pub devices: Vec<String>,
}

/// Sends `op` to its profile's writer. `Ok(None)`: no binding (single-writer mode is off).
pub async fn send(env: &Env, op: &Op) -> worker::Result<Option<Reply>> {
    let Ok(namespace) = env.durable_object(BINDING) else {
        return Ok(None);
    };
    // A browser's own log is in its cookie until KV shows it; any other change must not wait
    // behind this isolate's copy of the profile.
    if !matches!(op, Op::Apply { .. }) {
        crate::profile_cache::forget(op.key(), op.at());
        #[cfg(feature = "api")]
        crate::changed::note(crate::changed::Change::Profile {
            key: op.key().to_string(),
            at: op.at(),
        });
    }
    let stub = namespace.get_by_name(op.key())?;
    let init = worker::RequestInit {
        method: Method::Post,
        body: Some(serde_json::to_string(op)?.into()),
        ..Default::default()
    };
    let req = Request::new_with_init("https://profile/op", &init)?;
    let mut res = stub.fetch_with_request(req).await?;
    if let Op::Apply { flush, .. } = op {
        // A page may have read KV while the log was on its way: not a copy to keep.
        crate::profile_cache::discard(&flush.key);
        #[cfg(feature = "api")]
        crate::changed::note(crate::changed::Change::Flushed {
            key: flush.key.clone(),
        });
    }
    if res.status_code() != 200 {
        let why = res.text().await.unwrap_or_default();
        return Err(worker::Error::RustError(format!("profile writer: {why}")));
    }
    Ok(Some(res.json().await?))
}

/// `profileOp`, over the API Worker's RPC: an operation the page Worker could not hand the
/// profile's writer itself, having no `SIGNPOST_PROFILES` binding (a browser's log is then
/// written to KV here, `page::send_flush`). `None`, or why it failed.
#[cfg(feature = "api")]
#[wasm_bindgen::prelude::wasm_bindgen(
    js_name = profileOp,
    wasm_bindgen_futures = worker::wasm_bindgen_futures
)]
pub async fn profile_op(env: Env, op: String) -> Option<String> {
    match serde_json::from_str::<Op>(&op) {
        Ok(Op::Apply { flush, now }) => {
            crate::page::send_flush(&env, flush, now).await;
            None
        }
        Ok(op) => send(&env, &op).await.err().map(|e| e.to_string()),
        Err(e) => Some(format!("an operation Rust cannot read: {e}")),
    }
}
