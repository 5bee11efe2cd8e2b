//! The analyses beyond per-offer counts, from what the measurement store answers
//! (`measure::sql::funnel`, `COHORTS`, `SEGMENT_VALUE`): funnels with each step's rate, cohorts
//! by week of first visit, and churn and lifetime value per segment. Also every report table
//! as CSV.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One funnel, per group of its split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunnelReport {
    /// The funnel's name in the config.
    pub funnel: String,
    /// Its steps, in order.
    pub steps: Vec<String>,
    /// One per group (`all` when not split).
    pub groups: Vec<FunnelGroup>,
}

/// A funnel's figures for one group of visitors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunnelGroup {
    /// The group: `all`, a tier, a variant, `in` or `out` of a segment.
    pub split: String,
    /// Visitors who reached each step.
    pub reached: Vec<u64>,
    /// Each step's share of the step before (the first step: 1).
    pub step_rate: Vec<Option<f64>>,
    /// Each step's share of the first step.
    pub overall_rate: Vec<Option<f64>>,
}

/// A funnel from the store's rows (`{split, n1, n2, ...}`).
pub fn funnel(name: &str, steps: &[String], rows: &[Map<String, Value>]) -> FunnelReport {
    let groups = rows
        .iter()
        .map(|r| {
            let reached: Vec<u64> = (1..=steps.len())
                .map(|n| r.get(&format!("n{n}")).and_then(Value::as_u64).unwrap_or(0))
                .collect();
            let share = |x: u64, of: u64| (of > 0).then(|| x as f64 / of as f64);
            let step_rate = (reached.iter().enumerate())
                .map(|(i, &n)| share(n, if i == 0 { n } else { reached[i - 1] }))
                .collect();
            let overall_rate = reached.iter().map(|&n| share(n, reached[0])).collect();
            FunnelGroup {
                split: r
                    .get("split")
                    .and_then(Value::as_str)
                    .unwrap_or("all")
                    .into(),
                reached,
                step_rate,
                overall_rate,
            }
        })
        .collect();
    FunnelReport {
        funnel: name.into(),
        steps: steps.to_vec(),
        groups,
    }
}

/// One cohort in one week since its first visit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CohortWeek {
    /// The Monday the cohort's first week began (`YYYY-MM-DD`).
    pub cohort: String,
    /// Weeks since (0: the first).
    pub week: u32,
    /// Visitors of the cohort who viewed a page that week.
    pub active: u64,
    /// Visitors of the cohort who bought that week.
    pub purchasers: u64,
    /// `active` over the cohort's size (its week 0).
    #[serde(default)]
    pub retention: Option<f64>,
}

/// Fills each cell's retention from its cohort's size.
pub fn cohorts(mut cells: Vec<CohortWeek>) -> Vec<CohortWeek> {
    let sizes: Vec<(String, u64)> = (cells.iter())
        .filter(|c| c.week == 0)
        .map(|c| (c.cohort.clone(), c.active))
        .collect();
    for c in &mut cells {
        let size = sizes
            .iter()
            .find(|(k, _)| *k == c.cohort)
            .map_or(0, |s| s.1);
        c.retention = (size > 0).then(|| c.active as f64 / size as f64);
    }
    cells
}

/// A segment's visitors, their value and how many were lost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentValue {
    /// The segment.
    pub segment: String,
    /// Visitors seen in it in the range.
    pub visitors: u64,
    /// Their revenue, ever up to the range's end.
    pub revenue: f64,
    /// Those not seen in the last [`CHURN_AFTER_DAYS`] days of the range.
    pub churned: u64,
    /// `revenue / visitors`: lifetime value so far.
    #[serde(default)]
    pub lifetime_value: Option<f64>,
    /// `churned / visitors`.
    #[serde(default)]
    pub churn_rate: Option<f64>,
}

/// A visitor not seen for this many days before the range's end has churned.
pub const CHURN_AFTER_DAYS: i64 = 30;

impl SegmentValue {
    /// Fills the two ratios.
    #[must_use]
    pub fn with_ratios(mut self) -> SegmentValue {
        let n = self.visitors as f64;
        self.lifetime_value = (self.visitors > 0).then(|| self.revenue / n);
        self.churn_rate = (self.visitors > 0).then(|| self.churned as f64 / n);
        self
    }
}

/// A table (a list of JSON objects, nested objects flattened to `a.b` columns) as CSV: a
/// header of every column in first-seen order (an object's keys sorted), then one line per object. Fields are quoted
/// when they hold a comma, a quote or a line break; a value a spreadsheet would run as a
/// formula (`=`, `+`, `-`, `@` first) gets a leading `'`.
pub fn csv(rows: &[Value]) -> String {
    let flat: Vec<Vec<(String, String)>> = rows.iter().map(|r| flatten(r, "")).collect();
    let mut columns: Vec<String> = Vec::new();
    for row in &flat {
        for (k, _) in row {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    let mut out = columns
        .iter()
        .map(|c| field(c))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for row in &flat {
        let line: Vec<String> = (columns.iter())
            .map(|c| {
                row.iter()
                    .find(|(k, _)| k == c)
                    .map_or(String::new(), |(_, v)| field(v))
            })
            .collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn flatten(v: &Value, prefix: &str) -> Vec<(String, String)> {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(m) => m.iter().flat_map(|(k, v)| flatten(v, &key(k))).collect(),
        Value::Null => vec![(prefix.to_string(), String::new())],
        Value::String(s) => vec![(prefix.to_string(), s.clone())],
        Value::Array(list) => {
            let parts: Vec<String> = list
                .iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            vec![(prefix.to_string(), parts.join(" "))]
        }
        other => vec![(prefix.to_string(), other.to_string())],
    }
}

fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '@']) || (s.starts_with('-') && s.parse::<f64>().is_err()) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_funnel_gives_each_steps_rate_of_the_step_before_and_of_the_start() {
        let steps: Vec<String> = ["view", "cart", "buy"].map(String::from).to_vec();
        let rows = [json!({"split": "all", "n1": 200, "n2": 50, "n3": 10})];
        let rows: Vec<Map<String, Value>> = rows
            .iter()
            .map(|r| r.as_object().unwrap().clone())
            .collect();
        let f = funnel("checkout", &steps, &rows);
        let g = &f.groups[0];
        assert_eq!(g.reached, [200, 50, 10]);
        assert_eq!(g.step_rate, [Some(1.0), Some(0.25), Some(0.2)]);
        assert_eq!(g.overall_rate, [Some(1.0), Some(0.25), Some(0.05)]);
    }

    #[test]
    fn retention_is_a_share_of_the_cohorts_first_week() {
        let cell = |cohort: &str, week, active| CohortWeek {
            cohort: cohort.into(),
            week,
            active,
            purchasers: 0,
            retention: None,
        };
        let c = cohorts(vec![cell("2026-11-16", 0, 40), cell("2026-11-16", 2, 10)]);
        assert_eq!(c[0].retention, Some(1.0));
        assert_eq!(c[1].retention, Some(0.25));
    }

    #[test]
    fn csv_flattens_quotes_and_defuses_formulas() {
        let rows = [
            json!({"arm": "a", "interval": {"low": 0.1, "high": 0.2}, "note": "x, \"y\""}),
            json!({"arm": "=cmd()", "interval": null, "extra": -3}),
        ];
        assert_eq!(
            csv(&rows),
            "arm,interval.high,interval.low,note,extra,interval\n\
             a,0.2,0.1,\"x, \"\"y\"\"\",,\n\
             '=cmd(),,,,-3,\n"
        );
    }
}
