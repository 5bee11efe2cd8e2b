//! docs/marketers.md cannot rot: every JSON block in it is checked by the engine.
//!
//! A block's info string says what it is: `json config` (a whole config), `json patch` (top-level
//! fields spliced into examples/config.json: `segments`, `experiments` and `destinations`
//! merged by name, `offers` and `actions` by id, the rest replaced), `json offer` (one offer), `json segments`, `json when` (a
//! condition, tried as an offer's `when`) and `json signal` (a business signal). The recipes must
//! say what the reference config says, and the journeys they name must exist.

use serde_json::{json, Map, Value};

const DOC: &str = include_str!("../docs/marketers.md");
const CONFIG: &str = include_str!("../examples/config.json");
const CATALOG: &str = include_str!("../examples/catalog.json");
const JOURNEYS: &str = include_str!("../examples/journeys.json");

struct Block {
    kind: String,
    body: String,
    line: usize,
    section: String,
}

fn blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut open: Option<Block> = None;
    for (i, line) in doc.lines().enumerate() {
        if let Some(b) = open.as_mut() {
            if line.trim_end() == "```" {
                out.push(open.take().unwrap());
            } else {
                b.body.push_str(line);
                b.body.push('\n');
            }
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            section = h.to_string();
        }
        if let Some(info) = line.strip_prefix("```") {
            let mut words = info.split_whitespace();
            if words.next() == Some("json") {
                open = Some(Block {
                    kind: words.next().unwrap_or("").to_string(),
                    body: String::new(),
                    line: i + 1,
                    section: section.clone(),
                });
            } else {
                // Another language: skip to its end.
                open = Some(Block {
                    kind: "-".into(),
                    body: String::new(),
                    line: i + 1,
                    section: section.clone(),
                });
            }
        }
    }
    assert!(open.is_none(), "unclosed code block");
    out.retain(|b| b.kind != "-");
    out
}

fn example() -> Value {
    serde_json::from_str(CONFIG).unwrap()
}

fn splice(base: &mut Value, patch: &Map<String, Value>) {
    for (k, v) in patch {
        match k.as_str() {
            "segments" | "experiments" | "destinations" => {
                let target = base[k.as_str()]
                    .as_object_mut()
                    .expect("the example has this map");
                for (name, x) in v.as_object().expect("a map of names") {
                    target.insert(name.clone(), x.clone());
                }
            }
            "offers" | "actions" => {
                let offers = base[k.as_str()].as_array_mut().unwrap();
                for o in v.as_array().expect("a list of offers or actions") {
                    match offers.iter_mut().find(|x| x["id"] == o["id"]) {
                        Some(x) => *x = o.clone(),
                        None => offers.push(o.clone()),
                    }
                }
            }
            _ => {
                base[k.as_str()] = v.clone();
            }
        }
    }
}

fn check(config: &Value, where_: &str) {
    if let Err(e) = signpost::Engine::new(&config.to_string(), Some(CATALOG)) {
        panic!("{where_}: the engine rejects it:\n{e}");
    }
}

#[test]
fn every_json_block_is_valid() {
    let blocks = blocks(DOC);
    let mut counts = std::collections::BTreeMap::new();
    for b in &blocks {
        let at = format!("docs/marketers.md:{} (json {})", b.line, b.kind);
        let v: Value =
            serde_json::from_str(&b.body).unwrap_or_else(|e| panic!("{at}: not valid JSON: {e}"));
        let mut config = example();
        match b.kind.as_str() {
            "config" => config = v.clone(),
            "patch" => splice(&mut config, v.as_object().expect("a patch is an object")),
            "offer" => splice(&mut config, json!({"offers": [v]}).as_object().unwrap()),
            "segments" => splice(&mut config, json!({"segments": v}).as_object().unwrap()),
            "when" => splice(
                &mut config,
                json!({"offers": [{"id": "doc-condition", "slot": "doc", "content": "x", "when": v}]})
                    .as_object()
                    .unwrap(),
            ),
            "signal" => {
                assert!(v["name"].as_str().is_some_and(|n| !n.is_empty()), "{at}");
                assert!(v.get("data").is_some(), "{at}: a signal has data");
                *counts.entry(b.kind.clone()).or_insert(0) += 1;
                continue;
            }
            other => panic!(
                "{at}: unknown block kind {other:?}; mark JSON blocks config, patch, offer, segments, when or signal"
            ),
        }
        check(&config, &at);
        *counts.entry(b.kind.clone()).or_insert(0) += 1;
    }
    // Every kind is exercised, so a broken extractor cannot pass silently.
    for kind in ["config", "patch", "offer", "segments", "when", "signal"] {
        assert!(
            counts.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} block: {counts:?}"
        );
    }
    assert!(blocks.len() >= 25, "only {} blocks found", blocks.len());
}

#[test]
fn a_broken_snippet_would_be_caught() {
    // The same check rejects a misspelt operator in a spliced condition.
    let mut config = example();
    splice(
        &mut config,
        json!({"offers": [{"id": "doc-condition", "slot": "doc", "content": "x",
            "when": {"fact": "request.path", "op": "equals", "value": "/"}}]})
        .as_object()
        .unwrap(),
    );
    assert!(signpost::Engine::new(&config.to_string(), Some(CATALOG)).is_err());
}

#[test]
fn recipes_say_what_the_reference_config_says() {
    let reference = example();
    let mut compared = 0;
    for b in blocks(DOC)
        .iter()
        .filter(|b| b.section.starts_with("Recipes"))
    {
        let v: Value = serde_json::from_str(&b.body).unwrap();
        let (segments, offers) = match b.kind.as_str() {
            "patch" => (v.get("segments").cloned(), v.get("offers").cloned()),
            "offer" => (None, Some(json!([v]))),
            _ => continue,
        };
        for (name, d) in v
            .get("destinations")
            .iter()
            .flat_map(|d| d.as_object().unwrap())
        {
            let r = reference["destinations"].get(name);
            assert_eq!(
                Some(d),
                r,
                "docs/marketers.md:{}: destination {name} differs",
                b.line
            );
            compared += 1;
        }
        for a in v.get("actions").iter().flat_map(|a| a.as_array().unwrap()) {
            let r = reference["actions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["id"] == a["id"]);
            assert_eq!(
                Some(a),
                r,
                "docs/marketers.md:{}: action {} differs",
                b.line,
                a["id"]
            );
            compared += 1;
        }
        for (name, cond) in segments.iter().flat_map(|s| s.as_object().unwrap()) {
            assert_eq!(
                Some(cond),
                reference["segments"].get(name),
                "docs/marketers.md:{}: segment {name} differs from examples/config.json",
                b.line
            );
            compared += 1;
        }
        for o in offers.iter().flat_map(|o| o.as_array().unwrap()) {
            let r = reference["offers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["id"] == o["id"]);
            assert_eq!(
                Some(o),
                r,
                "docs/marketers.md:{}: offer {} differs from examples/config.json",
                b.line,
                o["id"]
            );
            compared += 1;
        }
    }
    assert!(compared >= 20, "compared only {compared} recipe parts");
}

#[test]
fn recipes_name_existing_journeys() {
    let journeys: Value = serde_json::from_str(JOURNEYS).unwrap();
    let names: Vec<&str> = journeys["journeys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|j| j["name"].as_str())
        .collect();
    let mut seen = 0;
    for line in DOC.lines().filter(|l| l.starts_with("Journey: ")) {
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 1 {
                assert!(names.contains(&part), "unknown journey {part:?} in: {line}");
                seen += 1;
            }
        }
    }
    for recipe in [
        "### Cart abandonment",
        "### High-value, infrequent buyers",
        "### Email campaign landing",
        "### Loyalty threshold",
        "### Back in stock",
        "### Post-purchase cross-sell",
        "### Product-qualified users",
        "### Cart abandonment email",
        "### Product-qualified leads to the CRM",
        "### Ads audience exit on purchase",
        "### Gold tier reached",
    ] {
        let start = DOC
            .find(recipe)
            .unwrap_or_else(|| panic!("no recipe {recipe}"));
        let rest = &DOC[start + recipe.len()..];
        let section = &rest[..rest.find("\n### ").unwrap_or(rest.len())];
        assert!(
            section.contains("\nJourney: `"),
            "{recipe} names no journey"
        );
    }
    assert!(seen >= 11, "{seen}");
}
