//! Roll-ups of the measurement rows, kept by the queue's consumer in the same D1 batch as the
//! rows themselves, so that the reports that group every visitor of a range (the daily series,
//! funnels, cohorts, segments' value) read about one row per visitor and day instead of every
//! event (bench/RESULTS.md, "Measurement at scale").
//!
//! Every roll-up is keyed by the site's local day, so it answers any range of whole days: the
//! report's ranges (`from` and `to` are local midnights, or `to` is now). Each carries a time
//! (`t`, `first_t`) that a query filters on as it would filter the rows' `t`.
//!
//! A queue batch may be stored twice (its acknowledgement lost after the insert), and rows
//! have no id. So every roll-up but one keeps only what a replay cannot change: a minimum, a
//! maximum, a flag, or a distinct key. The exception is [`COUNTS_BY_DAY`], the every-time
//! counters' rows per day, which adds as the rows do: a replayed batch adds its rows to the
//! table and their count to the roll-up in the same transaction, so the two always agree (as
//! before, an every-time counter counts a replayed batch's rows again).
//!
//! Bots' rows roll up nowhere: no report counts them (their number comes from the rows).

use super::row::Row;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Per visitor and local day: first and last time seen, the segments seen that day (a
/// comma-separated list, with repeats), whether they viewed a page and whether they bought.
pub const VISITOR_DAYS: &str = "visitor_days";
/// Per once-only counter, visitor and day: the first time counted that day, and a time of the
/// visitor's latest earlier day with that count (`prev_t`, none for the first). A range's
/// distinct visitors are then its rows whose earlier day falls before the range: one per
/// visitor, counted without grouping by visitor.
pub const COUNTER_VISITOR_DAYS: &str = "counter_visitor_days";
/// Per every-time counter and day: the first time and how many rows.
pub const COUNTS_BY_DAY: &str = "counts_by_day";
/// Per experiment and visitor: the variant (the least, should rows disagree).
pub const ARMS: &str = "arms";
/// Per event kind (not counts), visitor and day: the first time, with its tier and segments.
pub const KIND_VISITOR_DAYS: &str = "kind_visitor_days";

/// Each purchase once: by visitor, time and value (a replayed row is the same key; two orders
/// of one visitor in the same millisecond for the same value would count as one).
pub const PURCHASES: &str = "purchases";

/// Per visitor: the local day of their first page view ever (their cohort).
pub const FIRST_VIEWS: &str = "first_views";
/// Per visitor and week (from Monday) they viewed a page or bought in: the first day of each
/// that week, and their first view's day (copied from [`FIRST_VIEWS`] by a trigger, so that a
/// late event with an earlier first day moves the visitor's weeks, and with them the cells).
pub const VISITOR_WEEKS: &str = "visitor_weeks";
/// Per first-view day and day: how many visitor-weeks counted as active (their first view of
/// the week was that day) or purchasing. Kept by triggers on [`VISITOR_WEEKS`], so cohorts add
/// up cells, about days x days of them, however many visitors.
pub const COHORT_CELLS: &str = "cohort_cells";
/// Per segment, visitor and day the visitor was in it (the segments of [`VISITOR_DAYS`]): the
/// visitor's previous and next day in it. A range's members are its rows whose previous day
/// falls before it (one per visitor, no grouping), and the last one of each, whose next day
/// falls after it, says whether the visitor left the segment's days before churn's threshold.
pub const SEGMENT_DAYS: &str = "segment_days";

/// The roll-ups' version: a schema step that does not find it in `rollups_built` fills them
/// from the rows once (a deployment that upgrades keeps its history). 2 added the cohorts'
/// and segments' tables; its fill merges into the tables of 1 and builds the new ones.
const VERSION: i64 = 2;

/// The statements that make the roll-up tables (each safe to run again).
pub fn schema() -> Vec<String> {
    let mut out = vec![
        "CREATE TABLE IF NOT EXISTS rollups_built (version INTEGER PRIMARY KEY)".into(),
        "CREATE TABLE IF NOT EXISTS rollups_fill (version INTEGER NOT NULL, part INTEGER NOT NULL, \
         PRIMARY KEY (version, part))"
            .into(),
        format!(
            "CREATE TABLE IF NOT EXISTS {VISITOR_DAYS} (visitor TEXT NOT NULL, day TEXT NOT NULL, \
             first_t INTEGER NOT NULL, last_t INTEGER NOT NULL, segs TEXT, \
             views INTEGER NOT NULL, buys INTEGER NOT NULL, PRIMARY KEY (visitor, day)) WITHOUT ROWID"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {COUNTER_VISITOR_DAYS} (counter TEXT NOT NULL, \
             visitor TEXT NOT NULL, day TEXT NOT NULL, t INTEGER NOT NULL, prev_t INTEGER, \
             PRIMARY KEY (counter, visitor, day)) WITHOUT ROWID"
        ),
        // The counters and the daily series read it day by day.
        format!(
            "CREATE INDEX IF NOT EXISTS {COUNTER_VISITOR_DAYS}_by_day ON {COUNTER_VISITOR_DAYS} \
             (counter, day, t, prev_t)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {ARMS} (experiment TEXT NOT NULL, visitor TEXT NOT NULL, \
             variant TEXT NOT NULL, PRIMARY KEY (experiment, visitor)) WITHOUT ROWID"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {COUNTS_BY_DAY} (counter TEXT NOT NULL, day TEXT NOT NULL, \
             t INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (counter, day)) WITHOUT ROWID"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {KIND_VISITOR_DAYS} (kind TEXT NOT NULL, \
             visitor TEXT NOT NULL, day TEXT NOT NULL, t INTEGER NOT NULL, tier TEXT, \
             segments TEXT, PRIMARY KEY (kind, visitor, day)) WITHOUT ROWID"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {PURCHASES} (visitor TEXT NOT NULL, t INTEGER NOT NULL, \
             revenue REAL NOT NULL, PRIMARY KEY (visitor, t, revenue)) WITHOUT ROWID"
        ),
    ];
    out.extend(cohort_schema());
    out.extend(segment_schema());
    out
}

/// The cohorts' tables and the triggers that keep [`COHORT_CELLS`]: a visitor-week added
/// counts in its cells, one changed (an earlier day, a first view that moved) leaves its old
/// cells for its new ones. A replayed batch changes no visitor-week, so no cell.
fn cohort_schema() -> Vec<String> {
    let add = |row: &str| {
        format!(
            "INSERT INTO {COHORT_CELLS} (first_view, day, active, purchasers) \
             SELECT {row}.first_view, {row}.view_day, 1, 0 \
             WHERE {row}.first_view IS NOT NULL AND {row}.view_day IS NOT NULL \
             ON CONFLICT (first_view, day) DO UPDATE SET active = active + 1; \
             INSERT INTO {COHORT_CELLS} (first_view, day, active, purchasers) \
             SELECT {row}.first_view, {row}.buy_day, 0, 1 \
             WHERE {row}.first_view IS NOT NULL AND {row}.buy_day IS NOT NULL \
             ON CONFLICT (first_view, day) DO UPDATE SET purchasers = purchasers + 1;"
        )
    };
    let first_view_to_weeks =
        format!("UPDATE {VISITOR_WEEKS} SET first_view = NEW.day WHERE visitor = NEW.visitor;");
    vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {FIRST_VIEWS} (visitor TEXT PRIMARY KEY, \
             day TEXT NOT NULL) WITHOUT ROWID"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {VISITOR_WEEKS} (visitor TEXT NOT NULL, week TEXT NOT NULL, \
             first_view TEXT, view_day TEXT, buy_day TEXT, PRIMARY KEY (visitor, week)) WITHOUT ROWID"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {COHORT_CELLS} (first_view TEXT NOT NULL, day TEXT NOT NULL, \
             active INTEGER NOT NULL, purchasers INTEGER NOT NULL, PRIMARY KEY (first_view, day)) \
             WITHOUT ROWID"
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS {FIRST_VIEWS}_added AFTER INSERT ON {FIRST_VIEWS} \
             BEGIN {first_view_to_weeks} END"
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS {FIRST_VIEWS}_moved AFTER UPDATE OF day ON {FIRST_VIEWS} \
             WHEN NEW.day IS NOT OLD.day BEGIN {first_view_to_weeks} END"
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS {VISITOR_WEEKS}_added AFTER INSERT ON {VISITOR_WEEKS} \
             BEGIN {} END",
            add("NEW")
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS {VISITOR_WEEKS}_changed AFTER UPDATE ON {VISITOR_WEEKS} \
             WHEN NEW.first_view IS NOT OLD.first_view OR NEW.view_day IS NOT OLD.view_day \
             OR NEW.buy_day IS NOT OLD.buy_day BEGIN \
             UPDATE {COHORT_CELLS} SET active = active - 1 \
             WHERE first_view = OLD.first_view AND day = OLD.view_day; \
             UPDATE {COHORT_CELLS} SET purchasers = purchasers - 1 \
             WHERE first_view = OLD.first_view AND day = OLD.buy_day; \
             DELETE FROM {COHORT_CELLS} WHERE first_view = OLD.first_view \
             AND day IN (OLD.view_day, OLD.buy_day) AND active = 0 AND purchasers = 0; {} END",
            add("NEW")
        ),
    ]
}

/// The segments' days and the trigger that keeps the neighbours' links when a day is added
/// between or before others (a late event).
fn segment_schema() -> Vec<String> {
    let mine = "segment = NEW.segment AND visitor = NEW.visitor";
    vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {SEGMENT_DAYS} (segment TEXT NOT NULL, visitor TEXT NOT NULL, \
             day TEXT NOT NULL, prev_day TEXT, next_day TEXT, PRIMARY KEY (segment, visitor, day)) \
             WITHOUT ROWID"
        ),
        // Segments' value reads it by segment and day.
        format!(
            "CREATE INDEX IF NOT EXISTS {SEGMENT_DAYS}_by_day ON {SEGMENT_DAYS} \
             (segment, day, prev_day, next_day)"
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS {SEGMENT_DAYS}_added AFTER INSERT ON {SEGMENT_DAYS} BEGIN \
             UPDATE {SEGMENT_DAYS} SET prev_day = NEW.day WHERE {mine} AND day = \
             (SELECT MIN(day) FROM {SEGMENT_DAYS} WHERE {mine} AND day > NEW.day) \
             AND (prev_day IS NULL OR prev_day < NEW.day); \
             UPDATE {SEGMENT_DAYS} SET next_day = NEW.day WHERE {mine} AND day = \
             (SELECT MAX(day) FROM {SEGMENT_DAYS} WHERE {mine} AND day < NEW.day) \
             AND (next_day IS NULL OR next_day > NEW.day); END"
        ),
    ]
}

/// How many parts the first fill splits the rows into, by the visitor token's first two hex
/// digits: every roll-up but the every-time counts is keyed by visitor, so a part fills its
/// visitors whole, and each part reads a 256th of the rows (D1 allows 30 s for one query; the
/// whole of ten million rows took 92 s in one statement).
pub const FILL_PARTS: usize = 256;

/// Whether the roll-ups were filled from the rows: one row `{n}`, 1 when they were.
pub fn filled() -> String {
    format!("SELECT COUNT(*) AS n FROM rollups_built WHERE version = {VERSION}")
}

/// The parts of the first fill already done (a fill cut short goes on where it stopped): rows
/// `{part}`.
pub fn filled_parts() -> String {
    format!("SELECT part FROM rollups_fill WHERE version = {VERSION}")
}

/// The statements that fill part `part` (of [`FILL_PARTS`]) of the roll-ups from the rows, in
/// one batch that also records the part done. Each merges by the upserts' own rules (the
/// counters' earlier days are replaced: the rows are their truth), so a fill that runs after
/// the consumer added some batches, or runs again after a failure, ends with what the rows
/// hold. `INDEXED BY`: the visitors' index is the one that narrows the rows to the part.
pub fn fill_part(part: usize) -> Vec<String> {
    let from = if part == 0 {
        String::new()
    } else {
        format!("{part:02x}")
    };
    let to = if part + 1 < FILL_PARTS {
        format!(" AND visitor < '{:02x}'", part + 1)
    } else {
        String::new()
    };
    let rows = "rows INDEXED BY rows_by_visitor";
    let visitors = format!("visitor >= '{from}'{to}");
    let mine = format!("bot = 0 AND {visitors}");
    // The part's visitor-days, once filled: what the cohorts' and segments' tables come from.
    let days = format!("(SELECT * FROM {VISITOR_DAYS} WHERE {visitors})");
    vec![
        format!(
            "INSERT INTO {VISITOR_DAYS} (visitor, day, first_t, last_t, segs, views, buys) \
             SELECT visitor, day, MIN(t), MAX(t), group_concat(DISTINCT segments), \
             MAX(kind = 'page_view'), MAX(kind = 'purchase') FROM {rows} \
             WHERE {mine} GROUP BY visitor, day {VISITOR_DAYS_MERGE}"
        ),
        format!(
            "INSERT INTO {FIRST_VIEWS} (visitor, day) SELECT visitor, MIN(day) FROM {days} \
             WHERE views = 1 GROUP BY visitor {FIRST_VIEWS_MERGE}"
        ),
        format!(
            "INSERT INTO {VISITOR_WEEKS} (visitor, week, first_view, view_day, buy_day) \
             SELECT d.visitor, {WEEK_OF_DAY} AS week, f.day, \
             MIN(CASE WHEN d.views = 1 THEN d.day END), MIN(CASE WHEN d.buys = 1 THEN d.day END) \
             FROM {days} d LEFT JOIN {FIRST_VIEWS} f ON f.visitor = d.visitor \
             WHERE d.views = 1 OR d.buys = 1 GROUP BY d.visitor, week \
             ON CONFLICT (visitor, week) DO UPDATE SET first_view = excluded.first_view, \
             {VISITOR_WEEKS_MERGE}"
        ),
        // Each day's segments, split from its list, linked to the visitor's days before and
        // after in the same segment.
        format!(
            "INSERT INTO {SEGMENT_DAYS} (segment, visitor, day, prev_day, next_day) \
             SELECT segment, visitor, day, LAG(day) OVER w, LEAD(day) OVER w FROM \
             (WITH RECURSIVE split(visitor, day, segment, rest) AS \
             (SELECT visitor, day, '', segs || ',' FROM {days} WHERE segs IS NOT NULL \
             UNION ALL SELECT visitor, day, substr(rest, 1, instr(rest, ',') - 1), \
             substr(rest, instr(rest, ',') + 1) FROM split WHERE rest <> '') \
             SELECT DISTINCT segment, visitor, day FROM split WHERE segment <> '') \
             WHERE true WINDOW w AS (PARTITION BY segment, visitor ORDER BY day) \
             ON CONFLICT (segment, visitor, day) DO UPDATE SET prev_day = excluded.prev_day, \
             next_day = excluded.next_day"
        ),
        format!(
            "INSERT INTO {COUNTER_VISITOR_DAYS} (counter, visitor, day, t, prev_t) \
             SELECT counter, visitor, day, t, \
             LAG(t) OVER (PARTITION BY counter, visitor ORDER BY day) FROM \
             (SELECT counter, visitor, day, MIN(t) AS t FROM {rows} \
             WHERE once = 1 AND counter IS NOT NULL AND {mine} \
             GROUP BY counter, visitor, day) WHERE true \
             ON CONFLICT (counter, visitor, day) DO UPDATE SET t = MIN(t, excluded.t), \
             prev_t = excluded.prev_t"
        ),
        format!(
            "INSERT INTO {ARMS} (experiment, visitor, variant) \
             SELECT experiment, visitor, MIN(variant) FROM {rows} \
             WHERE experiment IS NOT NULL AND variant IS NOT NULL AND {mine} \
             GROUP BY experiment, visitor {ARMS_MERGE}"
        ),
        format!(
            "INSERT INTO {KIND_VISITOR_DAYS} (kind, visitor, day, t, tier, segments) \
             SELECT kind, visitor, day, MIN(t), tier, segments FROM {rows} \
             WHERE kind <> 'count' AND {mine} GROUP BY kind, visitor, day \
             {KIND_VISITOR_DAYS_MERGE}"
        ),
        format!(
            "INSERT OR IGNORE INTO {PURCHASES} (visitor, t, revenue) \
             SELECT visitor, t, COALESCE(revenue, 0) FROM {rows} \
             WHERE kind = 'purchase' AND {mine}"
        ),
        format!("INSERT OR IGNORE INTO rollups_fill (version, part) VALUES ({VERSION}, {part})"),
    ]
}

/// The fill's last batch, once every part is done: the every-time counters' days (replaced:
/// the rows are their truth; a day's rows are few) and the mark that the fill is done.
pub fn fill_end() -> Vec<String> {
    vec![
        format!(
            "INSERT INTO {COUNTS_BY_DAY} (counter, day, t, n) \
             SELECT counter, day, MIN(t), COUNT(*) FROM rows \
             WHERE once = 0 AND bot = 0 AND counter IS NOT NULL GROUP BY counter, day \
             ON CONFLICT (counter, day) DO UPDATE SET t = excluded.t, n = excluded.n"
        ),
        format!("INSERT OR IGNORE INTO rollups_built (version) VALUES ({VERSION})"),
    ]
}

/// How a visitor's day merges: earliest first, latest last, the segments' lists joined (a list
/// already there is not added again, so a replay changes nothing), flags kept once set.
const VISITOR_DAYS_MERGE: &str = "ON CONFLICT (visitor, day) DO UPDATE SET \
first_t = MIN(first_t, excluded.first_t), last_t = MAX(last_t, excluded.last_t), \
segs = CASE WHEN excluded.segs IS NULL THEN segs WHEN segs IS NULL THEN excluded.segs \
WHEN instr(',' || segs || ',', ',' || excluded.segs || ',') > 0 THEN segs \
ELSE segs || ',' || excluded.segs END, \
views = MAX(views, excluded.views), buys = MAX(buys, excluded.buys)";

/// The Monday that begins the week of `d.day` (the cohorts' week, as SQLite's dates count it).
const WEEK_OF_DAY: &str = "date(d.day, '-6 days', 'weekday 1')";

/// A visitor's first view: the earliest day wins (a replay is no change, so no trigger).
const FIRST_VIEWS_MERGE: &str = "ON CONFLICT (visitor) DO UPDATE SET day = excluded.day \
WHERE excluded.day < first_views.day";

/// A week's first view and first purchase: the earliest day of each (either may be none).
const VISITOR_WEEKS_MERGE: &str = "\
view_day = MIN(COALESCE(view_day, excluded.view_day), COALESCE(excluded.view_day, view_day)), \
buy_day = MIN(COALESCE(buy_day, excluded.buy_day), COALESCE(excluded.buy_day, buy_day))";

const ARMS_MERGE: &str =
    "ON CONFLICT (experiment, visitor) DO UPDATE SET variant = MIN(variant, excluded.variant)";

/// The earliest row of the day wins, with its tier and segments.
const KIND_VISITOR_DAYS_MERGE: &str = "ON CONFLICT (kind, visitor, day) DO UPDATE SET \
t = excluded.t, tier = excluded.tier, segments = excluded.segments \
WHERE excluded.t < kind_visitor_days.t";

/// The upserts that add a batch of rows to the roll-ups: the batch is first folded per key, so
/// a batch costs one statement per visitor-day (and per counter or kind of it), not per row.
pub fn upserts(rows: &[Row]) -> Vec<(String, Vec<Value>)> {
    #[derive(Default)]
    struct Day {
        first: i64,
        last: i64,
        segments: BTreeSet<String>,
        views: bool,
        buys: bool,
    }
    let mut days: BTreeMap<(&str, &str), Day> = BTreeMap::new();
    let mut counters: BTreeMap<(&str, &str, &str), i64> = BTreeMap::new();
    let mut counts: BTreeMap<(&str, &str), (i64, u64)> = BTreeMap::new();
    let mut kinds: BTreeMap<(&str, &str, &str), &Row> = BTreeMap::new();
    let mut arms: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    let mut out = Vec::new();
    for r in rows.iter().filter(|r| r.bot == 0) {
        let d = days
            .entry((r.visitor.as_str(), r.day.as_str()))
            .or_insert_with(|| Day {
                first: r.t,
                last: r.t,
                ..Day::default()
            });
        d.first = d.first.min(r.t);
        d.last = d.last.max(r.t);
        let listed = r.segments.as_deref().unwrap_or("").split(',');
        d.segments
            .extend(listed.filter(|s| !s.is_empty()).map(str::to_string));
        d.views |= r.kind == "page_view";
        if r.kind == "purchase" {
            d.buys = true;
            out.push((
                format!("INSERT OR IGNORE INTO {PURCHASES} (visitor, t, revenue) VALUES (?, ?, ?)"),
                vec![
                    r.visitor.as_str().into(),
                    r.t.into(),
                    r.revenue.unwrap_or(0.0).into(),
                ],
            ));
        }
        match (&r.counter, r.once) {
            (Some(c), 1) => {
                let t = counters
                    .entry((c.as_str(), r.visitor.as_str(), r.day.as_str()))
                    .or_insert(r.t);
                *t = (*t).min(r.t);
            }
            (Some(c), _) => {
                let (t, n) = counts
                    .entry((c.as_str(), r.day.as_str()))
                    .or_insert((r.t, 0));
                *t = (*t).min(r.t);
                *n += 1;
            }
            (None, _) => {}
        }
        if let (Some(x), Some(v)) = (&r.experiment, &r.variant) {
            let arm = arms.entry((x.as_str(), r.visitor.as_str())).or_insert(v);
            *arm = (*arm).min(v.as_str());
        }
        if r.kind != "count" {
            let first = kinds
                .entry((r.kind.as_str(), r.visitor.as_str(), r.day.as_str()))
                .or_insert(r);
            if r.t < first.t {
                *first = r;
            }
        }
    }
    for ((visitor, day), d) in days {
        // The cohorts: the first view first, so that the week's row finds it.
        if d.views {
            out.push((
                format!(
                    "INSERT INTO {FIRST_VIEWS} (visitor, day) VALUES (?, ?) {FIRST_VIEWS_MERGE}"
                ),
                vec![visitor.into(), day.into()],
            ));
        }
        if d.views || d.buys {
            let first = |yes: bool| if yes { Value::from(day) } else { Value::Null };
            out.push((
                format!(
                    "INSERT INTO {VISITOR_WEEKS} (visitor, week, first_view, view_day, buy_day) \
                     VALUES (?1, date(?2, '-6 days', 'weekday 1'), \
                     (SELECT day FROM {FIRST_VIEWS} WHERE visitor = ?1), ?3, ?4) \
                     ON CONFLICT (visitor, week) DO UPDATE SET {VISITOR_WEEKS_MERGE}"
                ),
                vec![visitor.into(), day.into(), first(d.views), first(d.buys)],
            ));
        }
        // The segments' days: a new one is linked to its neighbours here and by the trigger.
        for segment in &d.segments {
            out.push((
                format!(
                    "INSERT INTO {SEGMENT_DAYS} (segment, visitor, day, prev_day, next_day) \
                     VALUES (?1, ?2, ?3, (SELECT MAX(day) FROM {SEGMENT_DAYS} \
                     WHERE segment = ?1 AND visitor = ?2 AND day < ?3), (SELECT MIN(day) \
                     FROM {SEGMENT_DAYS} WHERE segment = ?1 AND visitor = ?2 AND day > ?3)) \
                     ON CONFLICT (segment, visitor, day) DO NOTHING"
                ),
                vec![segment.as_str().into(), visitor.into(), day.into()],
            ));
        }
        let segs =
            Some(d.segments.into_iter().collect::<Vec<_>>().join(",")).filter(|s| !s.is_empty());
        out.push((
            format!(
                "INSERT INTO {VISITOR_DAYS} (visitor, day, first_t, last_t, segs, views, buys) \
                 VALUES (?, ?, ?, ?, ?, ?, ?) {VISITOR_DAYS_MERGE}"
            ),
            vec![
                visitor.into(),
                day.into(),
                d.first.into(),
                d.last.into(),
                segs.into(),
                u8::from(d.views).into(),
                u8::from(d.buys).into(),
            ],
        ));
    }
    for ((counter, visitor, day), t) in counters {
        out.push((
            format!(
                "INSERT INTO {COUNTER_VISITOR_DAYS} (counter, visitor, day, t, prev_t) \
                 VALUES (?1, ?2, ?3, ?4, (SELECT MAX(t) FROM {COUNTER_VISITOR_DAYS} \
                 WHERE counter = ?1 AND visitor = ?2 AND day < ?3)) \
                 ON CONFLICT (counter, visitor, day) DO UPDATE SET t = MIN(t, excluded.t)"
            ),
            vec![counter.into(), visitor.into(), day.into(), t.into()],
        ));
        // A day that came late (an earlier day than one stored) is the next day's earlier day.
        out.push((
            format!(
                "UPDATE {COUNTER_VISITOR_DAYS} SET prev_t = ?4 \
                 WHERE counter = ?1 AND visitor = ?2 AND day = (SELECT MIN(day) \
                 FROM {COUNTER_VISITOR_DAYS} WHERE counter = ?1 AND visitor = ?2 AND day > ?3) \
                 AND (prev_t IS NULL OR prev_t < ?4)"
            ),
            vec![counter.into(), visitor.into(), day.into(), t.into()],
        ));
    }
    for ((counter, day), (t, n)) in counts {
        out.push((
            format!(
                "INSERT INTO {COUNTS_BY_DAY} (counter, day, t, n) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (counter, day) DO UPDATE SET t = MIN(t, excluded.t), n = n + excluded.n"
            ),
            vec![counter.into(), day.into(), t.into(), n.into()],
        ));
    }
    for ((experiment, visitor), variant) in arms {
        out.push((
            format!(
                "INSERT INTO {ARMS} (experiment, visitor, variant) VALUES (?, ?, ?) {ARMS_MERGE}"
            ),
            vec![experiment.into(), visitor.into(), variant.into()],
        ));
    }
    for ((kind, visitor, day), r) in kinds {
        out.push((
            format!(
                "INSERT INTO {KIND_VISITOR_DAYS} (kind, visitor, day, t, tier, segments) \
                 VALUES (?, ?, ?, ?, ?, ?) {KIND_VISITOR_DAYS_MERGE}"
            ),
            vec![
                kind.into(),
                visitor.into(),
                day.into(),
                r.t.into(),
                r.tier.clone().into(),
                r.segments.clone().into(),
            ],
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: i64, visitor: &str, kind: &str) -> Row {
        Row {
            t,
            day: "2026-11-20".into(),
            visitor: visitor.into(),
            kind: kind.into(),
            ..Row::default()
        }
    }

    #[test]
    fn the_fills_parts_cover_every_visitor_once() {
        let bounds = |part| {
            let first = fill_part(part).remove(0);
            let from = first.split("visitor >= '").nth(1).unwrap()[..2].to_string();
            let to = first
                .split("visitor < '")
                .nth(1)
                .map(|r| r[..2].to_string());
            (from, to)
        };
        assert_eq!(
            bounds(0),
            ("' ".into(), Some("01".into())),
            "from the empty token"
        );
        assert_eq!(bounds(1), ("01".into(), Some("02".into())));
        assert_eq!(
            bounds(FILL_PARTS - 1),
            ("ff".into(), None),
            "to every token after"
        );
        for part in 1..FILL_PARTS {
            assert_eq!(
                bounds(part - 1).1,
                Some(bounds(part).0),
                "part {part} follows on"
            );
        }
    }

    #[test]
    fn a_batch_folds_to_one_upsert_per_key_and_bots_roll_up_nowhere() {
        let mut rows = vec![
            row(5, "a", "page_view"),
            row(3, "a", "page_view"),
            row(9, "a", "purchase"),
            row(4, "b", "page_view"),
        ];
        rows[0].segments = Some("returning,cart".into());
        rows[1].segments = Some("returning".into());
        rows[3].bot = 1;
        let mut count = row(6, "a", "count");
        count.counter = Some("offer/x/visitors".into());
        count.once = 1;
        rows.push(count.clone());
        rows.push(Row { t: 2, ..count });
        let out = upserts(&rows);
        let tables: Vec<&str> = out
            .iter()
            .map(|(s, _)| {
                let after = s.split_once(" INTO ").map_or(&s[7..], |(_, a)| a);
                after.split(' ').next().unwrap()
            })
            .collect();
        assert_eq!(
            tables,
            [
                PURCHASES,
                FIRST_VIEWS,
                VISITOR_WEEKS,
                SEGMENT_DAYS,
                SEGMENT_DAYS,
                VISITOR_DAYS,
                COUNTER_VISITOR_DAYS,
                COUNTER_VISITOR_DAYS
            ]
            .into_iter()
            .chain([KIND_VISITOR_DAYS; 2])
            .collect::<Vec<_>>()
        );
        for (sql, params) in &out {
            let numbered = (1..=9).filter(|n| sql.contains(&format!("?{n}"))).count();
            let marks = if numbered > 0 {
                numbered
            } else {
                sql.matches('?').count()
            };
            assert_eq!(marks, params.len(), "{sql}");
        }
        let day = |v: &str| Value::from(v);
        assert_eq!(out[1].1, [day("a"), day("2026-11-20")], "the first view");
        assert_eq!(
            out[2].1,
            [
                day("a"),
                day("2026-11-20"),
                day("2026-11-20"),
                day("2026-11-20")
            ],
            "the week: viewed and bought that day"
        );
        let segments: Vec<&Value> = out[3..5].iter().map(|(_, p)| &p[0]).collect();
        assert_eq!(
            segments,
            [&day("cart"), &day("returning")],
            "each segment once"
        );
        let out = &out[5..];
        let day = &out[0].1;
        assert_eq!(day[0], Value::from("a"));
        assert_eq!((&day[2], &day[3]), (&Value::from(2), &Value::from(9)));
        assert_eq!(day[4], Value::from("cart,returning"));
        assert_eq!((&day[5], &day[6]), (&Value::from(1), &Value::from(1)));
        assert_eq!(
            out[1].1[3],
            Value::from(2),
            "the counter's first time that day"
        );
        let view = out.iter().find(|(_, p)| p[0] == "page_view");
        assert_eq!(view.unwrap().1[3], Value::from(3));
        assert_eq!(
            view.unwrap().1[5],
            Value::from("returning"),
            "the first view's segments"
        );
    }
}
