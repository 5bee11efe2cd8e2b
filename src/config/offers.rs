//! `offers`: what goes where (a slot or a CSS selector), when, how often, and what it shows
//! (content, an experiment's variants, or recommendations).

use super::check::{index, join, unknown, Checker};
use super::conditions::{compile as compile_cond, SegmentNames};
use super::grammar::{CAP, OFFER, SCHEDULE, VARIANT};
use super::names::{check_name, event_name, id_field};
use crate::config::check::msg;
use crate::experiments::{range_ends, Experiment};
use crate::facts::Scope;
use crate::offers::{Body, Cap, CapWindow, Offer, Schedule, SlotGroup, Target, Variant};
use crate::profile::MAX_IMPRESSION_TIMES;
use crate::template::Template;
use crate::time::parse_timestamp;
use crate::timezone::Tz;
use serde_json::{Map, Value};

pub(super) fn compile(
    ck: &mut Checker,
    v: &Value,
    names: &SegmentNames,
    experiments: &[Experiment],
    tz: &Tz,
) -> Vec<Offer> {
    let mut out: Vec<Offer> = Vec::new();
    let mut seen: Vec<(String, usize)> = Vec::new();
    let Some(list) = ck.array(v, "offers") else {
        return out;
    };
    for (i, o) in list.iter().enumerate() {
        let path = index("offers", i);
        let Some(m) = ck.object(o, &path, &OFFER) else {
            continue;
        };
        let before = ck.issues.len();
        let id = id_field(ck, m, "id", &path);
        if let Some(id) = &id {
            if let Some((_, prev)) = seen.iter().find(|(s, _)| s == id) {
                ck.err(
                    &join(&path, "id"),
                    msg!("duplicate offer id \"{id}\" (also offers[{prev}])"),
                );
            }
            seen.push((id.clone(), i));
        }
        let target = match (m.get("slot"), m.get("selector")) {
            (Some(_), Some(_)) => {
                ck.err(&path, "give either \"slot\" or \"selector\", not both");
                None
            }
            (None, None) => {
                ck.err(&path, "missing \"slot\" (or a CSS \"selector\")");
                None
            }
            (Some(s), None) => {
                let p = join(&path, "slot");
                ck.string(s, &p).and_then(|s| match check_name(s) {
                    Ok(()) => Some(Target::Slot(s.to_string())),
                    Err(e) => {
                        ck.err(&p, e);
                        None
                    }
                })
            }
            (None, Some(s)) => {
                let p = join(&path, "selector");
                ck.string(s, &p).and_then(|s| match check_selector(s) {
                    Ok(()) => Some(Target::Selector(s.trim().to_string())),
                    Err(e) => {
                        ck.err(&p, e);
                        None
                    }
                })
            }
        };
        let priority = match m.get("priority") {
            Some(p) => ck.number(p, &join(&path, "priority")),
            None => Some(0.0),
        };
        let when = m
            .get("when")
            .and_then(|w| compile_cond(ck, w, &join(&path, "when"), Scope::DECISION, names));
        let schedule = m
            .get("schedule")
            .map(|s| compile_schedule(ck, s, &join(&path, "schedule"), tz))
            .unwrap_or_default();
        let cap = m
            .get("cap")
            .and_then(|c| compile_cap(ck, c, &join(&path, "cap")));
        let body = compile_body(ck, m, &path, experiments);
        let goal = m
            .get("goal")
            .and_then(|g| event_name(ck, g, &join(&path, "goal")));
        if ck.issues.len() == before {
            if let (Some(id), Some(target), Some(priority), Some(body)) =
                (id, target, priority, body)
            {
                out.push(Offer {
                    id,
                    index: i,
                    target,
                    priority,
                    when,
                    schedule,
                    cap,
                    body,
                    goal,
                });
            }
        }
    }
    out
}

fn compile_body(
    ck: &mut Checker,
    m: &Map<String, Value>,
    path: &str,
    experiments: &[Experiment],
) -> Option<Body> {
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
        ["content"] => {
            let p = join(path, "content");
            let s = ck.string(&m["content"], &p)?;
            Template::compile(s, Scope::DECISION)
                .map(Body::Content)
                .map_err(|e| ck.err(&p, e))
                .ok()
        }
        ["variants"] => {
            let ep = join(path, "experiment");
            let experiment = match m.get("experiment") {
                None => {
                    ck.err(
                        path,
                        "variants need an \"experiment\" (its salt decides who sees which variant)",
                    );
                    None
                }
                Some(e) => ck.string(e, &ep).and_then(|name| {
                    match experiments.iter().position(|x| x.id == name) {
                        Some(i) => Some(i),
                        None => {
                            let names: Vec<&str> =
                                experiments.iter().map(|x| x.id.as_str()).collect();
                            ck.err(&ep, unknown("experiment", name, &names));
                            None
                        }
                    }
                }),
            };
            let vp = join(path, "variants");
            let list = ck.array(&m["variants"], &vp)?;
            if list.is_empty() {
                ck.err(&vp, "must list at least one variant");
            }
            let mut variants: Vec<Variant> = Vec::new();
            let before = ck.issues.len();
            for (i, v) in list.iter().enumerate() {
                let p = index(&vp, i);
                let Some(vm) = ck.object(v, &p, &VARIANT) else {
                    continue;
                };
                let id = id_field(ck, vm, "id", &p);
                if let Some(id) = &id {
                    if variants.iter().any(|x| &x.id == id) {
                        ck.err(&join(&p, "id"), msg!("duplicate variant id \"{id}\""));
                    }
                }
                let weight = vm
                    .get("weight")
                    .and_then(|w| ck.number(w, &join(&p, "weight")));
                if weight.is_some_and(|w| w <= 0.0) {
                    ck.err(&join(&p, "weight"), "must be more than 0");
                }
                let control = vm
                    .get("control")
                    .and_then(|c| ck.boolean(c, &join(&p, "control")))
                    .unwrap_or(false);
                let content = match (control, vm.get("content")) {
                    (true, Some(_)) => {
                        ck.err(
                            &join(&p, "content"),
                            "a control variant keeps the page's own content; remove \"content\"",
                        );
                        None
                    }
                    (true, None) => None,
                    (false, None) => {
                        ck.err(&p, "missing \"content\" (or \"control\": true)");
                        None
                    }
                    (false, Some(c)) => {
                        let cp = join(&p, "content");
                        ck.string(c, &cp).and_then(|s| {
                            Template::compile(s, Scope::DECISION)
                                .map_err(|e| ck.err(&cp, e))
                                .ok()
                        })
                    }
                };
                if let (Some(id), Some(weight)) = (id, weight) {
                    variants.push(Variant {
                        id,
                        weight,
                        content,
                    });
                }
            }
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
        ["recommend"] => {
            super::recommend::compile_spec(ck, &m["recommend"], &join(path, "recommend"))
                .map(Body::Recommend)
        }
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

fn compile_schedule(ck: &mut Checker, v: &Value, path: &str, tz: &Tz) -> Schedule {
    let mut s = Schedule::default();
    let Some(m) = ck.object(v, path, &SCHEDULE) else {
        return s;
    };
    if m.is_empty() {
        ck.err(path, "a schedule needs \"start\", \"end\" or both");
    }
    let offset = |t: i64| tz.offset_at(t);
    for key in ["start", "end"] {
        if let Some(x) = m.get(key) {
            let p = join(path, key);
            if let Some(text) = ck.string(x, &p) {
                match parse_timestamp(text, Some(&offset)) {
                    Ok(t) => {
                        if key == "start" {
                            s.start = Some(t)
                        } else {
                            s.end = Some(t)
                        }
                    }
                    Err(e) => ck.err(&p, e),
                }
            }
        }
    }
    if let (Some(a), Some(b)) = (s.start, s.end) {
        if a >= b {
            ck.err(&join(path, "end"), "the schedule ends before it starts");
        }
    }
    s
}

fn compile_cap(ck: &mut Checker, v: &Value, path: &str) -> Option<Cap> {
    let m = ck.object(v, path, &CAP)?;
    let mp = join(path, "max");
    let max = m.get("max").and_then(|x| ck.count(x, &mp));
    if max == Some(0) {
        ck.err(
            &mp,
            "must be at least 1 (to stop an offer, remove it or end its schedule)",
        );
        return None;
    }
    let pp = join(path, "per");
    let per = m
        .get("per")
        .and_then(|x| ck.string(x, &pp))
        .and_then(|s| match s {
            "lifetime" => Some(CapWindow::Lifetime),
            "session" => Some(CapWindow::Session),
            d => match crate::time::parse_duration(d) {
                Ok(w) => Some(CapWindow::Rolling(w)),
                Err(e) => {
                    ck.err(&pp, msg!("{e}; or \"session\", \"lifetime\""));
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
pub fn check_selector(s: &str) -> Result<(), String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty selector".into());
    }
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
            (None, '{' | '}' | ';') => return Err(msg!("invalid selector \"{s}\": '{c}' is not allowed")),
            (None, '+' | '~') if depth_sq == 0 && depth_par == 0 => {
                return Err(msg!("invalid selector \"{s}\": the '{c}' combinator is not supported by HTML rewriters (use descendant or '>')"))
            }
            _ => {}
        }
        if depth_sq < 0 || depth_par < 0 {
            return Err(msg!("invalid selector \"{s}\": unbalanced brackets"));
        }
    }
    if quote.is_some() || depth_sq != 0 || depth_par != 0 {
        return Err(msg!(
            "invalid selector \"{s}\": unbalanced brackets or quotes"
        ));
    }
    if t.contains("::") {
        return Err(msg!(
            "invalid selector \"{s}\": pseudo-elements cannot be rewritten"
        ));
    }
    #[cfg(feature = "html")]
    {
        if let Err(e) = t.parse::<lol_html::Selector>() {
            return Err(msg!("invalid selector \"{s}\": {e}"));
        }
    }
    Ok(())
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
