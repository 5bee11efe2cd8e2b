//! One decision with the example config and catalog, for a visitor whose profile has recorded
//! 200 events (views, carts, searches, a purchase, custom events). Budget: under 50 µs native.
//!
//! `cargo bench --bench decision` (add `-- --quick` for a fast look).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use signpost::testutil::Rng;
use signpost::{Engine, Event, Profile, RequestInfo, Signals};

const T0: i64 = 1_795_194_000_000; // 2026-11-20T17:00:00Z

fn setup() -> (Engine, Profile, Signals, i64) {
    let engine = Engine::new(
        include_str!("../examples/config.json"),
        Some(include_str!("../examples/catalog.json")),
    )
    .unwrap();
    let products: Vec<String> = engine
        .catalog()
        .products
        .iter()
        .map(|p| p.id.clone())
        .collect();
    let mut rng = Rng(2026);
    let mut profile = Profile::new("bench-visitor");
    let mut t = T0 - 30 * 24 * 3_600_000;
    for i in 0..200 {
        t += (1 + rng.below(4 * 3600)) as i64 * 1000;
        let p = rng.pick(&products).clone();
        let e = match i % 10 {
            0..=3 => Event::new("product_view").with("product_id", p),
            4 => Event::new("add_to_cart")
                .with("product_id", p)
                .with("quantity", 1),
            5 => Event::new("search").with("query", "tent"),
            6 => Event::new("page_view").with("url", "/?utm_source=email"),
            7 => Event::new("trip_planned"),
            8 => Event::new("compare_view"),
            _ if i == 199 => Event::new("purchase")
                .with("items", vec![p])
                .with("total", 349),
            _ => Event::new("list_shared"),
        };
        engine.record_event(&mut profile, &e, t);
    }
    let mut signals = Signals::new();
    signals.insert(
        "restock".into(),
        serde_json::json!({"product_ids": ["tent-ultralight-1p"]}),
    );
    signals.insert(
        "weather_advisory".into(),
        serde_json::json!({"active": true, "regions": ["WY"]}),
    );
    (engine, profile, signals, t + 60_000)
}

fn request() -> RequestInfo {
    RequestInfo {
        url: "/products/tent-summit-2p?utm_source=email&utm_campaign=spring-sale".into(),
        headers: vec![
            (
                "user-agent".into(),
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148".into(),
            ),
            ("referer".into(), "https://mail.example/".into()),
        ],
        country: Some("US".into()),
        region: Some("CO".into()),
    }
}

fn bench(c: &mut Criterion) {
    let (engine, profile, signals, now) = setup();
    let req = request();
    let d = engine.decide(&profile, &req, &signals, now);
    assert!(
        !d.plan.is_empty(),
        "the benchmark visitor should see offers"
    );
    c.bench_function("decide (200-event profile)", |b| {
        b.iter(|| black_box(engine.decide(black_box(&profile), black_box(&req), &signals, now)))
    });
    c.bench_function("explain (decide with full explanation)", |b| {
        b.iter(|| black_box(engine.explain(black_box(&profile), black_box(&req), &signals, now)))
    });
    c.bench_function("on_request (record + decide + count)", |b| {
        b.iter_batched_ref(
            || profile.clone(),
            |p| black_box(engine.on_request(p, black_box(&req), &signals, now)),
            BatchSize::SmallInput,
        )
    });
    let bytes = profile.to_bytes();
    c.bench_function("profile from_bytes", |b| {
        b.iter(|| black_box(Profile::from_bytes(black_box(&bytes)).unwrap()))
    });
    c.bench_function("profile to_bytes", |b| {
        b.iter(|| black_box(profile.to_bytes()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
