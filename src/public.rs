//! What the page may read: the config as `GET /__signpost/config` serves it to the browser.
//!
//! Everything in that answer is public (any visitor can open it), so it holds only what the
//! browser decides with: no offer marked `edge_only` (a private code stays at the edge) and no
//! offer outside its schedule at the request's time (a campaign nobody should see yet), and no
//! `destinations` or `actions` (where the site sends its customers' journeys is its own
//! business, and the page never sends). The rest is kept as written, segments and experiments included, so the browser's engine
//! compiles the answer like any config; an offer left out simply never shows in the page,
//! where the next offer of its slot (or the edge's decision) takes its place.
//!
//! The catalog goes with it, cut to what the browser's decisions read ([`public_catalog`]):
//! each product's id, category, price, stock, popularity and complements, and the fields the
//! public offers' templates name (`{{item.name}}`); a cost, a margin or a supplier stays out.

use crate::config::check::Issues;
use crate::config::Config;
use crate::time::Millis;
use serde_json::Value;

/// The public config for `now`, from the stored config JSON; compiles it first.
pub fn public_config_json(config_json: &str, now: Millis) -> Result<String, Issues> {
    let config = Config::parse(config_json)?;
    let value: Value = serde_json::from_str(config_json).expect("a config that compiled is JSON");
    Ok(public_config(&config, value, now).to_string())
}

/// The public config for `now`: `config_json` (the JSON `config` was compiled from) without
/// the offers the browser must not see.
pub fn public_config(config: &Config, mut config_json: Value, now: Millis) -> Value {
    if let Value::Object(m) = &mut config_json {
        m.remove("destinations");
        m.remove("actions");
    }
    if let Some(Value::Array(offers)) = config_json.get_mut("offers") {
        let mut i = 0;
        offers.retain(|_| {
            let keep = config
                .offers
                .iter()
                .find(|o| o.index == i)
                .is_some_and(|o| !o.edge_only && o.schedule.check(now).is_none());
            i += 1;
            keep
        });
    }
    config_json
}

/// Product fields the core reads for recommendations and filters.
const TYPED_FIELDS: &[&str] = &[
    "id",
    "category",
    "price",
    "in_stock",
    "popularity",
    "complements",
];

/// The catalog for the browser, next to `public` (the public config): each product with only
/// the fields the core reads and those the public config's templates name as `item.<field>`.
/// A catalog that is not an object with a `products` list is passed as it is (the browser's
/// engine then reports it, as the edge's did).
pub fn public_catalog(public: &Value, catalog_json: &str) -> String {
    let Ok(mut catalog) = serde_json::from_str::<Value>(catalog_json) else {
        return catalog_json.to_string();
    };
    let text = public.to_string();
    let named: Vec<&str> = text
        .split("item.")
        .skip(1)
        .map(|rest| {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect();
    if let Some(Value::Array(products)) = catalog.get_mut("products") {
        for p in products.iter_mut().filter_map(Value::as_object_mut) {
            p.retain(|k, _| TYPED_FIELDS.contains(&k.as_str()) || named.contains(&k.as_str()));
        }
    }
    catalog.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The reference config: no offer is edge-only there yet.
    const EXAMPLE: &str = include_str!("../tests/fixtures/reference/config.json");

    fn ids(v: &Value) -> Vec<String> {
        v["offers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect()
    }

    fn example_with(patch: impl FnOnce(&mut Value)) -> String {
        let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
        patch(&mut v);
        v.to_string()
    }

    #[test]
    fn edge_only_and_unscheduled_offers_are_left_out() {
        let json = example_with(|v| {
            v["offers"][2]["edge_only"] = true.into();
            v["offers"][3]["schedule"] = json!({"start": "2026-07-01T00:00:00Z"});
            v["offers"][4]["schedule"] =
                json!({"start": "2026-01-01T00:00:00Z", "end": "2026-06-01T00:00:00Z"});
        });
        let all: Value = serde_json::from_str(&json).unwrap();
        let june = crate::time::parse_timestamp("2026-06-15T00:00:00Z", None).unwrap();
        let public: Value =
            serde_json::from_str(&public_config_json(&json, june).unwrap()).unwrap();
        let kept = ids(&public);
        for gone in [2, 3, 4] {
            let id = all["offers"][gone]["id"].as_str().unwrap();
            assert!(!kept.iter().any(|k| k == id), "{id} served in {kept:?}");
        }
        assert_eq!(kept.len() + 3 + expired_in(&all, june), ids(&all).len());
        // The browser's engine compiles what it is served.
        Config::parse(&public.to_string()).unwrap();
        // Once started, the July offer is served; the edge-only one never is.
        let july = crate::time::parse_timestamp("2026-07-02T00:00:00Z", None).unwrap();
        let public: Value =
            serde_json::from_str(&public_config_json(&json, july).unwrap()).unwrap();
        let kept = ids(&public);
        assert!(kept
            .iter()
            .any(|k| k == all["offers"][3]["id"].as_str().unwrap()));
        assert!(!kept
            .iter()
            .any(|k| k == all["offers"][2]["id"].as_str().unwrap()));
    }

    /// Offers of the example itself (other than the three patched) outside their schedule.
    fn expired_in(all: &Value, now: Millis) -> usize {
        let c = Config::parse(&all.to_string()).unwrap();
        c.offers
            .iter()
            .filter(|o| ![2, 3, 4].contains(&o.index) && o.schedule.check(now).is_some())
            .count()
    }

    #[test]
    fn without_private_offers_the_config_is_served_whole() {
        let json = r#"{"version": 1, "offers": [
            {"id": "a", "slot": "s", "content": "A"},
            {"id": "b", "slot": "s", "content": "B", "edge_only": false}
        ]}"#;
        let public = public_config_json(json, 0).unwrap();
        let v: Value = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&public).unwrap(), v);
    }

    #[test]
    fn destinations_and_actions_stay_at_the_edge() {
        let example = include_str!("../examples/config.json");
        let public = public_config_json(example, 0).unwrap();
        assert!(!public.contains("destinations") && !public.contains("SIGNPOST_DEST"));
        assert!(!public.contains("cart-email"), "{public}");
        Config::parse(&public).unwrap();
    }

    #[test]
    fn an_experiment_whose_offers_are_private_still_compiles() {
        let json = r#"{"version": 1,
            "experiments": {"x": {"goal": "signup"}},
            "segments": {"vip": {"fact": "profile.orders", "op": "gt", "value": 3}},
            "offers": [
                {"id": "a", "slot": "s", "edge_only": true, "when": {"segment": "vip"},
                 "experiment": "x", "variants": [
                    {"id": "on", "weight": 1, "content": "SECRET10"},
                    {"id": "off", "weight": 1, "control": true}]},
                {"id": "b", "slot": "s", "content": "B"}
        ]}"#;
        let public = public_config_json(json, 0).unwrap();
        assert!(!public.contains("SECRET10"), "{public}");
        let c = Config::parse(&public).unwrap();
        assert_eq!(c.offers.len(), 1);
        assert_eq!(c.offers[0].id, "b");
    }

    #[test]
    fn the_catalog_keeps_what_decisions_and_public_templates_read() {
        let catalog = r#"{"currency": "USD", "products": [
            {"id": "t", "name": "Tent", "category": "tents", "price": 10, "url": "/t",
             "image": "/t.svg", "in_stock": true, "popularity": 3, "complements": [],
             "cost": 4, "supplier": "ACME"}]}"#;
        let public = public_config(
            &Config::parse(EXAMPLE).unwrap(),
            serde_json::from_str(EXAMPLE).unwrap(),
            1_795_000_000_000,
        );
        let out: Value = serde_json::from_str(&public_catalog(&public, catalog)).unwrap();
        let product = out["products"][0].as_object().unwrap();
        let mut keys: Vec<&str> = product.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "category",
                "complements",
                "id",
                "image",
                "in_stock",
                "name",
                "popularity",
                "price",
                "url"
            ]
        );
        assert_eq!(out["currency"], "USD");
        assert_eq!(public_catalog(&public, "not json"), "not json");
    }
}
