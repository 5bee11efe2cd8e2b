//! Walking untrusted JSON with a path, collecting every problem instead of stopping at the first.

use super::grammar::Object;
use serde_json::{Map, Value};
use std::fmt;

/// A problem's message, written only in builds with feature `messages` (the CLI, the Worker,
/// the editor). The browser SDK's build leaves them out (about 8 KB of its wasm, brotli): it
/// only compiles configs the Worker has already checked, and a problem there is named by its
/// path alone. `cfg!` rather than `#[cfg]` keeps the arguments type-checked in both builds.
macro_rules! msg {
    ($($arg:tt)*) => {
        if cfg!(feature = "messages") {
            format!($($arg)*)
        } else {
            String::new()
        }
    };
}
pub(crate) use msg;

/// What a problem says in a build without messages.
const NO_MESSAGE: &str =
    "invalid (this build has no messages; check the config with `signpost check` or the editor)";

/// One problem, at a path such as `offers[3].when.all[1].op`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Issue {
    /// Where: empty for the whole document.
    pub path: String,
    /// What is wrong; empty in a build without feature `messages`.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = if self.message.is_empty() {
            NO_MESSAGE
        } else {
            &self.message
        };
        if self.path.is_empty() {
            write!(f, "{message}")
        } else {
            write!(f, "{}: {message}", self.path)
        }
    }
}

/// Every problem found in a document, in document order.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Issues(pub Vec<Issue>);

impl fmt::Display for Issues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.len() {
            1 => write!(f, "{}", self.0[0]),
            n => {
                write!(f, "{n} problems:")?;
                for i in &self.0 {
                    write!(f, "\n  {i}")?;
                }
                Ok(())
            }
        }
    }
}

/// Parses a JSON document, or reports it as one problem at the root. `from_slice`, as the
/// profile and the SDK bindings use: one JSON reader in the wasm, not two.
pub fn parse_json(json: &str) -> Result<Value, Issues> {
    serde_json::from_slice(json.as_bytes()).map_err(|e| {
        Issues(vec![Issue {
            path: String::new(),
            message: format!("not valid JSON: {e}"),
        }])
    })
}

/// `a.b`, or `b` at the root.
pub fn join(path: &str, key: &str) -> String {
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), simple) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        // The key as a JSON string, by the serializer the wasm has anyway (not Value's Display).
        (_, false) => format!("{path}[{}]", serde_json::to_string(key).unwrap_or_default()),
    }
}

/// The path of item `i` of the list at `path`: `offers[3]`.
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// A JSON type name for messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Edit distance, for "did you mean" hints.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `unknown X "y" (did you mean "z"?); expected one of a, b, c`.
pub fn unknown(what: &str, got: &str, expected: &[&str]) -> String {
    if !cfg!(feature = "messages") {
        return String::new();
    }
    let mut msg = format!("unknown {what} \"{got}\"");
    if let Some(best) = expected
        .iter()
        .map(|e| (distance(got, e), e))
        .filter(|(d, e)| *d <= 2.max(e.len() / 4) && *d < e.len())
        .min_by_key(|(d, _)| *d)
    {
        msg.push_str(&format!(" (did you mean \"{}\"?)", best.1));
    }
    if expected.is_empty() {
        msg.push_str("; none are defined");
    } else {
        msg.push_str(&format!("; expected one of {}", expected.join(", ")));
    }
    msg
}

/// An object's fields, as the JSON holds them.
pub type Fields = Map<String, Value>;

/// Walks a config or catalog, collecting every problem rather than stopping at the first:
/// each reader returns `None` when the value is refused, and the issue is kept here.
#[derive(Default)]
pub struct Checker {
    /// The problems found so far, in the order found.
    pub issues: Vec<Issue>,
}

impl Checker {
    /// Records a problem at `path`.
    pub fn err(&mut self, path: &str, message: impl std::fmt::Display) {
        // Only this line is per message type; without `messages` it drops the message unread.
        let message = if cfg!(feature = "messages") {
            message.to_string()
        } else {
            String::new()
        };
        self.issue(path, message);
    }

    fn issue(&mut self, path: &str, message: String) {
        self.issues.push(Issue {
            path: path.to_string(),
            message,
        });
    }

    /// An object whose keys are fields of `grammar`, with every field it requires.
    pub fn object<'v>(&mut self, v: &'v Value, path: &str, grammar: &Object) -> Option<&'v Fields> {
        let Value::Object(m) = v else {
            self.err(path, msg!("expected an object, found {}", type_name(v)));
            return None;
        };
        for k in m.keys() {
            if grammar.field(k).is_none() {
                self.err(&join(path, k), unknown("field", k, &grammar.names()));
            }
        }
        for f in grammar.fields.iter().filter(|f| f.required) {
            if !m.contains_key(f.name) {
                self.err(path, msg!("missing required field \"{}\"", f.name));
            }
        }
        Some(m)
    }

    /// The field `key` of `m`, if present, read by `read` (`Checker::string`, `Checker::number`,
    /// ...) with its path.
    pub fn field<'v, T>(
        &mut self,
        m: &'v Fields,
        path: &str,
        key: &str,
        read: impl FnOnce(&mut Self, &'v Value, &str) -> Option<T>,
    ) -> Option<T> {
        let v = m.get(key)?;
        read(self, v, &join(path, key))
    }

    /// A string naming one of `names`, as `parse` reads it; any other is an unknown `what`.
    pub fn one_of<T>(
        &mut self,
        v: &Value,
        path: &str,
        what: &str,
        names: &[&str],
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        let s = self.string(v, path)?;
        let parsed = parse(s);
        if parsed.is_none() {
            self.err(path, unknown(what, s, names));
        }
        parsed
    }

    /// Calls `f` with each object of the list `v`, its index and its path, once the object is
    /// checked against `grammar` (so problems come in document order).
    pub fn each<'v>(
        &mut self,
        v: &'v Value,
        path: &str,
        grammar: &Object,
        mut f: impl FnMut(&mut Self, usize, &str, &'v Fields),
    ) {
        for (i, item) in self.array(v, path).into_iter().flatten().enumerate() {
            let p = index(path, i);
            if let Some(m) = self.object(item, &p, grammar) {
                f(self, i, &p, m);
            }
        }
    }

    /// A map of named objects (`experiments`, `destinations`): each key checked as a name and
    /// each value against `grammar`, then handed to `f` with its name and path.
    pub fn named<'v>(
        &mut self,
        v: &'v Value,
        path: &str,
        grammar: &Object,
        mut f: impl FnMut(&mut Self, &'v String, &str, &'v Fields),
    ) {
        for (name, item) in self.map(v, path).into_iter().flatten() {
            let p = join(path, name);
            if let Err(e) = super::names::check_name(name) {
                self.err(&p, e);
            }
            if let Some(m) = self.object(item, &p, grammar) {
                f(self, name, &p, m);
            }
        }
    }

    /// A map whose keys are free (names), each value checked by the caller.
    pub fn map<'v>(&mut self, v: &'v Value, path: &str) -> Option<&'v Fields> {
        match v {
            Value::Object(m) => Some(m),
            _ => {
                self.err(path, msg!("expected an object, found {}", type_name(v)));
                None
            }
        }
    }

    /// A string that is not blank.
    pub fn string<'v>(&mut self, v: &'v Value, path: &str) -> Option<&'v str> {
        match v {
            Value::String(s) if s.trim().is_empty() => {
                self.err(path, "must not be empty");
                None
            }
            Value::String(s) => Some(s),
            _ => {
                self.err(path, msg!("expected a string, found {}", type_name(v)));
                None
            }
        }
    }

    /// A finite number.
    pub fn number(&mut self, v: &Value, path: &str) -> Option<f64> {
        match v.as_f64() {
            Some(n) if n.is_finite() => Some(n),
            _ => {
                self.err(path, msg!("expected a number, found {}", type_name(v)));
                None
            }
        }
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, v: &Value, path: &str) -> Option<bool> {
        match v {
            Value::Bool(b) => Some(*b),
            _ => {
                self.err(path, msg!("expected true or false, found {}", type_name(v)));
                None
            }
        }
    }

    /// An array (its items are the caller's to check).
    pub fn array<'v>(&mut self, v: &'v Value, path: &str) -> Option<&'v Vec<Value>> {
        match v {
            Value::Array(a) => Some(a),
            _ => {
                self.err(path, msg!("expected an array, found {}", type_name(v)));
                None
            }
        }
    }

    /// A non-negative whole number.
    pub fn count(&mut self, v: &Value, path: &str) -> Option<u64> {
        match v.as_u64() {
            Some(n) => Some(n),
            None => {
                self.err(
                    path,
                    msg!("expected a whole number of 0 or more, found {}", show(v)),
                );
                None
            }
        }
    }

    /// A duration such as `"30m"` or `"1h30m"` (see [`crate::time::parse_duration`]).
    pub fn duration(&mut self, v: &Value, path: &str) -> Option<crate::time::Millis> {
        let s = self.string(v, path)?;
        match crate::time::parse_duration(s) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(path, e);
                None
            }
        }
    }
}

/// A short rendering of a value for messages.
pub fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", crate::profile::clip(&s, 40))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_suggest_the_closest() {
        let m = unknown("field", "prority", &["id", "priority", "slot"]);
        assert_eq!(
            m,
            "unknown field \"prority\" (did you mean \"priority\"?); expected one of id, priority, slot"
        );
        assert!(!unknown("operator", "equals", &["eq", "ne"]).contains("did you mean"));
    }

    #[test]
    fn paths() {
        assert_eq!(join("", "offers"), "offers");
        assert_eq!(
            join("segments", "cart_abandoner"),
            "segments.cart_abandoner"
        );
        assert_eq!(join("segments", "a b"), "segments[\"a b\"]");
        assert_eq!(index("offers", 3), "offers[3]");
    }
}
