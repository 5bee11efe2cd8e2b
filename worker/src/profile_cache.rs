//! Stored profiles recently read, kept in the isolate (issue 20): a visitor's next pages here
//! skip KV's read and the profile's parse, the largest part of a page's work after the
//! decision itself.
//!
//! Why a newer profile is never hidden for longer than KV would hide it: KV answers a read
//! from its edge cache for up to a minute (`cacheTtl`, 60 s by default, what page.js reads
//! with) after another location wrote the key. An entry here is used for [`FRESH_MS`] after it
//! was read from KV, then read again. What the visitor did themselves is in their cookie log,
//! replayed on top of whatever stored profile the page starts from, so an older stored profile
//! loses nothing of theirs; once the browser hands its log to the profile's writer (and the
//! cookie may let go of it), the copy is dropped ([`discard`]) and the next page reads KV. What it
//! can hold back for that minute is another writer's change
//! (a server event, a second device, a journey's timer): when this isolate sends one of those
//! to a profile's writer, the key is not cached for the next minute ([`forget`]), so the next
//! pages read KV as they do without a cache.
//!
//! Bounded: at most [`MAX_ENTRIES`] profiles and [`MAX_BYTES`] of their stored bytes; the
//! oldest read goes first.

use signpost::Profile;
use std::cell::RefCell;
use std::collections::HashMap;

/// How long a profile read from KV stands in for KV: its `cacheTtl`.
pub const FRESH_MS: f64 = 60_000.0;
/// Profiles kept at most.
const MAX_ENTRIES: usize = 1_000;
/// Their stored bytes, at most. The binary form is about 40% of the JSON this bound was set
/// for (8 MiB of it then), and what bounds the isolate's memory is the parsed profiles, which
/// do not shrink with their stored form: 4 MiB keeps that about where it was.
const MAX_BYTES: usize = 4 * 1024 * 1024;

enum Held {
    /// What KV answered (`None`: no stored profile), and its size in bytes.
    Read(Box<Option<Profile>>, usize),
    /// Another writer changed it: read KV until this entry is stale.
    Changed,
}

struct Entry {
    /// When KV was read, or the change sent (ms).
    at: f64,
    held: Held,
}

impl Entry {
    fn fresh(&self, now: f64) -> bool {
        (0.0..FRESH_MS).contains(&(now - self.at))
    }

    fn bytes(&self) -> usize {
        match self.held {
            Held::Read(_, bytes) => bytes,
            Held::Changed => 0,
        }
    }
}

#[derive(Default)]
struct Cache {
    entries: HashMap<String, Entry>,
    bytes: usize,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

impl Cache {
    fn get(&self, key: &str, now: f64) -> Option<&Option<Profile>> {
        let entry = self.entries.get(key).filter(|e| e.fresh(now))?;
        match &entry.held {
            Held::Read(profile, _) => Some(&**profile),
            Held::Changed => None,
        }
    }

    fn insert(&mut self, key: &str, entry: Entry) {
        self.remove(key);
        self.bytes += entry.bytes();
        self.entries.insert(key.to_string(), entry);
        while self.entries.len() > MAX_ENTRIES || self.bytes > MAX_BYTES {
            let oldest = self.entries.iter().min_by(|a, b| a.1.at.total_cmp(&b.1.at));
            let Some(oldest) = oldest.map(|(k, _)| k.clone()) else {
                break;
            };
            self.remove(&oldest);
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some(old) = self.entries.remove(key) {
            self.bytes -= old.bytes();
        }
    }
}

/// Pages between `pageStart` and `pageDecide` and the copy each started from, keyed by the
/// profile and the request's time: a change that arrives meanwhile (another writer's, which
/// drops the entry) must not leave a page without the profile it was promised.
type Pinned = Vec<((String, f64), Option<Profile>)>;
thread_local! {
    static PINNED: RefCell<Pinned> = const { RefCell::new(Vec::new()) };
}
/// Pages pinned at most: more than one isolate has in flight at once.
const PINNED_MAX: usize = 32;

/// Whether the page may skip KV (the profile `key` was read within [`FRESH_MS`]); if so, the
/// copy is kept for this page's [`take_pinned`].
pub fn pin(key: &str, now: f64) -> bool {
    let Some(profile) = get(key, now) else {
        return false;
    };
    PINNED.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() >= PINNED_MAX {
            p.remove(0);
        }
        p.push(((key.to_string(), now), profile));
    });
    true
}

/// The copy [`pin`] kept for the page of `key` at `now`.
pub fn take_pinned(key: &str, now: f64) -> Option<Option<Profile>> {
    PINNED.with(|p| {
        let mut p = p.borrow_mut();
        let i = p.iter().position(|((k, t), _)| k == key && *t == now)?;
        Some(p.remove(i).1)
    })
}

/// The profile read for `key` (`Some(None)`: KV had none), while fresh.
fn get(key: &str, now: f64) -> Option<Option<Profile>> {
    CACHE.with(|c| c.borrow().get(key, now).cloned())
}

/// Keeps what KV answered for `key` (`bytes`: its stored size), unless another writer
/// changed the profile within the last minute.
pub fn put(key: &str, profile: Option<&Profile>, bytes: usize, now: f64) {
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        let changed =
            (c.entries.get(key)).is_some_and(|e| matches!(e.held, Held::Changed) && e.fresh(now));
        if !changed {
            let held = Held::Read(Box::new(profile.cloned()), bytes);
            c.insert(key, Entry { at: now, held });
        }
    });
}

/// This browser handed its log to the writer: the next page reads KV (the cookie may have let
/// go of what it handed over, which an older copy here lacks).
pub fn discard(key: &str) {
    CACHE.with(|c| c.borrow_mut().remove(key));
}

/// Another writer is changing `key`'s profile: read it from KV for the next minute.
pub fn forget(key: &str, now: f64) {
    CACHE.with(|c| {
        let entry = Entry {
            at: now,
            held: Held::Changed,
        };
        c.borrow_mut().insert(key, entry);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_stands_for_a_minute_then_kv_is_read_again() {
        let p = Profile::new("v1");
        put("v1", Some(&p), 100, 1_000.0);
        assert_eq!(get("v1", 1_000.0 + FRESH_MS - 1.0), Some(Some(p)));
        assert!(!pin("v1", 1_000.0 + FRESH_MS));
        assert!(!pin("v1", 999.0), "a clock that went back reads KV");
        put("none", None, 0, 0.0);
        assert_eq!(get("none", 10.0), Some(None));
    }

    #[test]
    fn a_change_by_another_writer_is_read_from_kv_for_a_minute() {
        put("v2", Some(&Profile::new("v2")), 100, 0.0);
        forget("v2", 10.0);
        assert!(!pin("v2", 20.0));
        put("v2", Some(&Profile::new("v2")), 100, 30.0);
        assert!(
            !pin("v2", 40.0),
            "what KV answered right after may predate the change"
        );
        put("v2", Some(&Profile::new("v2")), 100, 10.0 + FRESH_MS);
        assert!(pin("v2", 20.0 + FRESH_MS));
    }

    #[test]
    fn a_page_keeps_the_copy_it_started_from_when_a_change_drops_it() {
        put("v3", Some(&Profile::new("v3")), 100, 0.0);
        assert!(pin("v3", 5.0));
        forget("v3", 6.0);
        assert_eq!(take_pinned("v3", 5.0), Some(Some(Profile::new("v3"))));
        assert_eq!(take_pinned("v3", 5.0), None, "taken once");
    }

    #[test]
    fn the_oldest_read_goes_first_past_the_bounds() {
        let mut c = Cache::default();
        for i in 0..MAX_ENTRIES + 5 {
            let held = Held::Read(Box::new(None), 10);
            c.insert(&format!("k{i}"), Entry { at: i as f64, held });
        }
        assert_eq!(c.entries.len(), MAX_ENTRIES);
        assert!(c.get("k4", 10.0).is_none() && c.get("k5", 10.0).is_some());
        let big = Held::Read(Box::new(None), MAX_BYTES - 10);
        c.insert("big", Entry { at: 2e9, held: big });
        assert!(c.bytes <= MAX_BYTES, "{} bytes", c.bytes);
        assert!(c.get("big", 2e9).is_some());
    }
}
