//! Workers KV: the compiled config (cached in the isolate), signals and visitor profiles.
//!
//! Keys: `config:current` holds the live version `n`, `config:<n>` the config JSON,
//! `config-snapshot:<n>:<build>` its compiled snapshot (`signpost::snapshot`; the live one's
//! under `config-snapshot:live:<build>` too, see `crate::config_reads`), `catalog` the
//! catalog, `signals` the business signals, `profile:<visitor id>` a profile.
//! Every read runs against a time budget: a slow KV must not hold the page.

use crate::config_reads::{self, Reads, Step};
use futures_util::future::{join_all, select, Either};
use signpost::profile::ProfileError;
use signpost::{Engine, Profile, Signals};
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;
use worker::kv::KvStore;
use worker::Delay;

/// How long an isolate trusts its cached config before asking KV again.
const CONFIG_TTL_MS: f64 = 30_000.0;
/// Budget of the config reads (pointer, config, catalog, signals), when the cache is stale
/// (page.js gets it from `pageStart`, as the profile's below).
pub const CONFIG_BUDGET_MS: u64 = 150;
/// Budget of the profile read, which runs concurrently with the origin fetch (page.js gets
/// it from `pageStart`, so the page path and the endpoints share it).
pub const PROFILE_BUDGET_MS: u64 = 100;
/// A config larger than this is refused unread: compiling it would take the request's CPU
/// budget (the example is 7 KB; a thousand offers stay well under).
pub const MAX_CONFIG_BYTES: usize = 1024 * 1024;

/// Why the Worker could not read or write what it keeps in KV; each answers a page with
/// `x-signpost: bypass; reason=` [`StoreError::reason`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// KV failed (the runtime's words).
    #[error("KV: {0}")]
    Kv(String),
    /// KV did not answer within the read's budget.
    #[error("KV did not answer in time")]
    Timeout,
    /// Nothing was ever published.
    #[error("no config published (config:current is missing)")]
    NoConfig,
    /// The live config does not compile (or is too large to try).
    #[error("invalid config: {0}")]
    InvalidConfig(String),
    /// The page Worker could not reach the API Worker to compile a version with no snapshot
    /// for its build (the version itself may be fine).
    #[cfg_attr(feature = "api", allow(dead_code))]
    #[error("config {0} has no snapshot for this build, and the API Worker, which compiles it, could not be reached")]
    ApiUnreachable(u64),
    /// The stored profile was written by a newer build.
    #[error("stored profile is of a newer format")]
    ProfileTooNew,
    /// The stored profile is larger than any profile can grow (bytes).
    #[error("stored profile is {0} bytes, over the {max} a profile can reach", max = signpost::profile::MAX_PROFILE_BYTES)]
    ProfileTooLarge(usize),
}

impl StoreError {
    /// The short reason given in `x-signpost: bypass; reason=...`.
    pub fn reason(&self) -> &'static str {
        match self {
            StoreError::Kv(_) => "kv",
            StoreError::Timeout => "kv-timeout",
            StoreError::NoConfig => "no-config",
            StoreError::InvalidConfig(_) => "invalid-config",
            StoreError::ApiUnreachable(_) => "api-unreachable",
            StoreError::ProfileTooNew => "profile-version",
            StoreError::ProfileTooLarge(_) => "profile-size",
        }
    }
}

pub(crate) fn kv_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Kv(e.to_string())
}

/// `fut`, or [`StoreError::Timeout`] after `ms`.
async fn within<T>(
    ms: u64,
    fut: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let fut = std::pin::pin!(fut);
    let timer = Delay::from(Duration::from_millis(ms));
    match select(fut, timer).await {
        Either::Left((r, _)) => r,
        Either::Right(_) => Err(StoreError::Timeout),
    }
}

/// A compiled config version and what the config endpoint publishes of it.
pub struct Live {
    pub version: String,
    pub engine: Rc<Engine>,
    /// The config's JSON, when it was read: an isolate that loaded the live snapshot has not
    /// (the config endpoint reads it then, [`config_json`]).
    pub config_json: Option<Rc<str>>,
    pub catalog_json: Option<Rc<str>>,
    pub signals: Rc<Signals>,
}

impl Clone for Live {
    fn clone(&self) -> Self {
        Live {
            version: self.version.clone(),
            engine: self.engine.clone(),
            config_json: self.config_json.clone(),
            catalog_json: self.catalog_json.clone(),
            signals: self.signals.clone(),
        }
    }
}

struct Cached {
    live: Live,
    checked_at: f64,
}

thread_local! {
    static CACHE: RefCell<Option<Cached>> = const { RefCell::new(None) };
}

/// The isolate's config when it was checked within the last [`CONFIG_TTL_MS`].
pub fn cached(now: f64) -> Option<Live> {
    CACHE.with_borrow(|c| {
        c.as_ref()
            // A clock that went back (test clock, skew) counts as stale too.
            .filter(|c| (0.0..CONFIG_TTL_MS).contains(&(now - c.checked_at)))
            .map(|c| c.live.clone())
    })
}

/// The isolate's config, however long ago it was checked (the page path calls [`live`] first).
pub fn current() -> Option<Live> {
    CACHE.with_borrow(|c| c.as_ref().map(|c| c.live.clone()))
}

/// The live engine and signals, from the isolate's cache when fresh. A new config version that
/// fails to compile (or a pointer to a missing one) is ignored and the last good one kept.
pub async fn live(kv: &KvStore, now: f64) -> Result<Live, StoreError> {
    if let Some(hit) = cached(now) {
        return Ok(hit);
    }
    within(CONFIG_BUDGET_MS, refresh(kv, now)).await
}

/// The config's reads in rounds (`crate::config_reads`), through workers-rs: the endpoints'
/// driver. The page path drives the same rounds from page.js.
async fn refresh(kv: &KvStore, now: f64) -> Result<Live, StoreError> {
    let mut reads = Reads::default();
    let mut keys = config_reads::first_keys();
    // Two rounds always settle (the second reads all a version needs); the bound is a guard.
    for _ in 0..3 {
        let values = join_all(keys.iter().map(|k| kv.get(k).bytes())).await;
        for (key, value) in keys.into_iter().zip(values) {
            reads.push(key, value.map_err(kv_err)?);
        }
        match config_reads::step(&reads, now)? {
            Step::Ready(live, _) => return Ok(live),
            Step::More(more) => keys = more,
            // Only the page Worker's build asks, and its endpoints read no config.
            Step::Compile(n) => {
                return Err(StoreError::InvalidConfig(format!(
                    "version {n} has no snapshot this build loads"
                )))
            }
        }
    }
    Err(StoreError::Kv("the config's reads did not settle".into()))
}

/// Keeps `live` as the isolate's config, checked at `now`.
pub fn keep(live: Live, now: f64) {
    CACHE.set(Some(Cached {
        live,
        checked_at: now,
    }));
}

/// The previous good engine with fresh signals, re-armed for another TTL.
pub fn last_good(now: f64, signals: Rc<Signals>) -> Option<Live> {
    CACHE.with_borrow_mut(|c| {
        let c = c.as_mut()?;
        c.checked_at = now;
        c.live.signals = signals;
        Some(c.live.clone())
    })
}

async fn load_signals(kv: &KvStore) -> Result<Signals, StoreError> {
    let raw = kv.get("signals").bytes().await.map_err(kv_err)?;
    Ok(parse_signals(raw.as_deref()))
}

/// The stored signals; malformed ones count as none: they must not take personalization down.
pub fn parse_signals(raw: Option<&[u8]>) -> Signals {
    raw.and_then(|s| serde_json::from_slice(s).ok())
        .unwrap_or_default()
}

/// The live config's JSON: the isolate's copy, or read now when it loaded the snapshot.
pub async fn config_json(kv: &KvStore, live: &Live) -> Result<Rc<str>, StoreError> {
    if let Some(json) = &live.config_json {
        return Ok(json.clone());
    }
    let key = format!("config:{}", live.version);
    let json: Rc<str> = within(CONFIG_BUDGET_MS, async {
        kv.get(&key).text().await.map_err(kv_err)
    })
    .await?
    .ok_or(StoreError::NoConfig)?
    .into();
    // Kept for the next request, when the isolate still runs this version.
    CACHE.with_borrow_mut(|c| {
        if let Some(c) = c.as_mut().filter(|c| c.live.version == live.version) {
            c.live.config_json = Some(json.clone());
        }
    });
    Ok(json)
}

/// Makes the next request re-read `config:current` (after a publish or rollback here), so this
/// isolate serves the new live version at once.
pub fn invalidate() {
    CACHE.with_borrow_mut(|c| {
        if let Some(c) = c.as_mut() {
            c.checked_at = f64::NEG_INFINITY;
        }
    });
}

/// Replaces the signals in the isolate's cache, so a signal posted here applies at once.
pub fn set_cached_signals(signals: Signals) {
    CACHE.with_borrow_mut(|c| {
        if let Some(c) = c.as_mut() {
            c.live.signals = Rc::new(signals);
        }
    });
}

/// Signals read from KV now (for an update), not from the cache.
pub async fn signals_now(kv: &KvStore) -> Result<Signals, StoreError> {
    within(CONFIG_BUDGET_MS, load_signals(kv)).await
}

pub async fn save_signals(kv: &KvStore, signals: &Signals) -> Result<(), StoreError> {
    let body = serde_json::to_string(signals).map_err(kv_err)?;
    kv.put("signals", body)
        .map_err(kv_err)?
        .execute()
        .await
        .map_err(kv_err)
}

/// The visitor's stored profile, `None` when there is none. A corrupt one counts as none (it
/// will be replaced); one of a newer format, or larger than any this engine writes, is an
/// error, so it is never overwritten (nor parsed: that could take the request's CPU budget).
pub async fn load_profile(kv: &KvStore, visitor: &str) -> Result<Option<Profile>, StoreError> {
    let key = format!("profile:{visitor}");
    let raw = within(PROFILE_BUDGET_MS, async {
        kv.get(&key).bytes().await.map_err(kv_err)
    })
    .await?;
    parse_profile(raw.as_deref())
}

/// The one reader of a stored profile's bytes (`None`: there is none), in either stored form
/// (`signpost::Profile::from_stored`: binary, or JSON as written before it). A corrupt one is
/// dropped (the visitor starts afresh); one too large or of a newer format is an error (the
/// page is passed through and the stored profile kept for a Worker that can read it).
pub fn parse_profile(raw: Option<&[u8]>) -> Result<Option<Profile>, StoreError> {
    let Some(raw) = raw else { return Ok(None) };
    if raw.len() > signpost::profile::MAX_PROFILE_BYTES {
        return Err(StoreError::ProfileTooLarge(raw.len()));
    }
    match Profile::from_stored(raw) {
        Ok(p) => Ok(Some(p)),
        Err(ProfileError::TooNew(_)) => Err(StoreError::ProfileTooNew),
        // Where the binary form breaks (a position, no stored value): safe to log.
        Err(ProfileError::Binary(e)) => {
            worker::console_warn!("signpost: a corrupt profile was ignored: {e}");
            Ok(None)
        }
        Err(_) => {
            // Neither the visitor id nor the JSON parser's message (it can quote stored
            // values): no visitor data in logs.
            worker::console_warn!("signpost: a corrupt profile was ignored: not a profile's JSON");
            Ok(None)
        }
    }
}

/// A stored profile as JavaScript hands it over: bytes (an `ArrayBuffer` or `Uint8Array`: KV
/// read as `"arrayBuffer"`, the writer's storage) or a string (a writer's storage from before
/// the binary form).
pub struct StoredBytes(pub Vec<u8>);

impl<'de> serde::Deserialize<'de> for StoredBytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = StoredBytes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes or a string")
            }
            fn visit_byte_buf<E>(self, b: Vec<u8>) -> Result<StoredBytes, E> {
                Ok(StoredBytes(b))
            }
            fn visit_bytes<E>(self, b: &[u8]) -> Result<StoredBytes, E> {
                Ok(StoredBytes(b.to_vec()))
            }
            fn visit_string<E>(self, s: String) -> Result<StoredBytes, E> {
                Ok(StoredBytes(s.into_bytes()))
            }
            fn visit_str<E>(self, s: &str) -> Result<StoredBytes, E> {
                Ok(StoredBytes(s.as_bytes().to_vec()))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// The profile's idle expiry in seconds, from the config's `profile.expire_after`.
pub fn profile_ttl_s(engine: &Engine) -> u64 {
    // The config bounds it to 1 minute .. 730 days, inside what KV accepts (at least 60 s).
    (engine.config().profile_expiry / 1000).max(60) as u64
}

/// Writes a profile's stored form (`Profile::to_stored`); it expires `ttl_s` seconds after
/// this write.
pub async fn save_profile(
    kv: &KvStore,
    visitor: &str,
    body: Vec<u8>,
    ttl_s: u64,
) -> Result<(), StoreError> {
    kv.put_bytes(&format!("profile:{visitor}"), &body)
        .map_err(kv_err)?
        .expiration_ttl(ttl_s)
        .execute()
        .await
        .map_err(kv_err)
}

pub async fn delete_profile(kv: &KvStore, visitor: &str) -> Result<(), StoreError> {
    within(CONFIG_BUDGET_MS, async {
        kv.delete(&format!("profile:{visitor}"))
            .await
            .map_err(kv_err)
    })
    .await
}
