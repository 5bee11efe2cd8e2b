//! Reading the profile's v1 JSON layout from a parsed tree, by hand.
//!
//! serde's derived `Deserialize` for the profile's thirteen structs was the largest part of the
//! browser's wasm (about 45 KB before compression: one copy of the JSON state machine per
//! struct and field type). The tree is parsed anyway (the config reader needs it), so this walks
//! it, in every build, for every version. (The Worker, which reads a profile on each page, also
//! has the derive, feature `typed-profile`, for well-formed v1 profiles, and falls back to this
//! for the rest.) The rules are the derive's: fields with a default may be missing, the others
//! may not, `null` is only an absent `Option`, integers must be whole and in range, unknown
//! fields are ignored (a newer build's additions). Errors name the field's path.

use crate::config::check::type_name;
use crate::profile::*;
use serde_json::{Map, Value};

// Boxed: a pointer-sized error keeps every reader's result small (the wasm's size counts, and
// an error is rare).
type Res<T> = Result<T, Box<LayoutError>>;

/// What is wrong inside a profile's JSON, at the path of the field (`cart.l[2].q`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// `"v"` is not a whole number.
    #[error("\"v\" is not a version number")]
    Version,
    /// A value of the wrong type.
    #[error("`{path}`: expected {expected}, found {found}")]
    Type {
        /// Where it is.
        path: String,
        /// What the layout has there.
        expected: &'static str,
        /// What the JSON has.
        found: &'static str,
    },
    /// A field that has no default is missing.
    #[error("missing field `{0}`")]
    Missing(String),
}

/// Where a value sits in the document. Made into text only for an error: reading a profile
/// builds no strings for the paths it passes (the Worker reads one per page).
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, key) => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// A value of the layout read from JSON at `path` (for messages).
trait Read: Sized {
    fn read(v: &Value, path: &Path) -> Res<Self>;
}

fn wrong<T>(path: &Path, expected: &'static str, v: &Value) -> Res<T> {
    Err(Box::new(LayoutError::Type {
        path: path.to_string(),
        expected,
        found: type_name(v),
    }))
}

fn object<'a>(v: &'a Value, path: &Path) -> Res<&'a Map<String, Value>> {
    match v {
        Value::Object(m) => Ok(m),
        _ => wrong(path, "an object", v),
    }
}

/// A field that must be there.
fn req<T: Read>(m: &Map<String, Value>, key: &str, path: &Path) -> Res<T> {
    let path = Path::Key(path, key);
    match m.get(key) {
        Some(v) => T::read(v, &path),
        None => Err(Box::new(LayoutError::Missing(path.to_string()))),
    }
}

/// A field that takes its default when missing.
fn opt<T: Read + Default>(m: &Map<String, Value>, key: &str, path: &Path) -> Res<T> {
    match m.get(key) {
        Some(v) => T::read(v, &Path::Key(path, key)),
        None => Ok(T::default()),
    }
}

impl Read for u64 {
    fn read(v: &Value, path: &Path) -> Res<u64> {
        v.as_u64()
            .map_or_else(|| wrong(path, "a whole number of 0 or more", v), Ok)
    }
}

impl Read for u32 {
    fn read(v: &Value, path: &Path) -> Res<u32> {
        match v.as_u64().map(u32::try_from) {
            Some(Ok(n)) => Ok(n),
            _ => wrong(path, "a whole number from 0 to 4294967295", v),
        }
    }
}

impl Read for i64 {
    fn read(v: &Value, path: &Path) -> Res<i64> {
        v.as_i64()
            .map_or_else(|| wrong(path, "a whole number", v), Ok)
    }
}

impl Read for f64 {
    fn read(v: &Value, path: &Path) -> Res<f64> {
        v.as_f64().map_or_else(|| wrong(path, "a number", v), Ok)
    }
}

impl Read for String {
    fn read(v: &Value, path: &Path) -> Res<String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            _ => wrong(path, "a string", v),
        }
    }
}

impl Read for Map<String, Value> {
    fn read(v: &Value, path: &Path) -> Res<Self> {
        object(v, path).cloned()
    }
}

impl<T: Read> Read for Option<T> {
    fn read(v: &Value, path: &Path) -> Res<Option<T>> {
        match v {
            Value::Null => Ok(None),
            v => T::read(v, path).map(Some),
        }
    }
}

impl<T: Read> Read for Vec<T> {
    fn read(v: &Value, path: &Path) -> Res<Vec<T>> {
        match v {
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, x)| T::read(x, &Path::Index(path, i)))
                .collect(),
            _ => wrong(path, "an array", v),
        }
    }
}

impl<A: Read, B: Read> Read for (A, B) {
    fn read(v: &Value, path: &Path) -> Res<(A, B)> {
        match v {
            Value::Array(a) if a.len() == 2 => Ok((
                A::read(&a[0], &Path::Index(path, 0))?,
                B::read(&a[1], &Path::Index(path, 1))?,
            )),
            _ => wrong(path, "an array of 2", v),
        }
    }
}

/// `impl Read` for a struct: each field as `name: req|opt "key"`.
macro_rules! read_struct {
    ($t:ty { $($field:ident: $how:ident $key:literal),* $(,)? }) => {
        impl Read for $t {
            fn read(v: &Value, path: &Path) -> Res<Self> {
                let m = object(v, path)?;
                Ok(Self { $($field: $how(m, $key, path)?),* })
            }
        }
    };
}

read_struct!(Session {
    started: opt "b", last: opt "l", page_views: opt "pv", events: opt "e",
    categories: opt "cat", landing_path: opt "lp", utm: opt "utm", referrer: opt "ref",
});
read_struct!(IntentState { accs: opt "a", tier: opt "t" });
read_struct!(Acc { signal: req "k", value: req "x", at: req "at" });
read_struct!(Cart { lines: opt "l", changed: opt "at" });
read_struct!(CartLine { product: req "p", quantity: req "q", price: opt "pr" });
read_struct!(Viewed { product: req "p", count: req "n", at: req "at" });
read_struct!(Purchased { product: req "p", at: req "at" });
read_struct!(Orders { count: opt "n", spend: opt "sp", last: opt "l", recent: opt "r" });
read_struct!(Affinity { category: req "c", score: req "x", at: req "at" });
read_struct!(EventStat { kind: req "k", total: req "n", recent: opt "r" });
read_struct!(Impression { offer: req "o", total: req "n", recent: opt "r" });
read_struct!(Exposure { experiment: req "x", variant: req "var", at: req "at", count: req "n" });
#[cfg(feature = "actions")]
mod journey {
    use super::*;
    read_struct!(JourneyState { members: opt "m", waits: opt "w", sent: opt "s", unacted: opt "e" });
    read_struct!(Membership { segment: req "g", since: req "at" });
    read_struct!(Wait { action: req "a", kind: req "k", subject: req "g", at: req "at", due: req "due" });
    read_struct!(Sent { action: req "a", total: req "n", recent: opt "r" });
    read_struct!(Unacted { kind: req "k", count: req "n", at: req "at" });
}

/// Without feature `actions` the journeys part is carried as it is.
#[cfg(not(feature = "actions"))]
impl Read for Kept {
    fn read(v: &Value, _: &Path) -> Res<Kept> {
        Ok(Kept(v.clone()))
    }
}
read_struct!(Profile {
    version: req "v", id: req "id", created: opt "c", updated: opt "u", rev: opt "r",
    devices: opt "dv",
    visits: opt "vis", page_views: opt "pv", session: opt "s", intent: opt "i",
    traits: opt "t", cart: opt "cart", viewed: opt "vw", purchased: opt "pu", orders: opt "o",
    affinity: opt "af", events: opt "ev", impressions: opt "im", exposures: opt "ex",
    seen_ids: opt "ids", journey: opt "jn",
});

/// A v1 profile from its tree, or what is wrong with it.
pub(crate) fn read_v1(v: &Value) -> Result<Profile, LayoutError> {
    Profile::read(v, &Path::Root).map_err(|e| *e)
}
