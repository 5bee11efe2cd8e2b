//! The always-valid figures and CUPED against values computed independently of this code, and
//! the promise of the always-valid ones checked by simulation: peeked at daily, a fixed-horizon
//! test finds a difference that is not there far more often than 5%; the always-valid one does
//! not.
//!
//! Sources of the reference values: `tests/reference/stats_reference.py` (Python 3.11, standard
//! library only), whose output is pasted below. It does not use the closed forms of
//! `src/stats/sequential.rs`: it integrates the mixture likelihood ratio numerically over the
//! normal mixing distribution (Simpson's rule, stable to 12 digits between 20,001 and 40,001
//! points), takes the p-value as one over it at "no difference", and finds the interval's ends by
//! bisection where the ratio reaches 1/alpha, from the definitions in Johari, Koomen, Pekelis &
//! Walsh, "Always Valid Inference: Continuous Monitoring of A/B Tests", Operations Research 2022.
//! CUPED's figures come from the `statistics` module's covariance and variance, following Deng,
//! Xu, Kohavi & Walker, WSDM 2013, section 3.2.

use signpost::stats::cuped::{cuped, cuped_from_moments, Moments};
use signpost::stats::sequential::{self, normal_mixture, ALPHA, TAU_LIFT};
use signpost::stats::{self, Interval};
use signpost::testutil::{assert_close as close, Rng};

#[test]
fn normal_mixture_matches_numerical_integration() {
    // (estimate, variance, null, tau, alpha) -> low, high, p, from the script.
    for ((estimate, variance, null, tau, alpha), (low, high, p)) in [
        (
            (0.5, 0.04, 0.0, 0.3, 0.05),
            (-0.143640873175, 1.143640873175, 0.207186890520),
        ),
        (
            (-0.02, 0.0001, 0.0, 0.05, 0.05),
            (-0.051015388968, 0.011015388968, 0.745255136547),
        ),
        (
            (2.0, 0.25, 0.5, 1.0, 0.1),
            (0.606420066607, 3.393579933393, 0.061097700790),
        ),
    ] {
        let got = normal_mixture(estimate, variance, null, tau, alpha).unwrap();
        let what = format!("estimate {estimate}, variance {variance}, tau {tau}");
        close(got.interval.low, low, 1e-9, &what);
        close(got.interval.high, high, 1e-9, &what);
        close(got.p_value, p, 1e-9, &what);
    }
    assert_eq!(
        normal_mixture(0.1, 0.0, 0.0, 0.2, 0.05),
        None,
        "no variance"
    );
    assert_eq!(normal_mixture(0.1, 0.01, 0.0, 0.0, 0.05), None, "no mixing");
    assert_eq!(normal_mixture(f64::NAN, 0.01, 0.0, 0.2, 0.05), None);
    // Far from the null the ratio would overflow; the p-value is then simply tiny.
    let far = normal_mixture(50.0, 0.01, 0.0, 0.2, 0.05).unwrap();
    assert!(far.p_value >= 0.0 && far.p_value < 1e-100, "{far:?}");
}

#[test]
fn always_valid_lift_matches_numerical_integration() {
    // (control, variant) -> low, high, p, from the script (tau 0.2 on the log rate ratio).
    assert_eq!((ALPHA, TAU_LIFT), (0.05, 0.2), "the script's parameters");
    for (control, variant, low, high, p) in [
        (
            (100, 1000),
            (120, 1000),
            -0.201864491944,
            0.804204906892,
            0.901669508387,
        ),
        (
            (1200, 10000),
            (1290, 10000),
            -0.043602485487,
            0.208310333793,
            0.902106907498,
        ),
        (
            (300, 10000),
            (390, 10000),
            0.033681210276,
            0.634933462271,
            0.014311347896,
        ),
        (
            (30, 400),
            (20, 410),
            -0.807783201679,
            1.200789026898,
            0.824822367512,
        ),
    ] {
        let got = sequential::lift(control, variant).unwrap();
        let what = format!("{control:?} vs {variant:?}");
        close(got.interval.low, low, 1e-9, &what);
        close(got.interval.high, high, 1e-9, &what);
        close(got.p_value, p, 1e-9, &what);
        // Always valid costs width: it holds the fixed-horizon interval inside it.
        let (_, fixed) = stats::lift(control, variant).unwrap();
        assert!(got.interval.low < fixed.low && fixed.high < got.interval.high);
    }
    assert_eq!(sequential::lift((0, 100), (5, 100)), None);
    assert_eq!(sequential::lift((5, 100), (0, 0)), None);
}

#[test]
fn cuped_matches_python_statistics() {
    // (outcome, pre-experiment covariate) per visitor: the script's data.
    let control = [
        (0.0, 1.0),
        (12.5, 10.0),
        (3.0, 2.0),
        (0.0, 0.0),
        (40.0, 35.0),
        (8.0, 9.5),
        (0.0, 3.0),
        (22.0, 18.0),
        (5.5, 4.0),
        (0.0, 0.5),
        (15.0, 11.0),
        (2.0, 0.0),
    ];
    let variant = [
        (1.0, 0.0),
        (16.0, 11.0),
        (4.5, 2.5),
        (0.0, 1.0),
        (47.0, 38.0),
        (10.0, 7.0),
        (2.0, 2.0),
        (25.0, 20.0),
        (6.0, 3.5),
        (0.5, 0.0),
        (19.0, 13.0),
        (3.0, 1.5),
        (9.0, 6.0),
    ];
    let c = cuped(&control, &variant).unwrap();
    for (got, want, what) in [
        (c.theta, 1.203492395527, "theta"),
        (c.control_mean, 9.176512218011, "control mean"),
        (c.variant_mean, 10.837065644913, "variant mean"),
        (c.control_variance, 0.281821618211, "control variance"),
        (c.variant_variance, 0.108587921753, "variant variance"),
        (c.difference, 1.660553426903, "difference"),
        (c.interval.low, 0.435913818293, "low"),
        (c.interval.high, 2.885193035513, "high"),
        (c.variance_reduction, 0.984853546821, "variance reduction"),
    ] {
        close(got, want, 1e-9, what);
    }
    // From each arm's sums (what the measurement store answers): the same figures.
    let m = cuped_from_moments(&Moments::of(&control), &Moments::of(&variant)).unwrap();
    for (got, want, what) in [
        (m.theta, c.theta, "theta from sums"),
        (m.difference, c.difference, "difference from sums"),
        (
            m.control_variance,
            c.control_variance,
            "control variance from sums",
        ),
        (
            m.variant_variance,
            c.variant_variance,
            "variant variance from sums",
        ),
        (
            m.variance_reduction,
            c.variance_reduction,
            "reduction from sums",
        ),
    ] {
        close(got, want, 1e-9, what);
    }
    assert_eq!(cuped(&control[..1], &variant), None, "one visitor");
    assert_eq!(cuped(&[(1.0, f64::NAN), (2.0, 1.0)], &variant), None);
    // A covariate that never varies adjusts nothing: the plain difference of means.
    let flat: Vec<(f64, f64)> = control.iter().map(|r| (r.0, 0.1)).collect();
    let flat_v: Vec<(f64, f64)> = variant.iter().map(|r| (r.0, 0.1)).collect();
    let plain = cuped(&flat, &flat_v).unwrap();
    assert_eq!((plain.theta, plain.variance_reduction), (0.0, 0.0));
}

/// A standard normal draw (Box-Muller) from the test RNG.
fn normal(rng: &mut Rng) -> f64 {
    let u = |rng: &mut Rng| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let (a, b) = (1.0 - u(rng), u(rng));
    (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()
}

#[test]
fn cuped_removes_the_variance_the_covariate_explains() {
    // Y = X + noise with var X = var noise: corr² = 1/2, so CUPED should halve the variance
    // (Deng et al., section 3.2) and still estimate the true effect of 0.3.
    let mut rng = Rng(0x5eed_c0ed);
    let mut arm = |effect: f64| -> Vec<(f64, f64)> {
        (0..20_000)
            .map(|_| {
                let x = normal(&mut rng);
                (x + normal(&mut rng) + effect, x)
            })
            .collect()
    };
    let (control, variant) = (arm(0.0), arm(0.3));
    let c = cuped(&control, &variant).unwrap();
    close(c.theta, 1.0, 0.02, "theta");
    close(c.variance_reduction, 0.5, 0.02, "variance reduction");
    assert!(c.interval.contains(0.3), "{c:?}");
}

/// One simulated experiment, both arms at `rate_c` / `rate_v`, peeked at after each of `days`
/// batches of `daily` visitors per arm. Returns (fixed-horizon interval ever excluded `truth`,
/// always-valid interval ever excluded `truth`), on the lift.
fn peeked(rng: &mut Rng, rate_c: f64, rate_v: f64, truth: f64) -> (bool, bool) {
    const DAYS: usize = 30;
    const DAILY: u64 = 200;
    let threshold = |rate: f64| (rate * u64::MAX as f64) as u64;
    let (tc, tv) = (threshold(rate_c), threshold(rate_v));
    let (mut c, mut v) = ((0, 0), (0, 0));
    let (mut fixed, mut valid) = (false, false);
    for _ in 0..DAYS {
        for _ in 0..DAILY {
            c.0 += u64::from(rng.next_u64() < tc);
            v.0 += u64::from(rng.next_u64() < tv);
        }
        c.1 += DAILY;
        v.1 += DAILY;
        let outside = |i: Interval| !i.contains(truth);
        fixed |= stats::lift(c, v).is_some_and(|(_, i)| outside(i));
        valid |= sequential::lift(c, v).is_some_and(|a| outside(a.interval));
    }
    (fixed, valid)
}

#[test]
fn peeking_daily_breaks_fixed_intervals_but_not_always_valid_ones() {
    // 2,000 A/A experiments at 5% conversion, 200 visitors per arm a day for 30 days, read
    // every day. With no difference, a fixed 95% interval that ever excludes zero is a false
    // positive; the always-valid interval promises that happens at most 5% of the time.
    const RUNS: usize = 2_000;
    let mut rng = Rng(0x00a1_7e57);
    let (mut fixed, mut valid) = (0, 0);
    for _ in 0..RUNS {
        let (f, v) = peeked(&mut rng, 0.05, 0.05, 0.0);
        fixed += usize::from(f);
        valid += usize::from(v);
    }
    let (fixed, valid) = (fixed as f64 / RUNS as f64, valid as f64 / RUNS as f64);
    println!(
        "A/A, {RUNS} experiments peeked daily for 30 days: fixed-horizon p < 0.05 at some peek \
         {:.1}%, always-valid {:.1}% (promised at most 5%)",
        fixed * 100.0,
        valid * 100.0
    );
    assert!(
        fixed > 0.15,
        "peeking should inflate the fixed error: {fixed}"
    );
    assert!(valid <= 0.05, "always-valid error above 5%: {valid}");

    // With a real lift of 20% (5% against 6%), the always-valid interval holds the true lift
    // at every peek in at least 95% of experiments.
    let truth = 0.06 / 0.05 - 1.0;
    let mut missed = 0;
    for _ in 0..RUNS {
        missed += usize::from(peeked(&mut rng, 0.05, 0.06, truth).1);
    }
    let coverage = 1.0 - missed as f64 / RUNS as f64;
    println!(
        "lift 20%, {RUNS} experiments peeked daily: always-valid interval held the true lift at \
         every peek in {:.1}%",
        coverage * 100.0
    );
    assert!(coverage >= 0.95, "coverage {coverage}");
}

/// One experiment of two arms and a holdout, the report's whole shape.
const CONFIG: &str = r#"{"version": 1,
  "offers": [{"id": "banner-test", "slot": "banner", "experiment": "banner-2026",
    "variants": [{"id": "control", "weight": 1, "control": true},
                 {"id": "photo", "weight": 1, "content": "Free returns"}]}],
  "experiments": {"banner-2026": {"goal": "purchase"}},
  "holdout": {"percent": 10, "salt": "hold", "goal": "purchase"}}"#;

fn report() -> signpost::report::Report {
    let config = signpost::config::Config::parse(CONFIG).unwrap();
    let counts = [
        ("exp/banner-2026/control/visitors", 10_000),
        ("exp/banner-2026/control/conversions", 300),
        ("exp/banner-2026/photo/visitors", 10_000),
        ("exp/banner-2026/photo/conversions", 390),
        ("holdout/in/visitors", 1_000),
        ("holdout/in/conversions", 100),
        ("holdout/out/visitors", 1_000),
        ("holdout/out/conversions", 120),
    ];
    let counts = counts.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    signpost::report::build(&config, &counts)
}

#[test]
fn the_report_adds_always_valid_figures_and_keeps_its_fields() {
    let mut r = report();
    let x = &r.experiments[0];
    assert_eq!(x.variants[0].always_valid, None, "control has no lift");
    assert_eq!(
        x.variants[1].always_valid,
        sequential::lift((300, 10_000), (390, 10_000))
    );
    let holdout = r.holdout.as_ref().unwrap();
    assert_eq!(
        holdout.always_valid,
        sequential::lift((100, 1_000), (120, 1_000))
    );
    // New fields only: without data there is no `cuped` key, and the old names stay.
    let json = serde_json::to_value(&r).unwrap();
    let photo = &json["experiments"][0]["variants"][1];
    for key in [
        "variant",
        "control",
        "weight",
        "visitors",
        "conversions",
        "rate",
    ] {
        assert!(photo.get(key).is_some(), "{key} kept");
    }
    for key in ["interval", "lift", "lift_interval", "prob_beats_control"] {
        assert!(photo.get(key).is_some(), "{key} kept");
    }
    assert!(photo.get("cuped").is_none());
    assert!(photo["always_valid"]["p_value"].is_f64());
    assert!(json["experiments"][0]["variants"][0]
        .get("always_valid")
        .is_none());
    // A report from before these fields still reads.
    let mut old = json.clone();
    old["experiments"][0]["variants"][1]
        .as_object_mut()
        .unwrap()
        .remove("always_valid");
    old["holdout"]
        .as_object_mut()
        .unwrap()
        .remove("always_valid");
    let back: signpost::report::Report = serde_json::from_value(old).unwrap();
    assert_eq!(back.experiments[0].variants[1].always_valid, None);

    let text = r.to_text();
    assert!(
        text.contains("always-valid: lift [3.37%, 63.49%]  p = 0.014"),
        "{text}"
    );
    assert!(
        text.contains("always-valid: lift of personalization"),
        "{text}"
    );

    // CUPED is filled from per-visitor rows, for the variant only.
    let rows = |shift: f64| -> Vec<(f64, f64)> {
        (0..50)
            .map(|i| (f64::from(i % 7) + shift, f64::from(i % 7)))
            .collect()
    };
    let data = [(
        "banner-2026".to_string(),
        [
            ("control".to_string(), rows(0.0)),
            ("photo".to_string(), rows(1.0)),
        ]
        .into_iter()
        .collect(),
    )]
    .into_iter()
    .collect();
    r.add_cuped(&data);
    let x = &r.experiments[0];
    assert_eq!(x.variants[0].cuped, None);
    let c = x.variants[1].cuped.unwrap();
    close(c.difference, 1.0, 1e-12, "difference");
    assert!(r.to_text().contains("CUPED: difference +1.0000"));
}
