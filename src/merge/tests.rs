use super::*;
use crate::Engine;
use serde_json::json;

const CONFIG: &str = include_str!("../../examples/config.json");
const CATALOG: &str = include_str!("../../examples/catalog.json");

fn base() -> Value {
    serde_json::from_str(CONFIG).unwrap()
}

fn offer<'a>(c: &'a mut Value, id: &str) -> &'a mut Value {
    let list = c["offers"].as_array_mut().unwrap();
    list.iter_mut().find(|o| o["id"] == id).unwrap()
}

fn ids(c: &Value) -> Vec<&str> {
    c["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect()
}

fn none() -> BTreeMap<String, Side> {
    BTreeMap::new()
}

fn valid(c: &Value) {
    if let Err(e) = Engine::new(&c.to_string(), Some(CATALOG)) {
        panic!("{:?}", e.issues().0);
    }
}

#[test]
fn two_people_editing_different_offers_both_keep_their_work() {
    let b = base();
    let (mut live, mut draft) = (b.clone(), b.clone());
    offer(&mut live, "cart-reminder")["priority"] = 95.into();
    offer(&mut draft, "ready-free-shipping")["content"] = "Need a hand choosing?".into();
    let r = rebase(&b, &live, &draft, &none());
    assert!(r.conflicts.is_empty() && r.resolved());
    let mut want = live.clone();
    offer(&mut want, "ready-free-shipping")["content"] = "Need a hand choosing?".into();
    assert_eq!(r.config, want);
    valid(&r.config);
}

#[test]
fn nothing_to_rebase_gives_the_obvious_result() {
    let b = base();
    let mut other = b.clone();
    other["timezone"] = "Europe/Paris".into();
    offer(&mut other, "for-you")["priority"] = 1.into();
    // An unchanged draft takes the live version as it is; on an unmoved base, the draft.
    assert_eq!(rebase(&b, &other, &b, &none()).config, other);
    assert_eq!(rebase(&b, &b, &other, &none()).config, other);
    // The same change on both sides is no conflict.
    let r = rebase(&b, &other, &other, &none());
    assert_eq!((r.config, r.conflicts.len()), (other, 0));
}

#[test]
fn the_same_item_changed_differently_is_a_conflict_to_choose() {
    let b = base();
    let (mut live, mut draft) = (b.clone(), b.clone());
    offer(&mut live, "cart-reminder")["priority"] = 95.into();
    offer(&mut draft, "cart-reminder")["priority"] = 60.into();
    offer(&mut draft, "for-you")["priority"] = 1.into();
    let r = rebase(&b, &live, &draft, &none());
    assert_eq!(r.conflicts.len(), 1);
    let c = &r.conflicts[0];
    assert_eq!(c.id, "offers[cart-reminder]");
    assert_eq!(c.item, "offer \"cart-reminder\"");
    assert_eq!(
        c.live_changes,
        ["offer \"cart-reminder\": priority 80 → 95"]
    );
    assert_eq!(
        c.draft_changes,
        ["offer \"cart-reminder\": priority 80 → 60"]
    );
    assert_eq!(c.chosen, None);
    assert!(!r.resolved());
    // Until chosen, the live version's item stands; the draft's other changes apply.
    assert_eq!(
        offer(&mut r.config.clone(), "cart-reminder")["priority"],
        95
    );
    assert_eq!(offer(&mut r.config.clone(), "for-you")["priority"], 1);

    let mut choices = none();
    choices.insert("offers[cart-reminder]".into(), Side::Draft);
    let r = rebase(&b, &live, &draft, &choices);
    assert!(r.resolved());
    assert_eq!(r.conflicts[0].chosen, Some(Side::Draft));
    assert_eq!(
        offer(&mut r.config.clone(), "cart-reminder")["priority"],
        60
    );
    choices.insert("offers[cart-reminder]".into(), Side::Live);
    let r = rebase(&b, &live, &draft, &choices);
    assert_eq!(
        offer(&mut r.config.clone(), "cart-reminder")["priority"],
        95
    );
}

#[test]
fn added_and_removed_entries() {
    let b = base();
    let (mut live, mut draft) = (b.clone(), b.clone());
    let new = |id: &str| json!({"id": id, "slot": "banner", "content": id});
    // The live version added an offer at the end and removed one; the draft added one after
    // gold-welcome and removed another.
    live["offers"].as_array_mut().unwrap().push(new("live-new"));
    live["offers"]
        .as_array_mut()
        .unwrap()
        .retain(|o| o["id"] != "pro-trial");
    draft["offers"]
        .as_array_mut()
        .unwrap()
        .insert(3, new("draft-new"));
    draft["offers"]
        .as_array_mut()
        .unwrap()
        .retain(|o| o["id"] != "retargeting-ad");
    let r = rebase(&b, &live, &draft, &none());
    assert!(r.conflicts.is_empty(), "{:?}", r.conflicts);
    let got = ids(&r.config);
    assert_eq!(
        got,
        [
            "storm-safety",
            "vip-early-access",
            "gold-welcome",
            "draft-new",
            "cart-reminder",
            "back-in-stock",
            "ready-free-shipping",
            "spring-email-landing",
            "winter-preview-expired",
            "compare-help",
            "post-purchase-complements",
            "for-you",
            "live-new",
        ]
    );
    valid(&r.config);
}

#[test]
fn a_removal_against_a_change_is_a_conflict() {
    let b = base();
    let (mut live, mut draft) = (b.clone(), b.clone());
    offer(&mut live, "pro-trial")["priority"] = 3.into();
    draft["offers"]
        .as_array_mut()
        .unwrap()
        .retain(|o| o["id"] != "pro-trial");
    let r = rebase(&b, &live, &draft, &none());
    let c = &r.conflicts[0];
    assert_eq!(c.id, "offers[pro-trial]");
    assert_eq!(c.draft, None);
    assert!(
        c.draft_changes[0].starts_with("offer \"pro-trial\" removed"),
        "{:?}",
        c
    );
    assert!(ids(&r.config).contains(&"pro-trial"));
    let choices = BTreeMap::from([("offers[pro-trial]".to_string(), Side::Draft)]);
    let r = rebase(&b, &live, &draft, &choices);
    assert!(!ids(&r.config).contains(&"pro-trial"));
}

#[test]
fn segments_settings_and_intent_merge_by_item() {
    let b = base();
    let (mut live, mut draft) = (b.clone(), b.clone());
    live["segments"]["returning"] = json!({"fact": "profile.visits", "op": "gte", "value": 3});
    live["intent"]["half_life"] = "45m".into();
    live["holdout"]["percent"] = 10.into();
    draft["segments"]["newcomer"] = json!({"fact": "profile.visits", "op": "lte", "value": 1});
    draft["intent"]["signals"][0]["score"] = 2.into();
    draft["holdout"]["salt"] = "holdout-2027".into();
    draft["timezone"] = "Europe/Berlin".into();
    let r = rebase(&b, &live, &draft, &none());
    assert!(r.conflicts.is_empty(), "{:?}", r.conflicts);
    let c = &r.config;
    assert_eq!(c["segments"]["returning"]["value"], 3);
    assert_eq!(c["segments"]["newcomer"]["op"], "lte");
    assert_eq!(c["intent"]["half_life"], "45m");
    assert_eq!(c["intent"]["signals"][0]["score"], 2);
    assert_eq!(c["holdout"], json!({"percent": 10, "salt": "holdout-2027"}));
    assert_eq!(c["timezone"], "Europe/Berlin");
    valid(c);

    // Settings and named entries conflict by name, said in the diff's words.
    draft["intent"]["half_life"] = "1h".into();
    draft["segments"]["returning"] = json!({"fact": "profile.visits", "op": "gte", "value": 5});
    let r = rebase(&b, &live, &draft, &none());
    let found: Vec<(&str, &str)> = r
        .conflicts
        .iter()
        .map(|c| (c.id.as_str(), c.item.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("intent.half_life", "intent.half_life"),
            ("segments[returning]", "segment \"returning\""),
        ]
    );
    assert_eq!(r.conflicts[0].draft_changes, ["intent.half_life: 30m → 1h"]);
    // Inside intent, a signal by its id.
    live["intent"]["signals"][0]["score"] = 4.into();
    let r = rebase(&b, &live, &draft, &none());
    assert!(
        r.conflicts
            .iter()
            .any(|c| c.id == "intent.signals[page]" && c.item == "intent signal \"page\""),
        "{:?}",
        r.conflicts
    );
}

#[test]
fn the_order_follows_the_side_that_reordered() {
    let b = base();
    let (mut live, mut draft) = (b.clone(), b.clone());
    // The draft moves for-you first; the live version adds an offer after compare-help.
    let list = draft["offers"].as_array_mut().unwrap();
    let fy = list.remove(11);
    list.insert(0, fy);
    let extra = json!({"id": "live-new", "slot": "banner", "content": "x"});
    live["offers"].as_array_mut().unwrap().insert(9, extra);
    let r = rebase(&b, &live, &draft, &none());
    assert!(r.conflicts.is_empty());
    let got = ids(&r.config);
    assert_eq!(got[0], "for-you");
    let at = |id| got.iter().position(|x| *x == id).unwrap();
    assert_eq!(at("live-new"), at("compare-help") + 1);

    // Both reorder, differently: the order is a conflict of its own.
    let list = live["offers"].as_array_mut().unwrap();
    let last = list.pop().unwrap();
    list.insert(0, last);
    let r = rebase(&b, &live, &draft, &none());
    assert_eq!(r.conflicts.len(), 1);
    assert_eq!(r.conflicts[0].id, "offers (order)");
    assert_eq!(r.conflicts[0].item, "the order of offers");
    assert_eq!(ids(&r.config)[0], "retargeting-ad");
    let choices = BTreeMap::from([("offers (order)".to_string(), Side::Draft)]);
    let r = rebase(&b, &live, &draft, &choices);
    assert_eq!(ids(&r.config)[0], "for-you");
    assert_eq!(ids(&r.config).len(), 14);
}

#[test]
fn sections_added_on_one_side_or_not_json_objects() {
    let mut b = base();
    b.as_object_mut().unwrap().remove("holdout");
    let (mut live, mut draft) = (b.clone(), b.clone());
    live["holdout"] = json!({"percent": 5, "salt": "a"});
    draft["holdout"] = json!({"percent": 7, "salt": "a"});
    let r = rebase(&b, &live, &draft, &none());
    assert_eq!(r.conflicts[0].id, "holdout.percent");
    // A draft that is not an object at all is one conflict about the whole config.
    let r = rebase(&b, &live, &json!([1]), &none());
    assert_eq!(r.conflicts[0].id, "config");
    assert_eq!(r.config, live);
}

#[test]
fn conflicts_serialize_for_the_editor() {
    let b = base();
    let (mut live, mut draft) = (b.clone(), b.clone());
    live["timezone"] = "Europe/Paris".into();
    draft["timezone"] = "Europe/Berlin".into();
    let r = rebase(&b, &live, &draft, &none());
    let v = serde_json::to_value(&r.conflicts).unwrap();
    assert_eq!(v[0]["id"], "timezone");
    assert_eq!(v[0]["live"], "Europe/Paris");
    assert_eq!(v[0]["chosen"], Value::Null);
    let side: Side = serde_json::from_value(json!("draft")).unwrap();
    assert_eq!(side, Side::Draft);
}
