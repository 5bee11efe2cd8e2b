//! `offers`: what goes where (a slot or a CSS selector), when, how often, and what it shows
//! (content, an experiment's variants, or recommendations).

use super::check::{join, Checker, Fields};
use super::conditions::{compile as compile_cond, SegmentNames};
use super::grammar::{CAP, OFFER, SCHEDULE, VARIANT};
use super::names::{checked, each_with_id, event_name, name, new_id};
use crate::config::check::msg;
use crate::experiments::{range_ends, Experiment};
use crate::facts::Scope;
use crate::offers::{Body, Cap, CapWindow, Offer, Schedule, SlotGroup, Target, Variant};
use crate::profile::MAX_IMPRESSION_TIMES;
use crate::template::Template;
use crate::time::parse_timestamp;
use crate::timezone::Tz;
use serde_json::Value;

pub(super) fn compile(
    ck: &mut Checker,
    v: &Value,
    names: &SegmentNames,
    experiments: &[Experiment],
    tz: &Tz,
) -> Vec<Offer> {
    let mut out: Vec<Offer> = Vec::new();
    each_with_id(ck, v, "offers", &OFFER, |ck, i, path, m, id| {
        let before = ck.issues.len();
        let target = target(ck, m, path);
        let priority = match m.get("priority") {
            Some(p) => ck.number(p, &join(path, "priority")),
            None => Some(0.0),
        };
        let when = ck.field(m, path, "when", |ck, w, p| {
            compile_cond(ck, w, p, Scope::DECISION, names)
        });
        let schedule = ck.field(m, path, "schedule", |ck, s, p| schedule(ck, s, p, tz));
        let cap = ck.field(m, path, "cap", cap);
        let body = body(ck, m, path, experiments);
        let goal = ck.field(m, path, "goal", event_name);
        let edge_only = ck.field(m, path, "edge_only", Checker::boolean);
        if ck.issues.len() > before {
            return;
        }
        if let (Some(id), Some(target), Some(priority), Some(body)) = (id, target, priority, body) {
            out.push(Offer {
                id,
                index: i,
                target,
                priority,
                when,
                schedule: schedule.unwrap_or_default(),
                cap,
                body,
                goal,
                edge_only: edge_only.unwrap_or(false),
            });
        }
    });
    out
}

/// Where an offer goes: a `slot`, or a CSS `selector`.
fn target(ck: &mut Checker, m: &Fields, path: &str) -> Option<Target> {
    match (m.get("slot"), m.get("selector")) {
        (Some(_), Some(_)) => {
            ck.err(path, "give either \"slot\" or \"selector\", not both");
            None
        }
        (None, None) => {
            ck.err(path, "missing \"slot\" (or a CSS \"selector\")");
            None
        }
        (Some(s), None) => name(ck, s, &join(path, "slot")).map(Target::Slot),
        (None, Some(s)) => checked(ck, s, &join(path, "selector"), check_selector)
            .map(|s| Target::Selector(s.trim().to_string())),
    }
}

/// What an offer shows: its `content`, an experiment's `variants`, or recommendations.
fn body(ck: &mut Checker, m: &Fields, path: &str, experiments: &[Experiment]) -> Option<Body> {
    let present: Vec<&str> = ["content", "variants", "recommend"]
        .into_iter()
        .filter(|k| m.contains_key(*k))
        .collect();
    if m.contains_key("experiment") && !m.contains_key("variants") {
        ck.err(
            &join(path, "experiment"),
            "an experiment needs \"variants\"",
        );
    }
    match present.as_slice() {
        ["content"] => ck
            .field(m, path, "content", |ck, c, p| {
                template(ck, c, p, Scope::DECISION)
            })
            .map(Body::Content),
        ["variants"] => variants(ck, path, m.get("experiment"), &m["variants"], experiments),
        ["recommend"] => ck
            .field(m, path, "recommend", super::recommend::compile_spec)
            .map(Body::Recommend),
        [] => {
            ck.err(
                path,
                "an offer needs \"content\", \"variants\" or \"recommend\"",
            );
            None
        }
        many => {
            ck.err(
                path,
                msg!(
                    "an offer has one of \"content\", \"variants\" or \"recommend\"; found {}",
                    many.join(" and ")
                ),
            );
            None
        }
    }
}

/// A template (an offer's content, an item's) that sees the facts of `scope`.
pub(super) fn template(ck: &mut Checker, v: &Value, path: &str, scope: Scope) -> Option<Template> {
    let s = ck.string(v, path)?;
    Template::compile(s, scope)
        .map_err(|e| ck.err(path, e))
        .ok()
}

/// An offer's `variants`, in the `experiment` that buckets visitors between them.
fn variants(
    ck: &mut Checker,
    path: &str,
    experiment: Option<&Value>,
    list: &Value,
    experiments: &[Experiment],
) -> Option<Body> {
    let experiment = match experiment {
        None => {
            ck.err(
                path,
                "variants need an \"experiment\" (its salt decides who sees which variant)",
            );
            None
        }
        Some(e) => {
            let ids: Vec<&str> = experiments.iter().map(|x| x.id.as_str()).collect();
            let known = |name: &str| ids.iter().position(|id| *id == name);
            ck.one_of(e, &join(path, "experiment"), "experiment", &ids, known)
        }
    };
    let vp = join(path, "variants");
    if ck.array(list, &vp)?.is_empty() {
        ck.err(&vp, "must list at least one variant");
    }
    let mut variants: Vec<Variant> = Vec::new();
    let before = ck.issues.len();
    ck.each(list, &vp, &VARIANT, |ck, _, p, vm| {
        if let Some(v) = variant(ck, p, vm, &variants) {
            variants.push(v);
        }
    });
    if ck.issues.len() > before || variants.is_empty() {
        return None;
    }
    let ends = range_ends(&variants.iter().map(|v| v.weight).collect::<Vec<_>>());
    Some(Body::Experiment {
        experiment: experiment?,
        variants,
        ends,
    })
}

/// `variants[i]`: its id and weight, and its content unless it is the control.
fn variant(ck: &mut Checker, path: &str, m: &Fields, before: &[Variant]) -> Option<Variant> {
    let id = new_id(ck, m, path, "variant", before.iter().map(|v| v.id.as_str()));
    let weight = ck.field(m, path, "weight", Checker::number);
    if weight.is_some_and(|w| w <= 0.0) {
        ck.err(&join(path, "weight"), "must be more than 0");
    }
    let control = ck.field(m, path, "control", Checker::boolean);
    let content = match (control.unwrap_or(false), m.get("content")) {
        (true, Some(_)) => {
            ck.err(
                &join(path, "content"),
                "a control variant keeps the page's own content; remove \"content\"",
            );
            None
        }
        (true, None) => None,
        (false, None) => {
            ck.err(path, "missing \"content\" (or \"control\": true)");
            None
        }
        (false, Some(c)) => template(ck, c, &join(path, "content"), Scope::DECISION),
    };
    Some(Variant {
        id: id?,
        weight: weight?,
        content,
    })
}

fn schedule(ck: &mut Checker, v: &Value, path: &str, tz: &Tz) -> Option<Schedule> {
    let mut s = Schedule::default();
    let m = ck.object(v, path, &SCHEDULE)?;
    if m.is_empty() {
        ck.err(path, "a schedule needs \"start\", \"end\" or both");
    }
    let offset = |t: i64| tz.offset_at(t);
    let mut time = |key| {
        let text = ck.field(m, path, key, Checker::string)?;
        parse_timestamp(text, Some(&offset))
            .map_err(|e| ck.err(&join(path, key), e))
            .ok()
    };
    s.start = time("start");
    s.end = time("end");
    if let (Some(a), Some(b)) = (s.start, s.end) {
        if a >= b {
            ck.err(&join(path, "end"), "the schedule ends before it starts");
        }
    }
    Some(s)
}

pub(super) fn cap(ck: &mut Checker, v: &Value, path: &str) -> Option<Cap> {
    let m = ck.object(v, path, &CAP)?;
    let mp = join(path, "max");
    let max = ck.field(m, path, "max", Checker::count);
    if max == Some(0) {
        ck.err(
            &mp,
            "must be at least 1 (to stop an offer, remove it or end its schedule)",
        );
        return None;
    }
    let per = ck.field(m, path, "per", |ck, x, pp| match ck.string(x, pp)? {
        "lifetime" => Some(CapWindow::Lifetime),
        "session" => Some(CapWindow::Session),
        d => match crate::time::parse_duration(d) {
            Ok(w) => Some(CapWindow::Rolling(w)),
            Err(e) => {
                ck.err(pp, msg!("{e}; or \"session\", \"lifetime\""));
                None
            }
        },
    });
    if per.as_ref().is_some_and(|p| *p != CapWindow::Lifetime)
        && max.is_some_and(|m| m > MAX_IMPRESSION_TIMES as u64)
    {
        ck.err(
            &mp,
            msg!("at most {MAX_IMPRESSION_TIMES} for a window (impression times kept per offer)"),
        );
        return None;
    }
    Some(Cap {
        max: max?,
        per: per?,
    })
}

/// A CSS selector the three rewriters support: type, `#id`, `.class`, `[attr]` forms, `*`,
/// descendant and child combinators, `:not()`, `:nth-child()` and friends.
pub fn check_selector(s: &str) -> Result<(), SelectorError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(SelectorError::Empty);
    }
    let bad = |why| Err(SelectorError::Invalid(s.to_string(), why));
    let mut depth_sq = 0i32;
    let mut depth_par = 0i32;
    let mut quote: Option<char> = None;
    for c in t.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => depth_sq += 1,
            (None, ']') => depth_sq -= 1,
            (None, '(') => depth_par += 1,
            (None, ')') => depth_par -= 1,
            (None, '{' | '}' | ';') => return bad(Unsupported::Char(c)),
            (None, '+' | '~') if depth_sq == 0 && depth_par == 0 => {
                return bad(Unsupported::Combinator(c))
            }
            _ => {}
        }
        if depth_sq < 0 || depth_par < 0 {
            return bad(Unsupported::Unbalanced);
        }
    }
    if quote.is_some() || depth_sq != 0 || depth_par != 0 {
        return bad(Unsupported::Unclosed);
    }
    if crate::text::contains(t, "::") {
        return bad(Unsupported::PseudoElement);
    }
    #[cfg(feature = "html")]
    {
        if let Err(e) = t.parse::<lol_html::Selector>() {
            return bad(Unsupported::Rewriter(e.to_string()));
        }
    }
    Ok(())
}

/// Why a CSS `selector` is refused ([`check_selector`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// Nothing but white space.
    #[error("empty selector")]
    Empty,
    /// The selector as written, and what in it no rewriter supports.
    #[error("invalid selector \"{0}\": {1}")]
    Invalid(String, Unsupported),
}

/// What in a selector the rewriters do not support.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unsupported {
    /// A character of a style rule rather than a selector.
    #[error("'{0}' is not allowed")]
    Char(char),
    /// A sibling combinator (`+`, `~`): a streaming rewriter cannot look back.
    #[error("the '{0}' combinator is not supported by HTML rewriters (use descendant or '>')")]
    Combinator(char),
    /// A bracket closed before it was opened.
    #[error("unbalanced brackets")]
    Unbalanced,
    /// A bracket or quote left open.
    #[error("unbalanced brackets or quotes")]
    Unclosed,
    /// A pseudo-element (`::before`), which has no element to rewrite.
    #[error("pseudo-elements cannot be rewritten")]
    PseudoElement,
    /// What lol_html (and so the Workers runtime) says against it.
    #[cfg(feature = "html")]
    #[error("{0}")]
    Rewriter(String),
}

pub(super) fn group_slots(offers: &[Offer]) -> Vec<SlotGroup> {
    let mut groups: Vec<SlotGroup> = Vec::new();
    for (i, o) in offers.iter().enumerate() {
        let (key, css) = match &o.target {
            Target::Slot(s) => (s.clone(), None),
            Target::Selector(c) => (c.clone(), Some(c.clone())),
        };
        match groups.iter_mut().find(|g| g.key == key && g.css == css) {
            Some(g) => g.offers.push(i),
            None => groups.push(SlotGroup {
                key,
                css,
                offers: vec![i],
            }),
        }
    }
    for g in &mut groups {
        // Stable: equal priorities stay in file order.
        crate::profile::sort_desc_stable(&mut g.offers, &|i| offers[i].priority);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_are_checked() {
        assert!(check_selector("main > h1.title").is_ok());
        assert!(check_selector("[data-sp-slot=\"hero\"]").is_ok());
        assert!(check_selector("div:not(.x)").is_ok());
        assert!(check_selector("h1 + p").is_err());
        assert!(check_selector("div[").is_err());
        assert!(check_selector("p::before").is_err());
        assert!(check_selector("a { color: red }").is_err());
    }

    #[test]
    fn local_schedule_times_use_the_config_timezone() {
        let mut v: Value =
            serde_json::from_str(include_str!("../../examples/config.json")).unwrap();
        v["offers"][6]["schedule"] = serde_json::json!({"start": "2026-07-01T09:00:00"});
        let c = crate::config::compile(&v.to_string()).unwrap();
        let want = parse_timestamp("2026-07-01T15:00:00Z", None).unwrap(); // MDT = UTC-6
        assert_eq!(c.offers[6].schedule.start, Some(want));
    }
}
