//! The config's KV reads, in rounds: which keys an isolate reads to load or re-check its config,
//! and what it makes of what they hold. One logic for two drivers: the page path reads the keys
//! from worker/js/page.js (`pageConfig`, beside the profile's read, with no wasm futures), the
//! endpoints through workers-rs (`store::live`).
//!
//! A cold isolate reads `config:current`, `signals`, `catalog` and the live version's snapshot
//! (`signpost::snapshot::live_key`) in one round, and is done when that snapshot is of the
//! version the pointer names. Otherwise a second round reads the version's JSON and its own
//! snapshot; the JSON is compiled only when that snapshot does not load either. An isolate
//! whose config is only due for a check reads the pointer and the signals.
//!
//! Snapshots are a cache of the JSON (src/snapshot): when the live key held no usable snapshot,
//! the isolate owes KV one ([`take_owed`]), written after the response.
//!
//! The page Worker's build has no compiler (feature `api`; 105 KB of its wasm): when neither
//! snapshot loads, it asks the API Worker to compile the version ([`Step::Compile`]), which
//! answers the snapshot and writes it under the version's key, and loads that.

use crate::store::{self, Live, StoreError, MAX_CONFIG_BYTES};
use signpost::snapshot::{self, SnapshotError};
use signpost::{Engine, Signals};
use std::cell::RefCell;
use std::rc::Rc;

const POINTER: &str = "config:current";
const SIGNALS: &str = "signals";
const CATALOG: &str = "catalog";

/// The keys read so far, each with its value (`None`: absent from KV).
#[derive(Default)]
pub struct Reads {
    entries: Vec<(String, Option<Vec<u8>>)>,
    /// The config version the page Worker asked the API Worker to compile: its snapshot (under
    /// its key, replacing what KV held) when it did.
    pub compiled: Option<u64>,
    /// That asking failed: the API Worker could not be reached.
    pub unreachable: bool,
}

impl Reads {
    /// A key's value; a key read again (a snapshot the API Worker compiled) replaces it.
    pub fn push(&mut self, key: String, value: Option<Vec<u8>>) {
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// `Some(value)` when `key` was read (`value` `None`: absent), `None` when it was not.
    fn read(&self, key: &str) -> Option<Option<&[u8]>> {
        let (_, v) = self.entries.iter().find(|(k, _)| k == key)?;
        Some(v.as_deref())
    }

    fn bytes(&self, key: &str) -> Option<&[u8]> {
        self.read(key).flatten()
    }

    /// A text value; one that is not UTF-8 is as good as a failed read.
    fn text(&self, key: &str) -> Result<Option<&str>, StoreError> {
        self.bytes(key)
            .map(|b| {
                std::str::from_utf8(b).map_err(|_| StoreError::Kv(format!("{key} is not text")))
            })
            .transpose()
    }
}

/// How a config version new to the isolate was loaded (`Server-Timing`'s `config;desc=`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Loaded {
    Snapshot,
    Json,
}

impl Loaded {
    pub fn as_str(self) -> &'static str {
        match self {
            Loaded::Snapshot => "snapshot",
            Loaded::Json => "json",
        }
    }
}

/// What one round's reads made.
pub enum Step {
    /// The isolate's config is ready: checked again, or a version loaded (and how).
    Ready(Live, Option<Loaded>),
    /// Read these keys as well, then take a step again with everything read so far.
    More(Vec<String>),
    /// No snapshot this build loads, and no compiler in it (the page Worker): the API Worker
    /// compiles the version; its snapshot is the value of `snapshot::key(version)`.
    Compile(u64),
}

/// The first round's keys: the pointer and the signals, and for an isolate with no config yet
/// the catalog and the live snapshot too.
pub fn first_keys() -> Vec<String> {
    let mut keys = vec![POINTER.to_string(), SIGNALS.to_string()];
    if store::current().is_none() {
        keys.extend([CATALOG.to_string(), snapshot::live_key()]);
    }
    keys
}

/// The config from what has been read, or the keys still needed. A new version that fails to
/// load (or a pointer to a missing one) is ignored and the last good config kept.
pub fn step(reads: &Reads, now: f64) -> Result<Step, StoreError> {
    let signals = Rc::new(store::parse_signals(reads.bytes(SIGNALS)));
    let Some(version) = reads.text(POINTER)?.map(|v| v.trim().to_string()) else {
        return last_good(now, signals).ok_or(StoreError::NoConfig);
    };
    if let Some(mut live) = store::current().filter(|l| l.version == version) {
        live.signals = signals;
        store::keep(live.clone(), now);
        return Ok(Step::Ready(live, None));
    }
    match load(reads, &version, signals.clone()) {
        Ok(Load::Done(live, how)) => {
            store::keep(live.clone(), now);
            Ok(Step::Ready(live, Some(how)))
        }
        Ok(Load::Read) => Ok(Step::More(second_keys(reads, &version))),
        Ok(Load::Compile(n)) => Ok(Step::Compile(n)),
        Err(e) => {
            worker::console_warn!("signpost: config {version} not used: {e}");
            last_good(now, signals).ok_or(e)
        }
    }
}

fn last_good(now: f64, signals: Rc<Signals>) -> Option<Step> {
    store::last_good(now, signals).map(|live| Step::Ready(live, None))
}

/// The second round's keys for `version`: its JSON and its own snapshot (and the catalog, when
/// the first round did not read it).
fn second_keys(reads: &Reads, version: &str) -> Vec<String> {
    let mut keys = vec![format!("config:{version}")];
    // A pointer that is not a number names no snapshot.
    keys.extend(version.parse().ok().map(snapshot::key));
    if reads.read(CATALOG).is_none() {
        keys.push(CATALOG.to_string());
    }
    keys
}

/// What [`load`] made of the reads.
enum Load {
    Done(Live, Loaded),
    /// A key it needs has not been read.
    Read,
    /// The version needs compiling, by the API Worker.
    Compile(u64),
}

/// Config `version`: the live snapshot when it is that version's, else its own snapshot, else
/// its JSON compiled (by the API Worker for the page Worker).
fn load(reads: &Reads, version: &str, signals: Rc<Signals>) -> Result<Load, StoreError> {
    if reads.read(CATALOG).is_none() {
        return Ok(Load::Read);
    }
    let catalog = reads.text(CATALOG)?;
    let n = version.parse::<u64>().ok();
    let live = |engine, config_json: Option<&str>| Live {
        version: version.to_string(),
        engine: Rc::new(engine),
        config_json: config_json.map(Into::into),
        catalog_json: catalog.map(Into::into),
        signals: signals.clone(),
    };
    let decode = |key: &str, n| {
        let bytes = reads.bytes(key)?;
        match snapshot::decode(bytes, n, catalog) {
            Ok(engine) => Some(engine),
            // The live key names another version just after a publish: not worth a warning.
            Err(SnapshotError::Version { .. }) => None,
            Err(e) => {
                worker::console_warn!("signpost: config snapshot {key} not used: {e}");
                None
            }
        }
    };
    let live_key = snapshot::live_key();
    if let Some(engine) = n.and_then(|n| decode(&live_key, n)) {
        return Ok(Load::Done(live(engine, None), Loaded::Snapshot));
    }
    let key = format!("config:{version}");
    let Some(config) = reads.read(&key) else {
        return Ok(Load::Read);
    };
    let config = config.ok_or(StoreError::NoConfig)?;
    if config.len() > MAX_CONFIG_BYTES {
        return Err(StoreError::InvalidConfig(format!(
            "{key} is {} bytes, over the {MAX_CONFIG_BYTES} a config may have",
            config.len()
        )));
    }
    let config = std::str::from_utf8(config)
        .map_err(|_| StoreError::InvalidConfig(format!("{key} is not UTF-8")))?;
    if let Some(n) = n {
        let own = snapshot::key(n);
        if let Some(engine) = decode(&own, n) {
            // The live key holds no snapshot of the live version: this one is copied there.
            let bytes = reads.bytes(&own).map(<[u8]>::to_vec).unwrap_or_default();
            OWED.set(Some(Owed::Copy(bytes)));
            let how = match reads.compiled {
                Some(c) if c == n => Loaded::Json,
                _ => Loaded::Snapshot,
            };
            return Ok(Load::Done(live(engine, Some(config)), how));
        }
    }
    let engine = match compile(config, catalog, n, reads)? {
        Ok(engine) => engine,
        Err(n) => return Ok(Load::Compile(n)),
    };
    let loaded = live(engine, Some(config));
    if let Some(n) = n {
        OWED.set(Some(Owed::Encode(n, loaded.clone())));
    }
    Ok(Load::Done(loaded, Loaded::Json))
}

/// `Ok(engine)`: version `n` compiled from its JSON, or `Err(n)`: to be compiled by the API
/// Worker. This is the API Worker's build, which compiles.
#[cfg(feature = "api")]
fn compile(
    config: &str,
    catalog: Option<&str>,
    _: Option<u64>,
    _: &Reads,
) -> Result<Result<Engine, u64>, StoreError> {
    Engine::new(config, catalog)
        .map(Ok)
        .map_err(|e| StoreError::InvalidConfig(e.to_string()))
}

/// The page Worker's build has no compiler: it asks the API Worker for version `n`'s snapshot,
/// once; a version the API Worker compiled whose snapshot still does not load is refused, and
/// one it could not be asked about is not loaded either (the last good config stays).
#[cfg(not(feature = "api"))]
fn compile(
    _: &str,
    _: Option<&str>,
    n: Option<u64>,
    reads: &Reads,
) -> Result<Result<Engine, u64>, StoreError> {
    let Some(n) = n else {
        return Err(StoreError::InvalidConfig(
            "config:current is not a version number".into(),
        ));
    };
    if reads.compiled == Some(n) {
        return Err(if reads.unreachable {
            StoreError::ApiUnreachable(n)
        } else {
            StoreError::InvalidConfig(format!(
                "version {n} was not compiled by the API Worker (page.js logged why) or its \
                 snapshot did not load"
            ))
        });
    }
    Ok(Err(n))
}

/// A snapshot this isolate owes KV.
enum Owed {
    /// Version `n`, compiled from its JSON: encoded after the response, for both keys.
    Encode(u64, Live),
    /// The live version's own snapshot, for the live key.
    Copy(Vec<u8>),
}

thread_local! {
    static OWED: RefCell<Option<Owed>> = const { RefCell::new(None) };
}

/// Whether this isolate owes KV a snapshot.
pub fn owes() -> bool {
    OWED.with_borrow(Option::is_some)
}

/// The snapshot this isolate owes KV and the keys to write it under; it is then no longer owed.
pub fn take_owed() -> Option<(Vec<String>, Vec<u8>)> {
    Some(match OWED.take()? {
        Owed::Encode(n, live) => (
            vec![snapshot::key(n), snapshot::live_key()],
            snapshot::encode(n, live.catalog_json.as_deref(), &live.engine),
        ),
        Owed::Copy(bytes) => (vec![snapshot::live_key()], bytes),
    })
}
