//! The editor's preview: a visitor described by tier and segments decides as described, and a
//! description naming what the config lacks is refused with the name.

use signpost::{Described, Engine, Profile, RequestInfo, Signals};

const CONFIG: &str = include_str!("../examples/config.json");
const CATALOG: &str = include_str!("../examples/catalog.json");
// 2026-03-10T12:00:00Z: inside every example offer's schedule.
const NOW: i64 = 1_773_144_000_000;

fn engine() -> Engine {
    Engine::new(CONFIG, Some(CATALOG)).unwrap()
}

fn offer(d: &signpost::Decision, slot: &str) -> Option<String> {
    d.plan
        .slots
        .iter()
        .find(|s| s.slot == slot)
        .map(|s| s.offer.clone())
}

#[test]
fn described_tier_and_segment_drive_the_offers() {
    let e = engine();
    let fresh = Profile::new("preview");
    let req = RequestInfo::new("/category/tents");
    let plain = e
        .preview(&fresh, &req, &Signals::new(), NOW, &Described::default())
        .unwrap();
    assert_eq!(plain.tier, "browsing");
    assert_eq!(offer(&plain, "banner"), None);

    let ready = Described {
        tier: Some("ready_to_buy".into()),
        segments: None,
    };
    let d = e
        .preview(&fresh, &req, &Signals::new(), NOW, &ready)
        .unwrap();
    assert_eq!(d.tier, "ready_to_buy");
    assert!(
        d.score >= 10.0,
        "the score reaches the described tier: {}",
        d.score
    );
    assert_eq!(offer(&d, "banner").as_deref(), Some("ready-free-shipping"));

    let abandoner = Described {
        tier: None,
        segments: Some(vec!["cart_abandoner".into()]),
    };
    let d = e
        .preview(&fresh, &req, &Signals::new(), NOW, &abandoner)
        .unwrap();
    assert_eq!(d.segments, ["cart_abandoner"]);
    assert_eq!(offer(&d, "hero").as_deref(), Some("cart-reminder"));
    let why = &d
        .explanation
        .segments
        .iter()
        .find(|s| s.name == "cart_abandoner")
        .unwrap()
        .why;
    assert!(why.contains("described"), "{why}");
}

#[test]
fn unknown_names_are_refused() {
    let e = engine();
    let p = Profile::new("preview");
    let req = RequestInfo::new("/");
    let bad_tier = Described {
        tier: Some("buying".into()),
        segments: None,
    };
    let err = e
        .preview(&p, &req, &Signals::new(), NOW, &bad_tier)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"buying\"") && err.contains("ready_to_buy"),
        "{err}"
    );
    let bad_segment = Described {
        tier: None,
        segments: Some(vec!["vip".into()]),
    };
    let err = e
        .preview(&p, &req, &Signals::new(), NOW, &bad_segment)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("segments: unknown segment \"vip\""),
        "{err}"
    );
}
