//! schema/config.schema.json agrees with the engine. The schema's property lists equal the
//! grammar table's (`signpost::config::grammar`), its enums and limits equal the engine's, and
//! the engine rejects every broken config of `tests/fixtures/schema/broken-configs.json` and
//! accepts `every-field.json`. Whether the schema itself accepts and rejects those configs is
//! checked by a maintained validator, ajv, in `tests/node/schema.test.mjs`.

use serde_json::{json, Value};
use signpost::config::grammar::{Object, Shape, CONDITIONS, TOP};

const SCHEMA: &str = include_str!("../schema/config.schema.json");
const EXAMPLE: &str = include_str!("../examples/config.json");
const BROKEN: &str = include_str!("fixtures/schema/broken-configs.json");
const EVERY_FIELD: &str = include_str!("fixtures/schema/every-field.json");

fn engine_accepts(config: &Value) -> Result<(), String> {
    signpost::config::Config::parse(&config.to_string())
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Walks the schema beside the grammar table, collecting where they disagree.
struct Walk<'a> {
    root: &'a Value,
    problems: Vec<String>,
}

impl<'a> Walk<'a> {
    /// `s`, or the definition its `$ref` names.
    fn resolve(&self, s: &'a Value) -> &'a Value {
        match s.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.strip_prefix("#/$defs/").expect("a local $ref");
                self.resolve(&self.root["$defs"][name])
            }
            None => s,
        }
    }

    fn object(&mut self, at: &str, s: &'a Value, grammar: &Object) {
        let s = self.resolve(s);
        let mut schema: Vec<&str> = s["properties"]
            .as_object()
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let mut table = grammar.names();
        schema.sort_unstable();
        table.sort_unstable();
        if schema != table {
            let problem = format!("{at}: the schema lists {schema:?}, the grammar {table:?}");
            self.problems.push(problem);
        }
        let mut required: Vec<&str> = s["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut table: Vec<&str> = grammar
            .fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name)
            .collect();
        required.sort_unstable();
        table.sort_unstable();
        if required != table {
            let problem = format!("{at}: the schema requires {required:?}, the grammar {table:?}");
            self.problems.push(problem);
        }
        if s["additionalProperties"] != json!(false) {
            self.problems
                .push(format!("{at}: the schema allows unknown fields"));
        }
        for f in grammar.fields {
            if let Some(fs) = s["properties"].get(f.name) {
                self.shape(&format!("{at}.{}", f.name), fs, &f.shape);
            }
        }
    }

    fn shape(&mut self, at: &str, s: &'a Value, shape: &Shape) {
        let condition = json!("#/$defs/condition");
        match shape {
            Shape::Value => {}
            Shape::Condition if s["$ref"] == condition => {}
            Shape::Conditions if s["items"]["$ref"] == condition => {}
            Shape::Object(o) => self.object(at, s, o),
            Shape::List(o, key) => {
                if o.field(key).is_none() {
                    self.problems.push(format!(
                        "{at}: the grammar keys it by {key}, which it lacks"
                    ));
                }
                let s = self.resolve(s);
                self.object(&format!("{at}[]"), &s["items"], o);
            }
            Shape::Names(inner) => {
                let s = self.resolve(s);
                self.shape(&format!("{at}.*"), &s["additionalProperties"], inner);
            }
            _ => self
                .problems
                .push(format!("{at}: the schema has no condition here")),
        }
    }
}

#[test]
fn the_schema_lists_the_fields_of_the_grammar_table() {
    let root: Value = serde_json::from_str(SCHEMA).unwrap();
    let mut walk = Walk {
        root: &root,
        problems: Vec::new(),
    };
    walk.object("(config)", &root, &TOP);
    // Each kind of condition is one branch of the schema's `condition`, in the same order.
    let branches = root["$defs"]["condition"]["oneOf"].as_array().unwrap();
    assert_eq!(branches.len(), CONDITIONS.len());
    for (s, kind) in branches.iter().zip(&CONDITIONS) {
        walk.object(&format!("condition {}", kind.fields[0].name), s, kind);
    }
    assert!(walk.problems.is_empty(), "{:#?}", walk.problems);
}

#[test]
fn the_schema_lists_the_engines_names_and_limits() {
    let root: Value = serde_json::from_str(SCHEMA).unwrap();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    let defs = &root["$defs"];
    assert_eq!(
        strings(&defs["factCondition"]["properties"]["op"]["enum"]),
        signpost::conditions::OPS
    );
    assert_eq!(
        strings(&defs["recommend"]["properties"]["strategy"]["enum"]),
        signpost::recommend::STRATEGIES
    );
    assert_eq!(
        strings(&defs["recommend"]["properties"]["exclude"]["items"]["enum"]),
        signpost::recommend::EXCLUSIONS
    );
    assert_eq!(
        defs["recommend"]["properties"]["count"]["maximum"],
        json!(signpost::recommend::MAX_COUNT)
    );
}

#[test]
fn the_engine_accepts_the_example_and_a_config_with_every_field() {
    let example: Value = serde_json::from_str(EXAMPLE).unwrap();
    engine_accepts(&example).unwrap();
    let every: Value = serde_json::from_str(EVERY_FIELD).unwrap();
    engine_accepts(&every).unwrap();
    // Every field of the grammar appears in it, so the schema (ajv) is tried on each.
    let mut missing = Vec::new();
    unused("", &[&every], &TOP, &mut missing);
    assert!(missing.is_empty(), "every-field.json lacks {missing:?}");
}

/// Collects the fields of `grammar` that none of `objects`, nor any object below them, sets.
fn unused<'v>(at: &str, objects: &[&'v Value], grammar: &Object, out: &mut Vec<String>) {
    for f in grammar.fields {
        let at = if at.is_empty() {
            f.name.to_string()
        } else {
            format!("{at}.{}", f.name)
        };
        let values: Vec<&'v Value> = objects.iter().filter_map(|o| o.get(f.name)).collect();
        if values.is_empty() {
            out.push(at.clone());
        }
        let items = |v: &'v Value| v.as_array().into_iter().flatten();
        let named = |v: &'v Value| v.as_object().into_iter().flat_map(|m| m.values());
        let (below, inner): (Vec<&Value>, &Object) = match &f.shape {
            Shape::Object(o) => (values, o),
            Shape::List(o, _) => (values.into_iter().flat_map(items).collect(), o),
            Shape::Names(Shape::Object(o)) => (values.into_iter().flat_map(named).collect(), o),
            _ => continue,
        };
        unused(&at, &below, inner, out);
    }
}

/// Applies a case of `broken-configs.json` to the example.
fn broken(case: &Value) -> Value {
    let mut c: Value = serde_json::from_str(EXAMPLE).unwrap();
    let set = case["set"].as_object().into_iter().flatten();
    for (pointer, value) in set {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        match c.pointer_mut(parent).unwrap() {
            Value::Array(a) => a[key.parse::<usize>().unwrap()] = value.clone(),
            other => other[key] = value.clone(),
        }
    }
    let remove = case["remove"].as_array().into_iter().flatten();
    for pointer in remove.filter_map(Value::as_str) {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        match c.pointer_mut(parent).unwrap() {
            Value::Array(a) => drop(a.remove(key.parse::<usize>().unwrap())),
            other => drop(other.as_object_mut().unwrap().remove(key)),
        }
    }
    c
}

#[test]
fn the_engine_rejects_every_broken_config() {
    let cases: Value = serde_json::from_str(BROKEN).unwrap();
    for case in cases["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let c = broken(case);
        assert_ne!(
            c,
            serde_json::from_str::<Value>(EXAMPLE).unwrap(),
            "{name} changes nothing"
        );
        assert!(engine_accepts(&c).is_err(), "the engine accepts {name}");
    }
}
