//! Conditions (`all`, `any`, `not`, `segment`, fact tests and event tests): the tree the config
//! compiles to (its grammar is in `config/conditions.rs`), evaluated without parsing or string
//! lookups, and explained in words when a marketer asks why.

use crate::facts::{format_number, Ctx, Fact, Val};
use crate::time::{format_duration, Millis};

/// A compiled condition.
#[derive(Clone, Debug)]
pub enum Cond {
    /// Every one holds (`all`).
    All(Vec<Cond>),
    /// At least one holds (`any`).
    Any(Vec<Cond>),
    /// It does not hold (`not`).
    Not(Box<Cond>),
    /// Index into the config's segments, and the name for explanations.
    Segment(usize, String),
    /// A fact compared with a value or another fact.
    Test {
        /// The fact tested.
        fact: Fact,
        /// Its path, for explanations.
        path: String,
        /// The comparison.
        op: Op,
        /// What it is compared with.
        rhs: Rhs,
    },
    /// How many events of a type happened (within a window, or ever).
    Event(EventCount),
}

/// An event test: how many events of a type the profile holds, and the bounds it must be in.
#[derive(Clone, Debug)]
pub struct EventCount {
    /// The event type counted.
    pub kind: String,
    /// Count only events this recent; `None`: ever.
    pub within: Option<Millis>,
    /// At least this many.
    pub min: u64,
    /// At most this many, if given.
    pub max: Option<u64>,
}

/// What a fact test compares with.
#[derive(Clone, Debug)]
pub enum Rhs {
    /// Nothing (`exists` without a value).
    None,
    /// A value written in the config.
    Lit(Val<'static>),
    /// Another fact (`value_from`), with its path for explanations.
    From(Fact, String),
}

/// A fact test's operator (docs/marketers.md has each one's meaning).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `eq`.
    Eq,
    /// `ne`.
    Ne,
    /// `gt`.
    Gt,
    /// `gte`.
    Gte,
    /// `lt`.
    Lt,
    /// `lte`.
    Lte,
    /// `in`.
    In,
    /// `contains`.
    Contains,
    /// `starts_with`.
    StartsWith,
    /// `intersects`.
    Intersects,
    /// `exists`.
    Exists,
}

/// The operators' names in configs, for messages.
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
    pub(crate) fn parse(s: &str) -> Option<Op> {
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
            (Val::Str(s), Val::Str(t)) => crate::text::contains(s, t),
            (Val::Str(s), Val::Num(n)) => crate::text::contains(s, &format_number(*n)),
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
    /// Whether the condition holds.
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
            Cond::Event(e) => e.admits(e.count(ctx)),
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
            Cond::Event(e) => e.explain_as(ctx, negate),
        }
    }
}

impl EventCount {
    /// How many events of the type the profile holds in the window, at `ctx.now`.
    fn count(&self, ctx: &Ctx) -> u64 {
        ctx.profile.event_count(&self.kind, self.within, ctx.now)
    }

    /// Whether a count is within the bounds.
    fn admits(&self, n: u64) -> bool {
        n >= self.min && self.max.is_none_or(|m| n <= m)
    }

    /// The outcome (negated or not) and the count against what it needs, in words.
    fn explain_as(&self, ctx: &Ctx, negate: bool) -> (bool, String) {
        let n = self.count(ctx);
        let r = self.admits(n) != negate;
        let span = match self.within {
            Some(w) => format!(" in the last {}", format_duration(w)),
            None => String::new(),
        };
        let need = match (negate, self.min, self.max) {
            (false, 0, Some(0)) | (true, 1, None) => "none".to_string(),
            (false, lo, Some(hi)) if lo > 0 => format!("{lo} to {hi}"),
            (false, _, Some(hi)) => format!("at most {hi}"),
            (false, lo, None) => format!("at least {lo}"),
            (true, lo, None) => format!("fewer than {lo}"),
            (true, 0, Some(hi)) => format!("more than {hi}"),
            (true, lo, Some(hi)) => format!("fewer than {lo} or more than {hi}"),
        };
        (
            r,
            format!("{n} {} event(s){span} (needs {need})", self.kind),
        )
    }
}

fn join_reasons<'s>(it: impl Iterator<Item = &'s str>) -> String {
    it.collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::check::Checker;
    use crate::config::conditions::{compile, SegmentNames};
    use crate::facts::Scope;
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
}
