//! The report over time and money: each experiment arm's (and the holdout's) figures day by
//! day, as they stood at the end of each day, and revenue per visitor and average order value
//! per arm. Built from what the measurement store answers (`measure::sql::DAILY` and
//! `REVENUE`), through the same [`crate::report::build`] as the totals, so a day's point and
//! the report agree.

use crate::config::Config;
use crate::report::build;
use crate::stats::Interval;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What one local day added to a counter (a once-only counter: the visitors first counted
/// that day).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct DayCount {
    /// The counter.
    pub counter: String,
    /// `YYYY-MM-DD`, the site's local date.
    pub day: String,
    /// What it added.
    pub n: u64,
}

/// One arm at the end of one day: everything up to and including it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayPoint {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// `exp/<experiment>/<variant>`, or `holdout/in` and `holdout/out`.
    pub arm: String,
    /// Visitors so far.
    pub visitors: u64,
    /// Conversions so far.
    pub conversions: u64,
    /// `conversions / visitors`.
    pub rate: Option<f64>,
    /// 95% interval of the rate.
    pub interval: Option<Interval>,
}

/// The series of every arm, day by day, in day order.
pub fn daily(config: &Config, days: &[DayCount]) -> Vec<DayPoint> {
    let mut by_day: BTreeMap<&str, Vec<&DayCount>> = BTreeMap::new();
    for d in days {
        by_day.entry(d.day.as_str()).or_default().push(d);
    }
    let mut so_far: BTreeMap<String, u64> = BTreeMap::new();
    let mut out = Vec::new();
    for (day, added) in by_day {
        for d in added {
            *so_far.entry(d.counter.clone()).or_insert(0) += d.n;
        }
        let report = build(config, &so_far);
        for x in &report.experiments {
            for v in &x.variants {
                let arm = format!("exp/{}/{}", x.experiment, v.variant);
                out.push(point(day, arm, &v.arm));
            }
        }
        if let Some(h) = &report.holdout {
            out.push(point(day, "holdout/in".into(), &h.holdout));
            out.push(point(day, "holdout/out".into(), &h.personalized));
        }
    }
    out
}

fn point(day: &str, arm: String, a: &crate::report::Arm) -> DayPoint {
    DayPoint {
        day: day.to_string(),
        arm,
        visitors: a.visitors,
        conversions: a.conversions,
        rate: a.rate,
        interval: a.interval,
    }
}

/// An experiment arm's orders and revenue, as the store answers them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArmRevenue {
    /// The experiment.
    pub experiment: String,
    /// The variant.
    pub variant: String,
    /// Visitors exposed.
    pub visitors: u64,
    /// Their orders.
    pub orders: u64,
    /// The orders' total value (currencies as sent; a site with several should convert).
    pub revenue: f64,
    /// `revenue / visitors`.
    #[serde(default)]
    pub revenue_per_visitor: Option<f64>,
    /// `revenue / orders`.
    #[serde(default)]
    pub average_order_value: Option<f64>,
}

impl ArmRevenue {
    /// Fills the two ratios.
    #[must_use]
    pub fn with_ratios(mut self) -> ArmRevenue {
        let per = |n: u64| (n > 0).then(|| self.revenue / n as f64);
        self.revenue_per_visitor = per(self.visitors);
        self.average_order_value = per(self.orders);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        crate::config::compile(include_str!("../examples/config.json")).unwrap()
    }

    #[test]
    fn each_day_holds_everything_up_to_it() {
        let c = config();
        let x = &c.experiments[0].id;
        let arm = |v: &str, what: &str| format!("exp/{x}/{v}/{what}");
        let day = |counter: String, day: &str, n: u64| DayCount {
            counter,
            day: day.into(),
            n,
        };
        let control = crate::report::build(&c, &BTreeMap::new()).experiments[0].variants[0]
            .variant
            .clone();
        let days = [
            day(arm(&control, "visitors"), "2026-11-20", 10),
            day(arm(&control, "conversions"), "2026-11-20", 1),
            day(arm(&control, "visitors"), "2026-11-21", 30),
            day(arm(&control, "conversions"), "2026-11-21", 5),
        ];
        let points = daily(&c, &days);
        let ours: Vec<&DayPoint> = points
            .iter()
            .filter(|p| p.arm == format!("exp/{x}/{control}"))
            .collect();
        assert_eq!(ours.len(), 2);
        assert_eq!((ours[0].visitors, ours[0].conversions), (10, 1));
        assert_eq!((ours[1].visitors, ours[1].conversions), (40, 6));
        assert_eq!(ours[1].rate, Some(6.0 / 40.0));
        let band = ours[1].interval.unwrap();
        assert!(band.low < 0.15 && 0.15 < band.high);
    }

    #[test]
    fn revenue_per_visitor_and_order_value() {
        let r = ArmRevenue {
            experiment: "x".into(),
            variant: "a".into(),
            visitors: 4,
            orders: 2,
            revenue: 100.0,
            revenue_per_visitor: None,
            average_order_value: None,
        }
        .with_ratios();
        assert_eq!(r.revenue_per_visitor, Some(25.0));
        assert_eq!(r.average_order_value, Some(50.0));
    }
}
