//! Conditions as the config writes them (`all`, `any`, `not`, `segment`, fact tests and event
//! tests), compiled into the [`Cond`] tree that `crate::conditions` evaluates and explains.

use super::check::{index, join, show, type_name, unknown, Checker, Fields};
use super::grammar::{Object, CONDITIONS};
use super::names::event_name;
use crate::conditions::{Cond, EventCount, Op, Rhs, OPS};
use crate::config::check::msg;
use crate::facts::{Fact, FactKind, Scope, Val};
use crate::profile::MAX_EVENT_TIMES;
use serde_json::Value;

/// Segment names, so `{segment: x}` compiles to an index.
pub struct SegmentNames<'a>(pub Option<&'a [String]>);

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
    // A condition's kind is the first field of its grammar, the one key it must have.
    let kinds: Vec<&Object> = CONDITIONS
        .iter()
        .filter(|c| m.contains_key(c.fields[0].name))
        .collect();
    let grammar = match kinds.as_slice() {
        [c] => *c,
        [] => {
            // Report unknown keys so a typo ("fcat") is named, then the missing kind.
            let all: Vec<&str> = CONDITIONS.iter().flat_map(Object::names).collect();
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
            let names: Vec<&str> = many.iter().map(|c| c.fields[0].name).collect();
            ck.err(
                path,
                msg!(
                    "a condition has exactly one of all, any, not, segment, fact or event; found {} (wrap them in \"all\")",
                    names.join(" and ")
                ),
            );
            return None;
        }
    };
    ck.object(v, path, grammar);
    let kind = grammar.fields[0].name;
    match kind {
        "all" | "any" => {
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
            compile(ck, &m["not"], &join(path, "not"), scope, segs).map(|c| Cond::Not(Box::new(c)))
        }
        "segment" => ck.field(m, path, "segment", |ck, s, p| segment(ck, s, p, segs)),
        "fact" => compile_test(ck, m, path, scope),
        _ => compile_event(ck, m, path),
    }
}

fn compile_test(ck: &mut Checker, m: &Fields, path: &str, scope: Scope) -> Option<Cond> {
    let before = ck.issues.len();
    let fact = ck.field(m, path, "fact", |ck, f, p| fact_path(ck, f, p, scope));
    let op = ck.field(m, path, "op", |ck, o, p| {
        ck.one_of(o, p, "operator", OPS, Op::parse)
    });
    let rhs = match (m.get("value"), m.get("value_from")) {
        (Some(_), Some(_)) => {
            ck.err(path, "give either \"value\" or \"value_from\", not both");
            None
        }
        (Some(v), None) => {
            let vp = join(path, "value");
            if let Some(op) = op {
                if check_value(ck, op, v, &vp) {
                    if let Some((f, name)) = &fact {
                        check_kind(ck, f.kind(), name, op, v, &vp);
                    }
                }
            }
            Some(Rhs::Lit(Val::literal(v)))
        }
        (None, Some(f)) => fact_path(ck, f, &join(path, "value_from"), scope)
            .map(|(fact, name)| Rhs::From(fact, name.to_string())),
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
    let (fact, name) = fact?;
    Some(Cond::Test {
        fact,
        path: name.to_string(),
        op: op?,
        rhs: rhs?,
    })
}

/// A fact's path (`request.path`, `profile.visits`) that `scope` can see.
fn fact_path<'v>(
    ck: &mut Checker,
    v: &'v Value,
    path: &str,
    scope: Scope,
) -> Option<(Fact, &'v str)> {
    let name = ck.string(v, path)?;
    match Fact::parse(name, scope) {
        Ok(fact) => Some((fact, name)),
        Err(e) => {
            ck.err(path, e);
            None
        }
    }
}

/// `{segment: name}`: a segment of the config, where segments can be used.
fn segment(ck: &mut Checker, v: &Value, path: &str, segs: &SegmentNames) -> Option<Cond> {
    let name = ck.string(v, path)?;
    let Some(names) = segs.0 else {
        ck.err(path, "segments cannot be used here (an intent signal's \"where\" sees only event.* and profile.*)");
        return None;
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let known = |n: &str| names.iter().position(|x| *x == n);
    let i = ck.one_of(v, path, "segment", &names, known)?;
    Some(Cond::Segment(i, name.to_string()))
}

/// Whether `v` suits `op`; says why not.
fn check_value(ck: &mut Checker, op: Op, v: &Value, path: &str) -> bool {
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
    ok
}

/// A literal the fact can never match: a word compared with a number fact (`profile.visits gte
/// "two"` is always false, and so a typo that would silently hide an offer), a number
/// compared with a true-or-false fact.
fn check_kind(ck: &mut Checker, kind: FactKind, name: &str, op: Op, v: &Value, path: &str) {
    let numbers = matches!(op, Op::Eq | Op::Ne | Op::Gt | Op::Gte | Op::Lt | Op::Lte);
    // A number written as text ("2") is compared as the number, as it always was.
    let not_number = |x: &Value| Val::literal(x).as_num().is_none();
    let bad = match kind {
        FactKind::Number if numbers => not_number(v),
        FactKind::Number if op == Op::In => v.as_array().is_some_and(|l| l.iter().any(not_number)),
        FactKind::Flag if matches!(op, Op::Eq | Op::Ne) => !v.is_boolean(),
        _ => false,
    };
    if bad {
        let want = match (kind, op) {
            (FactKind::Flag, _) => "true or false",
            (_, Op::In) => "a list of numbers",
            _ => "a number",
        };
        ck.err(
            path,
            msg!(
                "{name} holds {}: expected {want}, found {}",
                kind.article(),
                show(v)
            ),
        );
    }
}

fn compile_event(ck: &mut Checker, m: &Fields, path: &str) -> Option<Cond> {
    let before = ck.issues.len();
    let kind = ck.field(m, path, "event", event_name);
    let within = ck.field(m, path, "within", Checker::duration);
    let min = ck.field(m, path, "min", Checker::count);
    let max = ck.field(m, path, "max", Checker::count);
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
    Some(Cond::Event(EventCount {
        kind: kind?,
        within,
        min,
        max,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let e = errors(serde_json::json!({"fact": "profile.visits", "op": "gte", "value": "two"}));
        assert_eq!(
            e,
            ["when.value: profile.visits holds a number: expected a number, found \"two\""]
        );
        // A number as text compares as the number: configs that wrote "2" keep working.
        assert!(
            errors(serde_json::json!({"fact": "profile.visits", "op": "gte", "value": "2"}))
                .is_empty()
        );
        let e =
            errors(serde_json::json!({"fact": "request.hour", "op": "in", "value": [9, "ten"]}));
        assert!(e[0].contains("expected a list of numbers"), "{e:?}");
        let e = errors(serde_json::json!({"fact": "session.is_first", "op": "eq", "value": 1}));
        assert!(e[0].contains("holds true or false"), "{e:?}");
        assert!(
            errors(serde_json::json!({"fact": "profile.traits.tier", "op": "eq", "value": 1}))
                .is_empty()
        );
        let e = errors(serde_json::json!({"event": "purchase", "min": 3, "max": 1}));
        assert!(e[0].contains("min (3) is above max (1)"), "{e:?}");
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
