//! Always-valid inference: intervals and p-values that may be read after every visitor and still
//! keep their error rate, because marketers look at a running test every day and stop it when
//! it looks good. A fixed-horizon 95% interval read daily excludes "no difference" by chance
//! far more often than one time in twenty; these never do more than that, however often read.
//!
//! The method is the mixture sequential probability ratio test (mSPRT) with a normal mixture,
//! from Johari, Koomen, Pekelis & Walsh, "Always Valid Inference: Continuous Monitoring of A/B
//! Tests", Operations Research 70(3), 2022 (the Optimizely Stats Engine). For an estimate
//! `θ̂ ~ N(θ, V)`, the likelihood ratio of `θ` against `θ₀`, averaged over `θ ~ N(θ₀, τ²)`, is
//!
//! ```text
//! Λ(θ₀) = sqrt(V / (V + τ²)) · exp(τ² (θ̂ − θ₀)² / (2 V (V + τ²)))
//! ```
//!
//! Under `θ = θ₀` it is a nonnegative martingale, so by Ville's inequality it ever reaches `1/α`
//! with probability at most `α`. The always-valid p-value is `min(1, 1/Λ(0))`; the confidence
//! sequence is every `θ₀` with `Λ(θ₀) < 1/α`, in closed form `θ̂ ± sqrt(V (V + τ²) / τ² ·
//! (2 ln(1/α) + ln((V + τ²) / V)))`. With the plug-in variance the guarantee is asymptotic, as in
//! the paper (and as made precise by Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas,
//! "Time-uniform central limit theory and asymptotic confidence sequences", Annals of
//! Statistics 2024).
//!
//! The report's lift is relative, so the test runs on the log of the rate ratio with Katz's
//! variance, the same estimate as the fixed-horizon lift interval: the mixing parameter is then
//! a relative effect size, the same for every baseline rate ([`TAU_LIFT`]).

use super::Interval;

/// The error rate the always-valid figures keep: a 95% interval, a p-value read against 5%.
pub const ALPHA: f64 = 0.05;

/// The mixing parameter `τ` on the log rate ratio: the spread of true lifts the test is tuned
/// for, about ±20%. The interval is narrowest when the fixed-horizon standard error is about
/// `τ / 2.9` (fixed 95% interval about ±14%): a smaller `τ` suits huge sites and costs small
/// ones most (at 25 conversions per arm, τ = 0.1 gives an interval 3.7 times the fixed one,
/// τ = 0.2 2.2 times), a larger one the reverse. From 2,000 to 200,000 visitors per arm at 3 to
/// 10% conversion, τ = 0.2 keeps it within 1.55 to 1.8 times the fixed interval.
pub const TAU_LIFT: f64 = 0.2;

/// An always-valid interval and p-value.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AlwaysValid {
    /// The always-valid 95% interval (confidence sequence).
    pub interval: Interval,
    /// The always-valid p-value of "no difference": the chance of ever seeing evidence this
    /// strong when there is none is at most this, however often the test is read.
    pub p_value: f64,
}

/// The normal-mixture mSPRT for an estimate `θ̂ ~ N(θ, variance)`: the confidence sequence of
/// `θ` at level `1 − alpha`, and the p-value of `θ = null`, mixing over `N(θ₀, tau²)`. `None`
/// unless the variance and `tau` are positive and finite.
pub fn normal_mixture(
    estimate: f64,
    variance: f64,
    null: f64,
    tau: f64,
    alpha: f64,
) -> Option<AlwaysValid> {
    let ok = |x: f64| x.is_finite() && x > 0.0;
    if !(ok(variance) && ok(tau) && estimate.is_finite() && 0.0 < alpha && alpha < 1.0) {
        return None;
    }
    let (v, t2) = (variance, tau * tau);
    // In logs: exp(Λ) overflows for estimates far from the null, and 1/Λ is all we need.
    let ln_lambda =
        0.5 * (v / (v + t2)).ln() + t2 * (estimate - null).powi(2) / (2.0 * v * (v + t2));
    let half = (v * (v + t2) / t2 * (-2.0 * alpha.ln() + ((v + t2) / v).ln())).sqrt();
    Some(AlwaysValid {
        interval: Interval {
            low: estimate - half,
            high: estimate + half,
        },
        p_value: (-ln_lambda).exp().min(1.0),
    })
}

/// The always-valid 95% interval of the relative lift of a variant over control (`0.1` = 10%
/// better, like [`super::lift`]) and the p-value of "no lift", from the log rate ratio and its
/// Katz variance with `τ =` [`TAU_LIFT`]. `None` when either arm has no trials or no conversions.
pub fn lift(control: (u64, u64), variant: (u64, u64)) -> Option<AlwaysValid> {
    let (xc, nc) = control;
    let (xv, nv) = variant;
    if xc == 0 || xv == 0 || xc > nc || xv > nv {
        return None;
    }
    let (pc, pv) = (xc as f64 / nc as f64, xv as f64 / nv as f64);
    let variance = 1.0 / xv as f64 - 1.0 / nv as f64 + 1.0 / xc as f64 - 1.0 / nc as f64;
    let on_log = normal_mixture((pv / pc).ln(), variance, 0.0, TAU_LIFT, ALPHA)?;
    Some(AlwaysValid {
        interval: Interval {
            low: on_log.interval.low.exp() - 1.0,
            high: on_log.interval.high.exp() - 1.0,
        },
        p_value: on_log.p_value,
    })
}
