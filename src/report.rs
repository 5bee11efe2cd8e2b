//! The report a marketer reads: per offer, reach, clicks and conversions with rates; per
//! experiment and variant, visitors, conversions, the rate with its 95% interval, the lift
//! against control with its interval and the probability of beating control, and the
//! sample-ratio check; the holdout as its own arm against everyone personalized. Next to each
//! fixed-horizon lift, its always-valid interval and p-value (safe to read every day), and,
//! when per-visitor pre-experiment data is given ([`Report::add_cuped`]), the CUPED-adjusted
//! difference.
//!
//! Built from the counters the measurement store answers (`crate::measure::sql::COUNTS`) and the
//! config that names the arms.

use crate::config::Config;
use crate::measure::DEFAULT_HOLDOUT_GOAL;
use crate::offers::Body;
use crate::stats::cuped::{self, Cuped};
use crate::stats::sequential::{self, AlwaysValid};
use crate::stats::{self, Interval, SampleRatio};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The whole report: offers, experiments and the holdout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// One per offer of the config.
    pub offers: Vec<OfferReport>,
    /// One per experiment.
    pub experiments: Vec<ExperimentReport>,
    /// The holdout against everyone personalized, when the config has one.
    pub holdout: Option<HoldoutReport>,
}

/// One offer's reach and results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfferReport {
    /// The offer's id.
    pub offer: String,
    /// The event that counts as its conversion, if it has a goal.
    pub goal: Option<String>,
    /// Times it was shown.
    pub impressions: u64,
    /// Visitors who saw it at least once.
    pub visitors: u64,
    /// Visitors who clicked it.
    pub clicks: u64,
    /// Visitors who converted after seeing it (counted with a goal only).
    pub conversions: u64,
    /// `clicks / visitors`.
    pub click_rate: Option<f64>,
    /// `conversions / visitors`.
    pub conversion_rate: Option<f64>,
}

/// A group of visitors and how many of them converted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Arm {
    /// Visitors in the arm.
    pub visitors: u64,
    /// Those who converted.
    pub conversions: u64,
    /// `conversions / visitors`, `None` without visitors.
    pub rate: Option<f64>,
    /// 95% Wilson interval of the rate.
    pub interval: Option<Interval>,
}

impl Arm {
    fn new(visitors: u64, conversions: u64) -> Arm {
        // Conversions are counted for exposed visitors, but the two counters are written
        // separately: never report a rate above one.
        let conversions = conversions.min(visitors);
        Arm {
            visitors,
            conversions,
            rate: (visitors > 0).then(|| conversions as f64 / visitors as f64),
            interval: stats::wilson(conversions, visitors),
        }
    }

    fn pair(&self) -> (u64, u64) {
        (self.conversions, self.visitors)
    }
}

/// One variant of an experiment, against the control.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantReport {
    /// The variant's id.
    pub variant: String,
    /// Whether it is the control (the variant without content, else the first).
    pub control: bool,
    /// Its share of the traffic, as configured.
    pub weight: f64,
    /// Its visitors and conversions.
    #[serde(flatten)]
    pub arm: Arm,
    /// Relative lift against control (`0.1` = 10% better), `None` for control itself or when
    /// a rate is zero.
    pub lift: Option<f64>,
    /// 95% interval of the lift.
    pub lift_interval: Option<Interval>,
    /// Probability that the variant's true rate beats the control's.
    pub prob_beats_control: Option<f64>,
    /// The always-valid 95% interval of the lift and p-value of "no lift" against control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always_valid: Option<AlwaysValid>,
    /// The difference against control adjusted with pre-experiment data, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuped: Option<Cuped>,
}

/// One experiment's variants and checks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExperimentReport {
    /// The experiment's id.
    pub experiment: String,
    /// The event that counts as its conversion.
    pub goal: Option<String>,
    /// One per variant, in the config's order.
    pub variants: Vec<VariantReport>,
    /// Whether the traffic split matches the weights (the sample-ratio check).
    pub sample_ratio: Option<SampleRatio>,
    /// Set when the sample-ratio check fails: the figures above should not be trusted.
    pub warning: Option<String>,
}

/// The global holdout against everyone personalized.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HoldoutReport {
    /// The event that counts as a conversion.
    pub goal: String,
    /// The share of visitors held out, in percent.
    pub percent: f64,
    /// Visitors held out of all personalization.
    pub holdout: Arm,
    /// Visitors who could be personalized.
    pub personalized: Arm,
    /// Lift of personalization as a whole against the holdout.
    pub lift: Option<f64>,
    /// 95% interval of the lift.
    pub lift_interval: Option<Interval>,
    /// Probability that personalization's true rate beats the holdout's.
    pub prob_beats_holdout: Option<f64>,
    /// The always-valid 95% interval of the lift and p-value of "no lift".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always_valid: Option<AlwaysValid>,
}

/// Builds the report from a tally's counters.
pub fn build(config: &Config, counts: &BTreeMap<String, u64>) -> Report {
    let n = |key: String| counts.get(&key).copied().unwrap_or(0);
    let offers = config
        .offers
        .iter()
        .map(|o| {
            let visitors = n(format!("offer/{}/visitors", o.id));
            let clicks = n(format!("offer/{}/clicks", o.id)).min(visitors);
            let conversions = n(format!("offer/{}/conversions", o.id)).min(visitors);
            let rate = |x: u64| (visitors > 0).then(|| x as f64 / visitors as f64);
            OfferReport {
                offer: o.id.clone(),
                goal: o.goal.clone(),
                impressions: n(format!("offer/{}/impressions", o.id)),
                visitors,
                clicks,
                conversions,
                click_rate: rate(clicks),
                conversion_rate: o.goal.as_ref().and(rate(conversions)),
            }
        })
        .collect();
    let experiments = config
        .experiments
        .iter()
        .enumerate()
        .map(|(i, x)| {
            // The variants come from the offer that runs the experiment.
            let variants: Vec<(String, f64, bool)> = config
                .offers
                .iter()
                .find_map(|o| match &o.body {
                    Body::Experiment {
                        experiment,
                        variants,
                        ..
                    } if *experiment == i => Some(
                        variants
                            .iter()
                            .map(|v| (v.id.clone(), v.weight, v.content.is_none()))
                            .collect(),
                    ),
                    _ => None,
                })
                .unwrap_or_default();
            experiment_report(&x.id, x.goal.clone(), &variants, &n)
        })
        .collect();
    let holdout = config.holdout.as_ref().map(|h| {
        let holdout = Arm::new(
            n("holdout/in/visitors".into()),
            n("holdout/in/conversions".into()),
        );
        let personalized = Arm::new(
            n("holdout/out/visitors".into()),
            n("holdout/out/conversions".into()),
        );
        let lift = stats::lift(holdout.pair(), personalized.pair());
        HoldoutReport {
            goal: h
                .goal
                .clone()
                .unwrap_or_else(|| DEFAULT_HOLDOUT_GOAL.into()),
            percent: h.percent,
            lift: lift.map(|l| l.0),
            lift_interval: lift.map(|l| l.1),
            prob_beats_holdout: (holdout.visitors > 0 && personalized.visitors > 0)
                .then(|| stats::prob_beats(holdout.pair(), personalized.pair())),
            always_valid: sequential::lift(holdout.pair(), personalized.pair()),
            holdout,
            personalized,
        }
    });
    Report {
        offers,
        experiments,
        holdout,
    }
}

fn experiment_report(
    id: &str,
    goal: Option<String>,
    variants: &[(String, f64, bool)],
    n: &impl Fn(String) -> u64,
) -> ExperimentReport {
    let arms: Vec<Arm> = variants
        .iter()
        .map(|(v, _, _)| {
            Arm::new(
                n(format!("exp/{id}/{v}/visitors")),
                n(format!("exp/{id}/{v}/conversions")),
            )
        })
        .collect();
    // Control is the variant marked control, else the first.
    let control = variants.iter().position(|v| v.2).unwrap_or(0);
    let base = arms.get(control).map(Arm::pair);
    let reports = variants
        .iter()
        .zip(&arms)
        .enumerate()
        .map(|(i, ((v, weight, _), arm))| {
            let against = base.filter(|_| i != control);
            let lift = against.and_then(|b| stats::lift(b, arm.pair()));
            VariantReport {
                variant: v.clone(),
                control: i == control,
                weight: *weight,
                arm: arm.clone(),
                lift: lift.map(|l| l.0),
                lift_interval: lift.map(|l| l.1),
                prob_beats_control: against
                    .filter(|b| b.1 > 0 && arm.visitors > 0)
                    .map(|b| stats::prob_beats(b, arm.pair())),
                always_valid: against.and_then(|b| sequential::lift(b, arm.pair())),
                cuped: None,
            }
        })
        .collect();
    let observed: Vec<u64> = arms.iter().map(|a| a.visitors).collect();
    let weights: Vec<f64> = variants.iter().map(|v| v.1).collect();
    let sample_ratio = stats::sample_ratio(&observed, &weights);
    let warning = sample_ratio.filter(|s| s.mismatch).map(|s| {
        format!(
            "sample ratio mismatch: visitors per variant {observed:?} do not match the weights \
             {weights:?} (chi-square {:.1}, p = {:.1e}); check for bots, redirects or a changed \
             split before trusting these results",
            s.chi_square, s.p_value
        )
    });
    ExperimentReport {
        experiment: id.to_string(),
        goal,
        variants: reports,
        sample_ratio,
        warning,
    }
}

/// Per-visitor `(outcome, pre-experiment covariate)` rows, by experiment id and then variant
/// id: what CUPED needs.
pub type CupedRows = BTreeMap<String, BTreeMap<String, Vec<(f64, f64)>>>;

/// Each arm's sums, by experiment id and then variant id: what the measurement store answers.
pub type CupedMoments = BTreeMap<String, BTreeMap<String, cuped::Moments>>;

impl Report {
    /// Fills each variant's `cuped` from per-visitor rows, against its experiment's control.
    /// Variants without rows, or whose control has none, keep `None`.
    pub fn add_cuped(&mut self, rows: &CupedRows) {
        let sums: CupedMoments = (rows.iter())
            .map(|(x, arms)| {
                let arms = arms.iter().map(|(v, r)| (v.clone(), cuped::Moments::of(r)));
                (x.clone(), arms.collect())
            })
            .collect();
        self.add_cuped_moments(&sums);
    }

    /// [`Report::add_cuped`] from each arm's sums.
    pub fn add_cuped_moments(&mut self, sums: &CupedMoments) {
        for x in &mut self.experiments {
            let Some(arms) = sums.get(&x.experiment) else {
                continue;
            };
            let control = x.variants.iter().find(|v| v.control);
            let Some(control) = control.and_then(|v| arms.get(&v.variant)) else {
                continue;
            };
            for v in x.variants.iter_mut().filter(|v| !v.control) {
                v.cuped =
                    (arms.get(&v.variant)).and_then(|m| cuped::cuped_from_moments(control, m));
            }
        }
    }

    /// The report as text for the terminal (`signpost report`).
    pub fn to_text(&self) -> String {
        let pct = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{:.2}%", x * 100.0));
        let interval = |i: Option<Interval>| {
            i.map_or("-".to_string(), |i| {
                format!("[{:.2}%, {:.2}%]", i.low * 100.0, i.high * 100.0)
            })
        };
        let lift = |l: Option<f64>, i: Option<Interval>| match l {
            Some(l) => format!("{:+.1}% {}", l * 100.0, interval(i)),
            None => "-".to_string(),
        };
        let always_valid = |what: &str, a: &AlwaysValid| {
            let i = interval(Some(a.interval));
            format!("always-valid: {what} {i}  p = {:.3}", a.p_value)
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "offers\n  {:<28} {:>11} {:>9} {:>7} {:>8} {:>11} {:>9}",
            "offer", "impressions", "visitors", "clicks", "ctr", "conversions", "cvr"
        );
        for o in &self.offers {
            let _ = writeln!(
                out,
                "  {:<28} {:>11} {:>9} {:>7} {:>8} {:>11} {:>9}",
                o.offer,
                o.impressions,
                o.visitors,
                o.clicks,
                pct(o.click_rate),
                o.goal
                    .as_ref()
                    .map_or("-".into(), |_| o.conversions.to_string()),
                pct(o.conversion_rate)
            );
        }
        for x in &self.experiments {
            let _ = writeln!(
                out,
                "\nexperiment {} (goal: {})",
                x.experiment,
                x.goal.as_deref().unwrap_or("none")
            );
            for v in &x.variants {
                let _ = writeln!(
                    out,
                    "  {:<16}{:<9} visitors {:>7}  conversions {:>6}  rate {:>7} {:<20} lift {:<28} P(beats control) {}",
                    v.variant,
                    if v.control { " control" } else { "" },
                    v.arm.visitors,
                    v.arm.conversions,
                    pct(v.arm.rate),
                    interval(v.arm.interval),
                    lift(v.lift, v.lift_interval),
                    v.prob_beats_control.map_or("-".into(), |p| format!("{:.1}%", p * 100.0)),
                );
                if let Some(a) = &v.always_valid {
                    let _ = writeln!(out, "    {}", always_valid("lift", a));
                }
                if let Some(c) = &v.cuped {
                    let _ = writeln!(
                        out,
                        "    CUPED: difference {:+.4} [{:.4}, {:.4}]  theta {:.3}, variance {:.0}% lower",
                        c.difference,
                        c.interval.low,
                        c.interval.high,
                        c.theta,
                        c.variance_reduction * 100.0
                    );
                }
            }
            if let Some(s) = &x.sample_ratio {
                let _ = writeln!(
                    out,
                    "  sample ratio: chi-square {:.2}, p = {:.3}",
                    s.chi_square, s.p_value
                );
            }
            if let Some(w) = &x.warning {
                let _ = writeln!(out, "  WARNING: {w}");
            }
        }
        if let Some(h) = &self.holdout {
            let _ = writeln!(
                out,
                "\nholdout ({}% of visitors, goal: {})\n  holdout       visitors {:>7}  conversions {:>6}  rate {:>7} {}\n  personalized  visitors {:>7}  conversions {:>6}  rate {:>7} {}\n  lift of personalization {}  P(beats holdout) {}",
                h.percent,
                h.goal,
                h.holdout.visitors,
                h.holdout.conversions,
                pct(h.holdout.rate),
                interval(h.holdout.interval),
                h.personalized.visitors,
                h.personalized.conversions,
                pct(h.personalized.rate),
                interval(h.personalized.interval),
                lift(h.lift, h.lift_interval),
                h.prob_beats_holdout.map_or("-".into(), |p| format!("{:.1}%", p * 100.0)),
            );
            if let Some(a) = &h.always_valid {
                let _ = writeln!(out, "  {}", always_valid("lift of personalization", a));
            }
        }
        out
    }
}
