//! Rebasing a draft: a three-way merge of configs. A marketer's draft was edited from version
//! `base`; meanwhile `live` was published. The draft's changes relative to `base` are applied
//! on top of `live`, item by item, so two people who edited different offers both keep their
//! work.
//!
//! The items come from the config's grammar ([`crate::config::grammar`]): an entry of a keyed
//! list (an offer by `id`, a track rule by `path`, an action, an intent signal or tier), an entry
//! of a map of names (a segment, an experiment, a destination), or a setting (`timezone`,
//! `holdout.percent`, `intent.half_life`); sections of settings are walked field by field. An
//! item is merged whole: when only one side changed it, that side wins; when both changed it
//! the same way, fine; when both changed it differently it is a [`Conflict`], which the caller
//! resolves by choosing a [`Side`] (the live version's item until then). The order of a list
//! (offers' order breaks ties in priority) follows whichever side reordered it.
//!
//! The merge works on JSON, so neither side need be valid; the result is checked like any
//! draft before it can be published.

use crate::config::grammar::{Object, Shape, TOP};
use crate::diff::{diff, Subject};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Which side's item a conflict keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The live version's (what the other person published).
    Live,
    /// The draft's.
    Draft,
}

/// An item both sides changed, differently.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conflict {
    /// A stable name to choose a side by: `offers[hero]`, `segments[returning]`,
    /// `intent.half_life`, `offers (order)`.
    pub id: String,
    /// The item in a marketer's words: `offer "hero"`, `segment "returning"`.
    pub item: String,
    /// What the live version did to it since the base, one line per change.
    pub live_changes: Vec<String>,
    /// What the draft did to it since the base.
    pub draft_changes: Vec<String>,
    /// The item in the base, the live version and the draft (`None`: not there).
    pub base: Option<Value>,
    /// See `base`.
    pub live: Option<Value>,
    /// See `base`.
    pub draft: Option<Value>,
    /// The side chosen (`None`: not chosen yet; the live version's item is in the result).
    pub chosen: Option<Side>,
}

/// A rebased draft.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rebased {
    /// The draft's changes on top of the live version, conflicts as chosen.
    pub config: Value,
    /// Every item both sides changed differently, chosen or not.
    pub conflicts: Vec<Conflict>,
}

impl Rebased {
    /// Whether every conflict has a side chosen.
    pub fn resolved(&self) -> bool {
        self.conflicts.iter().all(|c| c.chosen.is_some())
    }
}

/// Applies the draft's changes since `base` onto `live`; `choices` (by [`Conflict::id`])
/// settle the items both changed.
pub fn rebase(
    base: &Value,
    live: &Value,
    draft: &Value,
    choices: &BTreeMap<String, Side>,
) -> Rebased {
    let mut m = Merger {
        choices,
        conflicts: Vec::new(),
    };
    let top = Shape::Object(&TOP);
    let config = m
        .value(&mut Vec::new(), &top, (Some(base), Some(live), Some(draft)))
        .unwrap_or(Value::Null);
    Rebased {
        config,
        conflicts: m.conflicts,
    }
}

/// One step of the path to an item.
#[derive(Clone, Debug)]
enum Step {
    /// A field of an object.
    Field(String),
    /// An entry of a keyed list.
    Entry(String),
    /// An entry of a map of names.
    Name(String),
}

/// The three sides of an item.
type Three<'a> = (Option<&'a Value>, Option<&'a Value>, Option<&'a Value>);

struct Merger<'c> {
    choices: &'c BTreeMap<String, Side>,
    conflicts: Vec<Conflict>,
}

impl Merger<'_> {
    /// The merged value at `path`, walking into it when both sides changed it and its shape
    /// has parts of its own.
    fn value(&mut self, path: &mut Vec<Step>, shape: &Shape, (b, l, d): Three) -> Option<Value> {
        if l == d || b == d {
            return l.cloned();
        }
        if b == l {
            return d.cloned();
        }
        let obj = |v: Option<&Value>| v.is_some_and(Value::is_object);
        let arr = |v: Option<&Value>| v.is_some_and(Value::is_array);
        let b_fits = |f: &dyn Fn(Option<&Value>) -> bool| b.is_none() || f(b);
        match shape {
            Shape::Object(o) if obj(l) && obj(d) && b_fits(&obj) => {
                Some(self.object(path, o, (b, l, d)))
            }
            Shape::List(_, key) if arr(l) && arr(d) && b_fits(&arr) => {
                Some(self.list(path, key, (b, l, d)))
            }
            Shape::Names(_) if obj(l) && obj(d) && b_fits(&obj) => {
                Some(self.names(path, (b, l, d)))
            }
            _ => self.item(path, (b, l, d)),
        }
    }

    /// Field by field, in the live version's order, then the draft's new fields.
    fn object(&mut self, path: &mut Vec<Step>, o: &Object, (b, l, d): Three) -> Value {
        let mut out = Map::new();
        for k in keys(&[l, d, b]) {
            let shape = o.field(&k).map_or(&Shape::Value, |f| &f.shape);
            let sides = (field(b, &k), field(l, &k), field(d, &k));
            path.push(Step::Field(k.clone()));
            if let Some(v) = self.value(path, shape, sides) {
                out.insert(k, v);
            }
            path.pop();
        }
        Value::Object(out)
    }

    /// A map of names (segments, experiments, destinations): entry by entry.
    fn names(&mut self, path: &mut Vec<Step>, (b, l, d): Three) -> Value {
        let mut out = Map::new();
        for k in keys(&[l, d, b]) {
            let sides = (field(b, &k), field(l, &k), field(d, &k));
            path.push(Step::Name(k.clone()));
            if let Some(v) = self.item(path, sides) {
                out.insert(k, v);
            }
            path.pop();
        }
        Value::Object(out)
    }

    /// A keyed list: entry by entry, in the order of whichever side reordered it.
    fn list(&mut self, path: &mut Vec<Step>, key: &str, (b, l, d): Three) -> Value {
        let (eb, el, ed) = (entries(b, key), entries(l, key), entries(d, key));
        let mut merged = BTreeMap::new();
        for k in union(&[&el, &ed, &eb]) {
            let sides = (find(&eb, &k), find(&el, &k), find(&ed, &k));
            path.push(Step::Entry(k.clone()));
            // Entries are items: merged whole, never field by field.
            if let Some(v) = self.item(path, sides) {
                merged.insert(k, v);
            }
            path.pop();
        }
        let order = self.order(path, (&eb, &el, &ed));
        Value::Array(
            order
                .into_iter()
                .filter_map(|k| merged.remove(&k))
                .collect(),
        )
    }

    /// The order of a merged list: the live version's, unless only the draft reordered the
    /// entries both kept; the other side's new entries go after their predecessor there.
    fn order(&mut self, path: &[Step], (b, l, d): (&[Entry], &[Entry], &[Entry])) -> Vec<String> {
        let (kb, kl, kd) = (names_of(b), names_of(l), names_of(d));
        let reordered = |side: &[String]| common(side, &kb) != common(&kb, side);
        let (live_moved, draft_moved) = (reordered(&kl), reordered(&kd));
        let differ = common(&kl, &kd) != common(&kd, &kl);
        let draft_first = if live_moved && draft_moved && differ {
            let id = format!("{} (order)", id_of(path));
            let chosen = self.choices.get(&id).copied();
            self.conflicts.push(Conflict {
                item: format!("the order of {}", id_of(path)),
                id,
                live_changes: vec![kl.join(", ")],
                draft_changes: vec![kd.join(", ")],
                base: Some(Value::from(kb.clone())),
                live: Some(Value::from(kl.clone())),
                draft: Some(Value::from(kd.clone())),
                chosen,
            });
            chosen == Some(Side::Draft)
        } else {
            draft_moved && !live_moved
        };
        let (first, second) = if draft_first { (kd, kl) } else { (kl, kd) };
        let mut out = first;
        for (i, k) in second.iter().enumerate() {
            if out.contains(k) {
                continue;
            }
            let after = second[..i]
                .iter()
                .rev()
                .find_map(|p| out.iter().position(|x| x == p));
            out.insert(after.map_or(0, |p| p + 1), k.clone());
        }
        out
    }

    /// An item merged whole: one side's change, or a conflict.
    fn item(&mut self, path: &[Step], (b, l, d): Three) -> Option<Value> {
        if l == d || b == d {
            return l.cloned();
        }
        if b == l {
            return d.cloned();
        }
        let id = id_of(path);
        let chosen = self.choices.get(&id).copied();
        let lines = |v: Option<&Value>| -> Vec<String> {
            diff(&wrap(path, b), &wrap(path, v))
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        self.conflicts.push(Conflict {
            item: item_words(path),
            live_changes: lines(l),
            draft_changes: lines(d),
            id,
            base: b.cloned(),
            live: l.cloned(),
            draft: d.cloned(),
            chosen,
        });
        match chosen {
            Some(Side::Draft) => d.cloned(),
            _ => l.cloned(),
        }
    }
}

/// An entry of a keyed list, with its key.
type Entry<'a> = (String, &'a Value);

fn field<'a>(v: Option<&'a Value>, k: &str) -> Option<&'a Value> {
    v.and_then(|v| v.get(k))
}

/// The keys of the objects given, each once, in the order first seen.
fn keys(sides: &[Option<&Value>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in sides.iter().filter_map(|v| v.and_then(Value::as_object)) {
        out.extend(
            m.keys()
                .filter(|k| !out.contains(k))
                .cloned()
                .collect::<Vec<_>>(),
        );
    }
    out
}

/// A list's entries by their key field (by position, `#3`, without one), as the diff keys them.
fn entries<'a>(v: Option<&'a Value>, key: &str) -> Vec<Entry<'a>> {
    let list = v.and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    list.iter()
        .enumerate()
        .map(|(i, e)| match e.get(key).and_then(Value::as_str) {
            Some(k) => (k.to_string(), e),
            None => (format!("#{i}"), e),
        })
        .collect()
}

fn find<'a>(l: &[Entry<'a>], k: &str) -> Option<&'a Value> {
    l.iter().find(|(j, _)| j == k).map(|(_, v)| *v)
}

fn names_of(l: &[Entry]) -> Vec<String> {
    l.iter().map(|(k, _)| k.clone()).collect()
}

fn union(sides: &[&[Entry]]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in sides.iter().flat_map(|s| s.iter().map(|(k, _)| k)) {
        if !out.contains(k) {
            out.push(k.clone());
        }
    }
    out
}

/// The names of `a` that `b` has too, in `a`'s order.
fn common(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|k| b.contains(k)).cloned().collect()
}

/// `offers[hero]`, `segments[returning]`, `intent.signals[cart]`, `holdout.percent`.
fn id_of(path: &[Step]) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            Step::Field(f) if s.is_empty() => s.push_str(f),
            Step::Field(f) => s.push_str(&format!(".{f}")),
            Step::Entry(k) | Step::Name(k) => s.push_str(&format!("[{k}]")),
        }
    }
    if s.is_empty() {
        "config".into()
    } else {
        s
    }
}

/// The item in the diff's words: `offer "hero"`, `segment "returning"`, `holdout.percent`.
fn item_words(path: &[Step]) -> String {
    let section = |i: usize| match path.get(i) {
        Some(Step::Field(f)) => f.as_str(),
        _ => "",
    };
    let subject = match (path.last(), path.len()) {
        (Some(Step::Entry(k) | Step::Name(k)), n) => {
            let k = k.clone();
            match (section(n.saturating_sub(3)), section(n - 2)) {
                (_, "offers") if n == 2 => Some(Subject::Offer(k)),
                (_, "segments") if n == 2 => Some(Subject::Segment(k)),
                (_, "experiments") if n == 2 => Some(Subject::Experiment(k)),
                (_, "track") if n == 2 => Some(Subject::Track(k)),
                (_, "destinations") if n == 2 => Some(Subject::Destination(k)),
                (_, "actions") if n == 2 => Some(Subject::Action(k)),
                ("intent", "signals") => Some(Subject::IntentSignal(k)),
                ("intent", "tiers") => Some(Subject::Tier(k)),
                _ => None,
            }
        }
        _ => None,
    };
    subject.map_or_else(|| id_of(path), |s| s.to_string())
}

/// The smallest config holding `v` at `path` (or its empty container), for the diff to say
/// what happened to one item.
fn wrap(path: &[Step], v: Option<&Value>) -> Value {
    let Some((last, outer)) = path.split_last() else {
        return v.cloned().unwrap_or(Value::Null);
    };
    let mut inner = match last {
        Step::Entry(_) => Value::Array(v.into_iter().cloned().collect()),
        Step::Name(k) | Step::Field(k) => {
            let mut m = Map::new();
            if let Some(v) = v {
                m.insert(k.clone(), v.clone());
            }
            Value::Object(m)
        }
    };
    // Items sit in sections (fields); the containers stay present on both sides, so the diff
    // compares inside them (it compares `intent`'s lists only when both sides have one).
    for step in outer.iter().rev() {
        if let Step::Field(f) = step {
            let mut m = Map::new();
            m.insert(f.clone(), inner);
            inner = Value::Object(m);
        }
    }
    inner
}

#[cfg(test)]
mod tests;
