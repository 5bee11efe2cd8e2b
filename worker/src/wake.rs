//! A business signal changed (`POST /__signpost/signals`): journeys whose segments or `if`s
//! read `signals.*` may move for visitors who are nowhere near the site, so every profile is
//! looked at again. A signal is site-wide and changes no profile, so nothing else would wake
//! them: a restock must reach the visitor who waits for it, not the next page they load.
//!
//! The fan-out goes through the deliveries queue, one page of KV's profile keys per message:
//! the consumer sends each key's writer [`Op::Wake`] and queues the next page. One message
//! costs at most [`PAGE`] + 2 subrequests, so it fits every plan's limit however many
//! profiles there are; a page whose wake fails is tried again whole (a wake is idempotent:
//! a membership already moved does not move twice). The message carries the signals as
//! stored, so a writer in another location never reads an older copy from KV's edge cache.

use crate::deliveries::QUEUE;
use crate::profiles::{self, Op};
use serde::{Deserialize, Serialize};
use signpost::Signals;
use wasm_bindgen::prelude::*;
use worker::Env;

/// Profile keys woken per queue message.
const PAGE: u64 = 40;
/// Signals larger than this stay in KV (a queue message holds 128 KB); the writers read them.
const MAX_CARRIED_BYTES: usize = 96 * 1024;
/// The prefix of profiles' KV keys.
const PROFILE_PREFIX: &str = "profile:";

/// One page of the fan-out.
#[derive(Serialize, Deserialize)]
struct Message {
    wake: Page,
}

#[derive(Serialize, Deserialize)]
struct Page {
    /// Where KV's listing goes on; `None` for the first page.
    cursor: Option<String>,
    /// The signal's time: transitions found are dated then.
    now: i64,
    signals: Option<Signals>,
}

/// Starts waking every profile with `signals` at `now`. Returns whether it was queued.
pub async fn start(env: &Env, now: i64, signals: &Signals) -> bool {
    let carried = serde_json::to_string(signals)
        .is_ok_and(|s| s.len() <= MAX_CARRIED_BYTES)
        .then(|| signals.clone());
    let first = Message {
        wake: Page {
            cursor: None,
            now,
            signals: carried,
        },
    };
    match send(env, &first).await {
        Ok(()) => true,
        Err(e) => {
            worker::console_error!("signpost: profiles not woken after a signal: {e}");
            false
        }
    }
}

async fn send(env: &Env, message: &Message) -> worker::Result<()> {
    // As JSON text: the consumer tells a wake from a delivery by its first key.
    let text = serde_json::to_string(message)?;
    env.queue(QUEUE)?.send(text).await
}

/// The queue consumer's part: wakes one page of profiles and queues the next. `Some(why)`
/// when the message must be tried again.
#[wasm_bindgen(js_name = wakePage, wasm_bindgen_futures = worker::wasm_bindgen_futures)]
pub async fn wake_page(env: Env, message: String) -> Option<String> {
    let page: Message = match serde_json::from_str(&message) {
        Ok(m) => m,
        Err(e) => {
            worker::console_error!("signpost: a wake message that does not parse: {e}");
            return None; // trying again would not help
        }
    };
    wake(&env, page.wake).await.err().map(|e| e.to_string())
}

async fn wake(env: &Env, page: Page) -> worker::Result<()> {
    let kv = env.kv("SIGNPOST")?;
    let mut list = kv.list().prefix(PROFILE_PREFIX.into()).limit(PAGE);
    if let Some(c) = page.cursor.clone() {
        list = list.cursor(c);
    }
    let listed = list
        .execute()
        .await
        .map_err(|e| worker::Error::RustError(format!("listing profiles: {e}")))?;
    let wakes = listed.keys.iter().filter_map(|k| {
        let key = k.name.strip_prefix(PROFILE_PREFIX)?.to_string();
        let op = Op::Wake {
            key,
            now: page.now,
            signals: page.signals.clone(),
        };
        Some(async move { profiles::send(env, &op).await })
    });
    let results = futures_util::future::join_all(wakes).await;
    if let Some(e) = results.into_iter().find_map(Result::err) {
        return Err(e);
    }
    match listed.cursor {
        Some(cursor) if !listed.list_complete => {
            let next = Message {
                wake: Page {
                    cursor: Some(cursor),
                    ..page
                },
            };
            send(env, &next).await
        }
        _ => Ok(()),
    }
}
