//! The fresh session state a host carries in the signed `sp_s` cookie between profile writes.
//!
//! Workers KV allows one write per key per second and reads can lag a write by up to a minute,
//! so the Worker writes a profile at most once per visitor per [`WRITE_INTERVAL`]. Everything
//! recorded since the stored profile (`Profile::rev`) travels in the cookie as a log: the
//! request's own events, the page's events, impressions and exposures, each stamped with the
//! host time it was recorded at. On the next request the host reads the stored profile and
//! [`SessionState::sync`] drops what the store already holds (`seq <= rev`) and replays the rest,
//! so the visitor's latest events count even when KV has not been written or read back yet.
//!
//! Wire format: `base64url(state) "." base64url(HMAC-SHA256(secret, "sp_s.2." base64url(state)))`,
//! the state in its compact form (`wire`). A cookie written before it, `base64url(json)` signed
//! under `"sp_s.1."`, is still read (a JSON payload's base64 starts with `e`, the compact
//! form's with `A`), so a browser's unsent log survives the change.
//! A cookie that is tampered with, signed with another secret, issued for another visitor,
//! older than [`STATE_MAX_AGE`], larger than [`MAX_COOKIE_VALUE`] or of another version is
//! ignored as if absent.

use crate::batch::EventStatus;
use crate::decision::Decision;
use crate::engine::{Engine, Signals};
use crate::events::Event;
use crate::profile::Profile;
use crate::record::record;
use crate::request::RequestInfo;
use crate::time::{Millis, DAY};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod wire;

/// The layout version inside the cookie.
pub const STATE_VERSION: u32 = 1;
/// A profile is written at most this often per visitor.
pub const WRITE_INTERVAL: Millis = 10_000;
/// Never two writes of one key within a second (KV answers 429).
pub const MIN_WRITE_GAP: Millis = 1_000;
/// Most bytes of the cookie value; with name and attributes it stays under the 4 KB a browser
/// keeps per cookie.
pub const MAX_COOKIE_VALUE: usize = 3_500;
/// A cookie larger than this makes a write due early (after [`MIN_WRITE_GAP`]), before it has
/// to drop entries.
const EARLY_WRITE_BYTES: usize = MAX_COOKIE_VALUE * 3 / 4;
/// Older states are ignored (the cookie's Max-Age too).
pub const STATE_MAX_AGE: Millis = 30 * DAY;

/// What the cookie carries.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionState {
    /// The state's format version.
    #[serde(rename = "v")]
    pub version: u32,
    /// The visitor this state belongs to (`sp_vid`): a state is never applied to another.
    #[serde(rename = "vid")]
    pub visitor: String,
    /// When it was issued (ms).
    #[serde(rename = "iat")]
    pub issued: Millis,
    /// When the host last wrote the profile (ms), for the write throttle.
    #[serde(rename = "w", default)]
    pub written: Millis,
    /// What was recorded since the stored profile, oldest first.
    #[serde(default)]
    pub log: Vec<Entry>,
    /// The site's user id, once the page identified the visitor with a valid signature: the
    /// profile read and written is then the user's.
    #[serde(rename = "u", default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// One recorded thing and the host time it was recorded at (its sequence).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The host time it was recorded at; entries replay in this order.
    #[serde(rename = "n")]
    pub seq: Millis,
    /// What was recorded.
    #[serde(flatten)]
    pub what: Logged,
}

/// A thing recorded since the stored profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "k")]
pub enum Logged {
    /// An event, with its effective time in `at`.
    #[serde(rename = "e")]
    Event {
        /// The event.
        e: Event,
    },
    /// An offer shown.
    #[serde(rename = "i")]
    Impression {
        /// The offer's id.
        o: String,
    },
    /// An experiment's variant seen.
    #[serde(rename = "x")]
    Exposure {
        /// The experiment's id.
        x: String,
        /// The variant's id.
        v: String,
    },
}

type HmacSha256 = Hmac<Sha256>;

impl SessionState {
    /// A fresh state for a visitor, issued at `now`.
    pub fn new(visitor: &str, now: Millis) -> SessionState {
        SessionState {
            version: STATE_VERSION,
            visitor: visitor.to_string(),
            issued: now,
            written: 0,
            log: Vec::new(),
            user: None,
        }
    }

    /// Reads a cookie value; `None` for anything not issued by us for this visitor, recently.
    pub fn decode(cookie: &str, secret: &[u8], visitor: &str, now: Millis) -> Option<SessionState> {
        if cookie.len() > MAX_COOKIE_VALUE || secret.is_empty() {
            return None;
        }
        let (payload, sig) = cookie.split_once('.')?;
        let sig = b64_decode(sig)?;
        // The form is chosen before the MAC is checked, and the MAC covers it.
        let compact = payload.starts_with('A');
        mac(secret, payload, compact).verify_slice(&sig).ok()?;
        let bytes = b64_decode(payload)?;
        let state: SessionState = match compact {
            true if bytes.first() == Some(&wire::MARKER) => wire::decode(&bytes).ok()?,
            true => return None,
            false => serde_json::from_slice(&bytes).ok()?,
        };
        let fresh = state.issued <= now + MINUTE_SKEW && now - state.issued <= STATE_MAX_AGE;
        (state.version == STATE_VERSION && state.visitor == visitor && fresh).then_some(state)
    }

    /// The signed cookie value, issued at `now`. When the log does not fit, entries the store
    /// already has (recorded before the last write) go first, then the oldest.
    pub fn encode(&mut self, secret: &[u8], now: Millis) -> String {
        self.issued = now;
        loop {
            let payload = b64_encode(&wire::encode(self));
            let sig = b64_encode(&mac(secret, &payload, true).finalize().into_bytes());
            let value = format!("{payload}.{sig}");
            if value.len() <= MAX_COOKIE_VALUE || self.log.is_empty() {
                return value;
            }
            let written = self.written;
            let i = self.log.iter().position(|e| e.seq <= written).unwrap_or(0);
            self.log.remove(i);
        }
    }

    /// Brings a stored profile up to date: drops the entries the store already holds (up to
    /// this visitor's position in it) and replays the others, in order, onto `profile`.
    pub fn sync(&mut self, engine: &Engine, profile: &mut Profile) {
        let rev = profile.rev_of(&self.visitor);
        self.log.retain(|e| e.seq > rev);
        replay(engine, profile, &self.log);
    }

    /// The key of the profile this browser reads and writes: the user's once identified
    /// (`u:<user id>`), otherwise the visitor's own id.
    pub fn profile_key(&self) -> String {
        match &self.user {
            Some(user) => crate::writer::user_key(user),
            None => self.visitor.clone(),
        }
    }

    /// [`Engine::on_request`], logging what it records.
    pub fn on_request(
        &mut self,
        engine: &Engine,
        profile: &mut Profile,
        req: &RequestInfo,
        signals: &Signals,
        now: Millis,
    ) -> Decision {
        let consent = engine.consent(req);
        if !consent.granted() {
            return Decision::unpersonalized(&profile.id, now, consent.as_str());
        }
        let facts = engine.request_facts(req, now);
        for mut e in engine.request_events(&facts) {
            record(
                engine.config(),
                engine.catalog(),
                profile,
                &e,
                now,
                Some(&facts),
            );
            if e.kind == "page_view" {
                // Replay derives path, query and utm from the url again.
                for k in ["path", "query", "utm"] {
                    e.props.remove(k);
                }
            }
            // Its time is the entry's own (`at` omitted keeps the cookie small).
            e.at = None;
            self.push(now, Logged::Event { e });
        }
        let d = engine.decide(profile, req, signals, now);
        self.served(engine, profile, &d, now);
        d
    }

    /// Counts what a served decision showed (impressions, exposures), logging it.
    pub fn served(&mut self, engine: &Engine, profile: &mut Profile, d: &Decision, now: Millis) {
        engine.record_served(profile, d, now);
        for o in &d.impressions {
            self.push(now, Logged::Impression { o: o.clone() });
        }
        for x in &d.exposures {
            let (x, v) = (x.experiment.clone(), x.variant.clone());
            self.push(now, Logged::Exposure { x, v });
        }
    }

    /// [`Engine::record_events`], logging the events recorded (retries already seen are not).
    /// Returns, per event, whether it was recorded, a duplicate, or refused (a trusted type).
    pub fn record_events(
        &mut self,
        engine: &Engine,
        profile: &mut Profile,
        events: &[Event],
        now: Millis,
    ) -> Vec<EventStatus> {
        let mut statuses = Vec::with_capacity(events.len());
        for e in events {
            if e.id
                .as_ref()
                .is_some_and(|id| profile.seen_ids.contains(id))
            {
                statuses.push(EventStatus::Duplicate);
                continue;
            }
            if !engine.record_event(profile, e, now) {
                // A trusted type: not recorded, and not logged for a later replay either.
                statuses.push(EventStatus::Rejected);
                continue;
            }
            let mut e = e.clone();
            e.at = e.at.filter(|at| *at < now);
            self.push(now, Logged::Event { e });
            statuses.push(EventStatus::Accepted);
        }
        statuses
    }

    /// Logs at `now`, but always after the last flush: the writer applies only entries after
    /// this browser's position, so an entry of the same millisecond as a flushed one (or of a
    /// host whose clock is behind) would otherwise be dropped as already applied.
    fn push(&mut self, now: Millis, what: Logged) {
        let seq = now.max(self.written + 1);
        self.log.push(Entry { seq, what });
    }

    /// After a request or events: what to send the profile's writer when a flush is due
    /// (marked as sent at `now` first), and the signed cookie value. The state is serialised
    /// once for both in the common case (nothing due), as the Worker does this on every page.
    /// The log stays in the cookie until a stored profile shows it applied, so a flush that
    /// is lost, or a profile read before the writer stored it, loses nothing.
    pub fn finish(
        &mut self,
        profile: &Profile,
        secret: &[u8],
        now: Millis,
    ) -> (Option<Flush>, String) {
        self.finish_with(profile, secret, now, false)
    }

    /// [`SessionState::finish`], flushing anything new at once when `eager`: an event post
    /// when the config has actions, whose journeys must learn of it even if the visitor never
    /// makes another request (the add to cart of a visitor who leaves).
    pub fn finish_with(
        &mut self,
        profile: &Profile,
        secret: &[u8],
        now: Millis,
        eager: bool,
    ) -> (Option<Flush>, String) {
        let cookie = self.encode(secret, now);
        let fresh = || {
            let last = self.written.max(profile.rev_of(&self.visitor));
            self.log.iter().any(|e| e.seq > last)
        };
        if !(self.flush_due(profile, now, cookie.len()) || (eager && fresh())) {
            return (None, cookie);
        }
        self.written = now;
        let flush = Flush {
            key: self.profile_key(),
            device: self.visitor.clone(),
            log: self.log.clone(),
        };
        (Some(flush), self.encode(secret, now))
    }

    /// Whether the host should send the log to the profile's writer now: something new since
    /// the last flush, and the flush interval passed, or a second passed and the cookie
    /// (`cookie_len` bytes, as [`SessionState::encode`] made it) is filling up.
    pub fn flush_due(&self, profile: &Profile, now: Millis, cookie_len: usize) -> bool {
        let last = self.written.max(profile.rev_of(&self.visitor));
        if !self.log.iter().any(|e| e.seq > last) {
            return false;
        }
        let gap = now - last;
        gap >= WRITE_INTERVAL || (gap >= MIN_WRITE_GAP && cookie_len > EARLY_WRITE_BYTES)
    }
}

/// What a page hands the profile's writer (`crate::writer::apply_log`): one browser's log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Flush {
    /// The profile it belongs to ([`SessionState::profile_key`]).
    pub key: String,
    /// The browser's visitor id, whose position in the profile the log moves.
    pub device: String,
    /// The entries, oldest first.
    pub log: Vec<Entry>,
}

/// Replays logged entries, in order, onto a profile (each event at its own time).
pub fn replay(engine: &Engine, profile: &mut Profile, entries: &[Entry]) {
    for entry in entries {
        match &entry.what {
            Logged::Event { e } => {
                let t = e.at.unwrap_or(entry.seq);
                record(engine.config(), engine.catalog(), profile, e, t, None);
            }
            Logged::Impression { o } => profile.record_impression(o, entry.seq),
            Logged::Exposure { x, v } => profile.record_exposure(x, v, entry.seq),
        }
    }
}

/// Tolerated clock difference between hosts for `iat`.
const MINUTE_SKEW: Millis = 60_000;

/// The MAC of a payload in the compact form (`sp_s.2.`) or the JSON one from before (`sp_s.1.`).
fn mac(secret: &[u8], payload: &str, compact: bool) -> HmacSha256 {
    let mut m = HmacSha256::new_from_slice(secret).expect("HMAC takes a key of any length");
    m.update(if compact { b"sp_s.2." } else { b"sp_s.1." });
    m.update(payload.as_bytes());
    m
}

/// Compares two secrets (bearer tokens) in time independent of their contents: their SHA-256
/// digests are compared without an early exit, so neither where they differ nor the expected
/// length shows in the timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let (x, y) = (Sha256::digest(a), Sha256::digest(b));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}

/// The format of [`ClientState`]: the SDK reads a state only in the format it was built for
/// (it gets this number from `sdk-js/src/limits.js`, generated from the core).
pub const STATE_FORMAT: u8 = 1;

/// The release of Signpost this core belongs to: the Worker names it in the state it writes,
/// and the SDK built from the same release carries the same string (`sdk-js/package.json`,
/// checked by `tests/limits_js.rs`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The decision as the browser SDK reads it, in `<script id="signpost-state">` and in the
/// events endpoint's answer:
/// `{"v":1,"plan","tier","score","segments","holdout","config_version","writer"}`.
pub fn client_state<'a>(d: &'a Decision, config_version: &'a str) -> ClientState<'a> {
    ClientState {
        config_version,
        holdout: d.holdout,
        plan: &d.plan,
        score: (d.score * 1000.0).round() / 1000.0,
        segments: &d.segments,
        tier: &d.tier,
        v: STATE_FORMAT,
        writer: VERSION,
    }
}

/// What [`client_state`] gives the page, serialised straight from the decision (no JSON tree
/// in between: the Worker writes one per page). Fields in alphabetical order, as they were
/// when this was a `serde_json::Value`; `writer` (the [`VERSION`] that wrote it) came later and
/// goes last.
#[derive(Serialize)]
pub struct ClientState<'a> {
    config_version: &'a str,
    holdout: bool,
    plan: &'a crate::plan::Plan,
    score: f64,
    segments: &'a [String],
    tier: &'a str,
    v: u8,
    writer: &'static str,
}

impl ClientState<'_> {
    /// The state as JSON, for the page.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a client state always serializes")
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding.
pub fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

const NOT_B64: u8 = 0xff;
/// Each byte's value in [`B64`], or [`NOT_B64`]: a table, as every page decodes a cookie.
const B64_VALUE: [u8; 256] = {
    let mut table = [NOT_B64; 256];
    let mut i = 0;
    while i < 64 {
        table[B64[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Decodes base64url without padding; `None` for anything else.
pub fn b64_decode(s: &str) -> Option<Vec<u8>> {
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = B64_VALUE[*c as usize];
            if v == NOT_B64 {
                return None;
            }
            n |= (v as u32) << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::example_engine;

    const SECRET: &[u8] = b"test-secret";
    const T0: Millis = 1_795_194_000_000;

    #[test]
    fn base64url_round_trips() {
        for n in 0..40 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            let s = b64_encode(&bytes);
            assert!(!s.contains(['+', '/', '=']));
            assert_eq!(b64_decode(&s).unwrap(), bytes);
        }
        assert_eq!(b64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(b64_encode(b"fo"), "Zm8");
        assert!(b64_decode("Zm9v!").is_none());
    }

    #[test]
    fn a_signed_state_reads_back_and_a_tampered_one_does_not() {
        let mut s = SessionState::new("v1", T0);
        s.push(T0, Logged::Impression { o: "hero-x".into() });
        let cookie = s.encode(SECRET, T0);
        assert_eq!(SessionState::decode(&cookie, SECRET, "v1", T0 + 5), Some(s));
        // Another secret, another visitor, a changed byte, too old, too large: ignored.
        assert!(SessionState::decode(&cookie, b"other", "v1", T0).is_none());
        assert!(SessionState::decode(&cookie, SECRET, "v2", T0).is_none());
        let mut bytes = cookie.clone().into_bytes();
        bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(SessionState::decode(&tampered, SECRET, "v1", T0).is_none());
        assert!(SessionState::decode(&cookie, SECRET, "v1", T0 + STATE_MAX_AGE + 1).is_none());
        let huge = format!("{cookie}{}", "A".repeat(MAX_COOKIE_VALUE));
        assert!(SessionState::decode(&huge, SECRET, "v1", T0).is_none());
        assert!(SessionState::decode("garbage", SECRET, "v1", T0).is_none());
        assert!(SessionState::decode(&cookie, b"", "v1", T0).is_none());
    }

    #[test]
    fn replaying_the_log_gives_the_profile_recorded_directly() {
        let engine = example_engine();
        let signals = Signals::new();
        // Direct: every request and event recorded into one profile.
        let mut direct = Profile::new("funnel-000");
        // Via the cookie: the stored profile is written once, then only the log carries state.
        let mut stored = Profile::new("funnel-000");
        let mut state = SessionState::new("funnel-000", T0);
        let steps: &[(&str, Millis)] = &[
            ("/products/tent-summit-2p", 0),
            ("/products/tent-basecamp-4p", 2_000),
            ("/compare", 4_000),
        ];
        for (url, dt) in steps {
            let req = RequestInfo::new(*url);
            let d1 = engine.on_request(&mut direct, &req, &signals, T0 + dt);
            let cookie = state.encode(SECRET, T0 + dt);
            state = SessionState::decode(&cookie, SECRET, "funnel-000", T0 + dt).unwrap();
            let mut p = stored.clone();
            state.sync(&engine, &mut p);
            let d2 = state.on_request(&engine, &mut p, &req, &signals, T0 + dt);
            assert_eq!(d1.plan, d2.plan, "{url}");
            assert_eq!(d1.tier, d2.tier, "{url}");
            if let Some(f) = state.finish(&p, SECRET, T0 + dt).0 {
                crate::writer::apply_log(&engine, &mut stored, &f.device, &f.log);
            }
        }
        let cart = Event::new("add_to_cart")
            .with("product_id", "tent-basecamp-4p")
            .with("price", 529);
        let mut cart = cart;
        cart.id = Some("e-1".into());
        engine.record_events(&mut direct, std::slice::from_ref(&cart), T0 + 5_000);
        let mut p = stored.clone();
        state.sync(&engine, &mut p);
        // A retry of the same event id is not recorded twice.
        let batch = [cart.clone(), cart];
        assert_eq!(
            state.record_events(&engine, &mut p, &batch, T0 + 5_000),
            [EventStatus::Accepted, EventStatus::Duplicate]
        );
        let req = RequestInfo::new("/products/tent-basecamp-4p");
        let d1 = engine.on_request(&mut direct, &req, &signals, T0 + 6_000);
        let mut p = stored.clone();
        state.sync(&engine, &mut p);
        let d2 = state.on_request(&engine, &mut p, &req, &signals, T0 + 6_000);
        assert_eq!(d1.tier, "ready_to_buy");
        assert_eq!((d1.plan, d1.tier), (d2.plan, d2.tier));
        let mut a = direct.clone();
        let mut b = p.clone();
        (a.rev, b.rev) = (0, 0);
        b.devices.clear();
        assert_eq!(a.to_json(), b.to_json());
    }

    #[test]
    fn the_client_state_names_its_format_and_writer() {
        let engine = example_engine();
        let mut p = Profile::new("v");
        let d = engine.on_request(&mut p, &RequestInfo::new("/"), &Signals::new(), T0);
        let state: serde_json::Value =
            serde_json::from_str(&client_state(&d, "7").to_json()).unwrap();
        assert_eq!(state["v"], u64::from(STATE_FORMAT));
        assert_eq!(state["writer"], env!("CARGO_PKG_VERSION"));
        assert_eq!(state["config_version"], "7");
        assert_eq!(state["tier"], d.tier.as_str());
    }

    #[test]
    fn flushes_are_throttled_and_sync_drops_what_the_store_has() {
        let engine = example_engine();
        let mut p = Profile::new("v");
        let mut s = SessionState::new("v", T0);
        let home = RequestInfo::new("/");
        s.on_request(&engine, &mut p, &home, &Signals::new(), T0);
        let (flush, cookie) = s.finish(&p, SECRET, T0);
        let flush = flush.expect("a first visit is flushed");
        assert_eq!((flush.key.as_str(), flush.device.as_str()), ("v", "v"));
        let mut stored = Profile::new("v");
        crate::writer::apply_log(&engine, &mut stored, &flush.device, &flush.log);
        assert_eq!((stored.rev_of("v"), stored.page_views), (T0, 1));
        let read = SessionState::decode(&cookie, SECRET, "v", T0).unwrap();
        assert_eq!(read.written, T0, "the cookie knows of the flush");
        assert!(!s.flush_due(&stored, T0 + 3_000, 0), "nothing new");
        s.on_request(&engine, &mut p, &home, &Signals::new(), T0 + 3_000);
        assert!(s.finish(&p, SECRET, T0 + 3_000).0.is_none(), "within 10 s");
        assert!(s.flush_due(&p, T0 + WRITE_INTERVAL, 0));
        assert!(
            s.flush_due(&p, T0 + MIN_WRITE_GAP, EARLY_WRITE_BYTES + 1),
            "a filling cookie is flushed after a second"
        );
        assert!(!s.flush_due(&p, T0 + MIN_WRITE_GAP - 1, MAX_COOKIE_VALUE));
        // The stored profile holds the first request: only the second replays.
        s.sync(&engine, &mut stored);
        assert_eq!(stored.page_views, 2);
        assert!(s.log.iter().all(|e| e.seq > T0));
    }

    #[test]
    fn an_identified_browser_reads_the_users_profile() {
        let mut s = SessionState::new("v", T0);
        assert_eq!(s.profile_key(), "v");
        s.user = Some("42".into());
        assert_eq!(s.profile_key(), "u:42");
        let cookie = s.encode(SECRET, T0);
        let read = SessionState::decode(&cookie, SECRET, "v", T0).unwrap();
        assert_eq!(
            read.user.as_deref(),
            Some("42"),
            "the user id is signed into sp_s"
        );
    }

    #[test]
    fn an_overlong_log_is_cut_to_fit_the_cookie_oldest_written_first() {
        let mut s = SessionState::new("v", T0);
        for i in 0..200 {
            let e = Event::new("search").with("q", format!("query number {i}"));
            s.push(T0 + i, Logged::Event { e });
        }
        s.written = T0 + 10;
        let cookie = s.encode(SECRET, T0 + 300);
        assert!(cookie.len() <= MAX_COOKIE_VALUE);
        assert!(
            s.log.first().unwrap().seq > T0 + 10,
            "written entries dropped first"
        );
        assert_eq!(s.log.last().unwrap().seq, T0 + 199);
    }

    #[test]
    fn constant_time_compare() {
        assert!(constant_time_eq(b"token", b"token"));
        assert!(!constant_time_eq(b"token", b"tokem"));
        assert!(!constant_time_eq(b"token", b"token2"));
    }
}
