//! The statistics of experiment reports: a conversion rate's 95% interval, the lift of a variant
//! against control with its interval, the probability that a variant beats control, and the
//! sample-ratio-mismatch check.
//!
//! Plain `f64` arithmetic with no dependency: the special functions needed (log-gamma, the
//! regularized incomplete gamma) are small and standard, and their results are checked against
//! values computed independently (`tests/stats.rs`, with sources).
//!
//! These figures are fixed-horizon: read once, at a size chosen in advance. The always-valid
//! ones, which may be read every day, are in [`sequential`]; variance reduction with
//! pre-experiment data in [`cuped`].

pub mod cuped;
pub mod sequential;

/// The two-sided 95% normal quantile.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A sample ratio whose chi-square p-value is below this is flagged as a mismatch: strict, as
/// is usual for SRM checks, because a broken split invalidates every other figure.
pub const SRM_P_THRESHOLD: f64 = 0.001;

/// A closed interval.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

impl Interval {
    /// Whether `x` lies within (bounds included).
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// The Wilson score interval (95%) of a proportion `successes / trials`; `None` without trials.
/// Unlike the textbook `p ± z·se`, it stays inside [0, 1] and behaves at 0 and n.
pub fn wilson(successes: u64, trials: u64) -> Option<Interval> {
    if trials == 0 || successes > trials {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Interval {
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    })
}

/// The relative lift of a variant's rate over control's (`0.1` = 10% better) and its 95%
/// interval, from the log of the rate ratio (Katz's method). `None` when either arm has no
/// trials or no conversions (the ratio is then undefined or infinite).
pub fn lift(control: (u64, u64), variant: (u64, u64)) -> Option<(f64, Interval)> {
    let (xc, nc) = control;
    let (xv, nv) = variant;
    if xc == 0 || xv == 0 || xc > nc || xv > nv {
        return None;
    }
    let (pc, pv) = (xc as f64 / nc as f64, xv as f64 / nv as f64);
    let ln_ratio = (pv / pc).ln();
    let se = (1.0 / xv as f64 - 1.0 / nv as f64 + 1.0 / xc as f64 - 1.0 / nc as f64).sqrt();
    Some((
        pv / pc - 1.0,
        Interval {
            low: (ln_ratio - Z95 * se).exp() - 1.0,
            high: (ln_ratio + Z95 * se).exp() - 1.0,
        },
    ))
}

/// The probability that the variant's true rate is above control's, each rate with a uniform
/// Beta(1, 1) prior updated by its conversions and non-conversions. Exact (a finite sum),
/// `O(variant conversions)`.
pub fn prob_beats(control: (u64, u64), variant: (u64, u64)) -> f64 {
    let (xc, nc) = control;
    let (xv, nv) = variant;
    let (a_c, b_c) = (1.0 + xc as f64, 1.0 + nc.saturating_sub(xc) as f64);
    let (a_v, b_v) = (1.0 + xv as f64, 1.0 + nv.saturating_sub(xv) as f64);
    // P(p_v > p_c) = Σ_{i < a_v} B(a_c + i, b_c + b_v) / ((b_v + i) B(1 + i, b_v) B(a_c, b_c))
    let base = ln_beta(a_c, b_c);
    let mut total = 0.0;
    for i in 0..(a_v as u64) {
        let i = i as f64;
        total +=
            (ln_beta(a_c + i, b_c + b_v) - (b_v + i).ln() - ln_beta(1.0 + i, b_v) - base).exp();
    }
    total.clamp(0.0, 1.0)
}

/// The result of a sample-ratio check.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SampleRatio {
    /// The chi-square statistic.
    pub chi_square: f64,
    /// Its p-value.
    pub p_value: f64,
    /// `p_value < SRM_P_THRESHOLD`: the split is not what the weights say.
    pub mismatch: bool,
}

/// Pearson's chi-square goodness of fit of the observed visitors per arm against the arms'
/// configured weights. `None` with fewer than two arms, no visitors, or a weight that is not
/// positive.
pub fn sample_ratio(observed: &[u64], weights: &[f64]) -> Option<SampleRatio> {
    if observed.len() < 2 || observed.len() != weights.len() || weights.iter().any(|w| *w <= 0.0) {
        return None;
    }
    let n: u64 = observed.iter().sum();
    if n == 0 {
        return None;
    }
    let total_weight: f64 = weights.iter().sum();
    let chi_square: f64 = observed
        .iter()
        .zip(weights)
        .map(|(o, w)| {
            let expected = n as f64 * w / total_weight;
            (*o as f64 - expected).powi(2) / expected
        })
        .sum();
    let p_value = chi_square_sf(chi_square, (observed.len() - 1) as f64);
    Some(SampleRatio {
        chi_square,
        p_value,
        mismatch: p_value < SRM_P_THRESHOLD,
    })
}

/// P(X > x) for a chi-square variable with `df` degrees of freedom.
pub fn chi_square_sf(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    upper_gamma_regularized(df / 2.0, x / 2.0)
}

/// ln Γ(x) for x >= 0.5, all the reports need (Lanczos, g = 7, nine coefficients: about 15
/// significant digits). No reflection formula below 0.5: it would pull `sin` into every build.
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    debug_assert!(x >= 0.5, "ln_gamma is used for x >= 0.5 only");
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// Q(a, x) = Γ(a, x) / Γ(a): the series below `a + 1`, the continued fraction (modified Lentz)
/// above, each to full `f64` precision.
fn upper_gamma_regularized(a: f64, x: f64) -> f64 {
    const EPS: f64 = 1e-15;
    const MAX_ITER: usize = 10_000;
    let ln_front = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        let (mut sum, mut term, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..MAX_ITER {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * EPS {
                break;
            }
        }
        return (1.0 - sum * ln_front.exp()).clamp(0.0, 1.0);
    }
    let tiny = f64::MIN_POSITIVE / EPS;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / tiny;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..MAX_ITER {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < tiny {
            d = tiny;
        }
        c = b + an / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < EPS {
            break;
        }
    }
    (ln_front.exp() * h).clamp(0.0, 1.0)
}
