//! Measurement end to end through the core: 10,000 synthetic visitors with known conversion
//! rates per variant go through the engine (page requests, reloads, goal events, retried
//! batches); the counting code the Worker uses adds them up; the report must recover each
//! variant's rate within its 95% interval, count each visitor once however often they
//! reload or retry, and flag a deliberately skewed split as a sample-ratio mismatch.
//!
//! The visitors come from a fixed PRNG seed (`SIGNPOST_SEED` replays another): a 95% interval
//! misses its true rate one time in twenty by design, so a random seed would make this test
//! fail now and then for no fault of the code.

use signpost::measure::{aggregate, converted, served, Count, Row};
use signpost::report::{build, Report};
use signpost::testutil::Rng;
use signpost::{Engine, Event, Profile, RequestInfo, Signals};
use std::collections::BTreeMap;

const CONFIG: &str = r#"{
  "version": 1,
  "offers": [
    {"id": "hero-test", "slot": "hero", "experiment": "hero-2026", "goal": "purchase",
     "variants": [
       {"id": "control", "weight": 1, "control": true},
       {"id": "photo", "weight": 1, "content": "<h1>Gear for every trail</h1>"},
       {"id": "price", "weight": 2, "content": "<h1>Free shipping over $50</h1>"}
     ]},
    {"id": "newsletter", "slot": "banner", "goal": "signup", "content": "Join our list"}
  ],
  "experiments": {"hero-2026": {"goal": "purchase", "salt": "hero-2026"}},
  "holdout": {"percent": 10, "salt": "holdout-sim", "goal": "purchase"}
}"#;

/// True conversion rates of the simulation, per arm.
fn true_rate(variant: &str) -> f64 {
    match variant {
        "control" => 0.10,
        "photo" => 0.12,
        "price" => 0.15,
        "holdout" => 0.08,
        other => panic!("no rate for {other}"),
    }
}

/// `true` with probability `p`.
fn chance(rng: &mut Rng, p: f64) -> bool {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
}

fn seed() -> u64 {
    let seed = std::env::var("SIGNPOST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_124);
    eprintln!("measurement simulation seed {seed} (SIGNPOST_SEED={seed} replays it)");
    seed
}

/// What the simulation itself knows: distinct visitors and converters per arm.
#[derive(Default)]
struct Truth {
    visitors: BTreeMap<String, u64>,
    converters: BTreeMap<String, u64>,
}

/// The measurement store in memory: one row per count, counted as the SQL reports count
/// them (`signpost::measure::aggregate`).
#[derive(Default)]
struct Tally {
    rows: Vec<Row>,
}

impl Tally {
    fn add(&mut self, visitor: &str, counts: &[Count]) {
        self.rows.extend(counts.iter().map(|c| Row {
            visitor: visitor.into(),
            kind: "count".into(),
            counter: Some(c.key.clone()),
            once: u8::from(c.once),
            ..Row::default()
        }));
    }

    fn counts(&self) -> BTreeMap<String, u64> {
        aggregate(&self.rows).0
    }

    fn get(&self, key: &str) -> u64 {
        self.counts().get(key).copied().unwrap_or(0)
    }
}

/// Runs `n` visitors; `lose` drops a visitor's counts before they reach the tally (a broken
/// redirect, say) when it returns true for their variant.
fn simulate(n: usize, lose: impl Fn(&str, &mut Rng) -> bool) -> (Report, Tally, Truth) {
    let engine = Engine::new(CONFIG, None).expect("the simulation config is valid");
    let mut rng = Rng(seed());
    let mut tally = Tally::default();
    let mut truth = Truth::default();
    let t0: i64 = 1_795_000_000_000;
    for i in 0..n {
        let visitor = format!("sim-{i:05}");
        let mut profile = Profile::new(&visitor);
        let mut now = t0 + i as i64 * 1000;
        // One to three page loads (reloads and a second tab count once).
        let mut arm = String::new();
        let mut counts: Vec<Count> = Vec::new();
        for _ in 0..=(rng.below(3)) {
            let d = engine.on_request(&mut profile, &RequestInfo::new("/"), &Signals::new(), now);
            arm = match (d.holdout, d.exposures.first()) {
                (true, _) => "holdout".into(),
                (false, Some(e)) => e.variant.clone(),
                (false, None) => panic!("{visitor}: personalized but not exposed"),
            };
            counts.extend(served(engine.config(), &d));
            now += 30_000;
        }
        let dropped = lose(&arm, &mut rng);
        if !dropped {
            *truth.visitors.entry(arm.clone()).or_default() += 1;
            tally.add(&visitor, &counts);
        }
        if chance(&mut rng, true_rate(&arm)) {
            let purchase = Event::new("purchase").with("order_id", format!("o-{i}"));
            engine.record_event(&mut profile, &purchase, now);
            let counts = converted(engine.config(), &profile, &purchase, now);
            if !dropped {
                *truth.converters.entry(arm.clone()).or_default() += 1;
                // The SDK's batch retried after a lost answer: the same counts again.
                tally.add(&visitor, &counts);
                tally.add(&visitor, &counts);
            }
        }
    }
    (build(engine.config(), &tally.counts()), tally, truth)
}

#[test]
fn the_report_recovers_each_rate_and_counts_each_visitor_once() {
    let (report, tally, truth) = simulate(10_000, |_, _| false);
    let x = &report.experiments[0];
    assert_eq!(x.experiment, "hero-2026");
    for v in &x.variants {
        let arm = &v.arm;
        assert_eq!(
            arm.visitors, truth.visitors[&v.variant],
            "{}: visitors",
            v.variant
        );
        assert_eq!(
            arm.conversions, truth.converters[&v.variant],
            "{}: conversions",
            v.variant
        );
        let interval = arm.interval.unwrap();
        assert!(
            interval.contains(true_rate(&v.variant)),
            "{}: true rate {} outside {interval:?}",
            v.variant,
            true_rate(&v.variant)
        );
    }
    assert!(x.variants[0].control && x.variants[0].lift.is_none());
    let price = &x.variants[2];
    assert!(
        price.prob_beats_control.unwrap() > 0.99,
        "15% vs 10% on thousands of visitors is clear: {price:?}"
    );
    let s = x.sample_ratio.unwrap();
    assert!(
        !s.mismatch && x.warning.is_none(),
        "the split is as configured: {s:?}"
    );

    let h = report.holdout.as_ref().unwrap();
    assert_eq!(h.holdout.visitors, truth.visitors["holdout"]);
    assert!(h.holdout.interval.unwrap().contains(true_rate("holdout")));
    let personalized: u64 = ["control", "photo", "price"]
        .iter()
        .map(|v| truth.visitors[*v])
        .sum();
    assert_eq!(h.personalized.visitors, personalized);
    assert!(
        h.lift.unwrap() > 0.0,
        "personalization converts better than the holdout"
    );

    // Offers: the hero's impressions count every page load, its visitors once each (a control
    // variant keeps the page's content but is still the offer's impression).
    let hero = &report.offers[0];
    assert_eq!(hero.visitors, personalized);
    assert!(hero.impressions > hero.visitors, "reloads are impressions");
    assert_eq!(
        tally.get("holdout/out/conversions") + tally.get("holdout/in/conversions"),
        truth.converters.values().sum::<u64>()
    );
    println!("{}", report.to_text());
}

#[test]
fn a_skewed_split_is_flagged_as_a_sample_ratio_mismatch() {
    // A fifth of the "price" variant's visitors never reach the counts.
    let (report, _, _) = simulate(10_000, |arm, rng| arm == "price" && chance(rng, 0.2));
    let x = &report.experiments[0];
    let s = x.sample_ratio.unwrap();
    assert!(s.mismatch, "{s:?}");
    assert!(x
        .warning
        .as_deref()
        .unwrap()
        .starts_with("sample ratio mismatch"));
    assert!(report.to_text().contains("WARNING: sample ratio mismatch"));
}

#[test]
fn conversions_outside_the_attribution_window_do_not_count() {
    let engine = Engine::new(CONFIG, None).unwrap();
    let mut profile = Profile::new("late-buyer");
    let t0: i64 = 1_795_000_000_000;
    let d = engine.on_request(&mut profile, &RequestInfo::new("/"), &Signals::new(), t0);
    assert!(!d.holdout, "this visitor is not held out");
    let day = 86_400_000;
    let purchase = Event::new("purchase");
    let late = converted(engine.config(), &profile, &purchase, t0 + 8 * day);
    assert!(
        late.iter().all(|c| !c.key.starts_with("exp/")),
        "8 days after the first exposure: {late:?}"
    );
    let in_time = converted(engine.config(), &profile, &purchase, t0 + 6 * day);
    assert!(in_time.iter().any(|c| c.key.starts_with("exp/hero-2026/")));
    // The holdout comparison counts the goal whatever the window.
    assert!(late.iter().any(|c| c.key == "holdout/out/conversions"));
}

#[test]
fn clicks_and_offer_goals_count_once_per_visitor() {
    let engine = Engine::new(CONFIG, None).unwrap();
    let mut tally = Tally::default();
    let t0: i64 = 1_795_000_000_000;
    let mut profile = Profile::new("clicker");
    let d = engine.on_request(&mut profile, &RequestInfo::new("/"), &Signals::new(), t0);
    tally.add("clicker", &served(engine.config(), &d));
    let click = Event::new("offer_click").with("offer", "newsletter");
    let signup = Event::new("signup");
    for _ in 0..3 {
        tally.add(
            "clicker",
            &converted(engine.config(), &profile, &click, t0 + 1000),
        );
        tally.add(
            "clicker",
            &converted(engine.config(), &profile, &signup, t0 + 2000),
        );
    }
    assert_eq!(tally.get("offer/newsletter/clicks"), 1);
    assert_eq!(tally.get("offer/newsletter/conversions"), 1);
    let unknown = Event::new("offer_click").with("offer", "no-such-offer");
    assert!(converted(engine.config(), &profile, &unknown, t0).is_empty());
    let r = build(engine.config(), &tally.counts());
    let newsletter = r.offers.iter().find(|o| o.offer == "newsletter").unwrap();
    assert_eq!((newsletter.visitors, newsletter.click_rate), (1, Some(1.0)));
}

#[test]
fn a_page_whose_tracked_event_is_a_goal_converts() {
    let config = r#"{
      "version": 1,
      "track": [{"path": "/thank-you", "event": "purchase"}],
      "offers": [{"id": "hero", "slot": "hero", "goal": "purchase", "content": "Hi"}]
    }"#;
    let engine = Engine::new(config, None).unwrap();
    let mut profile = Profile::new("buyer");
    let t0: i64 = 1_795_000_000_000;
    let home = RequestInfo::new("/");
    let d = engine.on_request(&mut profile, &home, &Signals::new(), t0);
    let counts = signpost::measure::for_page(&engine, &profile, &home, &d, t0);
    assert!(counts.iter().all(|c| !c.key.ends_with("/conversions")));
    let thanks = RequestInfo::new("/thank-you");
    let d = engine.on_request(&mut profile, &thanks, &Signals::new(), t0 + 60_000);
    let counts = signpost::measure::for_page(&engine, &profile, &thanks, &d, t0 + 60_000);
    assert!(
        counts.iter().any(|c| c.key == "offer/hero/conversions"),
        "{counts:?}"
    );
}
