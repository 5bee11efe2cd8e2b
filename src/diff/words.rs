//! How a change reads: its line ("offer \"sale\": priority 10 → 95"), and the config values in
//! it, a schedule as "from … until …", a cap as "3 per 1d", a condition as "all of (segment x,
//! not (…))", anything long cut short.

use super::{Aspect, Change, Kind, Subject};
use serde_json::Value;
use std::fmt;

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Offer(id) => write!(f, "offer \"{id}\""),
            Subject::Segment(n) => write!(f, "segment \"{n}\""),
            Subject::Experiment(n) => write!(f, "experiment \"{n}\""),
            Subject::Tier(n) => write!(f, "tier \"{n}\""),
            Subject::IntentSignal(n) => write!(f, "intent signal \"{n}\""),
            Subject::Track(p) => write!(f, "tracked path \"{p}\""),
            Subject::Destination(n) => write!(f, "destination \"{n}\""),
            Subject::Action(id) => write!(f, "action \"{id}\""),
            Subject::Funnel(n) => write!(f, "funnel \"{n}\""),
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

/// A value in a line: strings without quotes, everything else as compact JSON, cut to a
/// readable length.
pub(super) fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    cut(&s, 80)
}

pub(super) fn opt(v: Option<&Value>) -> String {
    v.map_or_else(|| "(none)".into(), short)
}

pub(super) fn quoted(v: Option<&Value>) -> String {
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

pub(super) fn target(o: &Value) -> String {
    match (o.get("slot"), o.get("selector")) {
        (Some(s), _) => format!("slot {}", short(s)),
        (None, Some(s)) => format!("selector {}", short(s)),
        (None, None) => "no slot".into(),
    }
}

pub(super) fn describe_offer(o: &Value) -> String {
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

pub(super) fn schedule(v: Option<&Value>) -> String {
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

pub(super) fn cap(v: Option<&Value>) -> String {
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

pub(super) fn recommend(v: Option<&Value>) -> String {
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

pub(super) fn cond_opt(v: Option<&Value>) -> String {
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

/// A tier in a line: "from score 10".
pub(super) fn tier(v: &Value) -> String {
    format!("from score {}", opt(v.get("min_score")))
}

/// An intent signal in a line: "cart scores 5 (up to 10), where …".
pub(super) fn signal(v: &Value) -> String {
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
}

/// A track rule in a line: "records product_view".
pub(super) fn track_rule(v: &Value) -> String {
    format!(
        "records {}",
        v.get("event").and_then(Value::as_str).unwrap_or("?")
    )
}

/// An experiment in a line: "goal purchase, salt x".
pub(super) fn experiment(v: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(g) = v.get("goal") {
        parts.push(format!("goal {}", short(g)));
    }
    if let Some(s) = v.get("salt") {
        parts.push(format!("salt {}", short(s)));
    }
    parts.join(", ")
}

/// How a change to an offer's field reads: its aspect, and how its value shows.
pub(super) fn offer_aspect(field: &str) -> (Aspect, fn(Option<&Value>) -> String) {
    match field {
        "when" => (Aspect::Condition, cond_opt),
        "schedule" => (Aspect::Schedule, schedule),
        "cap" => (Aspect::Cap, cap),
        "content" => (Aspect::Content, quoted),
        "experiment" => (Aspect::Experiment, opt),
        "recommend" => (Aspect::Recommend, recommend),
        other => (Aspect::Field(other.to_string()), quoted),
    }
}
