//! `GET /__signpost/report` (admin): the marketer's report from the measurement rows in D1
//! (`crate::measure`) and the live config. Query: `from`, `to` (`YYYY-MM-DD`, the site's local
//! days, both included), `by` (how funnels split: `tier`, `arm:<experiment>`,
//! `segment:<name>`), and `format=csv` with `table=` one of [`TABLES`] for a spreadsheet.

use crate::answers::{authorized, error, json, text, unavailable};
use crate::measure::Part;
use crate::page::{self, Visit};
use crate::request_url::RequestUrl;
use crate::store;
use serde_json::{json, Value};
use signpost::analysis;
use signpost::config::Config;
use signpost::measure::sql::Split;
use worker::{Env, Request, Result};

/// The tables `format=csv` exports.
pub const TABLES: &[&str] = &[
    "offers",
    "experiments",
    "daily",
    "revenue",
    "funnels",
    "cohorts",
    "segments",
];

pub async fn report(req: Request, env: &Env) -> Result<web_sys::Response> {
    if !authorized(&req, env)? {
        return error(401, "a valid bearer token is required");
    }
    let visit = Visit::new(&req, env)?;
    let Ok(kv) = env.kv("SIGNPOST") else {
        return unavailable("no KV binding");
    };
    let live = match store::live(&kv, visit.now as f64).await {
        Ok(live) => live,
        Err(e) => return unavailable(&e.to_string()),
    };
    let config = live.engine.config();
    let url = RequestUrl::of(&req);
    let query = |name: &str| url.param(name);
    let asked = range(config, &url, visit.now).and_then(|r| Ok((r, split(config, query("by"))?)));
    let ((from, to), by) = match asked {
        Ok(asked) => asked,
        Err(e) => return error(400, &e),
    };
    // A CSV table reads only its own part (the others are whole queries of their own).
    let part = match (query("format").as_deref(), query("table").as_deref()) {
        (Some("csv"), Some("offers" | "experiments")) => Part::Counts,
        (Some("csv"), Some("daily")) => Part::Daily,
        (Some("csv"), Some("revenue")) => Part::Revenue,
        (Some("csv"), Some("funnels")) => Part::Funnels,
        (Some("csv"), Some("cohorts")) => Part::Cohorts,
        (Some("csv"), Some("segments")) => Part::Segments,
        _ => Part::All,
    };
    let measured = match crate::measure::read(env, config, (from, to), &by, part).await {
        Ok(Some(m)) => m,
        Ok(None) => {
            return error(
                404,
                "measurement is off: bind a D1 database as SIGNPOST_DB and the queue SIGNPOST_MEASURE (see wrangler.toml)",
            )
        }
        Err(e) => return unavailable(&e),
    };
    let mut report = signpost::report::build(config, &measured.counts);
    report.add_cuped_moments(&measured.cuped);
    let revenue: Vec<_> = (measured.revenue.into_iter())
        .map(|r| r.with_ratios())
        .collect();
    let answer = json!({
        "config_version": live.version,
        "range": { "from": from, "to": to },
        "report": report,
        "daily": signpost::series::daily(config, &measured.daily),
        "revenue": revenue,
        "funnels": measured.funnels,
        "cohorts": analysis::cohorts(measured.cohorts),
        "segments": measured.segments.into_iter().map(|s| s.with_ratios()).collect::<Vec<_>>(),
        "excluded_bots": measured.bots,
    });
    let response = match query("format").as_deref() {
        None | Some("json") => json(200, &answer)?,
        Some("csv") => match csv(&answer, query("table").as_deref()) {
            Ok(body) => text(200, &body, "text/csv; charset=utf-8")?,
            Err(e) => return error(400, &e),
        },
        Some(other) => {
            return error(
                400,
                &format!("format: expected json or csv, got \"{other}\""),
            )
        }
    };
    page::set(&response.headers(), "cache-control", "no-store")?;
    Ok(response)
}

/// One table of the answer as CSV.
fn csv(answer: &Value, table: Option<&str>) -> std::result::Result<String, String> {
    let rows: Vec<Value> = match table {
        Some("offers") => list(&answer["report"]["offers"]),
        Some("experiments") => (answer["report"]["experiments"]
            .as_array()
            .into_iter()
            .flatten())
        .flat_map(|x| {
            list(&x["variants"]).into_iter().map(move |mut v| {
                v["experiment"] = x["experiment"].clone();
                v
            })
        })
        .collect(),
        Some("funnels") => (answer["funnels"].as_array().into_iter().flatten())
            .flat_map(|f| {
                let steps = list(&f["steps"]);
                list(&f["groups"]).into_iter().flat_map(move |g| {
                    let f = f.clone();
                    (steps.clone().into_iter().enumerate()).map(move |(i, step)| {
                        json!({
                            "funnel": f["funnel"], "split": g["split"], "step": i + 1,
                            "event": step, "reached": g["reached"][i],
                            "step_rate": g["step_rate"][i], "overall_rate": g["overall_rate"][i],
                        })
                    })
                })
            })
            .collect(),
        Some(t @ ("daily" | "revenue" | "cohorts" | "segments")) => list(&answer[t]),
        _ => {
            return Err(format!(
                "table: expected one of {} with format=csv",
                TABLES.join(", ")
            ))
        }
    };
    Ok(analysis::csv(&rows))
}

fn list(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

/// `from` and `to` as epoch ms, `to` excluded; all time up to now by default.
fn range(config: &Config, url: &RequestUrl, now: i64) -> std::result::Result<(i64, i64), String> {
    let day = |name: &str, next: i64| -> std::result::Result<Option<i64>, String> {
        let Some(v) = url.param(name) else {
            return Ok(None);
        };
        let start = config
            .timezone
            .day_start(&v, next)
            .ok_or_else(|| format!("{name}: expected a date as YYYY-MM-DD, got \"{v}\""))?;
        Ok(Some(start))
    };
    let from = day("from", 0)?.unwrap_or(0);
    let to = day("to", 1)?.unwrap_or(now + 1);
    if to <= from {
        return Err("to: must not come before from".into());
    }
    Ok((from, to))
}

/// `by`: how funnels split, checked against the config.
fn split(config: &Config, by: Option<String>) -> std::result::Result<Split, String> {
    let Some(by) = by else { return Ok(Split::None) };
    let bad = || {
        format!("by: expected tier, arm:<experiment> or segment:<name> of the live config, got \"{by}\"")
    };
    match by.split_once(':') {
        None if by == "tier" => Ok(Split::Tier),
        Some(("arm", x)) if config.experiments.iter().any(|e| e.id == x) => {
            Ok(Split::Arm(x.into()))
        }
        Some(("segment", s)) if config.segment_index(s).is_some() => Ok(Split::Segment(s.into())),
        _ => Err(bad()),
    }
}
