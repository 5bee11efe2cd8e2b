//! `destinations` and `actions`: where messages go, and what sends them (see
//! `crate::actions`). A destination names its signing secret as an environment variable, so
//! no secret ever sits in the config or in KV; an action watches only what can be decided
//! without a request, because timers decide it too.

use super::check::{index, join, Checker};
use super::conditions::{compile as compile_cond, SegmentNames};
use super::grammar::{ACTION, ACTION_ON, DESTINATION};
use super::names::{each_with_id, event_name, name};
use super::Segment;
use crate::actions::{Action, Destination, Format, Trigger, FORMATS};
use crate::conditions::Cond;
use crate::config::check::{msg, unknown};
use crate::facts::{Fact, Scope};
use crate::profile::MAX_MEMBERSHIPS;
use crate::time::{Millis, DAY};
use serde_json::Value;

/// The longest `wait`: a month, well inside a profile's life.
pub const MAX_WAIT: Millis = 30 * DAY;
/// The longest destination URL.
const MAX_URL_LEN: usize = 2048;

/// `destinations`: each name's URL, secret, format and traits. A valid config has them all,
/// in the order of their names.
pub(super) fn destinations(ck: &mut Checker, v: &Value) -> Vec<Destination> {
    let mut out = Vec::new();
    ck.named(v, "destinations", &DESTINATION, |ck, dest, path, f| {
        let before = ck.issues.len();
        let url = ck.field(f, path, "url", url);
        let secret = ck.field(f, path, "secret", secret);
        let format = match f.get("format") {
            Some(x) => ck.one_of(x, &join(path, "format"), "format", FORMATS, Format::parse),
            None => Some(Format::Signpost),
        };
        let traits = ck.field(f, path, "traits", traits).unwrap_or_default();
        if let (Some(url), Some(secret), Some(format), true) =
            (url, secret, format, ck.issues.len() == before)
        {
            out.push(Destination {
                name: dest.clone(),
                url,
                secret,
                format,
                traits,
            });
        }
    });
    out
}

/// An absolute `https` URL (`http` only to this machine, for a local receiver).
fn url(ck: &mut Checker, v: &Value, path: &str) -> Option<String> {
    let s = ck.string(v, path)?;
    let problem = check_url(s);
    match problem {
        None => Some(s.to_string()),
        Some(p) => {
            ck.err(path, msg!("invalid URL \"{s}\": {p}"));
            None
        }
    }
}

fn check_url(s: &str) -> Option<&'static str> {
    if s.len() > MAX_URL_LEN {
        return Some("longer than 2048 characters");
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it holds spaces");
    }
    let (https, rest) = match (s.strip_prefix("https://"), s.strip_prefix("http://")) {
        (Some(r), _) => (true, r),
        (_, Some(r)) => (false, r),
        _ => return Some("expected an absolute URL starting with https://"),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Some("credentials do not belong in the URL; the secret signs each message");
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    if host.is_empty() {
        return Some("it has no host");
    }
    let local = matches!(host, "localhost" | "127.0.0.1" | "::1");
    if !https && !local {
        return Some("use https:// (http:// only for localhost)");
    }
    None
}

/// The name of an environment secret: `SIGNPOST_DEST_CRM`, never a secret's value.
fn secret(ck: &mut Checker, v: &Value, path: &str) -> Option<String> {
    let s = ck.string(v, path)?;
    let ok = s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Some(s.to_string())
    } else {
        ck.err(
            path,
            "expected the name of an environment secret, such as \"SIGNPOST_DEST_CRM\" (capitals, digits and _); the secret's value never goes in the config",
        );
        None
    }
}

/// `traits`: trait names, each once.
fn traits(ck: &mut Checker, v: &Value, path: &str) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for (i, t) in ck.array(v, path)?.iter().enumerate() {
        let p = index(path, i);
        if let Some(t) = name(ck, t, &p) {
            if out.contains(&t) {
                ck.err(&p, msg!("\"{t}\" is listed twice"));
            } else {
                out.push(t);
            }
        }
    }
    Some(out)
}

/// `actions`, checked against the segments and destinations they name (`dests`: every
/// destination's name, valid or not, so a broken destination is reported once, where it is).
pub(super) fn actions(
    ck: &mut Checker,
    v: &Value,
    names: &[String],
    segments: &[Segment],
    dests: &[&str],
) -> Vec<Action> {
    let mut out: Vec<Action> = Vec::new();
    each_with_id(ck, v, "actions", &ACTION, |ck, _, path, m, id| {
        let before = ck.issues.len();
        let on = ck.field(m, path, "on", |ck, o, p| trigger(ck, o, p, names, segments));
        let wait = ck.field(m, path, "wait", wait);
        let known = SegmentNames(Some(names));
        let cond = ck.field(m, path, "if", |ck, c, p| {
            let cond = compile_cond(ck, c, p, Scope::ACTION, &known)?;
            if reads_request(&cond, segments) {
                ck.err(p, REQUEST_FACTS);
                return None;
            }
            Some(cond)
        });
        let send = ck.field(m, path, "send", |ck, s, p| {
            ck.one_of(s, p, "destination", dests, |n| {
                dests.iter().position(|d| *d == n)
            })
        });
        let cap = ck.field(m, path, "cap", super::offers::cap);
        if ck.issues.len() > before {
            return;
        }
        if let (Some(id), Some(on), Some(send)) = (id, on, send) {
            out.push(Action {
                id,
                on,
                wait,
                cond,
                send,
                cap,
            });
        }
    });
    let mut watched: Vec<usize> = out.iter().filter_map(|a| a.on.segment()).collect();
    watched.dedup();
    watched.sort_unstable();
    watched.dedup();
    if watched.len() > MAX_MEMBERSHIPS {
        ck.err(
            "actions",
            msg!("actions watch at most {MAX_MEMBERSHIPS} segments (a profile keeps that many memberships)"),
        );
    }
    out
}

const REQUEST_FACTS: &str = "reads request.* facts (here or in a segment it names), which exist only during a page request; an action is also decided by timers, without one (use session.* or profile.* facts, such as session.landing_path or session.utm.*)";

/// `on`: exactly one of `enter` and `exit` (a segment) or `event` (an event type).
fn trigger(
    ck: &mut Checker,
    v: &Value,
    path: &str,
    names: &[String],
    segments: &[Segment],
) -> Option<Trigger> {
    let m = ck.object(v, path, &ACTION_ON)?;
    let given: Vec<&str> = ACTION_ON
        .names()
        .into_iter()
        .filter(|k| m.contains_key(*k))
        .collect();
    let [kind] = given.as_slice() else {
        ck.err(
            path,
            msg!(
                "give exactly one of enter, exit or event; found {}",
                if given.is_empty() {
                    "none".to_string()
                } else {
                    given.join(" and ")
                }
            ),
        );
        return None;
    };
    let p = join(path, kind);
    if *kind == "event" {
        return event_name(ck, &m["event"], &p).map(Trigger::Event);
    }
    let seg = ck.string(&m[*kind], &p)?;
    let Some(i) = names.iter().position(|n| n == seg) else {
        let list: Vec<&str> = names.iter().map(String::as_str).collect();
        ck.err(&p, unknown("segment", seg, &list));
        return None;
    };
    if let Some(s) = segments.iter().find(|s| s.name == seg) {
        if reads_request(&s.cond, segments) {
            ck.err(&p, msg!("segment \"{seg}\" {REQUEST_FACTS}"));
            return None;
        }
    }
    Some(if *kind == "enter" {
        Trigger::Enter(i)
    } else {
        Trigger::Exit(i)
    })
}

/// `wait`: a duration of more than zero, at most [`MAX_WAIT`].
fn wait(ck: &mut Checker, v: &Value, path: &str) -> Option<Millis> {
    let d = ck.duration(v, path)?;
    if d <= 0 || d > MAX_WAIT {
        ck.err(path, "must be more than 0 and at most 30d");
        return None;
    }
    Some(d)
}

/// Whether a condition reads `request.*`, itself or through the segments it names.
fn reads_request(c: &Cond, segments: &[Segment]) -> bool {
    reads(c, segments, 0, &|f| matches!(f, Fact::Request(_)))
}

/// Whether a condition reads a fact `want` picks, itself or through the segments it names
/// (segments never refer to each other in a loop; `depth` stops a config whose loop was
/// reported).
pub(crate) fn reads(
    c: &Cond,
    segments: &[Segment],
    depth: usize,
    want: &dyn Fn(&Fact) -> bool,
) -> bool {
    if depth > segments.len() {
        return false;
    }
    match c {
        Cond::All(cs) | Cond::Any(cs) => cs.iter().any(|c| reads(c, segments, depth, want)),
        Cond::Not(c) => reads(c, segments, depth, want),
        Cond::Segment(_, name) => segments
            .iter()
            .find(|s| &s.name == name)
            .is_some_and(|s| reads(&s.cond, segments, depth + 1, want)),
        Cond::Test { fact, rhs, .. } => {
            want(fact) || matches!(rhs, crate::conditions::Rhs::From(f, _) if want(f))
        }
        Cond::Event(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(patch: impl FnOnce(&mut Value)) -> Vec<String> {
        let mut v: Value =
            serde_json::from_str(include_str!("../../examples/config.json")).unwrap();
        patch(&mut v);
        match super::super::compile(&v.to_string()) {
            Ok(_) => vec![],
            Err(e) => e.0.iter().map(|i| i.to_string()).collect(),
        }
    }

    #[test]
    fn every_problem_is_named_by_its_path() {
        let e = errors_of(|v| {
            v["actions"][0]["on"] = serde_json::json!({"enter": "cart_abandonr"});
            v["actions"][1]["send"] = "sales".into();
            v["actions"][2]["id"] = "cart-email".into();
            v["actions"][3]["wait"] = "soon".into();
            v["actions"][3]["if"] = serde_json::json!({"segment": "spring_email"});
            v["destinations"]["crm"]["url"] = "http://crm.example/hooks".into();
            v["destinations"]["email"]["secret"] = "sk_live_4f9a".into();
            v["destinations"]["email"]["format"] = "mailchimp".into();
        });
        let expected = [
            "actions[0].on.enter: unknown segment \"cart_abandonr\" (did you mean \"cart_abandoner\"?)",
            "actions[1].send: unknown destination \"sales\"; expected one of crm, email",
            "actions[2].id: duplicate action id \"cart-email\" (also actions[0])",
            "actions[3].wait: invalid duration \"soon\"",
            "actions[3].if: reads request.* facts",
            "destinations.crm.url: invalid URL \"http://crm.example/hooks\": use https://",
            "destinations.email.secret: expected the name of an environment secret",
            "destinations.email.format: unknown format \"mailchimp\"; expected one of signpost, segment",
        ];
        for x in expected {
            assert!(
                e.iter().any(|m| m.starts_with(x)),
                "missing {x:?} in {e:#?}"
            );
        }
        assert_eq!(e.len(), expected.len(), "{e:#?}");
    }

    #[test]
    fn a_segment_read_from_the_request_cannot_be_watched() {
        let e =
            errors_of(|v| v["actions"][1]["on"] = serde_json::json!({"exit": "in_storm_region"}));
        assert!(
            e[0].starts_with("actions[1].on.exit: segment \"in_storm_region\" reads request.*"),
            "{e:?}"
        );
        let e = errors_of(|v| {
            v["actions"][1]["on"] = serde_json::json!({"event": "purchase", "exit": "gold_member"})
        });
        assert!(
            e[0].starts_with("actions[1].on: give exactly one of enter, exit or event"),
            "{e:?}"
        );
        let e = errors_of(|v| v["actions"][0]["wait"] = "31d".into());
        assert!(
            e[0].starts_with("actions[0].wait: must be more than 0 and at most 30d"),
            "{e:?}"
        );
    }

    #[test]
    fn urls_are_https_or_local() {
        assert_eq!(check_url("https://crm.example/hooks/signpost"), None);
        assert_eq!(check_url("http://localhost:8790/crm"), None);
        assert_eq!(check_url("http://127.0.0.1/x"), None);
        assert_eq!(check_url("http://[::1]:80/x"), None);
        assert!(check_url("http://crm.example/x").unwrap().contains("https"));
        assert!(check_url("crm.example/x").is_some());
        assert!(check_url("https:///x").is_some());
        assert!(check_url("https://user:pw@crm.example/").is_some());
        assert!(check_url("https://crm.example/a b").is_some());
    }
}
