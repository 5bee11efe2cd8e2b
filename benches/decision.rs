//! One decision with the example config and catalog, for a visitor whose profile has recorded
//! 200 events (views, carts, searches, a purchase, custom events). Budget: under 50 µs native.
//! And the whole of the core's work for a page in the Worker (`page ...`), with its parts.
//!
//! `cargo bench --bench decision` (add `-- --quick` for a fast look).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

mod common;
use common::{decision_request as request, decision_setup as setup};
use signpost::session::{client_state, SessionState};
use signpost::Profile;

const SECRET: &[u8] = b"bench-secret";

fn request_at(url: &str) -> signpost::RequestInfo {
    signpost::RequestInfo {
        url: url.into(),
        ..request()
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
    // What the Worker's core does for a page (worker/src/page.rs `pageDecide`): read the stored
    // profile's text, check and replay the session cookie, decide, sign the next cookie, write
    // the page's state, count. The profile was stored 8 s ago with two pages since: no write
    // is due, the common case.
    let (stored, cookie) = {
        let mut p = profile.clone();
        let mut state = SessionState::new(&p.id, now - 8_000);
        state.mark_written(&mut p, now - 8_000);
        let stored = p.to_json();
        state.on_request(
            &engine,
            &mut p,
            &request_at("/compare"),
            &signals,
            now - 6_000,
        );
        state.on_request(
            &engine,
            &mut p,
            &request_at("/products/tent-summit-2p"),
            &signals,
            now - 3_000,
        );
        (stored, state.encode(SECRET, now - 3_000))
    };
    c.bench_function(
        "page (profile text + cookie + decide + cookie + state)",
        |b| {
            b.iter(|| {
                let mut p = Profile::from_json(black_box(&stored)).unwrap();
                let mut state =
                    SessionState::decode(black_box(&cookie), SECRET, &p.id.clone(), now).unwrap();
                state.sync(&engine, &mut p);
                let d = state.on_request(&engine, &mut p, &req, &signals, now);
                let (write, next) = state.finish(&mut p, SECRET, now);
                assert!(write.is_none());
                let page = client_state(&d, "v1").to_json();
                let counts = signpost::measure::for_page(&engine, &p, &req, &d, now);
                black_box((next, page, counts))
            })
        },
    );
    println!(
        "page: stored profile {} bytes, session cookie {} bytes",
        stored.len(),
        cookie.len()
    );
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
