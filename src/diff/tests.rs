//! The diff's tests: every section of the grammar, names, orders and invalid configs.

use super::*;
use serde_json::json;

fn example() -> Value {
    serde_json::from_str(include_str!("../../examples/config.json")).unwrap()
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
    offer_mut(&mut b, "spring-email-landing")["schedule"]["end"] = "2027-07-01T00:00:00Z".into();
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
    assert_eq!(
        lines(&a, &b),
        [
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
        ]
    );
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
fn every_section_of_the_grammar_is_compared() {
    let a = example();
    let mut b = a.clone();
    b["attribution"] = json!({"window": "3d"});
    b["profile"] = json!({"expire_after": "30d"});
    offer_mut(&mut b, "gold-welcome")["goal"] = "signup".into();
    offer_mut(&mut b, "gold-welcome")["colour"] = "blue".into();
    offer_mut(&mut b, "gold-welcome")["edge_only"] = true.into();
    b["intent"]["decay"] = 1.into();
    b["trusted_events"] = json!(["purchase", "refund"]);
    assert_eq!(
        lines(&a, &b),
        [
            "intent.decay added: 1",
            "offer \"gold-welcome\": goal (none) → \"signup\"",
            "offer \"gold-welcome\": edge only (none) → true",
            "offer \"gold-welcome\": colour (none) → \"blue\"",
            "profile added: {\"expire_after\":\"30d\"}",
            "attribution added: {\"window\":\"3d\"}",
            "trusted_events: [\"purchase\"] → [\"purchase\",\"refund\"]",
        ]
    );
}

#[test]
fn attribution_changes_are_reported() {
    let a = json!({"version": 1, "attribution": {"window": "7d"}});
    let b = json!({"version": 1, "attribution": {"window": "3d"}});
    assert_eq!(lines(&a, &b), ["attribution.window: 7d → 3d"]);
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

#[test]
fn funnels_are_compared_by_name_step_by_step() {
    let a = json!({"version": 1, "funnels": {"checkout": ["product_view", "purchase"]}});
    let b = json!({"version": 1, "funnels": {
        "checkout": ["product_view", "add_to_cart", "purchase"],
        "browse": ["page_view", "product_view"]}});
    assert_eq!(
        lines(&a, &b),
        [
            "funnel \"browse\" added: page_view > product_view",
            "funnel \"checkout\": steps product_view > purchase → product_view > add_to_cart > purchase",
        ]
    );
}
