//! Workers KV: the compiled config (cached in the isolate), signals and visitor profiles.
//!
//! Keys: `config:current` holds the live version `n`, `config:<n>` the config JSON,
//! `catalog` the catalog, `signals` the business signals, `profile:<visitor id>` a profile.

use signpost::{Engine, Profile, Signals};
use std::cell::RefCell;
use std::rc::Rc;
use worker::kv::KvStore;

/// How long an isolate trusts its cached config before asking KV again.
const CONFIG_TTL_MS: f64 = 30_000.0;
/// Profiles expire after this long without a visit.
pub const PROFILE_TTL_S: u64 = 90 * 24 * 3600;

#[derive(Debug)]
pub enum StoreError {
    Kv(String),
    NoConfig,
    InvalidConfig(String),
}

impl StoreError {
    /// The short reason given in `x-signpost: bypass; reason=...`.
    pub fn reason(&self) -> &'static str {
        match self {
            StoreError::Kv(_) => "kv",
            StoreError::NoConfig => "no-config",
            StoreError::InvalidConfig(_) => "invalid-config",
        }
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Kv(e) => write!(f, "KV: {e}"),
            StoreError::NoConfig => write!(f, "no config published (config:current is missing)"),
            StoreError::InvalidConfig(e) => write!(f, "invalid config: {e}"),
        }
    }
}

fn kv_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Kv(e.to_string())
}

struct Cached {
    version: String,
    engine: Rc<Engine>,
    signals: Rc<Signals>,
    checked_at: f64,
}

thread_local! {
    static CACHE: RefCell<Option<Cached>> = const { RefCell::new(None) };
}

/// The live engine and signals, from the isolate's cache when fresh. A new config version that
/// fails to compile is ignored and the last good one kept.
pub async fn engine(kv: &KvStore, now: f64) -> Result<(Rc<Engine>, Rc<Signals>), StoreError> {
    let fresh = CACHE.with_borrow(|c| {
        c.as_ref()
            .filter(|c| now - c.checked_at < CONFIG_TTL_MS)
            .map(|c| (c.engine.clone(), c.signals.clone()))
    });
    if let Some(hit) = fresh {
        return Ok(hit);
    }
    let version = kv.get("config:current").text().await.map_err(kv_err)?;
    let signals = Rc::new(load_signals(kv).await?);
    let Some(version) = version.map(|v| v.trim().to_string()) else {
        return last_good(now, signals).ok_or(StoreError::NoConfig);
    };
    let known = CACHE.with_borrow(|c| {
        c.as_ref()
            .filter(|c| c.version == version)
            .map(|c| c.engine.clone())
    });
    let engine = match known {
        Some(engine) => engine,
        None => match compile(kv, &version).await {
            Ok(engine) => Rc::new(engine),
            Err(e) => return last_good(now, signals).ok_or(e),
        },
    };
    CACHE.set(Some(Cached {
        version,
        engine: engine.clone(),
        signals: signals.clone(),
        checked_at: now,
    }));
    Ok((engine, signals))
}

/// The previous good engine with fresh signals, re-armed for another TTL.
fn last_good(now: f64, signals: Rc<Signals>) -> Option<(Rc<Engine>, Rc<Signals>)> {
    CACHE.with_borrow_mut(|c| {
        let c = c.as_mut()?;
        c.checked_at = now;
        c.signals = signals.clone();
        Some((c.engine.clone(), signals))
    })
}

async fn compile(kv: &KvStore, version: &str) -> Result<Engine, StoreError> {
    let config = kv
        .get(&format!("config:{version}"))
        .text()
        .await
        .map_err(kv_err)?
        .ok_or(StoreError::NoConfig)?;
    let catalog = kv.get("catalog").text().await.map_err(kv_err)?;
    Engine::new(&config, catalog.as_deref()).map_err(|e| StoreError::InvalidConfig(e.to_string()))
}

async fn load_signals(kv: &KvStore) -> Result<Signals, StoreError> {
    let raw = kv.get("signals").text().await.map_err(kv_err)?;
    // Malformed signals count as none: they must not take personalization down.
    Ok(raw
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

/// The visitor's profile; a missing or unreadable one starts afresh.
pub async fn load_profile(kv: &KvStore, visitor: &str) -> Result<Profile, StoreError> {
    let raw = kv
        .get(&format!("profile:{visitor}"))
        .text()
        .await
        .map_err(kv_err)?;
    Ok(raw
        .and_then(|s| serde_json::from_str::<Profile>(&s).ok())
        .unwrap_or_else(|| Profile::new(visitor)))
}

/// Writes the profile back with its idle expiry.
pub async fn save_profile(
    kv: &KvStore,
    visitor: &str,
    profile: &Profile,
) -> Result<(), StoreError> {
    let body = serde_json::to_string(profile).map_err(|e| StoreError::Kv(e.to_string()))?;
    kv.put(&format!("profile:{visitor}"), body)
        .map_err(kv_err)?
        .expiration_ttl(PROFILE_TTL_S)
        .execute()
        .await
        .map_err(kv_err)
}
