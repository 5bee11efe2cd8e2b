//! What an endpoint of the API Worker changed that the page Worker's isolate keeps: the config
//! (a publish, a rollback, a signal) or a profile (an identify, an ingest, an erasure). The
//! page Worker forwarded the request, so its isolate is the one that would otherwise serve
//! the old config until its 30 s check, or a profile's old copy for a minute
//! (`profile_cache`): the answer carries [`HEADER`], which worker/js/entry.js strips and hands
//! to `endpointChanged`, as this isolate's own calls did when one Worker did both.
//!
//! Noted per isolate and taken when an answer is sent: two requests in flight at once may each
//! carry the other's notes. An extra note costs one KV read; a missing one leaves what KV's
//! own edge cache would (a minute at most).

use std::cell::RefCell;
use wasm_bindgen::prelude::*;

/// The answer's header (never sent on to the browser).
pub const HEADER: &str = "x-signpost-changed";

/// A note: the config changed; another writer changed the profile at `key` at `at` (ms, the
/// request's clock: `profile_cache::forget`); or a browser handed the profile's writer its
/// log (`profile_cache::discard`).
#[derive(Debug, PartialEq)]
pub enum Change {
    Config,
    Profile { key: String, at: f64 },
    Flushed { key: String },
}

thread_local! {
    static NOTES: RefCell<Vec<Change>> = const { RefCell::new(Vec::new()) };
}

/// Notes kept at most: the profiles' writers send from this isolate too, outside any answer.
const MAX_NOTES: usize = 64;

/// Notes a change for the answer being made.
pub fn note(change: Change) {
    NOTES.with_borrow_mut(|n| {
        if n.len() >= MAX_NOTES {
            n.remove(0);
        }
        n.push(change);
    });
}

/// The notes made since the last answer, as [`HEADER`]'s value; `None` when there are none.
pub fn take_header() -> Option<String> {
    let notes = NOTES.take();
    (!notes.is_empty()).then(|| {
        let items: Vec<String> = notes.iter().map(encode).collect();
        items.join(",")
    })
}

fn encode(change: &Change) -> String {
    match change {
        Change::Config => "config".into(),
        Change::Profile { key, at } => format!("changed:{at}:{}", escape(key)),
        Change::Flushed { key } => format!("flushed:{}", escape(key)),
    }
}

/// A profile key as ASCII without the list's commas (user ids may hold any character).
fn escape(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// [`HEADER`]'s value read back; items it cannot read are skipped.
pub fn parse(header: &str) -> Vec<Change> {
    header.split(',').filter_map(decode).collect()
}

fn decode(item: &str) -> Option<Change> {
    if item == "config" {
        return Some(Change::Config);
    }
    if let Some(key) = item.strip_prefix("flushed:") {
        let key = unescape(key)?;
        return Some(Change::Flushed { key });
    }
    let (at, key) = item.strip_prefix("changed:")?.split_once(':')?;
    Some(Change::Profile {
        key: unescape(key)?,
        at: at.parse().ok()?,
    })
}

fn unescape(key: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(key.len());
    let mut rest = key.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(b);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// `endpointChanged`: the page Worker's isolate drops what the API Worker's answer says changed
/// (its [`HEADER`]): the config is checked again on the next page, a profile read from KV for
/// the next minute.
#[wasm_bindgen(js_name = endpointChanged)]
pub fn endpoint_changed(header: &str) {
    for change in parse(header) {
        match change {
            Change::Config => crate::store::invalidate(),
            Change::Profile { key, at } => crate::profile_cache::forget(&key, at),
            Change::Flushed { key } => crate::profile_cache::discard(&key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_go_out_once_and_read_back() {
        note(Change::Config);
        note(Change::Profile {
            key: "u:Zoë, K.".into(),
            at: 1.5e12,
        });
        note(Change::Flushed { key: "v1".into() });
        let header = take_header().unwrap();
        assert!(header.is_ascii(), "{header}");
        assert_eq!(take_header(), None, "taken once");
        assert_eq!(
            parse(&header),
            vec![
                Change::Config,
                Change::Profile {
                    key: "u:Zoë, K.".into(),
                    at: 1.5e12
                },
                Change::Flushed { key: "v1".into() }
            ]
        );
        assert_eq!(
            parse("changed:1:%Z1,nonsense,changed:x:k,config"),
            vec![Change::Config]
        );
    }
}
