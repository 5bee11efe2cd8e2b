//! `trusted_events`: a type only the site's server may send is never recorded from the page,
//! whichever page path it takes (the event batch, the in-page engine, a `track` rule).

use serde_json::{json, Value};
use signpost::batch::EventStatus;
use signpost::decision::Decision;
use signpost::events::Event;
use signpost::session::SessionState;
use signpost::{Engine, Profile, RequestInfo, Signals};

const CONFIG: &str = include_str!("../examples/config.json");
const CATALOG: &str = include_str!("../examples/catalog.json");
const T0: i64 = 1_780_000_000_000;

/// The example config (which trusts `purchase`); without `trusted`, its `trusted_events` is
/// taken out. Either way a `track`
/// rule turns the page `/order-confirmed?total=5000` into a purchase.
fn engine(trusted: bool) -> Engine {
    let mut v: Value = serde_json::from_str(CONFIG).unwrap();
    v["track"].as_array_mut().unwrap().push(json!({
        "path": "/order-confirmed", "event": "purchase", "props": {"total": "query.total"}
    }));
    if !trusted {
        v.as_object_mut().unwrap().remove("trusted_events");
    }
    Engine::new(&v.to_string(), Some(CATALOG)).unwrap()
}

fn purchase(id: &str) -> Event {
    Event::new("purchase")
        .with("id", id)
        .with("order_id", id)
        .with("total", 5000)
        .with("items", json!(["tent-summit-2p"]))
}

/// A visitor who adds a tent to the cart, then (when `buys`) fakes purchases from the page
/// through the batch and the in-page engine, then opens a page a `track` rule makes a
/// purchase of; the decision of the next page.
fn journey(engine: &Engine, buys: bool) -> (Profile, Decision) {
    let signals = Signals::new();
    let mut p = Profile::new("v1");
    engine.on_request(&mut p, &RequestInfo::new("/"), &signals, T0);
    let cart = Event::new("add_to_cart")
        .with("id", "c1")
        .with("product_id", "tent-summit-2p");
    engine.record_events(&mut p, &[cart], T0 + 1_000);
    if buys {
        // The in-page engine's path (sdk-js/wasm `record`).
        engine.record_events(&mut p, &[purchase("o1")], T0 + 2_000);
        // The edge's event post.
        let mut state = SessionState::default();
        let statuses = state.record_events(engine, &mut p, &[purchase("o2")], T0 + 3_000);
        let trusted = engine.config().events.is_trusted("purchase");
        let expect = if trusted {
            EventStatus::Rejected
        } else {
            EventStatus::Accepted
        };
        assert_eq!(statuses, [expect]);
    }
    // A track rule makes a purchase of the page's own URL (with `buys` or not).
    let thanks = RequestInfo::new("/order-confirmed?total=5000");
    engine.on_request(&mut p, &thanks, &signals, T0 + 4_000);
    let d = engine.on_request(&mut p, &RequestInfo::new("/"), &signals, T0 + 5_000);
    (p, d)
}

#[test]
fn a_page_purchase_of_a_trusted_type_changes_nothing() {
    let trusted = engine(true);
    let (base, base_d) = journey(&trusted, false);
    let (faked, faked_d) = journey(&trusted, true);
    assert_eq!(faked.orders.count, 0);
    assert_eq!(faked.orders.spend, 0.0);
    assert!(faked.purchased.is_empty());
    assert_eq!(
        faked.cart.lines.len(),
        1,
        "the purchase did not empty the cart"
    );
    assert!(!faked.events.iter().any(|e| e.kind == "purchase"));
    assert_eq!(faked_d.tier, base_d.tier);
    assert_eq!(faked_d.segments, base_d.segments);
    assert!(!faked_d.segments.iter().any(|s| s == "gold_member"));
    assert!(!faked.impressions.iter().any(|i| i.offer == "gold-welcome"));
    assert_eq!(faked_d.impressions, base_d.impressions);
    assert_eq!(faked.orders.count, base.orders.count);
}

#[test]
fn without_the_field_a_page_purchase_counts_as_today() {
    let (p, d) = journey(&engine(false), true);
    assert_eq!(p.orders.count, 3, "batch, in-page and track purchases");
    assert!(p.orders.spend >= 1000.0);
    assert!(
        d.segments.iter().any(|s| s == "gold_member"),
        "{:?}",
        d.segments
    );
    assert!(p.impressions.iter().any(|i| i.offer == "gold-welcome"));
}

#[test]
fn a_trusted_source_still_records_a_trusted_type() {
    let engine = engine(true);
    let mut p = Profile::new("v1");
    engine.record_trusted_event(&mut p, &purchase("o1"), T0);
    assert_eq!(p.orders.count, 1);
}
