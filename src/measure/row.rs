//! Measurement as raw rows: every page view, event (a purchase with its revenue), segment
//! transition and count ([`Count`]) becomes one [`Row`] with the dimensions a report splits
//! by. A host appends rows to a SQL table (the Worker: a Queue into D1) and reports query it,
//! so no object keeps per-visitor state: "once per visitor" is distinct visitors at query time,
//! over the rows or their roll-ups (`super::rollup`); [`aggregate`] is the same rule in
//! memory, for tests and the CLI.
//!
//! Rows name visitors and users by [`visitor_token`], never by their ids.

use super::{visitor_token, Count};
use crate::decision::Decision;
use crate::engine::Engine;
use crate::events::Event;
use crate::profile::Profile;
use crate::request::{Device, RequestInfo};
use crate::time::{civil_from_days, Millis, DAY};
use crate::timezone::Tz;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One measurement row. Fields that do not apply are `None` (SQL `NULL`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// When, in epoch milliseconds.
    pub t: Millis,
    /// The site's local date (the config's timezone), `YYYY-MM-DD`: daily series group by it.
    pub day: String,
    /// The visitor's token.
    pub visitor: String,
    /// The user's token, when the visitor identified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `page_view`, an event's type, `segment.entered`, `segment.exited`, or `count`.
    pub kind: String,
    /// For a count: the counter ([`Count::key`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counter: Option<String>,
    /// For a count: counted once per visitor (1) or every time (0).
    pub once: u8,
    /// The visitor's session number (1 for their first).
    pub session: u32,
    /// The offer a count is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer: Option<String>,
    /// The experiment and arm a count is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment: Option<String>,
    /// The experiment's variant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// 1 when the visitor is in the global holdout.
    pub holdout: u8,
    /// The intent tier shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// The segments the visitor was in, comma-separated, or the segment of a transition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<String>,
    /// The page's path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// `mobile`, `tablet` or `desktop`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// ISO country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// A purchase's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revenue: Option<f64>,
    /// A purchase's currency, as the event gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// 1 for a known bot or crawler: kept out of every report.
    pub bot: u8,
}

/// The columns of [`Row`], in order: the table's schema lists exactly these.
pub const COLUMNS: &[&str] = &[
    "t",
    "day",
    "visitor",
    "user",
    "kind",
    "counter",
    "once",
    "session",
    "offer",
    "experiment",
    "variant",
    "holdout",
    "tier",
    "segments",
    "page",
    "device",
    "country",
    "revenue",
    "currency",
    "bot",
];

/// What every row of one request shares.
struct Base {
    row: Row,
}

impl Base {
    fn new(engine: &Engine, profile: &Profile, visitor: &str, now: Millis) -> Base {
        Base {
            row: Row {
                t: now,
                day: local_day(engine, now),
                visitor: visitor_token(visitor),
                user: user_of(profile).map(visitor_token),
                session: profile.visits.max(1),
                ..Row::default()
            },
        }
    }

    fn with_request(mut self, req: &RequestInfo, decision: &Decision, bot: bool) -> Base {
        let r = &mut self.row;
        r.page = Some(path_of(&req.url).to_string());
        let ua = req.header("user-agent").unwrap_or("");
        r.device = Some(
            Device::detect(ua, req.header("sec-ch-ua-mobile"))
                .as_str()
                .into(),
        );
        r.country = req.country.clone();
        r.holdout = u8::from(decision.holdout);
        r.tier = Some(decision.tier.clone()).filter(|t| !t.is_empty());
        r.segments = Some(decision.segments.join(",")).filter(|s| !s.is_empty());
        r.bot = u8::from(bot);
        self
    }

    fn row(&self, kind: &str) -> Row {
        Row {
            kind: kind.to_string(),
            ..self.row.clone()
        }
    }

    fn count(&self, c: &Count) -> Row {
        let mut row = self.row("count");
        let mut parts = c.key.split('/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("offer"), Some(offer), _) => row.offer = Some(offer.into()),
            (Some("exp"), Some(x), Some(v)) => {
                row.experiment = Some(x.into());
                row.variant = Some(v.into());
            }
            _ => {}
        }
        row.counter = Some(c.key.clone());
        row.once = u8::from(c.once);
        row
    }
}

/// The site's local date at `t` (the config's timezone), `YYYY-MM-DD`.
fn local_day(engine: &Engine, t: Millis) -> String {
    day_of(&engine.config().timezone, t)
}

/// The local date at `t` in `tz`, `YYYY-MM-DD`: a row's `day`, and how a report names the
/// days of its range to the roll-ups keyed by day.
pub fn day_of(tz: &Tz, t: Millis) -> String {
    let local = t + tz.offset_at(t) * 1000;
    let (y, m, d) = civil_from_days(local.div_euclid(DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The user a profile belongs to (`u:<id>` profiles), if any.
fn user_of(profile: &Profile) -> Option<&str> {
    profile.id.strip_prefix("u:")
}

fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = if url.contains("://") {
        rest.find('/').map_or("/", |i| &rest[i..])
    } else {
        rest
    };
    path.split(['?', '#']).next().unwrap_or("/")
}

/// A served page's rows: its view, the events `track` rules derive from it, then its counts
/// (`counts` from [`super::for_page`]). `visitor` is the browser's id.
pub fn page_rows(
    engine: &Engine,
    profile: &Profile,
    visitor: &str,
    req: &RequestInfo,
    decision: &Decision,
    counts: &[Count],
    now: Millis,
) -> Vec<Row> {
    let base = Base::new(engine, profile, visitor, now).with_request(req, decision, is_bot(req));
    let mut out = vec![base.row("page_view")];
    // The events the config's `track` rules derive from the URL (`product_view`, ...): funnels
    // count them like any other.
    let facts = engine.request_facts(req, now);
    let derived = engine.request_events(&facts);
    let derived = derived.iter().filter(|e| e.kind != "page_view");
    out.extend(derived.map(|e| base.row(&e.kind)));
    out.extend(counts.iter().map(|c| base.count(c)));
    out
}

/// A batch of page events' rows: one per event (a purchase with its revenue and currency),
/// then the counts they made. `req` and `decision` describe the page they were posted from.
#[allow(clippy::too_many_arguments)] // a row's dimensions come from all of them
pub fn event_rows(
    engine: &Engine,
    profile: &Profile,
    visitor: &str,
    req: &RequestInfo,
    decision: &Decision,
    events: &[Event],
    counts: &[Count],
    now: Millis,
) -> Vec<Row> {
    let base = Base::new(engine, profile, visitor, now).with_request(req, decision, is_bot(req));
    let mut out: Vec<Row> = events
        .iter()
        .map(|e| {
            let mut row = base.row(&e.kind);
            row.t = e.at.map_or(now, |t| t.min(now));
            row.day = local_day(engine, row.t);
            if e.kind == "purchase" {
                row.revenue = Some(crate::record::order_total(e, engine.catalog()));
                row.currency = e
                    .props
                    .get("currency")
                    .and_then(|c| c.as_str())
                    .map(Into::into);
            }
            row
        })
        .collect();
    out.extend(counts.iter().map(|c| base.count(c)));
    out
}

/// Server events' rows (the ingest): no page, no request.
pub fn server_rows(engine: &Engine, profile: &Profile, events: &[Event], now: Millis) -> Vec<Row> {
    let visitor = profile
        .devices
        .first()
        .map_or(profile.id.as_str(), |d| d.0.as_str());
    let base = Base::new(engine, profile, visitor, now);
    events
        .iter()
        .map(|e| {
            let mut row = base.row(&e.kind);
            if e.kind == "purchase" {
                row.revenue = Some(crate::record::order_total(e, engine.catalog()));
                row.currency = e
                    .props
                    .get("currency")
                    .and_then(|c| c.as_str())
                    .map(Into::into);
            }
            row
        })
        .collect()
}

/// A segment entered or left (`kind`: `segment.entered` / `segment.exited`), as the profile's
/// writer found it.
pub fn transition_row(
    engine: &Engine,
    profile: &Profile,
    kind: &str,
    segment: &str,
    at: Millis,
) -> Row {
    let visitor = profile
        .devices
        .first()
        .map_or(profile.id.as_str(), |d| d.0.as_str());
    let mut row = Base::new(engine, profile, visitor, at).row(kind);
    row.segments = Some(segment.to_string());
    row
}

/// Whether a request comes from a known bot or crawler: the runtime's verdict when the host
/// passes one (`x-signpost-bot: 1`, from Cloudflare's bot signals), else the User-Agent. Such
/// visitors get their pages, but their rows are marked and no report counts them.
pub fn is_bot(req: &RequestInfo) -> bool {
    if req.header("x-signpost-bot") == Some("1") {
        return true;
    }
    let Some(ua) = req.header("user-agent") else {
        return false;
    };
    let ua = ua.to_ascii_lowercase();
    BOT_MARKS.iter().any(|m| ua.contains(m))
}

/// Lower-case fragments of crawler, monitor and script User-Agents. Narrow on purpose: a
/// phone brand ("Cubot") or a headless browser driven by a site's own tests is no crawler; a
/// site that needs more passes the runtime's bot signal.
const BOT_MARKS: &[&str] = &[
    "+http", // crawlers name their info page: "(compatible; Googlebot/2.1; +http://...)"
    "bot/",
    "bot;",
    "bot)",
    "crawler",
    "spider",
    "slurp",
    "lighthouse",
    "facebookexternalhit",
    "python-requests",
    "curl/",
    "wget/",
    "go-http-client",
    "phantomjs",
    "uptimerobot",
    "pingdom",
];

/// Counters from rows, as the SQL reports compute them: a once-only counter counts distinct
/// visitors, another every row; bots' rows count nowhere. Also answers how many distinct
/// bot visitors were left out.
pub fn aggregate(rows: &[Row]) -> (BTreeMap<String, u64>, u64) {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut bots: BTreeSet<&str> = BTreeSet::new();
    for r in rows {
        if r.bot == 1 {
            bots.insert(&r.visitor);
            continue;
        }
        let Some(counter) = &r.counter else { continue };
        if r.once == 1 && !seen.insert((counter, &r.visitor)) {
            continue;
        }
        *counts.entry(counter.clone()).or_insert(0) += 1;
    }
    (counts, bots.len() as u64)
}

#[cfg(test)]
mod tests;
