//! A fact's value while a condition or template is evaluated.

use super::numbers::{format_number, parse_number};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// A fact's value during evaluation; borrows from the profile, request or config.
#[derive(Clone, Debug, PartialEq)]
pub enum Val<'a> {
    /// Not set.
    Missing,
    /// A boolean.
    Bool(bool),
    /// A number.
    Num(f64),
    /// Text.
    Str(Cow<'a, str>),
    /// A list.
    List(Vec<Val<'a>>),
    /// An object (signals, catalog fields).
    Obj(&'a Map<String, Value>),
}

impl<'a> Val<'a> {
    /// A value from JSON (`null` is missing).
    pub fn from_json(v: &'a Value) -> Val<'a> {
        match v {
            Value::Null => Val::Missing,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => Val::Str(Cow::Borrowed(s)),
            Value::Array(a) => Val::List(a.iter().map(Val::from_json).collect()),
            Value::Object(o) => Val::Obj(o),
        }
    }

    /// An owned copy of a config literal (objects are not literals, so they become missing).
    pub fn literal(v: &Value) -> Val<'static> {
        match v {
            Value::Null | Value::Object(_) => Val::Missing,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => Val::Str(Cow::Owned(s.clone())),
            Value::Array(a) => Val::List(a.iter().map(Val::literal).collect()),
        }
    }

    pub(super) fn opt_str(s: Option<&'a str>) -> Val<'a> {
        s.map_or(Val::Missing, |s| Val::Str(Cow::Borrowed(s)))
    }

    pub(super) fn opt_num(n: Option<f64>) -> Val<'a> {
        n.map_or(Val::Missing, Val::Num)
    }

    /// Present and not empty (an empty list or string counts as absent).
    pub fn exists(&self) -> bool {
        match self {
            Val::Missing => false,
            Val::Str(s) => !s.is_empty(),
            Val::List(l) => !l.is_empty(),
            Val::Obj(o) => !o.is_empty(),
            _ => true,
        }
    }

    /// The value as a number: a number, or text that reads as one.
    pub fn as_num(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            Val::Str(s) => parse_number(s.trim()).filter(|n| n.is_finite()),
            _ => None,
        }
    }

    /// The value as JSON, `None` when missing.
    pub fn to_json(&self) -> Option<Value> {
        Some(match self {
            Val::Missing => return None,
            Val::Bool(b) => Value::Bool(*b),
            Val::Num(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            Val::Str(s) => Value::String(s.to_string()),
            Val::List(l) => Value::Array(l.iter().filter_map(Val::to_json).collect()),
            Val::Obj(o) => Value::Object((*o).clone()),
        })
    }

    /// How a value reads in an explanation.
    pub fn describe(&self) -> String {
        match self {
            Val::Missing => "not set".into(),
            Val::Bool(b) => b.to_string(),
            Val::Num(n) => format_number(*n),
            Val::Str(s) => format!("\"{s}\""),
            Val::List(l) if l.is_empty() => "empty".into(),
            Val::List(l) => {
                let shown: Vec<String> = l.iter().take(5).map(Val::describe).collect();
                let more = if l.len() > 5 { ", …" } else { "" };
                format!("[{}{more}]", shown.join(", "))
            }
            Val::Obj(_) => "an object".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_do_not_exist() {
        assert!(!Val::List(vec![]).exists());
        assert!(!Val::Str(Cow::Borrowed("")).exists());
        assert!(Val::Num(0.0).exists());
    }
}
