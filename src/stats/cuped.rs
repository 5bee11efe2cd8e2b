//! CUPED: variance reduction with pre-experiment data, from Deng, Xu, Kohavi & Walker,
//! "Improving the Sensitivity of Online Controlled Experiments by Utilizing Pre-Experiment
//! Data", WSDM 2013.
//!
//! Much of why two arms differ by chance is that their visitors differed before the test (some
//! buy more, whatever they see). Each visitor's outcome `Y` is adjusted by what their
//! pre-experiment covariate `X` (the same metric in the weeks before, say) predicts:
//! `Y − θ (X − E X)`, with `θ = cov(Y, X) / var(X)`. The adjustment has mean zero, so the
//! difference between arms estimates the same effect, with its variance shrunk by the squared
//! correlation of `Y` and `X`. `θ` is estimated from both arms pooled, as the paper does, so the
//! same adjustment applies to both and the treatment cannot leak into it through `X`, which was
//! measured before assignment.

use super::{Interval, Z95};

/// One comparison adjusted with CUPED.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cuped {
    /// `cov(Y, X) / var(X)` over both arms; zero when the covariate does not vary.
    pub theta: f64,
    /// Control's adjusted mean outcome.
    pub control_mean: f64,
    /// The variant's adjusted mean outcome.
    pub variant_mean: f64,
    /// The variance of control's adjusted mean.
    pub control_variance: f64,
    /// The variance of the variant's adjusted mean.
    pub variant_variance: f64,
    /// `variant_mean − control_mean`: the adjusted difference.
    pub difference: f64,
    /// Its 95% interval (normal, fixed horizon).
    pub interval: Interval,
    /// The share of the difference's variance the adjustment removed (`0.3` = 30% less).
    pub variance_reduction: f64,
}

/// CUPED from per-visitor `(outcome, pre-experiment covariate)` pairs of control and of a
/// variant. `None` unless each arm has two visitors or more and every value is finite.
pub fn cuped(control: &[(f64, f64)], variant: &[(f64, f64)]) -> Option<Cuped> {
    let finite = |rows: &[(f64, f64)]| rows.iter().all(|(y, x)| y.is_finite() && x.is_finite());
    if control.len() < 2 || variant.len() < 2 || !finite(control) || !finite(variant) {
        return None;
    }
    let pooled = || control.iter().chain(variant);
    let n = (control.len() + variant.len()) as f64;
    let (sum_y, sum_x) = pooled().fold((0.0, 0.0), |(sy, sx), (y, x)| (sy + y, sx + x));
    let (mean_y, mean_x) = (sum_y / n, sum_x / n);
    // Two passes (means, then deviations) keep the sums accurate for large, similar values.
    let (cov, var_x, square_x) = pooled().fold((0.0, 0.0, 0.0), |(c, v, s), (y, x)| {
        let dx = x - mean_x;
        (c + (y - mean_y) * dx, v + dx * dx, s + x * x)
    });
    // A covariate that does not vary (up to rounding of its mean) predicts nothing.
    let theta = if var_x > 1e-12 * square_x {
        cov / var_x
    } else {
        0.0
    };
    let c = arm(control, theta, mean_x);
    let v = arm(variant, theta, mean_x);
    Some(compare(theta, c, v))
}

/// The adjusted comparison of two arms.
fn compare(theta: f64, c: ArmStats, v: ArmStats) -> Cuped {
    let variance = c.variance + v.variance;
    let difference = v.mean - c.mean;
    let half = Z95 * variance.sqrt();
    let raw = c.raw_variance + v.raw_variance;
    Cuped {
        theta,
        control_mean: c.mean,
        variant_mean: v.mean,
        control_variance: c.variance,
        variant_variance: v.variance,
        difference,
        interval: Interval {
            low: difference - half,
            high: difference + half,
        },
        variance_reduction: if raw > 0.0 { 1.0 - variance / raw } else { 0.0 },
    }
}

/// One arm's sums over its visitors: what CUPED needs when the rows stay in a database (the
/// measurement store answers these per arm, `measure::sql::cuped`).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Deserialize)]
pub struct Moments {
    /// Visitors.
    pub n: f64,
    /// Sum of outcomes.
    pub sy: f64,
    /// Sum of covariates.
    pub sx: f64,
    /// Sum of squared outcomes.
    pub syy: f64,
    /// Sum of squared covariates.
    pub sxx: f64,
    /// Sum of outcome times covariate.
    pub sxy: f64,
}

impl Moments {
    /// The sums of per-visitor `(outcome, covariate)` pairs.
    pub fn of(rows: &[(f64, f64)]) -> Moments {
        rows.iter().fold(Moments::default(), |m, &(y, x)| Moments {
            n: m.n + 1.0,
            sy: m.sy + y,
            sx: m.sx + x,
            syy: m.syy + y * y,
            sxx: m.sxx + x * x,
            sxy: m.sxy + x * y,
        })
    }

    fn plus(&self, o: &Moments) -> Moments {
        Moments {
            n: self.n + o.n,
            sy: self.sy + o.sy,
            sx: self.sx + o.sx,
            syy: self.syy + o.syy,
            sxx: self.sxx + o.sxx,
            sxy: self.sxy + o.sxy,
        }
    }
}

/// [`cuped`] from each arm's sums instead of its rows (one pass: for outcomes and covariates
/// of modest size, such as conversions and counts of earlier visits, as exact as the rows).
pub fn cuped_from_moments(control: &Moments, variant: &Moments) -> Option<Cuped> {
    let finite = |m: &Moments| {
        [m.sy, m.sx, m.syy, m.sxx, m.sxy]
            .iter()
            .all(|v| v.is_finite())
    };
    if control.n < 2.0 || variant.n < 2.0 || !finite(control) || !finite(variant) {
        return None;
    }
    let p = control.plus(variant);
    let (mean_y, mean_x) = (p.sy / p.n, p.sx / p.n);
    let cov = p.sxy - p.n * mean_x * mean_y;
    let var_x = p.sxx - p.n * mean_x * mean_x;
    let theta = if var_x > 1e-12 * p.sxx {
        cov / var_x
    } else {
        0.0
    };
    let arm = |m: &Moments| {
        let (y, x) = (m.sy / m.n, m.sx / m.n);
        let var_y = (m.syy - m.n * y * y) / (m.n - 1.0);
        let cov = (m.sxy - m.n * x * y) / (m.n - 1.0);
        let var_x = (m.sxx - m.n * x * x) / (m.n - 1.0);
        let adjusted = (var_y - 2.0 * theta * cov + theta * theta * var_x).max(0.0);
        ArmStats {
            mean: y - theta * (x - mean_x),
            variance: adjusted / m.n,
            raw_variance: var_y.max(0.0) / m.n,
        }
    };
    Some(compare(theta, arm(control), arm(variant)))
}

/// One arm's adjusted mean and the variances of its adjusted and raw means.
struct ArmStats {
    mean: f64,
    variance: f64,
    raw_variance: f64,
}

fn arm(rows: &[(f64, f64)], theta: f64, pooled_mean_x: f64) -> ArmStats {
    let n = rows.len() as f64;
    let adjusted = |(y, x): &(f64, f64)| y - theta * (x - pooled_mean_x);
    let mean = rows.iter().map(adjusted).sum::<f64>() / n;
    let raw_mean = rows.iter().map(|r| r.0).sum::<f64>() / n;
    let sample_variance = |f: &dyn Fn(&(f64, f64)) -> f64, m: f64| {
        rows.iter().map(|r| (f(r) - m).powi(2)).sum::<f64>() / (n - 1.0)
    };
    ArmStats {
        mean,
        variance: sample_variance(&adjusted, mean) / n,
        raw_variance: sample_variance(&|r| r.0, raw_mean) / n,
    }
}
