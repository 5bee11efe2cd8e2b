//! Who published each version, when and why, and the check that keeps two editors from
//! overwriting each other.
//!
//! The record of a version lives beside it under `config-meta:<n>` (JSON `{"at", "by",
//! "message"}`), written after `config:<n>` and before `config:current` moves, so the live
//! version always has its record. A separate key keeps `config:<n>` exactly the text that was
//! published (the Worker and every tool read it as a config) and keeps the `config:` listing
//! to versions only. Versions published before records existed simply have none.
//!
//! Safe publishing: a publish may name the version its draft was based on. When the live
//! version is another one by then, someone else published (or rolled back) in between, and
//! the publish is refused with what they changed, so nobody's work is silently lost. KV is
//! eventually consistent, so this catches what the location that publishes can see: two
//! publishes from different places within about a minute can still both pass.

use super::{store, version_key, Kv, PublishError};
use crate::diff::{diff, Change};
use crate::time::{format_timestamp, Millis};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

const META_PREFIX: &str = "config-meta:";
/// The longest name recorded, in characters.
pub const MAX_BY: usize = 80;
/// The longest message recorded, in characters.
pub const MAX_MESSAGE: usize = 500;

/// The key of version `n`'s record.
pub fn meta_key(n: u64) -> String {
    format!("{META_PREFIX}{n}")
}

/// When a version was published, by whom, and the publisher's message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// When, in milliseconds since the Unix epoch.
    pub at: Millis,
    /// Who: the name the editor asked for, or the CLI's user. Empty when not given.
    #[serde(default)]
    pub by: String,
    /// Why: the publisher's message. Empty when not given.
    #[serde(default)]
    pub message: String,
}

/// A name or message that cannot be recorded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MetaError {
    /// Longer than the record keeps.
    #[error("{field}: at most {max} characters")]
    TooLong {
        /// `author` or `message`.
        field: &'static str,
        /// The limit.
        max: usize,
    },
    /// Holds a control character (a line break in a name, ...).
    #[error("{0}: control characters are not allowed")]
    Control(&'static str),
}

impl Meta {
    /// A record of a publish at `at`, with the name and message trimmed and checked (a
    /// message may hold line breaks, a name may not).
    pub fn new(at: Millis, by: &str, message: &str) -> Result<Meta, MetaError> {
        let by = checked("author", by, MAX_BY, false)?;
        let message = checked("message", message, MAX_MESSAGE, true)?;
        Ok(Meta { at, by, message })
    }

    /// "by Ana, 2026-12-05T03:10:00Z: \"Holiday hero\"".
    pub fn line(&self) -> String {
        let mut s = String::new();
        if !self.by.is_empty() {
            s.push_str(&format!("by {}, ", self.by));
        }
        s.push_str(&format_timestamp(self.at));
        if !self.message.is_empty() {
            s.push_str(&format!(": {:?}", self.message));
        }
        s
    }
}

fn checked(field: &'static str, s: &str, max: usize, lines: bool) -> Result<String, MetaError> {
    let s = s.trim();
    if s.chars().count() > max {
        return Err(MetaError::TooLong { field, max });
    }
    if s.chars().any(|c| c.is_control() && !(lines && c == '\n')) {
        return Err(MetaError::Control(field));
    }
    Ok(s.to_string())
}

/// Version `n`'s record, when it has one (an unreadable record counts as none: history is
/// never a reason to refuse a publish or a rollback).
pub fn read_meta(kv: &mut dyn Kv, n: u64) -> Result<Option<Meta>, PublishError> {
    let raw = kv.get(&meta_key(n)).map_err(store("nothing was changed"))?;
    Ok(raw.and_then(|s| serde_json::from_str(&s).ok()))
}

/// The versions that have a record, as listed.
pub(super) fn recorded(kv: &mut dyn Kv) -> Result<Vec<u64>, PublishError> {
    super::numbered(kv, META_PREFIX)
}

/// The JSON stored for a record.
pub(super) fn meta_json(meta: &Meta) -> String {
    serde_json::to_string(meta).unwrap_or_default()
}

/// A publish refused because the live version moved since the draft's base.
#[derive(Debug)]
pub struct Moved {
    /// The version the draft was based on.
    pub base: u64,
    /// The version live now (`None`: nothing is).
    pub live: Option<u64>,
    /// Who made it live, when and why, when recorded.
    pub live_meta: Option<Meta>,
    /// What changed from the base to the live version (what the draft would undo).
    pub base_to_live: Vec<Change>,
    /// What publishing the draft would change on the live version.
    pub live_to_draft: Vec<Change>,
}

impl fmt::Display for Moved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(live) = self.live else {
            return write!(
                f,
                "the draft was based on version {}, but nothing is live now; nothing was written",
                self.base
            );
        };
        write!(
            f,
            "version {live} went live after version {}, the one this draft was based on",
            self.base
        )?;
        if let Some(m) = &self.live_meta {
            write!(f, " ({})", m.line())?;
        }
        write!(
            f,
            "; nothing was written. Rebase the draft on version {live} and publish again."
        )?;
        let mut list = |title: String, changes: &[Change]| -> fmt::Result {
            write!(f, "\n  {title}:")?;
            if changes.is_empty() {
                write!(f, "\n    no changes")?;
            }
            changes.iter().try_for_each(|c| write!(f, "\n    {c}"))
        };
        list(
            format!("changes from version {} to {live}", self.base),
            &self.base_to_live,
        )?;
        list(
            format!("the draft against version {live}"),
            &self.live_to_draft,
        )
    }
}

/// The refusal when the draft's `base` is not the `live` version (`None` when it is).
pub(super) fn moved(
    kv: &mut dyn Kv,
    base: u64,
    live: Option<u64>,
    draft: &str,
) -> Result<Option<Moved>, PublishError> {
    if live == Some(base) {
        return Ok(None);
    }
    let mut config = |n: Option<u64>| -> Result<Value, PublishError> {
        let Some(n) = n else { return Ok(Value::Null) };
        let raw = kv
            .get(&version_key(n))
            .map_err(store("nothing was written"))?;
        Ok(raw
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(Value::Null))
    };
    let (old, now) = (config(Some(base))?, config(live)?);
    let draft: Value = serde_json::from_str(draft).unwrap_or(Value::Null);
    let live_meta = match live {
        Some(n) => read_meta(kv, n)?,
        None => None,
    };
    Ok(Some(Moved {
        base,
        live,
        live_meta,
        base_to_live: diff(&old, &now),
        live_to_draft: diff(&now, &draft),
    }))
}
