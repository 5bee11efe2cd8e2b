//! Conditions (`all`, `any`, `not`, `segment`, fact tests and event tests), compiled once from
//! the config into a tree that evaluates without parsing or string lookups, and explained in
//! words when a marketer asks why.

use crate::config::check::msg;
use crate::config::check::{index, join, show, type_name, unknown, Checker};
use crate::events::check_event_name;
use crate::facts::{format_number, Ctx, Fact, Scope, Val};
use crate::profile::MAX_EVENT_TIMES;
use crate::time::{format_duration, Millis};
use serde_json::Value;

#[derive(Clone, Debug)]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    /// Index into the config's segments, and the name for explanations.
    Segment(usize, String),
    Test {
        fact: Fact,
        path: String,
        op: Op,
        rhs: Rhs,
    },
    /// How many events of a type happened (within a window, or ever).
    Event {
        kind: String,
        within: Option<Millis>,
        min: u64,
        max: Option<u64>,
    },
}

#[derive(Clone, Debug)]
pub enum Rhs {
    None,
    Lit(Val<'static>),
    From(Fact, String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    Contains,
    StartsWith,
    Intersects,
    Exists,
}

pub const OPS: &[&str] = &[
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "contains",
    "starts_with",
    "intersects",
    "exists",
];

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "gt" => Op::Gt,
            "gte" => Op::Gte,
            "lt" => Op::Lt,
            "lte" => Op::Lte,
            "in" => Op::In,
            "contains" => Op::Contains,
            "starts_with" => Op::StartsWith,
            "intersects" => Op::Intersects,
            "exists" => Op::Exists,
            _ => return None,
        })
    }

    fn words(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "≠",
            Op::Gt => ">",
            Op::Gte => "≥",
            Op::Lt => "<",
            Op::Lte => "≤",
            Op::In => "one of",
            Op::Contains => "to contain",
            Op::StartsWith => "to start with",
            Op::Intersects => "to share an element with",
            Op::Exists => "to be set",
        }
    }
}

/// Segment names, so `{segment: x}` compiles to an index.
pub struct SegmentNames<'a>(pub Option<&'a [String]>);

const KINDS: &[&str] = &["all", "any", "not", "segment", "fact", "event"];

/// Compiles a condition; problems go to `ck` with their paths.
pub fn compile(
    ck: &mut Checker,
    v: &Value,
    path: &str,
    scope: Scope,
    segs: &SegmentNames,
) -> Option<Cond> {
    let Value::Object(m) = v else {
        ck.err(
            path,
            msg!("expected a condition object, found {}", type_name(v)),
        );
        return None;
    };
    let kinds: Vec<&str> = KINDS
        .iter()
        .copied()
        .filter(|k| m.contains_key(*k))
        .collect();
    let kind = match kinds.as_slice() {
        [k] => *k,
        [] => {
            // Report unknown keys so a typo ("fcat") is named, then the missing kind.
            let all: Vec<&str> = [
                "all",
                "any",
                "not",
                "segment",
                "fact",
                "op",
                "value",
                "value_from",
                "event",
                "within",
                "min",
                "max",
            ]
            .to_vec();
            for k in m.keys() {
                if !all.contains(&k.as_str()) {
                    ck.err(&join(path, k), unknown("field", k, &all));
                }
            }
            ck.err(
                path,
                "a condition needs one of all, any, not, segment, fact or event",
            );
            return None;
        }
        many => {
            ck.err(
                path,
                msg!(
                    "a condition has exactly one of all, any, not, segment, fact or event; found {} (wrap them in \"all\")",
                    many.join(" and ")
                ),
            );
            return None;
        }
    };
    match kind {
        "all" | "any" => {
            ck.object(v, path, &[kind], &[]);
            let p = join(path, kind);
            let list = ck.array(&m[kind], &p)?;
            if list.is_empty() {
                ck.err(&p, "must list at least one condition");
            }
            let before = ck.issues.len();
            let items: Vec<Option<Cond>> = list
                .iter()
                .enumerate()
                .map(|(i, c)| compile(ck, c, &index(&p, i), scope, segs))
                .collect();
            if ck.issues.len() > before {
                return None;
            }
            let items = items.into_iter().collect::<Option<Vec<_>>>()?;
            Some(if kind == "all" {
                Cond::All(items)
            } else {
                Cond::Any(items)
            })
        }
        "not" => {
            ck.object(v, path, &["not"], &[]);
            compile(ck, &m["not"], &join(path, "not"), scope, segs).map(|c| Cond::Not(Box::new(c)))
        }
        "segment" => {
            ck.object(v, path, &["segment"], &[]);
            let p = join(path, "segment");
            let name = ck.string(&m["segment"], &p)?;
            let Some(names) = segs.0 else {
                ck.err(&p, "segments cannot be used here (an intent signal's \"where\" sees only event.* and profile.*)");
                return None;
            };
            match names.iter().position(|n| n == name) {
                Some(i) => Some(Cond::Segment(i, name.to_string())),
                None => {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    ck.err(&p, unknown("segment", name, &names));
                    None
                }
            }
        }
        "fact" => compile_test(ck, m, path, scope),
        _ => compile_event(ck, m, path),
    }
}

fn compile_test(
    ck: &mut Checker,
    m: &serde_json::Map<String, Value>,
    path: &str,
    scope: Scope,
) -> Option<Cond> {
    ck.object(
        &Value::Object(m.clone()),
        path,
        &["fact", "op", "value", "value_from"],
        &["fact", "op"],
    );
    let before = ck.issues.len();
    let fpath = join(path, "fact");
    let fact_name = ck.string(&m["fact"], &fpath);
    let fact = fact_name.and_then(|f| Fact::parse(f, scope).map_err(|e| ck.err(&fpath, e)).ok());
    let op_path = join(path, "op");
    let op = m
        .get("op")
        .and_then(|o| ck.string(o, &op_path))
        .and_then(|o| {
            Op::parse(o).or_else(|| {
                ck.err(&op_path, unknown("operator", o, OPS));
                None
            })
        });
    let rhs = match (m.get("value"), m.get("value_from")) {
        (Some(_), Some(_)) => {
            ck.err(path, "give either \"value\" or \"value_from\", not both");
            None
        }
        (Some(v), None) => {
            let vp = join(path, "value");
            if let Some(op) = op {
                check_value(ck, op, v, &vp);
            }
            Some(Rhs::Lit(Val::literal(v)))
        }
        (None, Some(f)) => {
            let fp = join(path, "value_from");
            ck.string(f, &fp)
                .and_then(|name| match Fact::parse(name, scope) {
                    Ok(fact) => Some(Rhs::From(fact, name.to_string())),
                    Err(e) => {
                        ck.err(&fp, e);
                        None
                    }
                })
        }
        (None, None) => {
            if op.is_some_and(|o| o != Op::Exists) {
                ck.err(
                    path,
                    "missing \"value\" (or \"value_from\") to compare with",
                );
            }
            Some(Rhs::None)
        }
    };
    if ck.issues.len() > before {
        return None;
    }
    Some(Cond::Test {
        fact: fact?,
        path: fact_name?.to_string(),
        op: op?,
        rhs: rhs?,
    })
}

fn check_value(ck: &mut Checker, op: Op, v: &Value, path: &str) {
    let ok = match op {
        Op::Exists => v.is_boolean(),
        Op::In | Op::Intersects => v.is_array(),
        Op::Gt | Op::Gte | Op::Lt | Op::Lte => v.is_number() || v.is_string(),
        Op::Eq | Op::Ne => v.is_number() || v.is_string() || v.is_boolean(),
        Op::Contains => v.is_number() || v.is_string() || v.is_boolean(),
        Op::StartsWith => v.is_string(),
    };
    if !ok {
        let want = match op {
            Op::Exists => "true or false",
            Op::In | Op::Intersects => "an array",
            Op::Gt | Op::Gte | Op::Lt | Op::Lte => "a number (or a string)",
            Op::StartsWith => "a string",
            _ => "a string, number or boolean",
        };
        let hint = if matches!(op, Op::Eq | Op::Ne) && v.is_array() {
            " (to match any of a list, use \"in\")"
        } else {
            ""
        };
        ck.err(
            path,
            msg!("expected {want} for this operator, found {}{hint}", show(v)),
        );
    }
}

fn compile_event(ck: &mut Checker, m: &serde_json::Map<String, Value>, path: &str) -> Option<Cond> {
    ck.object(
        &Value::Object(m.clone()),
        path,
        &["event", "within", "min", "max"],
        &["event"],
    );
    let before = ck.issues.len();
    let ep = join(path, "event");
    let kind = ck.string(&m["event"], &ep).map(str::to_string);
    if let Some(k) = &kind {
        if let Err(e) = check_event_name(k) {
            ck.err(&ep, e);
        }
    }
    let within = m
        .get("within")
        .and_then(|w| ck.duration(w, &join(path, "within")));
    let min = m.get("min").and_then(|v| ck.count(v, &join(path, "min")));
    let max = m.get("max").and_then(|v| ck.count(v, &join(path, "max")));
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo > hi {
            ck.err(path, msg!("min ({lo}) is above max ({hi})"));
        }
    }
    if m.contains_key("within") {
        for (k, n) in [("min", min), ("max", max)] {
            if n.is_some_and(|n| n > MAX_EVENT_TIMES as u64) {
                ck.err(
                    &join(path, k),
                    msg!("with \"within\", counts up to {MAX_EVENT_TIMES} are kept per event type; use a smaller {k}"),
                );
            }
        }
    }
    if ck.issues.len() > before {
        return None;
    }
    // `max` alone (e.g. "no purchase": max 0) must not inherit the default min of 1.
    let min = min.unwrap_or(if max.is_some() { 0 } else { 1 });
    Some(Cond::Event {
        kind: kind?,
        within,
        min,
        max,
    })
}

// ---- evaluation ----------------------------------------------------------------------------

fn scalar_eq(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Num(x), Val::Num(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Num(_), Val::Str(_)) | (Val::Str(_), Val::Num(_)) => match (a.as_num(), b.as_num()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
        _ => false,
    }
}

fn items<'v, 'a>(v: &'v Val<'a>) -> &'v [Val<'a>] {
    match v {
        Val::List(l) => l,
        Val::Missing => &[],
        other => std::slice::from_ref(other),
    }
}

fn order(a: &Val, b: &Val) -> Option<std::cmp::Ordering> {
    match (a.as_num(), b.as_num()) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => match (a, b) {
            (Val::Str(x), Val::Str(y)) => Some(x.as_ref().cmp(y.as_ref())),
            _ => None,
        },
    }
}

/// Applies an operator. A missing fact fails every test except `ne` (and `exists: false`).
pub fn apply(op: Op, a: &Val, b: &Val) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Exists => a.exists() == !matches!(b, Val::Bool(false)),
        _ if matches!(a, Val::Missing) => op == Op::Ne,
        Op::Eq => scalar_eq(a, b),
        Op::Ne => !scalar_eq(a, b),
        Op::Gt => order(a, b) == Some(Greater),
        Op::Gte => matches!(order(a, b), Some(Greater | Equal)),
        Op::Lt => order(a, b) == Some(Less),
        Op::Lte => matches!(order(a, b), Some(Less | Equal)),
        Op::In | Op::Intersects => items(a)
            .iter()
            .any(|x| items(b).iter().any(|y| scalar_eq(x, y))),
        Op::Contains => match (a, b) {
            (Val::Str(s), Val::Str(t)) => s.contains(t.as_ref()),
            (Val::Str(s), Val::Num(n)) => s.contains(&format_number(*n)),
            (Val::List(l), _) => l.iter().any(|x| scalar_eq(x, b)),
            _ => false,
        },
        Op::StartsWith => match b {
            Val::Str(t) => items(a)
                .iter()
                .any(|x| matches!(x, Val::Str(s) if s.starts_with(t.as_ref()))),
            _ => false,
        },
    }
}

impl Cond {
    pub fn eval(&self, ctx: &Ctx) -> bool {
        match self {
            Cond::All(cs) => cs.iter().all(|c| c.eval(ctx)),
            Cond::Any(cs) => cs.iter().any(|c| c.eval(ctx)),
            Cond::Not(c) => !c.eval(ctx),
            Cond::Segment(i, _) => ctx.segment(*i),
            Cond::Test { fact, op, rhs, .. } => {
                let a = ctx.get(fact);
                match rhs {
                    Rhs::None => apply(*op, &a, &Val::Missing),
                    Rhs::Lit(b) => apply(*op, &a, b),
                    Rhs::From(f, _) => {
                        let b = ctx.get(f);
                        // An absent comparison value (e.g. a signal not yet sent) never matches.
                        !matches!(b, Val::Missing) && apply(*op, &a, &b)
                    }
                }
            }
            Cond::Event {
                kind,
                within,
                min,
                max,
            } => {
                let n = ctx.profile.event_count(kind, *within, ctx.now);
                n >= *min && max.is_none_or(|m| n <= m)
            }
        }
    }

    /// The outcome and a sentence saying why, for explanations.
    pub fn explain(&self, ctx: &Ctx) -> (bool, String) {
        self.explain_as(ctx, false)
    }

    /// Explains `self` (or its negation, pushed down to the leaves by De Morgan's laws so the
    /// words stay direct: "needs none" rather than "not at least 1").
    fn explain_as(&self, ctx: &Ctx, negate: bool) -> (bool, String) {
        match self {
            Cond::All(cs) | Cond::Any(cs) => {
                // Under negation, all becomes any and any becomes all.
                let conjunction = matches!(self, Cond::All(_)) != negate;
                let results: Vec<(bool, String)> =
                    cs.iter().map(|c| c.explain_as(ctx, negate)).collect();
                if conjunction {
                    match results.iter().find(|r| !r.0) {
                        Some((_, why)) => (false, why.clone()),
                        None => (true, join_reasons(results.iter().map(|r| r.1.as_str()))),
                    }
                } else {
                    match results.iter().find(|r| r.0) {
                        Some((_, why)) => (true, why.clone()),
                        None => (
                            false,
                            format!(
                                "none of: {}",
                                join_reasons(results.iter().map(|r| r.1.as_str()))
                            ),
                        ),
                    }
                }
            }
            Cond::Not(c) => c.explain_as(ctx, !negate),
            Cond::Segment(i, name) => {
                let (matched, why) = ctx.config.segments[*i].cond.explain(ctx);
                let verdict = if matched { "matches" } else { "does not match" };
                (
                    matched != negate,
                    format!("segment {name} {verdict} ({why})"),
                )
            }
            Cond::Test {
                fact,
                path,
                op,
                rhs,
            } => {
                let r = self.eval(ctx) != negate;
                let a = ctx.get(fact);
                let not = if negate { "not " } else { "" };
                let want = match rhs {
                    Rhs::None if *op == Op::Exists => format!("{not}to be set"),
                    Rhs::None => format!("{not}{}", op.words()),
                    Rhs::Lit(Val::Bool(false)) if *op == Op::Exists => format!("{not}to be unset"),
                    Rhs::Lit(b) => format!("{not}{} {}", op.words(), b.describe()),
                    Rhs::From(f, name) => {
                        format!("{not}{} {name} ({})", op.words(), ctx.get(f).describe())
                    }
                };
                (r, format!("{path} is {} (needs {want})", a.describe()))
            }
            Cond::Event {
                kind,
                within,
                min,
                max,
            } => {
                let r = self.eval(ctx) != negate;
                let n = ctx.profile.event_count(kind, *within, ctx.now);
                let span = match within {
                    Some(w) => format!(" in the last {}", format_duration(*w)),
                    None => String::new(),
                };
                let need = match (negate, min, max) {
                    (false, 0, Some(0)) | (true, 1, None) => "none".to_string(),
                    (false, lo, Some(hi)) if *lo > 0 => format!("{lo} to {hi}"),
                    (false, _, Some(hi)) => format!("at most {hi}"),
                    (false, lo, None) => format!("at least {lo}"),
                    (true, lo, None) => format!("fewer than {lo}"),
                    (true, 0, Some(hi)) => format!("more than {hi}"),
                    (true, lo, Some(hi)) => format!("fewer than {lo} or more than {hi}"),
                };
                (r, format!("{n} {kind} event(s){span} (needs {need})"))
            }
        }
    }
}

fn join_reasons<'s>(it: impl Iterator<Item = &'s str>) -> String {
    it.collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn s(x: &str) -> Val<'static> {
        Val::Str(Cow::Owned(x.to_string()))
    }

    #[test]
    fn operators() {
        assert!(apply(Op::Eq, &s("email"), &s("email")));
        assert!(
            apply(Op::Eq, &s("2"), &Val::Num(2.0)),
            "query strings compare as numbers"
        );
        assert!(apply(Op::Ne, &Val::Missing, &s("x")));
        assert!(!apply(Op::Eq, &Val::Missing, &Val::Missing));
        assert!(apply(Op::Gte, &Val::Num(30.0), &Val::Num(30.0)));
        assert!(!apply(Op::Gt, &Val::Missing, &Val::Num(0.0)));
        assert!(apply(Op::In, &s("CO"), &Val::List(vec![s("CO"), s("WY")])));
        assert!(!apply(Op::In, &s("TX"), &Val::List(vec![s("CO"), s("WY")])));
        assert!(apply(
            Op::Intersects,
            &Val::List(vec![s("a"), s("b")]),
            &Val::List(vec![s("b")])
        ));
        assert!(apply(Op::Contains, &s("/products/x"), &s("products")));
        assert!(apply(Op::Contains, &Val::List(vec![s("a")]), &s("a")));
        assert!(apply(Op::StartsWith, &s("/blog/x"), &s("/blog")));
        assert!(apply(Op::Exists, &Val::Num(0.0), &Val::Missing));
        assert!(!apply(Op::Exists, &Val::List(vec![]), &Val::Missing));
        assert!(apply(Op::Exists, &Val::Missing, &Val::Bool(false)));
        assert!(apply(Op::Lt, &s("a"), &s("b")));
    }

    fn errors(v: Value) -> Vec<String> {
        let mut ck = Checker::default();
        let names = vec!["returning".to_string()];
        compile(
            &mut ck,
            &v,
            "when",
            Scope::DECISION,
            &SegmentNames(Some(&names)),
        );
        ck.issues.iter().map(|i| i.to_string()).collect()
    }

    #[test]
    fn compile_errors_name_the_path() {
        let e = errors(
            serde_json::json!({"all": [{"fact": "request.path", "op": "eq", "value": "/"},
            {"fact": "request.path", "op": "equals", "value": "/"}]}),
        );
        assert_eq!(
            e,
            ["when.all[1].op: unknown operator \"equals\"; expected one of eq, ne, gt, gte, lt, lte, in, contains, starts_with, intersects, exists"]
        );
        let e = errors(serde_json::json!({"segment": "returnin"}));
        assert!(
            e[0].starts_with(
                "when.segment: unknown segment \"returnin\" (did you mean \"returning\"?)"
            ),
            "{e:?}"
        );
        let e = errors(serde_json::json!({"fact": "request.region", "op": "in", "value": "CO"}));
        assert!(e[0].starts_with("when.value: expected an array"), "{e:?}");
        let e = errors(serde_json::json!({"fact": "request.path", "op": "eq"}));
        assert!(e[0].contains("missing \"value\""), "{e:?}");
        let e = errors(serde_json::json!({"event": "purchase", "within": "7 days"}));
        assert!(e[0].starts_with("when.within: invalid duration"), "{e:?}");
        let e = errors(
            serde_json::json!({"fact": "request.path", "op": "eq", "value": "/", "vlaue": 1}),
        );
        assert!(e[0].starts_with("when.vlaue: unknown field"), "{e:?}");
        let e = errors(serde_json::json!({"fact": "request.path", "segment": "returning"}));
        assert!(e[0].contains("exactly one of"), "{e:?}");
        let e = errors(serde_json::json!({"any": []}));
        assert!(e[0].contains("at least one"), "{e:?}");
        let e = errors(serde_json::json!({"event": "purchase", "min": 3, "max": 1}));
        assert!(e[0].contains("min (3) is above max (1)"), "{e:?}");
    }

    #[test]
    fn explanations_push_negation_to_the_leaves() {
        let cfg = crate::config::Config::parse(include_str!("../examples/config.json")).unwrap();
        let cat = crate::catalog::Catalog::empty();
        let p = crate::profile::Profile::new("x");
        let ctx = Ctx::new(&cfg, &cat, &p, 0);
        let mut ck = Checker::default();
        let c = compile(
            &mut ck,
            &serde_json::json!({"not": {"event": "purchase", "within": "30d"}}),
            "w",
            Scope::DECISION,
            &SegmentNames(None),
        )
        .unwrap();
        assert_eq!(
            c.explain(&ctx),
            (
                true,
                "0 purchase event(s) in the last 30d (needs none)".to_string()
            )
        );
        let c = compile(&mut ck, &serde_json::json!({"not": {"any": [{"fact": "profile.visits", "op": "gte", "value": 2}, {"event": "x"}]}}), "w", Scope::DECISION, &SegmentNames(None)).unwrap();
        let (r, why) = c.explain(&ctx);
        assert!(r);
        assert_eq!(
            why,
            "profile.visits is 0 (needs not ≥ 2); 0 x event(s) (needs none)"
        );
        assert_eq!(c.eval(&ctx), r);
    }

    #[test]
    fn reports_all_errors_at_once() {
        let e = errors(
            serde_json::json!({"any": [{"fact": "x.y", "op": "eq", "value": 1}, {"fact": "request.path", "op": "bogus", "value": 1}, {"not": {"event": ""}}]}),
        );
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].starts_with("when.any[0].fact:"));
        assert!(e[1].starts_with("when.any[1].op:"));
        assert!(e[2].starts_with("when.any[2].not.event:"));
    }
}
