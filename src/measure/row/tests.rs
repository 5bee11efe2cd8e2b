use super::*;
use crate::measure::for_page;
use crate::time::parse_timestamp;

fn engine() -> Engine {
    Engine::new(
        include_str!("../../../examples/config.json"),
        Some(include_str!("../../../examples/catalog.json")),
    )
    .unwrap()
}

fn at(s: &str) -> Millis {
    parse_timestamp(s, None).unwrap()
}

fn request(url: &str, ua: &str) -> RequestInfo {
    let mut req = RequestInfo::new(url);
    req.headers.push(("user-agent".into(), ua.into()));
    req.country = Some("US".into());
    req
}

const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148";

#[test]
fn a_page_is_a_view_and_its_counts_with_the_sites_local_day() {
    let e = engine();
    let mut p = Profile::new("v-rows");
    // 03:00 UTC is still the evening before in Denver (the config's timezone).
    let now = at("2026-11-21T03:00:00Z");
    let req = request(
        "https://shop.example/products/tent-summit-2p?utm_source=x",
        PHONE,
    );
    let d = e.on_request(&mut p, &req, &Default::default(), now);
    let counts = for_page(&e, &p, &req, &d, now);
    let rows = page_rows(&e, &p, "v-rows", &req, &d, &counts, now);
    assert_eq!(rows[0].kind, "page_view");
    assert_eq!(rows[0].day, "2026-11-20");
    assert_eq!(rows[0].page.as_deref(), Some("/products/tent-summit-2p"));
    assert_eq!(rows[0].device.as_deref(), Some("mobile"));
    assert_eq!(rows[0].visitor, visitor_token("v-rows"));
    assert_eq!(rows[0].session, 1);
    assert_eq!(rows[1].kind, "product_view", "the track rule's event");
    assert_eq!(rows.len(), 2 + counts.len());
    for (row, c) in rows[2..].iter().zip(&counts) {
        assert_eq!(row.kind, "count");
        assert_eq!(row.counter.as_deref(), Some(c.key.as_str()));
        assert_eq!(row.once, u8::from(c.once));
        if let Some(offer) = c.key.strip_prefix("offer/") {
            assert!(offer.starts_with(row.offer.as_deref().unwrap()));
        }
    }
    let json = serde_json::to_value(&rows[0]).unwrap();
    for key in json.as_object().unwrap().keys() {
        assert!(COLUMNS.contains(&key.as_str()), "{key} is a column");
    }
}

#[test]
fn a_purchase_row_carries_its_revenue_from_the_items() {
    let e = engine();
    let p = Profile::new("v-buy");
    let mut order = Event::new("purchase").with("currency", "USD");
    order.props.insert(
        "items".into(),
        serde_json::json!([{"product_id": "tent-summit-2p", "quantity": 2, "price": 100}]),
    );
    let rows = server_rows(&e, &p, &[order], at("2026-11-20T12:00:00Z"));
    assert_eq!(rows[0].kind, "purchase");
    assert_eq!(rows[0].revenue, Some(200.0));
    assert_eq!(rows[0].currency.as_deref(), Some("USD"));
    assert_eq!(rows[0].page, None);
}

#[test]
fn once_counts_are_distinct_visitors_and_bots_count_nowhere() {
    let row = |visitor: &str, counter: &str, once: u8, bot: u8| Row {
        visitor: visitor.into(),
        kind: "count".into(),
        counter: Some(counter.into()),
        once,
        bot,
        ..Row::default()
    };
    let rows = [
        row("a", "offer/x/visitors", 1, 0),
        row("a", "offer/x/visitors", 1, 0),
        row("b", "offer/x/visitors", 1, 0),
        row("a", "offer/x/impressions", 0, 0),
        row("a", "offer/x/impressions", 0, 0),
        row("z", "offer/x/visitors", 1, 1),
        row("z", "offer/x/impressions", 0, 1),
    ];
    let (counts, bots) = aggregate(&rows);
    assert_eq!(counts["offer/x/visitors"], 2);
    assert_eq!(counts["offer/x/impressions"], 2);
    assert_eq!(bots, 1);
}

#[test]
fn crawlers_are_bots_and_browsers_are_not() {
    let agents: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/user-agents.json")).unwrap();
    let list = |k: &str| -> Vec<String> { serde_json::from_value(agents[k].clone()).unwrap() };
    let is = |ua: &str| is_bot(&request("/", ua));
    for ua in list("bots") {
        assert!(is(&ua), "a bot: {ua}");
    }
    for ua in list("browsers") {
        assert!(!is(&ua), "a browser: {ua}");
    }
    let mut flagged = request("/", PHONE);
    flagged.headers.push(("x-signpost-bot".into(), "1".into()));
    assert!(is_bot(&flagged), "the runtime's verdict counts");
}
