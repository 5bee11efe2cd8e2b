//! Publishing to Workers KV, the way the Worker expects it: a config is written once under an
//! immutable key `config:<n>` and only then does the pointer `config:current` move to `n`, so
//! the live site never sees a half-written version and any earlier version can be made live
//! again. The catalog lives under `catalog`, business signals under `signals`.
//!
//! The logic is pure over a small [`Kv`] trait; the CLI implements it with `wrangler kv`, the
//! tests with [`MemoryKv`]. Nothing is written unless what would go live is valid. Each version
//! may carry a record of who published it, when and why, and a publish may name the version its
//! draft was based on, to be refused when the live version moved since ([`history`]).

use crate::catalog::Catalog;
use crate::config::check::Issues;
use crate::diff::{diff, summary, Change};
use crate::engine::{Engine, EngineError, Signals};
use serde_json::Value;
use std::collections::BTreeMap;

mod history;
pub use history::{meta_key, read_meta, Meta, MetaError, Moved, MAX_BY, MAX_MESSAGE};

/// The pointer to the live config version.
pub const CURRENT: &str = "config:current";
/// The key of the catalog.
pub const CATALOG: &str = "catalog";
/// The key of the business signals.
pub const SIGNALS: &str = "signals";
const PREFIX: &str = "config:";

/// The key of config version `n`.
pub fn version_key(n: u64) -> String {
    format!("{PREFIX}{n}")
}

/// The key-value store (Workers KV, or a stand-in).
pub trait Kv {
    /// The value under `key`, or `None` when there is none.
    fn get(&mut self, key: &str) -> Result<Option<String>, KvError>;
    /// Writes `value` under `key`.
    fn put(&mut self, key: &str, value: &str) -> Result<(), KvError>;
    /// Writes binary `value` under `key` (the config snapshot).
    fn put_bytes(&mut self, key: &str, value: &[u8]) -> Result<(), KvError>;
    /// Every key that starts with `prefix`.
    fn list(&mut self, prefix: &str) -> Result<Vec<String>, KvError>;
}

/// A store operation failed, in the store's own words (which operation, and why).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KvError(pub String);

/// Why nothing (or not everything) was published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// What would go live is invalid; nothing was written. `what` names it: "config",
    /// "catalog", "config:3", "the catalog in KV".
    #[error("{what} is invalid; nothing was written{}", indented(issues))]
    Invalid {
        /// What was checked.
        what: String,
        /// Every problem found.
        issues: Issues,
    },
    /// The store failed. `live` says what is live afterwards.
    #[error("{error}\n{live}")]
    Store {
        /// What the store said.
        #[source]
        error: KvError,
        /// What is live after the failure ("nothing went live: version 3 is still live").
        live: String,
    },
    /// A stored value is not what it should be (`config:current` not a number, ...).
    #[error("{0}")]
    Corrupt(String),
    /// Nothing to do (rollback without an earlier version, version already live, ...).
    #[error("{0}")]
    Refused(String),
    /// The live version is no longer the one the draft was based on; nothing was written.
    #[error("{0}")]
    Moved(Box<Moved>),
}

/// Each issue on a line of its own, indented under the sentence before it.
fn indented(issues: &Issues) -> String {
    issues.0.iter().map(|i| format!("\n  {i}")).collect()
}

fn store(live: impl Into<String>) -> impl FnOnce(KvError) -> PublishError {
    let live = live.into();
    move |error| PublishError::Store { error, live }
}

/// The live version, from `config:current` (`None` when nothing was ever published).
pub fn current_version(kv: &mut dyn Kv) -> Result<Option<u64>, PublishError> {
    let raw = kv.get(CURRENT).map_err(store("nothing was changed"))?;
    match raw {
        None => Ok(None),
        Some(s) => s.trim().parse::<u64>().map(Some).map_err(|_| {
            PublishError::Corrupt(format!(
                "{CURRENT} holds {:?}, not a version number",
                s.trim()
            ))
        }),
    }
}

/// Every stored version number, ascending.
pub fn stored_versions(kv: &mut dyn Kv) -> Result<Vec<u64>, PublishError> {
    numbered(kv, PREFIX)
}

/// The numbers `n` of the keys `<prefix><n>`, ascending.
fn numbered(kv: &mut dyn Kv, prefix: &str) -> Result<Vec<u64>, PublishError> {
    let keys = kv.list(prefix).map_err(store("nothing was changed"))?;
    let mut out: Vec<u64> = keys
        .iter()
        .filter_map(|k| k.strip_prefix(prefix)?.parse().ok())
        .collect();
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn invalid(what: impl Into<String>, e: EngineError) -> PublishError {
    let what = what.into();
    match e {
        EngineError::Config(issues) => PublishError::Invalid { what, issues },
        EngineError::Catalog(issues) => PublishError::Invalid {
            what: if what == "config" {
                "catalog".into()
            } else {
                format!("the catalog for {what}")
            },
            issues,
        },
    }
}

/// What a publish did.
#[derive(Debug)]
pub struct Published {
    /// The version written and made live.
    pub version: u64,
    /// The version live before, if any.
    pub previous: Option<u64>,
    /// Changes from the previously live version to this one.
    pub changes: Vec<Change>,
    /// Whether the catalog was written too.
    pub catalog_written: bool,
    /// Why the compiled snapshot was not written, if it was not (the Worker then compiles the
    /// JSON and writes it itself; nothing else depends on it).
    pub snapshot_error: Option<KvError>,
}

/// How a publish is checked and recorded; the default: neither.
#[derive(Clone, Debug, Default)]
pub struct Publication {
    /// The version the draft was based on: the publish is refused ([`PublishError::Moved`])
    /// when another one is live. `None`: published whatever is live.
    pub base: Option<u64>,
    /// Who, when and why, written under `config-meta:<n>`.
    pub meta: Option<Meta>,
}

/// Publishes a config (and, when given, a catalog) with neither a base to check nor a record:
/// [`publish_with`] and the default [`Publication`].
pub fn publish(
    kv: &mut dyn Kv,
    config_json: &str,
    catalog_json: Option<&str>,
) -> Result<Published, PublishError> {
    publish_with(kv, config_json, catalog_json, &Publication::default())
}

/// Publishes a config (and, when given, a catalog): validates both, checks that the live
/// version is still the draft's base (when given), writes the config under a new `config:<n>`
/// (one above every stored version, never over an existing key), then its record, then the
/// catalog, and only then moves `config:current` to `n`. Without a catalog, the one in KV is
/// what the config will run with, so it is checked too.
pub fn publish_with(
    kv: &mut dyn Kv,
    config_json: &str,
    catalog_json: Option<&str>,
    how: &Publication,
) -> Result<Published, PublishError> {
    let mut engine = Engine::new(config_json, catalog_json).map_err(|e| invalid("config", e))?;
    let mut stored_catalog = None;
    if catalog_json.is_none() {
        if let Some(c) = kv.get(CATALOG).map_err(store("nothing was changed"))? {
            Catalog::parse(&c).map_err(|issues| PublishError::Invalid {
                what: "the catalog in KV (publish a valid one with --catalog)".into(),
                issues,
            })?;
            // Compiled again with it, for the snapshot (cheaper in wasm than a copy's code).
            engine = Engine::new(config_json, Some(&c)).map_err(|e| invalid("config", e))?;
            stored_catalog = Some(c);
        }
    }
    let previous = current_version(kv)?;
    if let Some(base) = how.base {
        if let Some(m) = history::moved(kv, base, previous, config_json)? {
            return Err(PublishError::Moved(Box::new(m)));
        }
    }
    let versions = stored_versions(kv)?;
    let next = versions
        .last()
        .copied()
        .max(previous)
        .unwrap_or(0)
        .checked_add(1)
        .ok_or_else(|| PublishError::Corrupt("version numbers exhausted".into()))?;
    let key = version_key(next);
    let unchanged = match previous {
        Some(p) => format!("nothing went live: version {p} is still live"),
        None => "nothing went live".into(),
    };
    // Versions are immutable: refuse rather than overwrite (a listing can lag behind).
    if kv.get(&key).map_err(store(unchanged.clone()))?.is_some() {
        return Err(PublishError::Refused(format!(
            "{key} already exists; versions are never overwritten (try again)"
        )));
    }
    let changes = match previous {
        Some(p) => {
            let old = kv
                .get(&version_key(p))
                .map_err(store(unchanged.clone()))?
                .and_then(|s| serde_json::from_str::<Value>(&s).ok())
                .unwrap_or(Value::Null);
            let new: Value = serde_json::from_str(config_json).unwrap_or(Value::Null);
            diff(&old, &new)
        }
        None => Vec::new(),
    };
    kv.put(&key, config_json)
        .map_err(store(unchanged.clone()))?;
    if let Some(meta) = &how.meta {
        kv.put(&meta_key(next), &history::meta_json(meta))
            .map_err(store(format!(
                "{key} was written but its record was not; {unchanged}"
            )))?;
    }
    if let Some(c) = catalog_json {
        kv.put(CATALOG, c).map_err(store(format!(
            "{key} was written but the catalog was not; {unchanged}"
        )))?;
    }
    // Before the pointer, so that the isolates that load the new version find it.
    let snapshot_error = write_snapshot(
        kv,
        next,
        catalog_json.or(stored_catalog.as_deref()),
        &engine,
    )
    .err();
    kv.put(CURRENT, &next.to_string())
        .map_err(store(format!("{key} was written; {unchanged}")))?;
    Ok(Published {
        version: next,
        previous,
        changes,
        catalog_written: catalog_json.is_some(),
        snapshot_error,
    })
}

/// What a rollback did.
#[derive(Debug)]
pub struct RolledBack {
    /// The version that was live.
    pub from: u64,
    /// The version live now.
    pub to: u64,
    /// Changes from the version that was live to the one that is live now.
    pub changes: Vec<Change>,
}

/// Moves `config:current` back to `to`, or to the newest stored version below the live one,
/// after checking that version is valid (with the catalog in KV).
pub fn rollback(kv: &mut dyn Kv, to: Option<u64>) -> Result<RolledBack, PublishError> {
    let Some(from) = current_version(kv)? else {
        return Err(PublishError::Refused(
            "nothing is published yet (config:current is missing)".into(),
        ));
    };
    let versions = stored_versions(kv)?;
    let target = match to {
        Some(n) => n,
        None => versions
            .iter()
            .rev()
            .copied()
            .find(|v| *v < from)
            .ok_or_else(|| {
                PublishError::Refused(format!(
                    "no version before {from} to roll back to; version {from} stays live"
                ))
            })?,
    };
    if target == from {
        return Err(PublishError::Refused(format!(
            "version {target} is already live"
        )));
    }
    let unchanged = format!("nothing was changed: version {from} is still live");
    let key = version_key(target);
    let Some(json) = kv.get(&key).map_err(store(unchanged.clone()))? else {
        return Err(PublishError::Refused(format!(
            "{key} does not exist (stored versions: {}); version {from} stays live",
            list(&versions)
        )));
    };
    let catalog = kv.get(CATALOG).map_err(store(unchanged.clone()))?;
    let engine = Engine::new(&json, catalog.as_deref()).map_err(|e| invalid(key.clone(), e))?;
    // The target's snapshot may be another catalog's or another build's: made afresh (a
    // failure costs a compile in the Worker, which writes one then).
    let _ = write_snapshot(kv, target, catalog.as_deref(), &engine);
    let old = kv
        .get(&version_key(from))
        .map_err(store(unchanged.clone()))?
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        .unwrap_or(Value::Null);
    let new: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
    kv.put(CURRENT, &target.to_string())
        .map_err(store(unchanged))?;
    Ok(RolledBack {
        from,
        to: target,
        changes: diff(&old, &new),
    })
}

fn list(v: &[u64]) -> String {
    if v.is_empty() {
        return "none".into();
    }
    v.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
}

/// One stored version, for `signpost versions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// Its number.
    pub number: u64,
    /// Whether it is the live one.
    pub live: bool,
    /// One line: what changed from the version before it.
    pub summary: String,
    /// Who published it, when and why (`None` for versions published without a record).
    pub meta: Option<Meta>,
}

/// Every stored version, oldest first, the live one marked, each with a one-line summary of
/// its changes against the version before and its record (who, when, why) when it has one.
pub fn versions(kv: &mut dyn Kv) -> Result<Vec<Version>, PublishError> {
    let live = current_version(kv)?;
    let mut numbers = stored_versions(kv)?;
    if let Some(l) = live {
        if !numbers.contains(&l) {
            numbers.push(l);
            numbers.sort_unstable();
        }
    }
    // Only the records listed are read (each read is a wrangler run for the CLI).
    let recorded = history::recorded(kv)?;
    let mut out = Vec::new();
    let mut prev: Option<(u64, Value)> = None;
    for n in numbers {
        let raw = kv
            .get(&version_key(n))
            .map_err(store("nothing was changed"))?;
        let value = raw.as_deref().map(serde_json::from_str::<Value>);
        let summary = match (&value, &prev) {
            (None, _) => "missing (not stored, or not visible yet)".to_string(),
            (Some(Err(_)), _) => "not valid JSON".to_string(),
            (Some(Ok(_)), None) => "first version".to_string(),
            (Some(Ok(v)), Some((p, old))) => format!("since {p}: {}", summary(&diff(old, v))),
        };
        if let Some(Ok(v)) = value {
            prev = Some((n, v));
        }
        out.push(Version {
            number: n,
            live: live == Some(n),
            summary,
            meta: if recorded.contains(&n) {
                read_meta(kv, n)?
            } else {
                None
            },
        });
    }
    Ok(out)
}

/// Publishes a catalog on its own: validated, then written to `catalog` (the live config
/// version does not change).
pub fn publish_catalog(kv: &mut dyn Kv, catalog_json: &str) -> Result<Catalog, PublishError> {
    let catalog = Catalog::parse(catalog_json).map_err(|issues| PublishError::Invalid {
        what: "catalog".into(),
        issues,
    })?;
    kv.put(CATALOG, catalog_json)
        .map_err(store("the catalog in KV was not changed"))?;
    // The live version's snapshot holds the old catalog: made again with the new one, or the
    // Worker compiles the JSON (and writes it) until the next publish.
    if let Ok(Some(n)) = current_version(kv) {
        if let Ok(Some(json)) = kv.get(&version_key(n)) {
            if let Ok(engine) = Engine::new(&json, Some(catalog_json)) {
                let _ = write_snapshot(kv, n, Some(catalog_json), &engine);
            }
        }
    }
    Ok(catalog)
}

/// Writes config version `n`'s compiled snapshot for this build (`crate::snapshot`), under its
/// version's key and the live one's: every caller is making `n` the live version.
pub fn write_snapshot(
    kv: &mut dyn Kv,
    n: u64,
    catalog_json: Option<&str>,
    engine: &Engine,
) -> Result<(), KvError> {
    let bytes = crate::snapshot::encode(n, catalog_json, engine);
    kv.put_bytes(&crate::snapshot::key(n), &bytes)?;
    kv.put_bytes(&crate::snapshot::live_key(), &bytes)
}

/// Sets one business signal (`null` data removes it), merged into the others in `signals`
/// the way the Worker's `POST /__signpost/signals` does. Returns every signal now stored.
pub fn set_signal(kv: &mut dyn Kv, name: &str, data: Value) -> Result<Signals, PublishError> {
    if name.is_empty() || name.len() > 64 {
        return Err(PublishError::Refused(
            "a signal name has 1 to 64 characters".into(),
        ));
    }
    let mut signals: Signals = match kv.get(SIGNALS).map_err(store("signals were not changed"))? {
        None => Signals::new(),
        Some(s) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Object(m)) => m,
            _ => {
                return Err(PublishError::Corrupt(format!(
                    "{SIGNALS} in KV is not a JSON object; nothing was changed"
                )))
            }
        },
    };
    Engine::apply_signal(&mut signals, name, data);
    let body = Value::Object(signals.clone()).to_string();
    kv.put(SIGNALS, &body)
        .map_err(store("signals were not changed"))?;
    Ok(signals)
}

/// An in-memory [`Kv`]: the Worker's editor runs the publish operations over a copy of KV
/// in one, and tests use it (where `fail_puts` names keys whose writes fail).
#[derive(Clone, Debug, Default)]
pub struct MemoryKv {
    /// Key -> value.
    pub data: BTreeMap<String, String>,
    /// Key -> binary value (the config snapshots: never read back by the publish operations).
    pub bytes: BTreeMap<String, Vec<u8>>,
    /// Keys whose writes fail (to test a store that fails halfway).
    #[cfg(test)]
    pub fail_puts: Vec<String>,
    /// Every successful write, in order.
    pub writes: Vec<String>,
}

impl MemoryKv {
    /// A write of `key`: refused when a test named it in `fail_puts`, else recorded.
    fn write(&mut self, key: &str) -> Result<(), KvError> {
        #[cfg(test)]
        if self.fail_puts.iter().any(|k| k == key) {
            return Err(KvError(format!("writing {key} failed")));
        }
        self.writes.push(key.to_string());
        Ok(())
    }
}

impl Kv for MemoryKv {
    fn get(&mut self, key: &str) -> Result<Option<String>, KvError> {
        Ok(self.data.get(key).cloned())
    }

    fn put(&mut self, key: &str, value: &str) -> Result<(), KvError> {
        self.write(key)?;
        self.data.insert(key.to_string(), value.to_string());
        Ok(())
    }

    fn put_bytes(&mut self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.write(key)?;
        self.bytes.insert(key.to_string(), value.to_vec());
        Ok(())
    }

    fn list(&mut self, prefix: &str) -> Result<Vec<String>, KvError> {
        Ok(self
            .data
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }
}

#[cfg(test)]
mod tests;
