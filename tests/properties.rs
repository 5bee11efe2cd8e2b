//! Property tests: invariants checked over many generated cases, with a seeded PRNG so any
//! failure is reproducible (the seed is in the assertion message).

use signpost::events::STANDARD_EVENTS;
use signpost::profile::{self, Profile, MAX_PROFILE_BYTES};
use signpost::testutil::{example_engine, Rng};
use signpost::time::{MINUTE, SECOND};
use signpost::{Event, RequestInfo, Signals};

const T0: i64 = 1_795_194_000_000; // 2026-11-20T17:00:00Z

fn random_string(rng: &mut Rng, max: u64) -> String {
    let len = 1 + rng.below(max);
    (0..len)
        .map(|_| (b'a' + rng.below(26) as u8) as char)
        .collect()
}

const PRODUCTS: &[&str] = &[
    "tent-summit-2p",
    "tent-basecamp-4p",
    "boot-granite-mid",
    "acc-headlamp",
    "jacket-fleece",
    "not-in-catalog",
];
/// A standard event's name or, one time in ten, a custom one.
fn random_kind(rng: &mut Rng) -> &'static str {
    let i = rng.below(STANDARD_EVENTS.len() as u64 + 1) as usize;
    STANDARD_EVENTS.get(i).copied().unwrap_or("trip_planned")
}

fn random_event(rng: &mut Rng) -> Event {
    let kind = random_kind(rng);
    let product = rng.pick(PRODUCTS).to_string();
    match kind {
        "add_to_cart" | "remove_from_cart" | "product_view" => Event::new(kind)
            .with("product_id", product)
            .with("quantity", 1 + rng.below(3)),
        "purchase" => Event::new(kind)
            .with("items", vec![product])
            .with("total", rng.below(900) as f64),
        "identify" => Event::new(kind).with(
            "traits",
            serde_json::json!({ "first_name": random_string(rng, 20) }),
        ),
        _ => Event::new(kind),
    }
}

/// Equal JSON, numbers within a relative 1e-12 (the JSON parser may differ in the last bit).
fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value::*;
    match (a, b) {
        (Number(x), Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            (x - y).abs() <= 1e-12 * x.abs().max(y.abs()).max(1.0)
        }
        (Array(x), Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y)),
        (Object(x), Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// With no new events, the intent score never rises and the tier never climbs.
#[test]
fn intent_decay_is_monotone() {
    let e = example_engine();
    let tiers: Vec<String> = e
        .config()
        .intent
        .tiers
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let rank = |t: &str| tiers.iter().position(|x| x == t);
    for seed in 1..=200u64 {
        let mut rng = Rng(seed);
        let mut p = Profile::new(format!("decay-{seed}"));
        let mut t = T0;
        for _ in 0..rng.below(40) {
            t += (rng.below(10 * 60) as i64) * SECOND;
            e.record_event(&mut p, &random_event(&mut rng), t);
        }
        let model = &e.config().intent;
        let mut last_score = f64::INFINITY;
        let mut last_rank = usize::MAX;
        let mut state = p.intent.clone();
        for step in 0..50 {
            let now = t + step * 3 * MINUTE;
            let s = model.score(&state, now);
            assert!(
                s <= last_score + 1e-9,
                "seed {seed}: score rose from {last_score} to {s}"
            );
            assert!(s >= 0.0, "seed {seed}: negative score");
            let (tier, _) = model.tier_for(s, state.tier.as_deref());
            let r = tier.unwrap_or(0);
            assert!(r <= last_rank, "seed {seed}: tier climbed without events");
            model.settle(&mut state, now);
            assert_eq!(state.tier.as_deref().and_then(rank), tier, "seed {seed}");
            last_score = s;
            last_rank = r;
        }
    }
}

/// However long a visitor lives, the profile stays within its documented bound.
#[test]
fn profile_size_is_bounded_through_the_engine() {
    let e = example_engine();
    for seed in 1..=20u64 {
        let mut rng = Rng(seed * 7919);
        let mut p = Profile::new(random_string(&mut rng, 300));
        let mut t = T0;
        for i in 0..3000 {
            t += (1 + rng.below(3 * 3600)) as i64 * SECOND;
            let ev = match rng.below(4) {
                // Unknown products, custom event names and traits, all long and all new.
                0 => Event::new(random_string(&mut rng, 64).as_str())
                    .with("product_id", random_string(&mut rng, 400)),
                1 => Event::new("product_view").with("product_id", random_string(&mut rng, 400)),
                2 => Event::new("identify").with(
                    "traits",
                    serde_json::json!({ random_string(&mut rng, 100): random_string(&mut rng, 1000) }),
                ),
                _ => random_event(&mut rng),
            };
            e.record_event(&mut p, &ev.with("id", format!("e{i}")), t);
            if i % 10 == 0 {
                let url = format!(
                    "/products/{}?utm_source={}",
                    random_string(&mut rng, 200),
                    random_string(&mut rng, 200)
                );
                e.on_request(&mut p, &RequestInfo::new(url), &Signals::new(), t);
            }
        }
        let size = p.to_bytes().len();
        assert!(size <= MAX_PROFILE_BYTES, "seed {seed}: {size} bytes");
        assert!(p.viewed.len() <= profile::MAX_VIEWED);
        assert!(p.events.len() <= profile::MAX_EVENT_TYPES);
        assert!(p.traits.len() <= profile::MAX_TRAITS);
        assert!(p.seen_ids.len() <= profile::MAX_SEEN_IDS);
        let back = Profile::from_bytes(&p.to_bytes()).unwrap();
        assert!(
            same_json(
                &serde_json::to_value(&back).unwrap(),
                &serde_json::to_value(&p).unwrap()
            ),
            "seed {seed}: round trip changed the profile"
        );
        // Config-referenced event types survive the flood of custom ones.
        assert!(
            p.events.iter().any(|s| s.kind == "page_view"),
            "seed {seed}"
        );
    }
}

/// The worst case: every list full, every string at its maximum length.
#[test]
fn a_full_profile_fits_the_bound() {
    let long = |c: char, n: usize| std::iter::repeat_n(c, n).collect::<String>();
    let mut p = Profile::new(long('v', 1000));
    let mut rng = Rng(42);
    let mut t = T0;
    for i in 0..500u64 {
        t += 1000;
        let id = format!("{i:04}{}", long('p', 400));
        p.touch_session(t, 30 * MINUTE);
        p.record_view(&id, t);
        p.cart_add(&id, u32::MAX, Some(1e12), t);
        p.record_purchase(std::slice::from_ref(&id), 1e12, t);
        p.cart_add(&id, u32::MAX, Some(1e12), t);
        p.add_affinity(
            &format!("{i}{}", long('c', 400)),
            1e9,
            t,
            7 * 24 * 60 * MINUTE,
        );
        p.add_session_category(&format!("{i}{}", long('s', 400)));
        p.count_event(&format!("{i}{}", long('k', 400)), t, &|_| false);
        p.record_impression(&format!("{i}{}", long('o', 400)), t);
        p.record_exposure(&format!("{i}{}", long('x', 400)), &long('w', 400), t);
        p.remember_id(&format!("{i}{}", long('i', 400)));
        let mut traits = serde_json::Map::new();
        traits.insert(format!("{i}{}", long('t', 400)), long('q', 5000).into());
        p.merge_traits(&traits);
        let utm: Vec<(String, String)> = (0..20)
            .map(|j| (format!("{j}{}", long('u', 100)), long('m', 1000)))
            .collect();
        p.set_landing(&long('/', 5000), &utm, Some(&long('r', 5000)));
        let _ = rng.next_u64();
    }
    for stat in &mut p.events {
        for _ in 0..100 {
            stat.recent.push(t);
        }
        stat.recent.truncate(profile::MAX_EVENT_TIMES);
    }
    // Journeys: memberships are the config's segment names (at most 128 characters, as many
    // as the config lets actions watch); the rest is cut and bounded by the profile itself.
    let j = &mut p.journey;
    for i in 0..profile::MAX_MEMBERSHIPS {
        let segment = format!("{i:03}{}", long('g', profile::MAX_ID_LEN - 3));
        j.members.push(profile::Membership { segment, since: t });
    }
    for i in 0..100 {
        j.add_wait(profile::Wait {
            action: format!("{i}{}", long('a', 400)),
            kind: long('k', 400),
            subject: format!("{i}{}", long('b', 400)),
            at: t,
            due: t,
        });
        for _ in 0..40 {
            j.record_sent(&format!("{i}{}", long('d', 400)), t);
        }
        j.note_event(&format!("{i}{}", long('e', 400)), t);
    }
    let size = p.to_bytes().len();
    assert!(size <= MAX_PROFILE_BYTES, "{size} bytes");
    println!("worst-case profile: {size} bytes");
}

/// The level of explanation never changes the decision itself.
#[test]
fn explanation_detail_does_not_change_the_plan() {
    let e = example_engine();
    let urls = [
        "/",
        "/compare",
        "/products/tent-summit-2p",
        "/checkout",
        "/?utm_source=email&utm_campaign=spring-sale",
    ];
    for seed in 1..=100u64 {
        let mut rng = Rng(seed * 31);
        let mut p = Profile::new(format!("detail-{seed}"));
        let mut t = T0;
        for _ in 0..rng.below(30) {
            t += (rng.below(2 * 3600) as i64) * SECOND;
            e.record_event(&mut p, &random_event(&mut rng), t);
        }
        let mut signals = Signals::new();
        if rng.below(2) == 0 {
            signals.insert(
                "restock".into(),
                serde_json::json!({"product_ids": [rng.pick(PRODUCTS)]}),
            );
        }
        let req = RequestInfo {
            region: Some("CO".into()),
            ..RequestInfo::new(*rng.pick(&urls))
        };
        let brief = e.decide(&p, &req, &signals, t);
        let full = e.decide_with(&p, &req, &signals, t, signpost::Detail::Full);
        let strip = |d: &signpost::Decision| {
            let mut plan = d.plan.clone();
            plan.slots.iter_mut().for_each(|s| s.why.clear());
            (plan, d.tier.clone(), d.segments.clone(), d.holdout)
        };
        assert_eq!(strip(&brief), strip(&full), "seed {seed}");
        let outcomes = |d: &signpost::Decision| {
            d.explanation
                .offers
                .iter()
                .map(|o| (o.id.clone(), o.outcome))
                .collect::<Vec<_>>()
        };
        assert_eq!(outcomes(&brief), outcomes(&full), "seed {seed}");
    }
}
