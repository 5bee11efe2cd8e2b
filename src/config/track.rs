//! `track`: request path patterns (`/products/:product_id`, `/blog/*`) that record an event at
//! the edge, with props taken from the path's captures or the request.

use super::check::{join, unknown, Checker};
use super::grammar::TRACK_RULE;
use super::names::event_name;
use crate::config::check::msg;
use crate::events::Event;
use crate::facts::{Fact, Scope};
use crate::request::{decode, RequestFacts};
use serde_json::Value;

/// `track`: a request path pattern that produces an event at the edge.
#[derive(Clone, Debug)]
pub struct TrackRule {
    /// The paths it matches.
    pub pattern: PathPattern,
    /// The type of the event it records.
    pub event: String,
    /// The event's props: a name and where its value comes from.
    pub props: Vec<(String, PropSource)>,
}

/// Where a tracked event's prop comes from.
#[derive(Clone, Debug)]
pub enum PropSource {
    /// A `:name` capture of the path.
    Capture(String),
    /// A request fact, such as `query.q`.
    Request(Fact),
    /// A number, boolean or other non-string value, as written.
    Literal(Value),
}

/// `/products/:product_id`, `/blog/*`, `/sale-*`.
#[derive(Clone, Debug, PartialEq)]
pub struct PathPattern {
    segments: Vec<Seg>,
    /// Set when the pattern ends with `*`: the last segment is a prefix, and any rest matches.
    wildcard: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum Seg {
    Lit(String),
    Capture(String),
}

crate::snapshot::snap_struct!(TrackRule {
    pattern,
    event,
    props
});
crate::snapshot::snap_struct!(PathPattern { segments, wildcard });
crate::snapshot::snap_enum!(Seg {
    0 => Lit(text),
    1 => Capture(name),
});

/// Why a `track` path pattern is refused; each names the pattern.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// It does not start with `/`.
    #[error("a path pattern starts with '/', found \"{0}\"")]
    NoSlash(String),
    /// A `*` before the end.
    #[error("'*' may only end a pattern, found \"{0}\"")]
    InnerStar(String),
    /// A `?` or `#`: patterns match the path only.
    #[error("a path pattern matches the path only, without '?' or '#': \"{0}\"")]
    Query(String),
    /// Two slashes in a row.
    #[error("empty segment in path pattern \"{0}\"")]
    EmptySegment(String),
    /// A capture without a name, or with characters other than letters, digits and `_`.
    #[error("invalid capture \"{capture}\" in \"{pattern}\" (write :name)")]
    Capture {
        /// The capture as written.
        capture: String,
        /// The pattern.
        pattern: String,
    },
    /// A capture right before the final `*`.
    #[error("a capture cannot be followed by '*' in \"{0}\"")]
    CaptureStar(String),
}

impl PathPattern {
    /// Reads a pattern: `/` then segments, each literal or a `:name` capture, and an optional
    /// final `*`.
    pub fn parse(p: &str) -> Result<PathPattern, PatternError> {
        let bad = |why: fn(String) -> PatternError| Err(why(p.to_string()));
        if !p.starts_with('/') {
            return bad(PatternError::NoSlash);
        }
        let (body, wildcard) = match p.strip_suffix('*') {
            Some(b) => (b, true),
            None => (p, false),
        };
        if body.contains('*') {
            return bad(PatternError::InnerStar);
        }
        if body.contains(['?', '#']) {
            return bad(PatternError::Query);
        }
        let mut segments = Vec::new();
        let parts: Vec<&str> = body.trim_start_matches('/').split('/').collect();
        let n = parts.len();
        for (i, s) in parts.into_iter().enumerate() {
            // A trailing '/' before '*' leaves an empty prefix segment; drop it.
            if s.is_empty() && (i + 1 == n) {
                continue;
            }
            if s.is_empty() {
                return bad(PatternError::EmptySegment);
            }
            if let Some(name) = s.strip_prefix(':') {
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(PatternError::Capture {
                        capture: s.to_string(),
                        pattern: p.to_string(),
                    });
                }
                if wildcard && i + 1 == n {
                    return bad(PatternError::CaptureStar);
                }
                segments.push(Seg::Capture(name.to_string()));
            } else {
                segments.push(Seg::Lit(s.to_string()));
            }
        }
        // "/blog/*": every segment is whole; "/sale-*": the last one is a prefix.
        let wildcard_prefix = wildcard && !body.ends_with('/');
        let mut pat = PathPattern { segments, wildcard };
        if wildcard && !wildcard_prefix {
            pat.segments.push(Seg::Lit(String::new()));
        }
        Ok(pat)
    }

    /// The names of its `:name` captures, in order.
    pub fn captures(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Seg::Capture(c) => Some(c.as_str()),
            Seg::Lit(_) => None,
        })
    }

    /// The captures if `path` matches.
    pub fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let trimmed = path.trim_start_matches('/');
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        let parts: Vec<&str> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').collect()
        };
        let mut caps = Vec::new();
        if self.wildcard {
            let (last, init) = self.segments.split_last()?;
            if parts.len() < init.len() {
                return None;
            }
            for (seg, part) in init.iter().zip(&parts) {
                match_seg(seg, part, &mut caps)?;
            }
            let Seg::Lit(prefix) = last else { return None };
            if prefix.is_empty() {
                return Some(caps);
            }
            return parts
                .get(init.len())
                .filter(|p| p.starts_with(prefix.as_str()))
                .map(|_| caps);
        }
        if parts.len() != self.segments.len() {
            return None;
        }
        for (seg, part) in self.segments.iter().zip(&parts) {
            match_seg(seg, part, &mut caps)?;
        }
        Some(caps)
    }
}

fn match_seg(seg: &Seg, part: &str, caps: &mut Vec<(String, String)>) -> Option<()> {
    match seg {
        Seg::Lit(l) => (l == part).then_some(()),
        Seg::Capture(name) => {
            caps.push((name.clone(), decode(part, false)));
            Some(())
        }
    }
}

/// Compiles the `track` list.
pub(super) fn compile(ck: &mut Checker, v: &Value, path: &str) -> Vec<TrackRule> {
    let mut rules = Vec::new();
    ck.each(v, path, &TRACK_RULE, |ck, _, path, m| {
        let before = ck.issues.len();
        let pattern = ck.field(m, path, "path", |ck, p, pp| {
            PathPattern::parse(ck.string(p, pp)?)
                .map_err(|e| ck.err(pp, e))
                .ok()
        });
        let event = ck.field(m, path, "event", event_name);
        let props = ck.field(m, path, "props", |ck, p, pp| {
            props(ck, p, pp, pattern.as_ref())
        });
        if ck.issues.len() > before {
            return;
        }
        if let (Some(pattern), Some(event)) = (pattern, event) {
            rules.push(TrackRule {
                pattern,
                event,
                props: props.unwrap_or_default(),
            });
        }
    });
    rules
}

/// A rule's `props`: each a `:capture` of its pattern, a request fact, or a literal value.
fn props(
    ck: &mut Checker,
    v: &Value,
    path: &str,
    pattern: Option<&PathPattern>,
) -> Option<Vec<(String, PropSource)>> {
    let m = ck.map(v, path)?;
    let mut props = Vec::new();
    for (k, src) in m {
        let ppath = join(path, k);
        let Value::String(s) = src else {
            props.push((k.clone(), PropSource::Literal(src.clone())));
            continue;
        };
        if let Some(name) = s.strip_prefix(':') {
            // Without a pattern (it has its own problem) a capture cannot be checked.
            let Some(pattern) = pattern else { continue };
            if pattern.captures().any(|c| c == name) {
                props.push((k.clone(), PropSource::Capture(name.to_string())));
            } else {
                let caps: Vec<&str> = pattern.captures().collect();
                ck.err(&ppath, unknown("capture", s, &caps));
            }
            continue;
        }
        let full = if s.starts_with("request.") {
            s.clone()
        } else {
            format!("request.{s}")
        };
        match Fact::parse(&full, Scope::REQUEST_ONLY) {
            Ok(f) => props.push((k.clone(), PropSource::Request(f))),
            Err(e) => ck.err(&ppath, msg!("{e} (a prop names a request fact such as \"query.q\", or a capture such as \":id\")")),
        }
    }
    Some(props)
}

impl TrackRule {
    /// The event this rule derives from a request, if its pattern matches.
    pub fn derive(&self, req: &RequestFacts) -> Option<Event> {
        let caps = self.pattern.matches(&req.path)?;
        let mut e = Event::new(self.event.clone()).with("path", req.path.clone());
        for (k, v) in &caps {
            e.props.insert(k.clone(), Value::String(v.clone()));
        }
        for (k, src) in &self.props {
            let v = match src {
                PropSource::Capture(c) => caps
                    .iter()
                    .find(|(n, _)| n == c)
                    .map(|(_, v)| Value::String(v.clone())),
                PropSource::Request(f) => f.request_value(req),
                PropSource::Literal(v) => Some(v.clone()),
            };
            if let Some(v) = v {
                e.props.insert(k.clone(), v);
            }
        }
        Some(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_patterns() {
        let p = PathPattern::parse("/products/:product_id").unwrap();
        assert_eq!(
            p.matches("/products/tent-summit-2p").unwrap(),
            vec![("product_id".to_string(), "tent-summit-2p".to_string())]
        );
        assert_eq!(p.matches("/products/a%20b/").unwrap()[0].1, "a b");
        assert!(p.matches("/products").is_none());
        assert!(p.matches("/products/a/b").is_none());
        let exact = PathPattern::parse("/compare").unwrap();
        assert!(exact.matches("/compare").is_some());
        assert!(exact.matches("/compare/").is_some());
        assert!(exact.matches("/compare/x").is_none());
        let blog = PathPattern::parse("/blog/*").unwrap();
        assert!(blog.matches("/blog/a/b").is_some());
        assert!(blog.matches("/blog").is_some());
        assert!(blog.matches("/blogs").is_none());
        let sale = PathPattern::parse("/sale-*").unwrap();
        assert!(sale.matches("/sale-winter/x").is_some());
        assert!(sale.matches("/sal").is_none());
        let root = PathPattern::parse("/").unwrap();
        assert!(root.matches("/").is_some());
        assert!(root.matches("/x").is_none());
        for bad in ["products", "/a/*/b", "/:", "/a?b=1", "/:id*"] {
            assert!(PathPattern::parse(bad).is_err(), "{bad}");
        }
    }
}
