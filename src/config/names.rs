//! Names in a config: ids, slots, segment and tier names, event names. What characters they
//! may hold is checked here once, for every section.

use super::check::{join, Checker, Fields};
use super::grammar::Object;
use crate::config::check::msg;
use crate::events::{check_event_name, invalid_name_char, NameError};
use serde_json::Value;

/// Ids and names: letters, digits, `_ - . :`, up to 128 characters.
pub(super) fn check_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.chars().count() > crate::profile::MAX_ID_LEN {
        return Err(NameError::Long);
    }
    match invalid_name_char(name) {
        Some(c) => Err(NameError::Char(c, name.into())),
        None => Ok(()),
    }
}

/// An id or name (`id`, a tier's `name`, `slot`), as a string.
pub(super) fn name(ck: &mut Checker, v: &Value, path: &str) -> Option<String> {
    checked(ck, v, path, check_name)
}

/// The `id` of an item of a list (a signal, a variant), reported when an earlier item has it
/// too.
pub(super) fn new_id<'a>(
    ck: &mut Checker,
    m: &Fields,
    path: &str,
    what: &str,
    taken: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let id = ck.field(m, path, "id", name)?;
    if taken.into_iter().any(|t| t == id) {
        ck.err(&join(path, "id"), msg!("duplicate {what} id \"{id}\""));
    }
    Some(id)
}

/// The `id` of item `i` of the top-level list `list` (`offers`, `actions`), reported when an
/// earlier item has it too, naming that item. `seen` holds every id met so far with its
/// index, valid item or not.
fn listed_id(
    ck: &mut Checker,
    m: &Fields,
    (path, list, i): (&str, &str, usize),
    seen: &mut Vec<(String, usize)>,
) -> Option<String> {
    let id = ck.field(m, path, "id", name)?;
    if let Some((_, prev)) = seen.iter().find(|(s, _)| *s == id) {
        let what = list.strip_suffix('s').unwrap_or(list);
        let message = msg!("duplicate {what} id \"{id}\" (also {list}[{prev}])");
        ck.err(&join(path, "id"), message);
    }
    seen.push((id.clone(), i));
    Some(id)
}

/// Each object of the top-level list `list` (`offers`, `actions`) with its index, path and
/// `id`: `None` when the id is missing or bad, or an earlier item has it too (reported at the
/// item, naming that earlier one).
pub(super) fn each_with_id<'v>(
    ck: &mut Checker,
    v: &'v Value,
    list: &str,
    grammar: &Object,
    mut f: impl FnMut(&mut Checker, usize, &str, &'v Fields, Option<String>),
) {
    // Every id met so far, with its index, valid item or not: a duplicate names the first.
    let mut seen: Vec<(String, usize)> = Vec::new();
    ck.each(v, list, grammar, |ck, i, path, m| {
        let before = ck.issues.len();
        let id = listed_id(ck, m, (path, list, i), &mut seen);
        let id = id.filter(|_| ck.issues.len() == before);
        f(ck, i, path, m, id);
    });
}

/// An event name (`goal`, `reset_on`, a signal's `event`), checked like the SDK's.
pub(super) fn event_name(ck: &mut Checker, v: &Value, path: &str) -> Option<String> {
    checked(ck, v, path, check_event_name)
}

/// A string that passes `check`; its error is reported at `path`.
pub(super) fn checked<E: std::fmt::Display>(
    ck: &mut Checker,
    v: &Value,
    path: &str,
    check: fn(&str) -> Result<(), E>,
) -> Option<String> {
    let s = ck.string(v, path)?;
    match check(s) {
        Ok(()) => Some(s.to_string()),
        Err(e) => {
            ck.err(path, e);
            None
        }
    }
}
