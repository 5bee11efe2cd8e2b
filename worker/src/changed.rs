//! What an endpoint of the API Worker changed that the page Worker's isolate keeps: the config
//! (a publish, a rollback, a signal) or a profile (an identify, an ingest, an erasure). The
//! page Worker forwarded the request, so its isolate is the one that would otherwise serve
//! the old config until its 30 s check, or a profile's old copy for a minute
//! (`profile_cache`): the answer carries [`HEADER`], which worker/js/entry.js strips and hands
//! to `endpointChanged`, as this isolate's own calls did when one Worker did both.
//!
//! Each request keeps its own notes ([`scoped`]): its handler runs with them in the isolate's
//! place at each poll, so two requests in flight at once never carry each other's notes (the
//! one thread runs one poll at a time). A note made outside any request's handler (work an
//! endpoint left in `waitUntil`: the events endpoint hands a browser's log to its writer after
//! answering) goes with the next answer, whichever it is: the browser's next request most
//! often, and at worst the copy stays for the minute KV's own edge cache would keep it.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
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
    /// The notes of the request being polled; `None` outside any ([`scoped`]).
    static NOTES: RefCell<Option<Vec<Change>>> = const { RefCell::new(None) };
    /// Notes made outside any request, for the next answer.
    static OUTSIDE: RefCell<Vec<Change>> = const { RefCell::new(Vec::new()) };
}

/// Notes kept at most, each list.
const MAX_NOTES: usize = 64;

/// Notes a change for the answer being made, or for the next one outside any request.
pub fn note(change: Change) {
    let push = |n: &mut Vec<Change>| {
        if n.len() >= MAX_NOTES {
            n.remove(0);
        }
        n.push(change);
    };
    NOTES.with_borrow_mut(|notes| match notes {
        Some(n) => push(n),
        None => OUTSIDE.with_borrow_mut(push),
    });
}

fn header(notes: &[Change]) -> Option<String> {
    (!notes.is_empty()).then(|| {
        let items: Vec<String> = notes.iter().map(encode).collect();
        items.join(",")
    })
}

/// Runs `fut` with notes of its own; answers its output and its notes, with those made outside
/// any request since the last answer, as [`HEADER`]'s value.
pub fn scoped<F: Future>(fut: F) -> Scoped<F> {
    Scoped {
        fut: Box::pin(fut),
        notes: Vec::new(),
    }
}

/// [`scoped`]'s future: at each poll the request's notes take the isolate's place, and go back
/// to the request after it.
pub struct Scoped<F> {
    fut: Pin<Box<F>>,
    notes: Vec<Change>,
}

impl<F: Future> Future for Scoped<F> {
    type Output = (F::Output, Option<String>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Every field is `Unpin` (the inner future is boxed).
        let this = self.get_mut();
        let outside = NOTES.replace(Some(std::mem::take(&mut this.notes)));
        let polled = this.fut.as_mut().poll(cx);
        this.notes = NOTES.replace(outside).unwrap_or_default();
        polled.map(|out| {
            let mut notes = std::mem::take(&mut this.notes);
            notes.extend(OUTSIDE.take());
            (out, header(&notes))
        })
    }
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

    /// A future that notes `change`, waits once, then notes `after`.
    struct Step(Option<Change>, Option<Change>);

    impl Future for Step {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if let Some(c) = self.0.take() {
                note(c);
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if let Some(c) = self.1.take() {
                note(c);
            }
            Poll::Ready(())
        }
    }

    #[test]
    fn requests_in_flight_at_once_carry_only_their_own_notes() {
        let key = |k: &str| Change::Flushed { key: k.into() };
        let mut a = scoped(Step(Some(key("a1")), Some(key("a2"))));
        let mut b = scoped(Step(Some(Change::Config), None));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        // Interleaved as two requests' awaits would be, with a note made outside both.
        assert!(Pin::new(&mut a).poll(&mut cx).is_pending());
        assert!(Pin::new(&mut b).poll(&mut cx).is_pending());
        note(key("outside"));
        let Poll::Ready(((), b_notes)) = Pin::new(&mut b).poll(&mut cx) else {
            panic!("b is done")
        };
        let Poll::Ready(((), a_notes)) = Pin::new(&mut a).poll(&mut cx) else {
            panic!("a is done")
        };
        assert_eq!(
            b_notes.as_deref(),
            Some("config,flushed:outside"),
            "and the one outside"
        );
        assert_eq!(a_notes.as_deref(), Some("flushed:a1,flushed:a2"));
        assert_eq!(NOTES.take(), None);
        assert!(OUTSIDE.take().is_empty(), "taken once");
    }

    #[test]
    fn notes_go_out_once_and_read_back() {
        let mut notes = scoped(async {
            note(Change::Config);
            note(Change::Profile {
                key: "u:Zoë, K.".into(),
                at: 1.5e12,
            });
            note(Change::Flushed { key: "v1".into() });
        });
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let Poll::Ready(((), Some(header))) = Pin::new(&mut notes).poll(&mut cx) else {
            panic!("noted")
        };
        assert!(header.is_ascii(), "{header}");
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
