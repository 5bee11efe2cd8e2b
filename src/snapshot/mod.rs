//! The config snapshot: a compiled config and catalog in a compact binary form, written next to
//! `config:<n>` when it is published, so that a new isolate loads its engine without parsing
//! the JSON or compiling it (the compiler's code is then never run, nor compiled by the
//! runtime, on a cold start).
//!
//! It is a cache of what the JSON compiles to, never the source of truth: whatever is wrong
//! with it (written by another build, for another catalog, cut short, corrupt) makes the
//! reader compile the JSON instead. Another build's types may differ in ways no format number
//! would be remembered to follow, so a snapshot names the build that wrote it, [`build_id`]:
//! the crate's version and a hash of the core's sources, made by build.rs. Its KV key holds the
//! build id too ([`key`]), so two deployed builds never overwrite each other's snapshots. The
//! live version's snapshot is written a second time under [`live_key`], which a cold isolate
//! can read before it knows the version.
//!
//! Layout: `SPcs`, the format byte, the build id, the config version, the catalog's hash
//! (none without a catalog), the compiled config, the catalog, then an FNV-1a hash of
//! everything before it.

mod codec;
#[cfg(test)]
mod tests;
mod types;

use crate::catalog::Catalog;
use crate::codec::Out;
use crate::config::Config;
use crate::engine::Engine;
pub(crate) use codec::{put_tag, snap_enum, snap_struct, Corrupt, Reader, Snap};

const MAGIC: &[u8; 4] = b"SPcs";
/// The layout's own version (the header above); the types' encoding follows the build id.
const FORMAT: u8 = 1;

/// This build of the core: its version and a hash of its sources, and whether it compiles
/// journeys (feature `actions`, which changes what a compiled config holds).
pub fn build_id() -> String {
    let actions = if cfg!(feature = "actions") { "a" } else { "n" };
    format!(
        "{}-{}{actions}",
        env!("CARGO_PKG_VERSION"),
        env!("SIGNPOST_SNAPSHOT_BUILD")
    )
}

/// The KV key of config version `n`'s snapshot by this build.
pub fn key(n: u64) -> String {
    format!("config-snapshot:{n}:{}", build_id())
}

/// The KV key of the live version's snapshot by this build: a key that needs no version, so a
/// new isolate reads it in the same round as `config:current` (the version inside is checked
/// against the pointer; a stale one sends the reader to [`key`]).
pub fn live_key() -> String {
    format!("config-snapshot:live:{}", build_id())
}

/// Why a snapshot was not used (the JSON is compiled instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// Not a snapshot, or one of another layout.
    #[error("not a config snapshot of format {FORMAT}")]
    Format,
    /// Written by another build of the core.
    #[error("written by build {0}, not this one")]
    Build(String),
    /// Of another config version.
    #[error("of config version {found}, not {wanted}")]
    Version {
        /// The version it holds.
        found: u64,
        /// The version asked for.
        wanted: u64,
    },
    /// Compiled with another catalog than the one in KV now.
    #[error("compiled with another catalog")]
    Catalog,
    /// Cut short or altered.
    #[error("corrupt")]
    Corrupt,
}

impl From<Corrupt> for SnapshotError {
    fn from(_: Corrupt) -> Self {
        SnapshotError::Corrupt
    }
}

/// FNV-1a, 64 bits: the catalog's identity and the snapshot's check (not a defence against
/// a forger, who could write the JSON as well).
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The snapshot of config version `version`, compiled into `engine` with the catalog whose
/// text is `catalog_json` (`None`: no catalog published).
pub fn encode(version: u64, catalog_json: Option<&str>, engine: &Engine) -> Vec<u8> {
    let mut w = Out::new(16 * 1024);
    w.bytes(MAGIC);
    w.byte(FORMAT);
    build_id().put(&mut w);
    version.put(&mut w);
    catalog_json.map(|c| fnv(c.as_bytes())).put(&mut w);
    engine.config().put(&mut w);
    engine.catalog().put(&mut w);
    let check = fnv(w.as_bytes());
    w.bytes(&check.to_le_bytes());
    w.into_bytes()
}

/// The engine in a snapshot, when it is this build's snapshot of config version `version`
/// compiled with the catalog whose text is `catalog_json`.
pub fn decode(
    bytes: &[u8],
    version: u64,
    catalog_json: Option<&str>,
) -> Result<Engine, SnapshotError> {
    let (body, check) = bytes.split_last_chunk::<8>().ok_or(SnapshotError::Format)?;
    if !body.starts_with(MAGIC) || body.get(MAGIC.len()) != Some(&FORMAT) {
        return Err(SnapshotError::Format);
    }
    if fnv(body) != u64::from_le_bytes(*check) {
        return Err(SnapshotError::Corrupt);
    }
    let mut r = Reader::new(body, MAGIC.len() + 1);
    let build = String::load(&mut r);
    if build != build_id() {
        return Err(SnapshotError::Build(build));
    }
    let found = u64::load(&mut r);
    if found != version {
        return Err(SnapshotError::Version {
            found,
            wanted: version,
        });
    }
    if Option::<u64>::load(&mut r) != catalog_json.map(|c| fnv(c.as_bytes())) {
        return Err(SnapshotError::Catalog);
    }
    let config = Config::load(&mut r);
    let catalog = Catalog::load(&mut r);
    r.finish()?;
    Ok(Engine::from_parts(config, catalog))
}
