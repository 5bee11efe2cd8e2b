//! What changed between two configs, in the words a marketer uses: "offer added", "priority
//! 80 → 95", "schedule moved", "segment changed". Works on the JSON itself (both sides need not
//! be valid), so `signpost diff` and `signpost versions` can compare any two versions.
//!
//! The sections, fields and list keys it walks come from the config's grammar table
//! ([`crate::config::grammar`]); only the fields a marketer reads in words of their own (a
//! schedule, a cap, a condition, an offer's target) are named here.
//!
//! ```
//! use serde_json::json;
//! let a = json!({"version": 1, "offers": [{"id": "sale", "slot": "banner", "priority": 10, "content": "Sale"}]});
//! let b = json!({"version": 1, "offers": [{"id": "sale", "slot": "banner", "priority": 95, "content": "Sale"}]});
//! let changes = signpost::diff::diff(&a, &b);
//! assert_eq!(changes[0].to_string(), "offer \"sale\": priority 10 → 95");
//! ```

mod actions;
mod words;

use crate::config::grammar::{Field, Object, Shape, INTENT, OFFER, TOP};
use serde_json::{Map, Value};
pub use words::condition;
use words::{cond_opt, describe_offer, offer_aspect, opt, quoted, short, target};

/// What a change is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// An offer, by its id.
    Offer(String),
    /// A segment, by its name.
    Segment(String),
    /// An experiment, by its name.
    Experiment(String),
    /// An intent tier, by its name.
    Tier(String),
    /// An intent signal, by its id.
    IntentSignal(String),
    /// A `track` rule, by its path pattern.
    Track(String),
    /// A destination of journeys' messages, by its name.
    Destination(String),
    /// A journeys' action, by its id.
    Action(String),
    /// A funnel the report measures, by its name.
    Funnel(String),
    /// The offers as a list (their order decides ties).
    Offers,
    /// A top-level setting or one inside `intent`, `holdout`, `consent`, `recommendations`:
    /// `timezone`, `intent.half_life`, `holdout.percent`, ...
    Setting(String),
}

/// Which part of the subject changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Aspect {
    /// An offer's `priority`.
    Priority,
    /// An offer's `schedule`: when it runs.
    Schedule,
    /// An offer's `content`.
    Content,
    /// An offer's experiment `variants` (added, removed or changed).
    Variants,
    /// Experiment weights: the share of visitors each variant gets.
    Weights,
    /// The condition: an offer's `when`, a segment's, a signal's `where`.
    Condition,
    /// An offer's frequency `cap`.
    Cap,
    /// Where the offer goes: its slot or CSS selector.
    Target,
    /// An offer's `recommend`: which items it recommends.
    Recommend,
    /// The experiment an offer belongs to.
    Experiment,
    /// The order of the offers (which breaks ties in priority).
    Order,
    /// Any other field, by name (`min_score`, `score`, `salt`, `event`, ...).
    Field(String),
}

/// What happened to the subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Added, with a short description of what it is.
    Added(String),
    /// Removed, with a short description of what it was.
    Removed(String),
    /// Changed in one aspect, each side in a marketer's words.
    Changed {
        /// The part that changed.
        aspect: Aspect,
        /// What it was.
        from: String,
        /// What it is now.
        to: String,
    },
}

/// One difference between two configs; `Display` gives the marketer's one-liner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// What the change is about.
    pub subject: Subject,
    /// What happened to it.
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

/// The differences from `a` (before) to `b` (after), in the order of the config's grammar:
/// version, site, timezone, track, intent, segments, offers, recommendations, experiments,
/// holdout, consent, profile, attribution, trusted_events, destinations, actions, then any
/// field the grammar does not know.
pub fn diff(a: &Value, b: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    for f in TOP.fields {
        let (x, y) = (a.get(f.name), b.get(f.name));
        if x == y {
            continue;
        }
        match f.name {
            "track" => {
                let changed = |out: &mut _, s, x: &_, y: &_| fields(out, s, x, y, &["path"]);
                let sides = (Some(a), Some(b));
                list(
                    &mut out,
                    (&TOP, "track"),
                    sides,
                    Subject::Track,
                    words::track_rule,
                    changed,
                )
            }
            "intent" => intent(&mut out, x, y),
            "segments" => segments(&mut out, x, y),
            "offers" => offers(&mut out, x, y),
            "experiments" => experiments(&mut out, x, y),
            "funnels" => funnels(&mut out, x, y),
            "destinations" | "actions" => actions::section(&mut out, f.name, x, y),
            name => match (x, y) {
                // A section of settings, a line for each (`holdout.percent`).
                (Some(x), Some(y)) if is_section(f) && x.is_object() && y.is_object() => {
                    settings(&mut out, name, x, y, |_| true)
                }
                _ => setting(&mut out, name, x, y),
            },
        }
    }
    if a.is_object() && b.is_object() {
        // Fields of a newer version, or typos, as plain settings.
        settings(&mut out, "", a, b, |k| TOP.field(k).is_none());
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

/// Keys of two values' objects (none for other values).
fn keys_of(a: &Value, b: &Value) -> Vec<String> {
    let empty = Map::new();
    keys(
        a.as_object().unwrap_or(&empty),
        b.as_object().unwrap_or(&empty),
    )
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
        _ => Change::changed(subject, Aspect::Field(String::new()), opt(a), opt(b)),
    });
}

fn is_section(f: &Field) -> bool {
    matches!(f.shape, Shape::Object(_))
}

/// Each field of `a` and `b` that `show` names, as a setting under `prefix`.
fn settings(
    out: &mut Vec<Change>,
    prefix: &str,
    a: &Value,
    b: &Value,
    show: impl Fn(&str) -> bool,
) {
    for k in keys_of(a, b) {
        if show(&k) {
            let name = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            setting(out, &name, a.get(&k), b.get(&k));
        }
    }
}

/// The entries of the list `grammar.<name>`, each keyed by the field the grammar names (`id`,
/// `name`, `path`); entries without it are keyed by their position.
fn keyed<'a>(grammar: &Object, name: &str, list: Option<&'a Value>) -> Vec<Entry<'a>> {
    let key = match grammar.field(name).map(|f| &f.shape) {
        Some(Shape::List(_, key)) => key,
        _ => "id",
    };
    let list = list
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    list.iter()
        .enumerate()
        .map(|(i, v)| {
            let k = v.get(key).and_then(Value::as_str);
            (k.map_or_else(|| format!("#{i}"), str::to_string), v)
        })
        .collect()
}

/// Entries of a JSON object of names (segments, experiments), in order.
fn named(v: Option<&Value>) -> Vec<Entry<'_>> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v)).collect())
        .unwrap_or_default()
}

/// An entry of a list or of an object of names, with its key.
type Entry<'a> = (String, &'a Value);

/// Added, removed and changed entries of two keyed lists; `changed` compares entries present
/// on both sides.
fn compare_lists(
    out: &mut Vec<Change>,
    (a, b): (&[Entry], &[Entry]),
    subject: impl Fn(String) -> Subject,
    describe: impl Fn(&Value) -> String,
    mut changed: impl FnMut(&mut Vec<Change>, Subject, &Value, &Value),
) {
    for (k, v) in a {
        if !b.iter().any(|(j, _)| j == k) {
            let kind = Kind::Removed(describe(v));
            out.push(Change {
                subject: subject(k.clone()),
                kind,
            });
        }
    }
    for (k, v) in b {
        match a.iter().find(|(j, _)| j == k) {
            None => {
                let kind = Kind::Added(describe(v));
                out.push(Change {
                    subject: subject(k.clone()),
                    kind,
                });
            }
            Some((_, old)) if *old != *v => changed(out, subject(k.clone()), old, v),
            Some(_) => {}
        }
    }
}

/// Every field of two objects that differs, as `Field` changes (with `skip` left out).
fn fields(out: &mut Vec<Change>, subject: Subject, a: &Value, b: &Value, skip: &[&str]) {
    for k in keys_of(a, b) {
        if skip.contains(&k.as_str()) || a.get(&k) == b.get(&k) {
            continue;
        }
        let (from, to) = (quoted(a.get(&k)), quoted(b.get(&k)));
        out.push(Change::changed(subject.clone(), Aspect::Field(k), from, to));
    }
}

/// The list `grammar.<name>` of `a` and of `b` (the objects holding it), entry by entry.
fn list(
    out: &mut Vec<Change>,
    (grammar, name): (&Object, &str),
    (a, b): (Option<&Value>, Option<&Value>),
    subject: impl Fn(String) -> Subject,
    describe: impl Fn(&Value) -> String,
    changed: impl FnMut(&mut Vec<Change>, Subject, &Value, &Value),
) {
    let x = keyed(grammar, name, a.and_then(|a| a.get(name)));
    let y = keyed(grammar, name, b.and_then(|b| b.get(name)));
    compare_lists(out, (&x, &y), subject, describe, changed);
}

fn intent(out: &mut Vec<Change>, a: Option<&Value>, b: Option<&Value>) {
    let (Some(x), Some(y)) = (a, b) else {
        return setting(out, "intent", a, b);
    };
    let values = INTENT
        .fields
        .iter()
        .filter(|f| matches!(f.shape, Shape::Value));
    for f in values {
        let (p, q) = (x.get(f.name), y.get(f.name));
        setting(out, &format!("intent.{}", f.name), p, q);
    }
    let changed = |out: &mut _, s, p: &_, q: &_| fields(out, s, p, q, &["name"]);
    list(
        out,
        (&INTENT, "tiers"),
        (a, b),
        Subject::Tier,
        words::tier,
        changed,
    );
    let changed = |out: &mut Vec<Change>, subject: Subject, p: &Value, q: &Value| {
        fields(out, subject.clone(), p, q, &["id", "where"]);
        if p.get("where") != q.get("where") {
            let (from, to) = (cond_opt(p.get("where")), cond_opt(q.get("where")));
            out.push(Change::changed(subject, Aspect::Condition, from, to));
        }
    };
    let signal = Subject::IntentSignal;
    list(
        out,
        (&INTENT, "signals"),
        (a, b),
        signal,
        words::signal,
        changed,
    );
    settings(out, "intent", x, y, |k| INTENT.field(k).is_none());
}

fn segments(out: &mut Vec<Change>, a: Option<&Value>, b: Option<&Value>) {
    let changed = |out: &mut Vec<Change>, subject, x: &Value, y: &Value| {
        out.push(Change::changed(
            subject,
            Aspect::Condition,
            condition(x),
            condition(y),
        ))
    };
    compare_lists(
        out,
        (&named(a), &named(b)),
        Subject::Segment,
        condition,
        changed,
    );
}

fn funnels(out: &mut Vec<Change>, a: Option<&Value>, b: Option<&Value>) {
    let steps = |v: &Value| match v.as_array() {
        Some(list) => list.iter().map(short).collect::<Vec<_>>().join(" > "),
        None => short(v),
    };
    let changed = |out: &mut Vec<Change>, subject, x: &Value, y: &Value| {
        let aspect = Aspect::Field("steps".into());
        out.push(Change::changed(subject, aspect, steps(x), steps(y)))
    };
    compare_lists(out, (&named(a), &named(b)), Subject::Funnel, steps, changed);
}

fn experiments(out: &mut Vec<Change>, a: Option<&Value>, b: Option<&Value>) {
    let changed = |out: &mut _, s, x: &_, y: &_| fields(out, s, x, y, &[]);
    compare_lists(
        out,
        (&named(a), &named(b)),
        Subject::Experiment,
        words::experiment,
        changed,
    );
}

fn offers(out: &mut Vec<Change>, a: Option<&Value>, b: Option<&Value>) {
    let (x, y) = (keyed(&TOP, "offers", a), keyed(&TOP, "offers", b));
    compare_lists(out, (&x, &y), Subject::Offer, describe_offer, offer_changes);
    // File order decides ties between offers of equal priority in a slot.
    let common = |l: &[Entry], other: &[Entry]| -> Vec<String> {
        l.iter()
            .filter(|(k, _)| other.iter().any(|(j, _)| j == k))
            .map(|(k, _)| k.clone())
            .collect()
    };
    let (common_a, common_b) = (common(&x, &y), common(&y, &x));
    if common_a != common_b {
        let moved: Vec<&str> = common_b
            .iter()
            .enumerate()
            .filter(|(i, k)| common_a.get(*i) != Some(*k))
            .map(|(_, k)| k.as_str())
            .collect();
        let now = format!(
            "now {}; the first in the file wins a tie in priority",
            moved.join(", ")
        );
        out.push(Change::changed(
            Subject::Offers,
            Aspect::Order,
            common_a.join(", "),
            now,
        ));
    }
}

fn offer_changes(out: &mut Vec<Change>, subject: Subject, a: &Value, b: &Value) {
    let zero = Value::from(0);
    let push = |out: &mut Vec<Change>, aspect, from, to| {
        out.push(Change::changed(subject.clone(), aspect, from, to))
    };
    for f in OFFER.fields {
        let (x, y) = (a.get(f.name), b.get(f.name));
        match f.name {
            // The key, and the second half of the target.
            "id" | "selector" => {}
            "slot" if target(a) != target(b) => push(out, Aspect::Target, target(a), target(b)),
            "priority" => {
                let (pa, pb) = (x.unwrap_or(&zero), y.unwrap_or(&zero));
                if pa != pb {
                    push(out, Aspect::Priority, short(pa), short(pb));
                }
            }
            "variants" if x != y => variants(out, &subject, x, y),
            name if x != y && name != "slot" => {
                let (aspect, show) = offer_aspect(name);
                push(out, aspect, show(x), show(y));
            }
            _ => {}
        }
    }
    // Fields the grammar does not know show as plain field changes.
    for k in keys_of(a, b) {
        if OFFER.field(&k).is_none() && a.get(&k) != b.get(&k) {
            push(
                out,
                Aspect::Field(k.clone()),
                quoted(a.get(&k)),
                quoted(b.get(&k)),
            );
        }
    }
}

fn variants(out: &mut Vec<Change>, subject: &Subject, a: Option<&Value>, b: Option<&Value>) {
    let (x, y) = (keyed(&OFFER, "variants", a), keyed(&OFFER, "variants", b));
    let weights = |l: &[Entry]| -> String {
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
        out.push(Change::changed(subject.clone(), Aspect::Weights, wa, wb));
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
        let notes = notes.join("; ");
        out.push(Change::changed(
            subject.clone(),
            Aspect::Variants,
            String::new(),
            notes,
        ));
    }
}

#[cfg(test)]
mod tests;
