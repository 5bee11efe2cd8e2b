//! What changed between two configs, in the words a marketer uses: "offer added", "priority
//! 80 → 95", "schedule moved", "segment changed". Works on the JSON itself (both sides need not
//! be valid), so `signpost diff` and `signpost versions` can compare any two versions.
//!
//! ```
//! use serde_json::json;
//! let a = json!({"version": 1, "offers": [{"id": "sale", "slot": "banner", "priority": 10, "content": "Sale"}]});
//! let b = json!({"version": 1, "offers": [{"id": "sale", "slot": "banner", "priority": 95, "content": "Sale"}]});
//! let changes = signpost::diff::diff(&a, &b);
//! assert_eq!(changes[0].to_string(), "offer \"sale\": priority 10 → 95");
//! ```

use crate::config::grammar::TOP;
use serde_json::{Map, Value};
use std::fmt;

/// What a change is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    Offer(String),
    Segment(String),
    Experiment(String),
    Tier(String),
    IntentSignal(String),
    /// A `track` rule, by its path pattern.
    Track(String),
    /// The offers as a list (their order decides ties).
    Offers,
    /// A top-level setting or one inside `intent`, `holdout`, `consent`, `recommendations`:
    /// `timezone`, `intent.half_life`, `holdout.percent`, ...
    Setting(String),
}

/// Which part of the subject changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Aspect {
    Priority,
    Schedule,
    Content,
    Variants,
    /// Experiment weights: the share of visitors each variant gets.
    Weights,
    Condition,
    Cap,
    /// Where the offer goes: its slot or CSS selector.
    Target,
    Recommend,
    Experiment,
    Order,
    /// Any other field, by name (`min_score`, `score`, `salt`, `event`, ...).
    Field(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Added, with a short description of what it is.
    Added(String),
    Removed(String),
    Changed {
        aspect: Aspect,
        from: String,
        to: String,
    },
}

/// One difference between two configs; `Display` gives the marketer's one-liner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub subject: Subject,
    pub kind: Kind,
}

impl Change {
    fn changed(subject: Subject, aspect: Aspect, from: String, to: String) -> Change {
        Change {
            subject,
            kind: Kind::Changed { aspect, from, to },
        }
    }

    /// Whether this change is about `aspect`.
    pub fn is(&self, aspect: &Aspect) -> bool {
        matches!(&self.kind, Kind::Changed { aspect: a, .. } if a == aspect)
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Offer(id) => write!(f, "offer \"{id}\""),
            Subject::Segment(n) => write!(f, "segment \"{n}\""),
            Subject::Experiment(n) => write!(f, "experiment \"{n}\""),
            Subject::Tier(n) => write!(f, "tier \"{n}\""),
            Subject::IntentSignal(n) => write!(f, "intent signal \"{n}\""),
            Subject::Track(p) => write!(f, "tracked path \"{p}\""),
            Subject::Offers => write!(f, "offers"),
            Subject::Setting(n) => write!(f, "{n}"),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.subject;
        match &self.kind {
            Kind::Added(what) if what.is_empty() => write!(f, "{s} added"),
            Kind::Added(what) => write!(f, "{s} added: {what}"),
            Kind::Removed(what) if what.is_empty() => write!(f, "{s} removed"),
            Kind::Removed(what) => write!(f, "{s} removed (was: {what})"),
            Kind::Changed { aspect, from, to } => match aspect {
                Aspect::Priority => write!(f, "{s}: priority {from} → {to}"),
                Aspect::Schedule => write!(f, "{s}: schedule moved: {from} → {to}"),
                Aspect::Content => write!(f, "{s}: content changed: {from} → {to}"),
                Aspect::Variants => write!(f, "{s}: variants changed: {to}"),
                Aspect::Weights => write!(f, "{s}: experiment weights {from} → {to}"),
                Aspect::Condition => write!(f, "{s}: condition changed: {from} → {to}"),
                Aspect::Cap => write!(f, "{s}: cap {from} → {to}"),
                Aspect::Target => write!(f, "{s}: moved from {from} to {to}"),
                Aspect::Recommend => write!(f, "{s}: recommendations {from} → {to}"),
                Aspect::Experiment => write!(f, "{s}: experiment {from} → {to}"),
                Aspect::Order => write!(f, "{s}: order changed ({to})"),
                Aspect::Field(name) if name.is_empty() => write!(f, "{s}: {from} → {to}"),
                Aspect::Field(name) => write!(f, "{s}: {} {from} → {to}", words(name)),
            },
        }
    }
}

fn words(field: &str) -> String {
    field.replace('_', " ")
}

/// The differences from `a` (before) to `b` (after), in config order: settings, track, intent,
/// segments, offers, experiments, holdout, consent, recommendations, profile.
pub fn diff(a: &Value, b: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    for key in ["version", "site", "timezone"] {
        setting(&mut out, key, a.get(key), b.get(key));
    }
    track(&mut out, a.get("track"), b.get("track"));
    intent(&mut out, a.get("intent"), b.get("intent"));
    segments(&mut out, a.get("segments"), b.get("segments"));
    offers(&mut out, a.get("offers"), b.get("offers"));
    experiments(&mut out, a.get("experiments"), b.get("experiments"));
    for key in ["holdout", "consent", "recommendations", "profile"] {
        let (x, y) = (a.get(key), b.get(key));
        if x == y {
            continue;
        }
        match (x.and_then(Value::as_object), y.and_then(Value::as_object)) {
            (Some(m), Some(n)) => {
                for k in keys(m, n) {
                    setting(&mut out, &format!("{key}.{k}"), m.get(&k), n.get(&k));
                }
            }
            _ => setting(&mut out, key, x, y),
        }
    }
    // Anything else at the top level (unknown to this version of the diff).
    if let (Some(m), Some(n)) = (a.as_object(), b.as_object()) {
        for k in keys(m, n) {
            if TOP.field(&k).is_none() {
                setting(&mut out, &k, m.get(&k), n.get(&k));
            }
        }
    } else if a != b {
        setting(&mut out, "config", Some(a), Some(b));
    }
    out
}

/// One line for a list of changes: "no changes", the changes themselves when few, or the first
/// ones and how many more.
pub fn summary(changes: &[Change]) -> String {
    match changes.len() {
        0 => "no changes".into(),
        1..=2 => changes
            .iter()
            .map(Change::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        n => format!("{}; {}; and {} more", changes[0], changes[1], n - 2),
    }
}

/// Keys of both maps: `a`'s in order, then those only in `b`.
fn keys(a: &Map<String, Value>, b: &Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = a.keys().cloned().collect();
    out.extend(b.keys().filter(|k| !a.contains_key(*k)).cloned());
    out
}

fn setting(out: &mut Vec<Change>, name: &str, a: Option<&Value>, b: Option<&Value>) {
    if a == b {
        return;
    }
    let subject = Subject::Setting(name.to_string());
    out.push(match (a, b) {
        (None, Some(v)) => Change {
            subject,
            kind: Kind::Added(short(v)),
        },
        (Some(v), None) => Change {
            subject,
            kind: Kind::Removed(short(v)),
        },
        _ => Change {
            subject,
            kind: Kind::Changed {
                aspect: Aspect::Field(String::new()),
                from: opt(a),
                to: opt(b),
            },
        },
    });
}

/// A value in a line: strings without quotes, everything else as compact JSON, cut to a
/// readable length.
fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    cut(&s, 80)
}

fn opt(v: Option<&Value>) -> String {
    v.map_or_else(|| "(none)".into(), short)
}

fn quoted(v: Option<&Value>) -> String {
    match v {
        None => "(none)".into(),
        Some(Value::String(s)) => format!("\"{}\"", cut(s, 60)),
        Some(other) => cut(&other.to_string(), 60),
    }
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// Entries of a list keyed by a field (`id`, `name`, `path`), in order; entries without the key
/// are keyed by their position.
fn keyed<'a>(list: Option<&'a Value>, key: &str) -> Vec<(String, &'a Value)> {
    list.and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .enumerate()
                .map(|(i, v)| {
                    let k = v
                        .get(key)
                        .and_then(Value::as_str)
                        .map_or_else(|| format!("#{i}"), str::to_string);
                    (k, v)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Added, removed and changed entries of two keyed lists; `changed` compares entries present
/// on both sides.
fn compare_lists(
    out: &mut Vec<Change>,
    a: &[(String, &Value)],
    b: &[(String, &Value)],
    subject: impl Fn(&str) -> Subject,
    describe: impl Fn(&Value) -> String,
    mut changed: impl FnMut(&mut Vec<Change>, &str, &Value, &Value),
) {
    for (k, v) in a {
        if !b.iter().any(|(j, _)| j == k) {
            out.push(Change {
                subject: subject(k),
                kind: Kind::Removed(describe(v)),
            });
        }
    }
    for (k, v) in b {
        match a.iter().find(|(j, _)| j == k) {
            None => out.push(Change {
                subject: subject(k),
                kind: Kind::Added(describe(v)),
            }),
            Some((_, old)) if *old != *v => changed(out, k, old, v),
            Some(_) => {}
        }
    }
}

/// Entries of a JSON object (segments, experiments), in order.
fn entries(v: Option<&Value>) -> Vec<(String, &Value)> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v)).collect())
        .unwrap_or_default()
}

/// Every field of two objects that differs, as `Field` changes (with `skip` left out).
fn fields(out: &mut Vec<Change>, subject: &Subject, a: &Value, b: &Value, skip: &[&str]) {
    let empty = Map::new();
    let m = a.as_object().unwrap_or(&empty);
    let n = b.as_object().unwrap_or(&empty);
    for k in keys(m, n) {
        if skip.contains(&k.as_str()) || m.get(&k) == n.get(&k) {
            continue;
        }
        out.push(Change::changed(
            subject.clone(),
            Aspect::Field(k.clone()),
            quoted(m.get(&k)),
            quoted(n.get(&k)),
        ));
    }
}

fn track(out: &mut Vec<Change>, a: Option<&Value>, b: Option<&Value>) {
    let describe = |v: &Value| {
        format!(
            "records {}",
            v.get("event").and_then(Value::as_str).unwrap_or("?")
        )
    };
    compare_lists(
        out,
        &keyed(a, "path"),
        &keyed(b, "path"),
        |k| Subject::Track(k.to_string()),
        describe,
        |out, k, x, y| fields(out, &Subject::Track(k.to_string()), x, y, &["path"]),
    );
}

fn intent(out: &mut Vec<Change>, a: Option<&Value>, b: Option<&Value>) {
    if a == b {
        return;
    }
    let (Some(x), Some(y)) = (a, b) else {
        setting(out, "intent", a, b);
        return;
    };
    for k in ["half_life", "hysteresis", "reset_on"] {
        setting(out, &format!("intent.{k}"), x.get(k), y.get(k));
    }
    let describe_tier = |v: &Value| format!("from score {}", opt(v.get("min_score")));
    compare_lists(
        out,
        &keyed(x.get("tiers"), "name"),
        &keyed(y.get("tiers"), "name"),
        |k| Subject::Tier(k.to_string()),
        describe_tier,
        |out, k, p, q| fields(out, &Subject::Tier(k.to_string()), p, q, &["name"]),
    );
    let describe_signal = |v: &Value| {
        let mut s = format!(
            "{} scores {}",
            v.get("event").and_then(Value::as_str).unwrap_or("?"),
            opt(v.get("score"))
        );
        if let Some(c) = v.get("cap") {
            s.push_str(&format!(" (up to {})", short(c)));
        }
        if v.get("repeat") == Some(&Value::Bool(true)) {
            s.push_str(", repeat views only");
        }
        if let Some(w) = v.get("where") {
            s.push_str(&format!(", where {}", condition(w)));
        }
        s
    };
    compare_lists(
        out,
        &keyed(x.get("signals"), "id"),
        &keyed(y.get("signals"), "id"),
        |k| Subject::IntentSignal(k.to_string()),
        describe_signal,
        |out, k, p, q| {
            let subject = Subject::IntentSignal(k.to_string());
            fields(out, &subject, p, q, &["id", "where"]);
            if p.get("where") != q.get("where") {
                out.push(Change::changed(
                    subject,
                    Aspect::Condition,
                    cond_opt(p.get("where")),
                    cond_opt(q.get("where")),
                ));
            }
        },
    );
    if let (Some(m), Some(n)) = (x.as_object(), y.as_object()) {
        for k in keys(m, n) {
            let known = ["half_life", "hysteresis", "reset_on", "tiers", "signals"];
            if !known.contains(&k.as_str()) {
                setting(out, &format!("intent.{k}"), m.get(&k), n.get(&k));
            }
        }
    }
}

fn segments(out: &mut Vec<Change>, a: Option<&Value>, b: Option<&Value>) {
    compare_lists(
        out,
        &entries(a),
        &entries(b),
        |k| Subject::Segment(k.to_string()),
        condition,
        |out, k, x, y| {
            out.push(Change::changed(
                Subject::Segment(k.to_string()),
                Aspect::Condition,
                condition(x),
                condition(y),
            ))
        },
    );
}

fn experiments(out: &mut Vec<Change>, a: Option<&Value>, b: Option<&Value>) {
    let describe = |v: &Value| {
        let mut parts = Vec::new();
        if let Some(g) = v.get("goal") {
            parts.push(format!("goal {}", short(g)));
        }
        if let Some(s) = v.get("salt") {
            parts.push(format!("salt {}", short(s)));
        }
        parts.join(", ")
    };
    compare_lists(
        out,
        &entries(a),
        &entries(b),
        |k| Subject::Experiment(k.to_string()),
        describe,
        |out, k, x, y| fields(out, &Subject::Experiment(k.to_string()), x, y, &[]),
    );
}

fn offers(out: &mut Vec<Change>, a: Option<&Value>, b: Option<&Value>) {
    let (x, y) = (keyed(a, "id"), keyed(b, "id"));
    compare_lists(
        out,
        &x,
        &y,
        |k| Subject::Offer(k.to_string()),
        describe_offer,
        offer_changes,
    );
    // File order decides ties between offers of equal priority in a slot.
    let common_a: Vec<&str> = x
        .iter()
        .filter(|(k, _)| y.iter().any(|(j, _)| j == k))
        .map(|(k, _)| k.as_str())
        .collect();
    let common_b: Vec<&str> = y
        .iter()
        .filter(|(k, _)| x.iter().any(|(j, _)| j == k))
        .map(|(k, _)| k.as_str())
        .collect();
    if common_a != common_b {
        let moved: Vec<&str> = common_b
            .iter()
            .enumerate()
            .filter(|(i, k)| common_a.get(*i) != Some(*k))
            .map(|(_, k)| *k)
            .collect();
        out.push(Change::changed(
            Subject::Offers,
            Aspect::Order,
            common_a.join(", "),
            format!(
                "now {}; the first in the file wins a tie in priority",
                moved.join(", ")
            ),
        ));
    }
}

fn target(o: &Value) -> String {
    match (o.get("slot"), o.get("selector")) {
        (Some(s), _) => format!("slot {}", short(s)),
        (None, Some(s)) => format!("selector {}", short(s)),
        (None, None) => "no slot".into(),
    }
}

fn describe_offer(o: &Value) -> String {
    let mut s = format!(
        "{}, priority {}",
        target(o),
        o.get("priority").map_or_else(|| "0".into(), short)
    );
    if let Some(w) = o.get("when") {
        s.push_str(&format!(", when {}", condition(w)));
    }
    s
}

/// An offer field compared as a whole: its name, the aspect a change to it is, and how a
/// marketer reads its value.
type WholeField = (&'static str, Aspect, fn(Option<&Value>) -> String);

fn offer_changes(out: &mut Vec<Change>, id: &str, a: &Value, b: &Value) {
    let subject = Subject::Offer(id.to_string());
    let push = |out: &mut Vec<Change>, aspect: Aspect, from: String, to: String| {
        out.push(Change::changed(subject.clone(), aspect, from, to))
    };
    let zero = Value::from(0);
    if target(a) != target(b) {
        push(out, Aspect::Target, target(a), target(b));
    }
    let (pa, pb) = (
        a.get("priority").unwrap_or(&zero),
        b.get("priority").unwrap_or(&zero),
    );
    if pa != pb {
        push(out, Aspect::Priority, short(pa), short(pb));
    }
    // Fields compared as a whole, each with its aspect and how a marketer reads its value, in
    // the order changes are reported (`variants`, itemised, comes before `recommend`).
    let fields: [WholeField; 6] = [
        ("schedule", Aspect::Schedule, schedule),
        ("when", Aspect::Condition, cond_opt),
        ("cap", Aspect::Cap, cap),
        ("content", Aspect::Content, quoted),
        ("experiment", Aspect::Experiment, opt),
        ("recommend", Aspect::Recommend, recommend),
    ];
    let compare = |out: &mut Vec<Change>, list: &[WholeField]| {
        for (field, aspect, show) in list {
            if a.get(field) != b.get(field) {
                push(out, aspect.clone(), show(a.get(field)), show(b.get(field)));
            }
        }
    };
    compare(out, &fields[..5]);
    if a.get("variants") != b.get("variants") {
        variants(out, &subject, a.get("variants"), b.get("variants"));
    }
    compare(out, &fields[5..]);
    // Fields compared above (or part of the target); any other shows as a plain field change.
    let known = |k: &str| {
        ["id", "slot", "selector", "priority", "variants"].contains(&k)
            || fields.iter().any(|(f, _, _)| *f == k)
    };
    if let (Some(m), Some(n)) = (a.as_object(), b.as_object()) {
        for k in keys(m, n) {
            if !known(&k) && m.get(&k) != n.get(&k) {
                push(
                    out,
                    Aspect::Field(k.clone()),
                    quoted(m.get(&k)),
                    quoted(n.get(&k)),
                );
            }
        }
    }
}

fn variants(out: &mut Vec<Change>, subject: &Subject, a: Option<&Value>, b: Option<&Value>) {
    let (x, y) = (keyed(a, "id"), keyed(b, "id"));
    let weights = |l: &[(String, &Value)]| -> String {
        if l.is_empty() {
            return "(none)".into();
        }
        l.iter()
            .map(|(k, v)| format!("{k} {}", opt(v.get("weight"))))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (wa, wb) = (weights(&x), weights(&y));
    if wa != wb {
        out.push(Change::changed(
            subject.clone(),
            Aspect::Weights,
            wa,
            wb.clone(),
        ));
    }
    // Content and control changes, per variant (added/removed show in the weights).
    let mut notes = Vec::new();
    for (k, v) in &y {
        if let Some((_, old)) = x.iter().find(|(j, _)| j == k) {
            let is_control = |v: &Value| v.get("control") == Some(&Value::Bool(true));
            if is_control(old) != is_control(v) {
                notes.push(if is_control(v) {
                    format!("variant \"{k}\" is now the control (page's own content)")
                } else {
                    format!("variant \"{k}\" is no longer the control")
                });
            }
            if old.get("content") != v.get("content") && !is_control(v) {
                notes.push(format!(
                    "variant \"{k}\" content {} → {}",
                    quoted(old.get("content")),
                    quoted(v.get("content"))
                ));
            }
        }
    }
    if !notes.is_empty() {
        out.push(Change::changed(
            subject.clone(),
            Aspect::Variants,
            String::new(),
            notes.join("; "),
        ));
    }
}

fn schedule(v: Option<&Value>) -> String {
    let Some(s) = v else {
        return "always on".into();
    };
    match (s.get("start"), s.get("end")) {
        (Some(a), Some(b)) => format!("{} until {}", short(a), short(b)),
        (Some(a), None) => format!("from {}", short(a)),
        (None, Some(b)) => format!("until {}", short(b)),
        (None, None) => "always on".into(),
    }
}

fn cap(v: Option<&Value>) -> String {
    let Some(c) = v else {
        return "no cap".into();
    };
    let per = c.get("per").map(short).unwrap_or_default();
    let per = match per.as_str() {
        "lifetime" => "ever".to_string(),
        "session" => "per session".to_string(),
        d => format!("per {d}"),
    };
    format!("{} {per}", opt(c.get("max")))
}

fn recommend(v: Option<&Value>) -> String {
    let Some(r) = v else {
        return "(none)".into();
    };
    let mut s = format!(
        "{}, {} items",
        opt(r.get("strategy")),
        r.get("count").map_or_else(|| "4".into(), short)
    );
    if let Some(x) = r.get("exclude").and_then(Value::as_array) {
        if !x.is_empty() {
            let names: Vec<String> = x.iter().map(short).collect();
            s.push_str(&format!(", excluding {}", names.join(", ")));
        }
    }
    s
}

fn cond_opt(v: Option<&Value>) -> String {
    v.map_or_else(|| "always".into(), condition)
}

/// A condition in words: `segment cart_abandoner`, `profile.visits gte 2`,
/// `all of (…, …)`, `not (…)`, `purchase within 7d`.
pub fn condition(v: &Value) -> String {
    let Some(m) = v.as_object() else {
        return short(v);
    };
    let list = |k: &str| -> String {
        m[k].as_array()
            .map(|l| l.iter().map(condition).collect::<Vec<_>>().join(", "))
            .unwrap_or_else(|| short(&m[k]))
    };
    if m.contains_key("all") {
        format!("all of ({})", list("all"))
    } else if m.contains_key("any") {
        format!("any of ({})", list("any"))
    } else if let Some(n) = m.get("not") {
        format!("not ({})", condition(n))
    } else if let Some(s) = m.get("segment") {
        format!("segment {}", short(s))
    } else if let Some(f) = m.get("fact") {
        let op = m.get("op").map(short).unwrap_or_default();
        let rhs = match (m.get("value"), m.get("value_from")) {
            (Some(v), _) => format!(" {}", quoted(Some(v))),
            (None, Some(from)) => format!(" {}", short(from)),
            (None, None) => String::new(),
        };
        format!("{} {op}{rhs}", short(f))
    } else if let Some(e) = m.get("event") {
        let mut s = short(e);
        match (m.get("min"), m.get("max")) {
            (Some(a), Some(b)) => s.push_str(&format!(" {}–{} times", short(a), short(b))),
            (Some(a), None) => s.push_str(&format!(" at least {} times", short(a))),
            (None, Some(b)) => s.push_str(&format!(" at most {} times", short(b))),
            (None, None) => {}
        }
        if let Some(w) = m.get("within") {
            s.push_str(&format!(" within {}", short(w)));
        }
        s
    } else {
        short(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn example() -> Value {
        serde_json::from_str(include_str!("../examples/config.json")).unwrap()
    }

    fn lines(a: &Value, b: &Value) -> Vec<String> {
        diff(a, b).iter().map(Change::to_string).collect()
    }

    use crate::testutil::offer_mut;

    #[test]
    fn identical_configs_have_no_changes() {
        let a = example();
        assert!(diff(&a, &a.clone()).is_empty());
        assert_eq!(summary(&[]), "no changes");
    }

    #[test]
    fn offer_added_and_removed() {
        let a = example();
        let mut b = a.clone();
        let offers = b["offers"].as_array_mut().unwrap();
        offers.retain(|o| o["id"] != "pro-trial");
        offers.push(
            json!({"id": "summer-sale", "slot": "banner", "priority": 65,
            "when": {"fact": "request.path", "op": "starts_with", "value": "/collections"},
            "content": "Summer sale"}),
        );
        let c = diff(&a, &b);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].subject, Subject::Offer("pro-trial".into()));
        assert!(matches!(c[0].kind, Kind::Removed(_)));
        assert_eq!(
            c[1].to_string(),
            "offer \"summer-sale\" added: slot banner, priority 65, when request.path starts_with \"/collections\""
        );
    }

    #[test]
    fn priority_schedule_cap_content_condition_target() {
        let a = example();
        let mut b = a.clone();
        let o = offer_mut(&mut b, "cart-reminder");
        o["priority"] = 95.into();
        o["cap"] = json!({"max": 1, "per": "session"});
        o["content"] = "<h1>Come back</h1>".into();
        o["when"] =
            json!({"all": [{"segment": "cart_abandoner"}, {"not": {"segment": "gold_member"}}]});
        o["slot"] = "banner".into();
        offer_mut(&mut b, "spring-email-landing")["schedule"]["end"] =
            "2027-07-01T00:00:00Z".into();
        offer_mut(&mut b, "gold-welcome")
            .as_object_mut()
            .unwrap()
            .remove("cap");
        let l = lines(&a, &b);
        let want = [
            "offer \"cart-reminder\": moved from slot hero to slot banner",
            "offer \"cart-reminder\": priority 80 → 95",
            "offer \"cart-reminder\": condition changed: segment cart_abandoner → all of (segment cart_abandoner, not (segment gold_member))",
            "offer \"cart-reminder\": cap 3 per 1d → 1 per session",
            "offer \"cart-reminder\": content changed: \"<h1>Still thinking it over?</h1><p>Your {{profile.cart.item…\" → \"<h1>Come back</h1>\"",
            "offer \"spring-email-landing\": schedule moved: 2026-03-01T00:00:00Z until 2027-06-01T00:00:00Z → 2026-03-01T00:00:00Z until 2027-07-01T00:00:00Z",
            "offer \"gold-welcome\": cap 1 ever → no cap",
        ];
        for w in want {
            assert!(l.iter().any(|x| x == w), "missing {w:?} in {l:#?}");
        }
        assert_eq!(l.len(), want.len(), "{l:#?}");
    }

    #[test]
    fn experiment_weights_and_variant_content() {
        let a = example();
        let mut b = a.clone();
        let o = offer_mut(&mut b, "compare-help");
        o["variants"][0]["weight"] = 40.into();
        o["variants"][1]["weight"] = 40.into();
        o["variants"][1]["content"] = "<h1>Hikers love these</h1>".into();
        let c = diff(&a, &b);
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(c[0].is(&Aspect::Weights));
        assert_eq!(
            c[0].to_string(),
            "offer \"compare-help\": experiment weights guide 50, reviews 30, control 20 → guide 40, reviews 40, control 20"
        );
        assert!(c[1].is(&Aspect::Variants));
        assert!(
            c[1].to_string()
                .contains("variant \"reviews\" content \"<h1>See what 12,000"),
            "{}",
            c[1]
        );
    }

    #[test]
    fn segments_holdout_tiers_and_intent() {
        let a = example();
        let mut b = a.clone();
        b["segments"]["gold_member"]["value"] = 1500.into();
        b["segments"]
            .as_object_mut()
            .unwrap()
            .remove("trip_planner_power_user");
        b["segments"]["weekend"] =
            json!({"fact": "request.weekday", "op": "in", "value": ["saturday", "sunday"]});
        b["holdout"]["percent"] = 10.into();
        b["intent"]["tiers"][2]["min_score"] = 12.into();
        b["intent"]["tiers"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "checkout", "min_score": 20}));
        b["intent"]["hysteresis"] = 2.into();
        b["intent"]["signals"][6]["score"] = 6.into();
        b["experiments"]["compare-hero-2026q4"]["salt"] = "compare-hero-v2".into();
        b["timezone"] = "Europe/Paris".into();
        let l = lines(&a, &b);
        let want = [
            "timezone: America/Denver → Europe/Paris",
            "intent.hysteresis: 1 → 2",
            "tier \"ready_to_buy\": min score 10 → 12",
            "tier \"checkout\" added: from score 20",
            "intent signal \"cart\": score 5 → 6",
            "segment \"trip_planner_power_user\" removed (was: all of (trip_planned at least 3 times, list_shared at least 5 times))",
            "segment \"gold_member\": condition changed: profile.lifetime_spend gte 1000 → profile.lifetime_spend gte 1500",
            "segment \"weekend\" added: request.weekday in [\"saturday\",\"sunday\"]",
            "experiment \"compare-hero-2026q4\": salt \"compare-hero-2026q4\" → \"compare-hero-v2\"",
            "holdout.percent: 5 → 10",
        ];
        assert_eq!(l, want);
    }

    #[test]
    fn recommendations_and_order() {
        let a = example();
        let mut b = a.clone();
        offer_mut(&mut b, "for-you")["recommend"]["count"] = 6.into();
        let offers = b["offers"].as_array_mut().unwrap();
        offers.swap(0, 1);
        let l = lines(&a, &b);
        assert_eq!(
            l,
            [
                "offer \"for-you\": recommendations affinity, 4 items, excluding purchased, in_cart, out_of_stock → affinity, 6 items, excluding purchased, in_cart, out_of_stock",
                "offers: order changed (now vip-early-access, storm-safety; the first in the file wins a tie in priority)"
            ]
        );
    }

    #[test]
    fn summary_is_one_line() {
        let a = example();
        let mut b = a.clone();
        for o in b["offers"].as_array_mut().unwrap().iter_mut().take(4) {
            o["priority"] = 1.into();
        }
        let c = diff(&a, &b);
        assert_eq!(c.len(), 4);
        let s = summary(&c);
        assert!(s.ends_with("; and 2 more"), "{s}");
        assert!(!s.contains('\n'));
    }

    #[test]
    fn works_on_invalid_or_empty_configs() {
        let a = json!({"version": 1});
        let b = json!({"version": 1, "offers": [{"id": "x", "slot": "hero", "content": "Hi"}]});
        assert_eq!(lines(&a, &b), ["offer \"x\" added: slot hero, priority 0"]);
        assert_eq!(
            lines(&b, &a),
            ["offer \"x\" removed (was: slot hero, priority 0)"]
        );
        assert_eq!(lines(&json!(1), &json!("x")), ["config: 1 → x"]);
    }
}
