//! schema/config.schema.json agrees with the engine: it accepts the example config, rejects the
//! same broken configs the engine rejects, and lists the same operators, strategies and fields.
//!
//! A small validator for the keywords the schema uses keeps this test dependency-free
//! (`pattern` and `format` are not checked here; the Node tests run the schema through ajv).

use serde_json::{json, Value};

const SCHEMA: &str = include_str!("../schema/config.schema.json");
const EXAMPLE: &str = include_str!("../examples/config.json");

struct Validator<'a> {
    root: &'a Value,
}

impl<'a> Validator<'a> {
    fn resolve(&self, s: &'a Value) -> &'a Value {
        match s.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.strip_prefix("#/$defs/").expect("local $ref");
                self.resolve(&self.root["$defs"][name])
            }
            None => s,
        }
    }

    fn valid(&self, s: &'a Value, v: &Value) -> bool {
        let s = self.resolve(s);
        let Some(obj) = s.as_object() else {
            return s.as_bool().unwrap_or(true);
        };
        for (k, want) in obj {
            let ok = match k.as_str() {
                "type" => {
                    let types: Vec<&str> = match want {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                        _ => panic!("bad type"),
                    };
                    types.iter().any(|t| match *t {
                        "object" => v.is_object(),
                        "array" => v.is_array(),
                        "string" => v.is_string(),
                        "number" => v.is_number(),
                        "integer" => v.as_f64().is_some_and(|n| n.fract() == 0.0),
                        "boolean" => v.is_boolean(),
                        "null" => v.is_null(),
                        other => panic!("type {other}"),
                    })
                }
                "const" => v == want,
                "enum" => want.as_array().unwrap().contains(v),
                "properties" => v.as_object().is_none_or(|o| {
                    want.as_object()
                        .unwrap()
                        .iter()
                        .all(|(p, ps)| o.get(p).is_none_or(|x| self.valid(ps, x)))
                }),
                "additionalProperties" => v.as_object().is_none_or(|o| {
                    let props = obj.get("properties").and_then(Value::as_object);
                    o.iter()
                        .filter(|(p, _)| props.is_none_or(|ps| !ps.contains_key(*p)))
                        .all(|(_, x)| self.valid(want, x))
                }),
                "propertyNames" => v
                    .as_object()
                    .is_none_or(|o| o.keys().all(|p| self.valid(want, &json!(p)))),
                "required" => v.as_object().is_none_or(|o| {
                    want.as_array()
                        .unwrap()
                        .iter()
                        .all(|r| o.contains_key(r.as_str().unwrap()))
                }),
                "dependentRequired" => v.as_object().is_none_or(|o| {
                    want.as_object().unwrap().iter().all(|(p, deps)| {
                        !o.contains_key(p)
                            || deps
                                .as_array()
                                .unwrap()
                                .iter()
                                .all(|d| o.contains_key(d.as_str().unwrap()))
                    })
                }),
                "items" => v
                    .as_array()
                    .is_none_or(|a| a.iter().all(|x| self.valid(want, x))),
                "minItems" => v
                    .as_array()
                    .is_none_or(|a| a.len() as u64 >= want.as_u64().unwrap()),
                "uniqueItems" => v
                    .as_array()
                    .is_none_or(|a| a.iter().enumerate().all(|(i, x)| !a[..i].contains(x))),
                "minProperties" => v
                    .as_object()
                    .is_none_or(|o| o.len() as u64 >= want.as_u64().unwrap()),
                "minLength" => v
                    .as_str()
                    .is_none_or(|s| s.chars().count() as u64 >= want.as_u64().unwrap()),
                "minimum" => v.as_f64().is_none_or(|n| n >= want.as_f64().unwrap()),
                "maximum" => v.as_f64().is_none_or(|n| n <= want.as_f64().unwrap()),
                "exclusiveMinimum" => v.as_f64().is_none_or(|n| n > want.as_f64().unwrap()),
                "anyOf" => want.as_array().unwrap().iter().any(|x| self.valid(x, v)),
                "allOf" => want.as_array().unwrap().iter().all(|x| self.valid(x, v)),
                "oneOf" => {
                    want.as_array()
                        .unwrap()
                        .iter()
                        .filter(|x| self.valid(x, v))
                        .count()
                        == 1
                }
                "not" => !self.valid(want, v),
                "if" => {
                    let branch = if self.valid(want, v) { "then" } else { "else" };
                    obj.get(branch).is_none_or(|b| self.valid(b, v))
                }
                "then" | "else" | "$ref" | "$defs" | "$schema" | "$id" | "title"
                | "description" | "pattern" => true,
                other => panic!("the test validator does not know the keyword {other}"),
            };
            if !ok {
                return false;
            }
        }
        true
    }
}

fn schema_accepts(config: &Value) -> bool {
    let root: Value = serde_json::from_str(SCHEMA).unwrap();
    Validator { root: &root }.valid(&root, config)
}

fn engine_accepts(config: &Value) -> bool {
    signpost::config::Config::parse(&config.to_string()).is_ok()
}

#[test]
fn the_example_is_valid() {
    let example: Value = serde_json::from_str(EXAMPLE).unwrap();
    assert!(schema_accepts(&example));
    assert!(engine_accepts(&example));
}

/// A change that breaks the example config.
type Patch = Box<dyn Fn(&mut Value)>;

#[test]
fn schema_and_engine_reject_the_same_broken_configs() {
    let cases: Vec<(&str, Patch)> = vec![
        (
            "unknown top-level field",
            Box::new(|c| c["surprise"] = json!(1)),
        ),
        (
            "unknown operator",
            Box::new(|c| {
                c["offers"][3]["when"] =
                    json!({"fact": "request.path", "op": "equals", "value": "/"})
            }),
        ),
        (
            "typo in an offer field",
            Box::new(|c| c["offers"][0]["prority"] = json!(3)),
        ),
        (
            "slot and selector",
            Box::new(|c| c["offers"][0]["selector"] = json!("h1")),
        ),
        (
            "no slot",
            Box::new(|c| {
                c["offers"][0].as_object_mut().unwrap().remove("slot");
            }),
        ),
        (
            "content and recommend",
            Box::new(|c| c["offers"][1]["recommend"] = json!({"strategy": "affinity"})),
        ),
        (
            "no body",
            Box::new(|c| {
                c["offers"][4].as_object_mut().unwrap().remove("content");
            }),
        ),
        (
            "control with content",
            Box::new(|c| c["offers"][8]["variants"][2]["content"] = json!("x")),
        ),
        (
            "variant without content",
            Box::new(|c| {
                c["offers"][8]["variants"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("content");
            }),
        ),
        (
            "variants without experiment",
            Box::new(|c| {
                c["offers"][8].as_object_mut().unwrap().remove("experiment");
            }),
        ),
        (
            "zero weight",
            Box::new(|c| c["offers"][8]["variants"][0]["weight"] = json!(0)),
        ),
        (
            "unknown strategy",
            Box::new(|c| c["offers"][10]["recommend"]["strategy"] = json!("bestsellers")),
        ),
        (
            "unknown exclusion",
            Box::new(|c| c["offers"][10]["recommend"]["exclude"] = json!(["cheap"])),
        ),
        (
            "count too large",
            Box::new(|c| c["offers"][10]["recommend"]["count"] = json!(500)),
        ),
        (
            "cap of zero",
            Box::new(|c| c["offers"][2]["cap"]["max"] = json!(0)),
        ),
        (
            "empty schedule",
            Box::new(|c| c["offers"][6]["schedule"] = json!({})),
        ),
        (
            "condition with two kinds",
            Box::new(|c| c["segments"]["returning"]["segment"] = json!("gold_member")),
        ),
        (
            "empty all",
            Box::new(|c| c["segments"]["cart_abandoner"] = json!({"all": []})),
        ),
        (
            "value and value_from",
            Box::new(|c| c["segments"]["waiting_for_restock"]["value"] = json!(["x"])),
        ),
        (
            "missing value",
            Box::new(|c| {
                c["segments"]["returning"]
                    .as_object_mut()
                    .unwrap()
                    .remove("value");
            }),
        ),
        (
            "negative min",
            Box::new(|c| c["segments"]["trip_planner_power_user"]["all"][0]["min"] = json!(-1)),
        ),
        (
            "holdout over 100",
            Box::new(|c| c["holdout"]["percent"] = json!(150)),
        ),
        (
            "holdout without salt",
            Box::new(|c| {
                c["holdout"].as_object_mut().unwrap().remove("salt");
            }),
        ),
        (
            "bad consent default",
            Box::new(|c| c["consent"]["default"] = json!("maybe")),
        ),
        (
            "signal without score",
            Box::new(|c| {
                c["intent"]["signals"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("score");
            }),
        ),
        (
            "unknown intent field",
            Box::new(|c| c["intent"]["halflife"] = json!("30m")),
        ),
        (
            "negative hysteresis",
            Box::new(|c| c["intent"]["hysteresis"] = json!(-1)),
        ),
        (
            "track without event",
            Box::new(|c| {
                c["track"][0].as_object_mut().unwrap().remove("event");
            }),
        ),
        ("version 2", Box::new(|c| c["version"] = json!(2))),
        (
            "profile expiry as a number",
            Box::new(|c| c["profile"] = json!({"expire_after": 90})),
        ),
        (
            "attribution window as a number",
            Box::new(|c| c["attribution"] = json!({"window": 7})),
        ),
        (
            "offer goal not a string",
            Box::new(|c| c["offers"][0]["goal"] = json!(5)),
        ),
        (
            "unknown profile field",
            Box::new(|c| c["profile"] = json!({"ttl": "90d"})),
        ),
        (
            "unknown experiment field",
            Box::new(|c| c["experiments"]["compare-hero-2026q4"]["traffic"] = json!(50)),
        ),
    ];
    let example: Value = serde_json::from_str(EXAMPLE).unwrap();
    for (name, patch) in cases {
        let mut c = example.clone();
        patch(&mut c);
        assert!(!schema_accepts(&c), "the schema accepts: {name}");
        assert!(!engine_accepts(&c), "the engine accepts: {name}");
    }
}

#[test]
fn schema_lists_match_the_engine() {
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
    // Every field the schema allows is one the engine reads: optional fields appear in a config.
    let full = json!({
        "version": 1, "site": "s", "timezone": "UTC",
        "track": [{"path": "/p/:id", "event": "product_view", "props": {"q": "query.q", "n": 1}}],
        "intent": {"half_life": "30m", "hysteresis": 0.5, "reset_on": ["purchase"],
            "signals": [{"id": "a", "event": "page_view", "where": {"fact": "event.path", "op": "exists"}, "repeat": false, "score": 1, "cap": 2}],
            "tiers": [{"name": "low", "min_score": 0}]},
        "segments": {"s": {"event": "x", "within": "1d", "min": 0, "max": 3}},
        "offers": [
            {"id": "a", "selector": "main h1", "priority": 1, "when": {"not": {"segment": "s"}},
             "schedule": {"start": "2026-01-01T00:00:00Z", "end": "2027-01-01"}, "cap": {"max": 2, "per": "session"}, "content": "x"},
            {"id": "b", "slot": "s", "experiment": "e", "variants": [{"id": "v", "weight": 1, "content": "y"}, {"id": "c", "weight": 1, "control": true}]},
            {"id": "c", "slot": "r", "goal": "add_to_cart", "recommend": {"strategy": "affinity", "count": 2, "exclude": ["viewed"]}}
        ],
        "recommendations": {"catalog": "catalog", "item_template": "{{item.name}}", "affinity_half_life": "7d"},
        "experiments": {"e": {"goal": "purchase", "salt": "e-1"}},
        "holdout": {"percent": 0.5, "salt": "h", "goal": "purchase"},
        "consent": {"cookie": "c", "default": "denied", "respect_gpc": false},
        "profile": {"expire_after": "30d"},
        "attribution": {"window": "3d"}
    });
    assert!(schema_accepts(&full));
    if let Err(e) = signpost::config::Config::parse(&full.to_string()) {
        panic!("{e}");
    }
}
