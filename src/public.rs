//! What the page may read: the config as `GET /__signpost/config` serves it to the browser.
//!
//! Everything in that answer is public (any visitor can open it), so it holds only what the
//! browser decides with: no offer marked `edge_only` (a private code stays at the edge) and no
//! offer outside its schedule at the request's time (a campaign nobody should see yet). The
//! rest is kept as written, segments and experiments included, so the browser's engine
//! compiles the answer like any config; an offer left out simply never shows in the page,
//! where the next offer of its slot (or the edge's decision) takes its place.

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const EXAMPLE: &str = include_str!("../examples/config.json");

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
}
