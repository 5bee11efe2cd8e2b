//! Names in a config: ids, slots, segment and tier names, event names. What characters they
//! may hold is checked here once, for every section.

use super::check::{join, Checker};
use crate::config::check::msg;
use crate::events::check_event_name;
use serde_json::{Map, Value};

/// Ids and names: letters, digits, `_ - . :`, up to 128 characters.
pub(super) fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a name must not be empty".into());
    }
    if name.chars().count() > crate::profile::MAX_ID_LEN {
        return Err(msg!(
            "names are at most {} characters",
            crate::profile::MAX_ID_LEN
        ));
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')))
    {
        Some(c) => Err(msg!(
            "invalid character {c:?} in \"{name}\" (use letters, digits, _ - . :)"
        )),
        None => Ok(()),
    }
}

pub(super) fn id_field(
    ck: &mut Checker,
    m: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Option<String> {
    let p = join(path, key);
    let s = ck.string(m.get(key)?, &p)?;
    match check_name(s) {
        Ok(()) => Some(s.to_string()),
        Err(e) => {
            ck.err(&p, e);
            None
        }
    }
}

/// An event name (`goal`, `reset_on`, a signal's `event`), checked like the SDK's.
pub(crate) fn event_name(ck: &mut Checker, v: &Value, path: &str) -> Option<String> {
    let s = ck.string(v, path)?;
    match check_event_name(s) {
        Ok(()) => Some(s.to_string()),
        Err(e) => {
            ck.err(path, e);
            None
        }
    }
}
