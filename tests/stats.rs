//! The report statistics against values computed independently of this code.
//!
//! Sources:
//! - Wilson intervals: Newcombe, R. G. (1998), "Two-sided confidence intervals for the single
//!   proportion: comparison of seven methods", Statistics in Medicine 17:857-872, Table I,
//!   method 3 (score interval without continuity correction), given to four decimals.
//! - Lift intervals: SciPy 1.17 `scipy.stats.contingency.relative_risk(...)
//!   .confidence_interval(0.95)` (Katz's log method), minus one.
//! - P(variant beats control): numerical integration with SciPy 1.17,
//!   `quad(lambda x: beta.pdf(x, 1+xv, 1+nv-xv) * beta.cdf(x, 1+xc, 1+nc-xc), 0, 1)`.
//! - Chi-square tail probabilities: the textbook critical values (0.05 at 3.8415 with 1 degree
//!   of freedom and 5.9915 with 2; 0.01 at 6.6349 with 1), and SciPy 1.17 `chi2.sf`.
//! - ln Γ: Python 3.11 `math.lgamma`.

use signpost::stats::{
    chi_square_sf, lift, ln_gamma, prob_beats, sample_ratio, wilson, SRM_P_THRESHOLD,
};
use signpost::testutil::assert_close as close;

#[test]
fn wilson_intervals_match_newcombe_1998() {
    for (x, n, low, high) in [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ] {
        let i = wilson(x, n).unwrap();
        close(i.low, low, 0.00005, &format!("{x}/{n} low"));
        close(i.high, high, 0.00005, &format!("{x}/{n} high"));
    }
    assert_eq!(wilson(0, 0), None);
    assert_eq!(wilson(5, 3), None);
}

#[test]
fn lift_intervals_match_scipy_relative_risk() {
    for (control, variant, want, low, high) in [
        (
            (100, 1000),
            (120, 1000),
            0.2,
            -0.065894248937,
            0.541581344897,
        ),
        ((50, 2000), (65, 2000), 0.3, -0.096133497540, 0.869745139798),
        (
            (30, 400),
            (20, 410),
            -0.349593495935,
            -0.624286245849,
            0.125933282604,
        ),
        (
            (1200, 10000),
            (1290, 10000),
            0.075,
            -0.001236706368,
            0.157055938447,
        ),
    ] {
        let (l, i) = lift(control, variant).unwrap();
        let what = format!("{control:?} vs {variant:?}");
        close(l, want, 1e-9, &what);
        close(i.low, low, 1e-9, &what);
        close(i.high, high, 1e-9, &what);
    }
    assert_eq!(lift((0, 100), (5, 100)), None, "no control conversions");
    assert_eq!(lift((5, 100), (0, 0)), None, "no variant visitors");
}

#[test]
fn probability_to_beat_control_matches_numerical_integration() {
    for (control, variant, want) in [
        ((10, 100), (10, 100), 0.5),
        ((100, 1000), (120, 1000), 0.9231834390),
        ((50, 2000), (65, 2000), 0.9213629812),
        ((30, 400), (20, 410), 0.0618189607),
        ((0, 10), (1, 10), 0.7619047619),
        ((1200, 10000), (1290, 10000), 0.9730338144),
    ] {
        close(
            prob_beats(control, variant),
            want,
            1e-8,
            &format!("{control:?} vs {variant:?}"),
        );
    }
}

#[test]
fn chi_square_tail_matches_tables_and_scipy() {
    for (x, df, want) in [
        (3.841458820694124, 1.0, 0.05),
        (5.991464547107979, 2.0, 0.05),
        (6.634896601021214, 1.0, 0.01),
        (10.0, 3.0, 1.856613546304325e-2),
        (0.5, 1.0, 4.795001221869534e-1),
        (25.0, 2.0, 3.726653172078672e-6),
    ] {
        close(
            chi_square_sf(x, df),
            want,
            want * 1e-9,
            &format!("chi2({x}, {df})"),
        );
    }
    let far = chi_square_sf(150.0, 4.0);
    close(
        far,
        2.035764090974152e-31,
        2.035764090974152e-31 * 1e-6,
        "far tail",
    );
    assert_eq!(chi_square_sf(0.0, 1.0), 1.0);
}

#[test]
fn sample_ratio_mismatch_is_flagged_only_when_the_split_is_off() {
    // 10,000 visitors on a 50/50 split: 5100/4900 happens by chance (p = 0.0455), 5200/4800
    // does not (p = 6.3e-5).
    let fine = sample_ratio(&[5100, 4900], &[1.0, 1.0]).unwrap();
    close(fine.chi_square, 4.0, 1e-12, "chi-square 5100/4900");
    close(fine.p_value, 0.04550026389635857, 1e-12, "p 5100/4900");
    assert!(!fine.mismatch);
    let off = sample_ratio(&[5200, 4800], &[1.0, 1.0]).unwrap();
    close(off.p_value, 6.334248366623988e-5, 1e-15, "p 5200/4800");
    assert!(off.p_value < SRM_P_THRESHOLD && off.mismatch);
    // Unequal weights and three arms.
    let weighted = sample_ratio(&[2600, 7400], &[1.0, 3.0]).unwrap();
    close(weighted.p_value, 0.020921335337794035, 1e-12, "p 1:3");
    let three = sample_ratio(&[3400, 3300, 3300], &[1.0, 1.0, 1.0]).unwrap();
    close(three.p_value, 0.36787944117144245, 1e-12, "p three arms");
    assert_eq!(sample_ratio(&[10], &[1.0]), None, "one arm");
    assert_eq!(sample_ratio(&[0, 0], &[1.0, 1.0]), None, "no visitors");
    assert_eq!(sample_ratio(&[5, 5], &[1.0, 0.0]), None, "a zero weight");
}

#[test]
fn ln_gamma_matches_python() {
    for (x, want) in [
        (0.5, 0.5723649429247004),
        (1.0, 0.0),
        (1.5, -0.12078223763524543),
        (10.0, 12.801827480081467),
        (100.5, 361.4355404677776),
        (10000.0, 82099.71749644238),
    ] {
        close(
            ln_gamma(x),
            want,
            1e-10 * want.abs().max(1.0),
            &format!("lgamma({x})"),
        );
    }
}
