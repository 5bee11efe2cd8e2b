//! One decision with the example config and catalog, for a visitor whose profile has recorded
//! 200 events (views, carts, searches, a purchase, custom events). Budget: under 50 µs native.
//! And the whole of the core's work for a page in the Worker (`page ...`), with its parts.
//!
//! `cargo bench --bench decision` (add `-- --quick` for a fast look).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

mod common;
use common::{decision_request as request, decision_setup as setup, SECRET};
use signpost::session::SessionState;
use signpost::{Detail, Profile};

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
        b.iter(|| {
            black_box(engine.decide_with(
                black_box(&profile),
                black_box(&req),
                &signals,
                now,
                Detail::Full,
            ))
        })
    });
    c.bench_function("on_request (record + decide + count)", |b| {
        b.iter_batched_ref(
            || profile.clone(),
            |p| black_box(engine.on_request(p, black_box(&req), &signals, now)),
            BatchSize::SmallInput,
        )
    });
    // What the Worker's core does for a page (worker/src/page.rs `pageDecide`).
    let page = common::page_setup();
    c.bench_function(
        "page (profile text + cookie + decide + cookie + state)",
        |b| b.iter(|| black_box(common::page_work(black_box(&page)))),
    );
    println!(
        "page: stored profile {} bytes, session cookie {} bytes",
        page.stored.len(),
        page.cookie.len()
    );
    let cookie = page.cookie;
    let id = profile.id.clone();
    c.bench_function("page part: session cookie checked and read", |b| {
        b.iter(|| black_box(SessionState::decode(black_box(&cookie), SECRET, &id, now).unwrap()))
    });
    let session = SessionState::decode(&cookie, SECRET, &id, now).unwrap();
    c.bench_function("page part: session cookie written and signed", |b| {
        b.iter_batched_ref(
            || session.clone(),
            |s| black_box(s.encode(SECRET, now)),
            BatchSize::SmallInput,
        )
    });
    // The stored form (binary) against the JSON read and written before it.
    let bytes = profile.to_bytes();
    c.bench_function("profile from_bytes", |b| {
        b.iter(|| black_box(Profile::from_bytes(black_box(&bytes)).unwrap()))
    });
    c.bench_function("profile to_bytes", |b| {
        b.iter(|| black_box(profile.to_bytes()))
    });
    let stored = profile.to_stored();
    c.bench_function("profile from_stored", |b| {
        b.iter(|| black_box(Profile::from_stored(black_box(&stored)).unwrap()))
    });
    c.bench_function("profile to_stored", |b| {
        b.iter(|| black_box(profile.to_stored()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
