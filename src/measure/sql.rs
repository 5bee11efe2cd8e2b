//! The measurement table in SQL (SQLite's dialect, which D1 speaks): its schema, the insert
//! of a [`Row`](super::Row), and the queries reports run over the rows and their roll-ups
//! ([`super::rollup`]). Written once here; the Worker's JS only runs
//! what these name. The counting rule is [`super::aggregate`]'s: once-only counters count
//! distinct visitors, bots count nowhere.

use super::rollup;
use super::row::COLUMNS;
use serde_json::Value;

/// The statements that make the table, its indexes and its roll-ups ([`rollup`]), each safe to
/// run again.
///
/// The indexes cover the reports' queries, so none reads the table itself for more than a
/// handful of rows (bench/RESULTS.md, "Measurement at scale": 10 million rows). Each leads with
/// the columns a query holds equal (`once`, `bot`, `kind`): with no statistics, SQLite takes an
/// index with equalities over `rows_t`'s range, and a range on `t` alone would read every row
/// of the range from the table. The first indexes (`rows_counter`, `rows_kind`,
/// `rows_visitor`) are dropped: they made a report read the table row by row, and revenue per
/// arm joined every exposure to every purchase.
pub fn schema() -> Vec<String> {
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("{c} {}", column_type(c)))
        .collect();
    let mut statements = vec![
        format!("CREATE TABLE IF NOT EXISTS rows ({})", columns.join(", ")),
        "DROP INDEX IF EXISTS rows_counter".into(),
        "DROP INDEX IF EXISTS rows_kind".into(),
        "DROP INDEX IF EXISTS rows_visitor".into(),
        "CREATE INDEX IF NOT EXISTS rows_t ON rows (t)".into(),
        // Counters (COUNTS, DAILY): grouped by counter, distinct visitors in order.
        "CREATE INDEX IF NOT EXISTS rows_by_count ON rows (once, bot, counter, visitor, t, day) \
         WHERE counter IS NOT NULL"
            .into(),
        // Events by type (funnels' steps, cohorts, purchases), each visitor's together.
        "CREATE INDEX IF NOT EXISTS rows_by_kind ON rows (kind, bot, visitor, t, day)".into(),
        // Per visitor (bots, when last seen, segments' members).
        "CREATE INDEX IF NOT EXISTS rows_by_visitor ON rows (bot, visitor, t, segments)".into(),
        // Experiment arms (REVENUE, funnels split by arm).
        "CREATE INDEX IF NOT EXISTS rows_by_arm ON rows (bot, experiment, variant, visitor, t) \
         WHERE experiment IS NOT NULL"
            .into(),
    ];
    statements.extend(rollup::schema());
    statements
}

fn column_type(column: &str) -> &'static str {
    match column {
        "t" | "once" | "session" | "holdout" | "bot" => "INTEGER NOT NULL",
        "day" | "visitor" | "kind" => "TEXT NOT NULL",
        "revenue" => "REAL",
        _ => "TEXT",
    }
}

/// Rows per insert statement: its one parameter, the rows' JSON, stays far under D1's 2 MB
/// for a value (a row is a few hundred bytes).
pub const ROWS_PER_INSERT: usize = 500;

/// The insert of many rows (at most [`ROWS_PER_INSERT`]) in one statement. Its one parameter is
/// the rows as a JSON array in [`Row`](super::Row)'s own form (a queue message's text as it came), each
/// column read by its name, a field left out `NULL`. One statement per row cost more CPU than
/// SQLite's work itself: each was built, serialized, parsed, prepared and bound on its way to
/// D1 (bench/RESULTS.md, "Where the per-page CPU goes"). Each row's object is read out of the
/// array once (`MATERIALIZED`): `json_each`'s `value` is made again at every mention, and
/// twenty mentions made the insert's JSON work three times over (bench/RESULTS.md, "Once-only
/// rows, once").
pub fn insert() -> String {
    let values: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("json_extract(v, '$.{c}')"))
        .collect();
    format!(
        "INSERT INTO rows ({}) WITH r(v) AS MATERIALIZED (SELECT value FROM json_each(?1)) \
         SELECT {} FROM r",
        COLUMNS.join(", "),
        values.join(", ")
    )
}

/// Counters between `?1` and `?2` (epoch ms, end excluded; whole local days, as the roll-ups
/// answer them): rows `{counter, n}`. Every-time counters add up their days' counts; a once-only
/// counter counts each visitor's first day in the range (the one whose earlier day is not in it).
pub const COUNTS: &str = "\
SELECT counter, SUM(n) AS n FROM counts_by_day WHERE t >= ?1 AND t < ?2 GROUP BY counter \
UNION ALL \
SELECT counter, COUNT(*) AS n FROM counter_visitor_days \
WHERE t >= ?1 AND t < ?2 AND (prev_t IS NULL OR prev_t < ?1) GROUP BY counter";

/// Distinct bot visitors left out between `?1` and `?2`: one row `{n}`.
pub const BOTS: &str =
    "SELECT COUNT(DISTINCT visitor) AS n FROM rows WHERE bot = 1 AND t >= ?1 AND t < ?2";

/// Audience sizes (`crate::audience`): the window's visitors and a segment's members.
/// Distinct visitors (bots left out) with a row between `?1` and `?2`: one row `{n}`.
pub const ACTIVE_VISITORS: &str =
    "SELECT COUNT(DISTINCT visitor) AS n FROM rows WHERE bot = 0 AND t >= ?1 AND t < ?2";

/// Distinct visitors (bots left out) in segment `?3` on a row between `?1` and `?2` (a row's
/// `segments` is the comma-separated list of the visitor's segments then): one row `{n}`.
pub const SEGMENT_VISITORS: &str = "SELECT COUNT(DISTINCT visitor) AS n FROM rows \
WHERE bot = 0 AND t >= ?1 AND t < ?2 AND ',' || segments || ',' LIKE '%,' || ?3 || ',%'";

/// Per counter and local day, what that day added: a once-only counter's visitors on the day
/// of their first count, another's rows. Rows `{counter, day, n}`; summed day by day they give
/// the counters up to each day. From the roll-ups: a once-only counter's visitor-days, an
/// every-time counter's days.
pub const DAILY: &str = "\
SELECT counter, day, COUNT(*) AS n FROM counter_visitor_days \
WHERE t >= ?1 AND t < ?2 AND (prev_t IS NULL OR prev_t < ?1) GROUP BY counter, day \
UNION ALL \
SELECT counter, day, n FROM counts_by_day WHERE t >= ?1 AND t < ?2";

/// Per experiment arm, its visitors, their orders and revenue between `?1` and `?2` (orders
/// by exposed visitors in the range, whenever the exposure): rows
/// `{experiment, variant, visitors, orders, revenue}`. Orders from the purchases' roll-up (each
/// once, however often its batch was stored).
pub const REVENUE: &str = "\
SELECT e.experiment AS experiment, e.variant AS variant, \
COUNT(DISTINCT e.visitor) AS visitors, COUNT(p.t) AS orders, COALESCE(SUM(p.revenue), 0) AS revenue \
FROM (SELECT DISTINCT experiment, variant, visitor FROM rows \
WHERE experiment IS NOT NULL AND bot = 0 AND t >= ?1 AND t < ?2) e \
LEFT JOIN purchases p ON p.visitor = e.visitor AND p.t >= ?1 AND p.t < ?2 \
GROUP BY e.experiment, e.variant";

/// How a funnel's visitors are split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Split {
    /// Not split: one group, `all`.
    None,
    /// By the intent tier at the first step.
    Tier,
    /// By the variant of this experiment the visitor got (`not exposed` otherwise).
    Arm(String),
    /// By membership of this segment at the first step (`in` / `out`).
    Segment(String),
}

/// A funnel of `steps.len()` ordered steps: per group, how many visitors reached each step
/// (did it at or after the time they reached the step before), between `?1` and `?2`. Answers
/// the statement and its parameters; result rows `{split, n1, n2, ...}`.
///
/// The first step, done by the most visitors, is read from each visitor's first of it per day
/// (the roll-up, with the tier and segments of that time) and only counted: its visitors are
/// streamed once and grouped, never stored or joined. The second step is read from the rows of
/// its own kind, each looking up its visitor's first step; later steps seek the rows of the
/// visitors of the step before; and the visitors who went past the first step are counted in
/// their groups apart (a union of the two counts). Only a split by tier or segment reads the
/// first step's row (and looks it up again for the visitors who went on).
pub fn funnel(steps: &[String], split: &Split) -> (String, Vec<Value>) {
    let mut params: Vec<Value> = vec![Value::Null, Value::Null];
    params.extend(steps.iter().map(|s| Value::from(s.as_str())));
    let first_step = "k.kind = ?3 AND k.t >= ?1 AND k.t < ?2";
    // Only a split by tier or segment needs the first step's row; the others group visitors.
    let by_first_row = matches!(split, Split::Tier | Split::Segment(_));
    let first_row = if by_first_row {
        ", MIN(k.t) AS t, k.tier AS tier, k.segments AS segments"
    } else {
        ""
    };
    let mut with = vec![format!(
        "s1 AS (SELECT k.visitor AS visitor{first_row} FROM kind_visitor_days k \
         WHERE {first_step} GROUP BY k.visitor)"
    )];
    for i in 1..steps.len() {
        let (n, kind) = (i + 1, i + 3);
        with.push(if i == 1 {
            format!(
                "s2 AS (SELECT r.visitor AS visitor, MIN(r.t) AS t FROM rows r \
                 WHERE r.kind = ?{kind} AND r.bot = 0 AND r.t >= ?1 AND r.t < ?2 AND r.t >= \
                 (SELECT MIN(k.t) FROM kind_visitor_days k WHERE {first_step} AND k.visitor = r.visitor) \
                 GROUP BY r.visitor)"
            )
        } else {
            format!(
                "s{n} AS (SELECT r.visitor AS visitor, MIN(r.t) AS t FROM rows r \
                 JOIN s{i} ON r.visitor = s{i}.visitor AND r.t >= s{i}.t \
                 WHERE r.kind = ?{kind} AND r.bot = 0 AND r.t < ?2 GROUP BY r.visitor)"
            )
        });
    }
    let (group, join) = match split {
        Split::None => ("'all'".to_string(), String::new()),
        Split::Tier => ("COALESCE(x.tier, 'none')".to_string(), String::new()),
        Split::Arm(experiment) => {
            params.push(Value::from(experiment.as_str()));
            let p = params.len();
            (
                "COALESCE(g.variant, 'not exposed')".to_string(),
                format!(" LEFT JOIN arms g ON g.experiment = ?{p} AND g.visitor = x.visitor"),
            )
        }
        Split::Segment(segment) => {
            params.push(Value::from(segment.as_str()));
            let p = params.len();
            (
                format!(
                    "CASE WHEN instr(',' || COALESCE(x.segments, '') || ',', ',' || ?{p} || ',') > 0 \
                     THEN 'in' ELSE 'out' END"
                ),
                String::new(),
            )
        }
    };
    let later = 2..=steps.len();
    let sums: Vec<String> = (1..=steps.len())
        .map(|n| format!("SUM(n{n}) AS n{n}"))
        .collect();
    let zeros: String = later.clone().map(|n| format!(", 0 AS n{n}")).collect();
    let mut sql = format!(
        "SELECT split, {} FROM (SELECT {group} AS split, COUNT(*) AS n1{zeros} FROM s1 x{join} \
         GROUP BY split",
        sums.join(", ")
    );
    if steps.len() > 1 {
        // Per visitor past the first step: which later steps they reached, and their first
        // step's row (its tier and segments) looked up.
        let reached: String = later
            .clone()
            .map(|n| format!(", s{n}.visitor IS NOT NULL AS n{n}"))
            .collect();
        let joins: String = (3..=steps.len())
            .map(|n| format!(" LEFT JOIN s{n} ON s{n}.visitor = s2.visitor"))
            .collect();
        let flags: String = later.clone().map(|n| format!(", d.n{n} AS n{n}")).collect();
        let past = if by_first_row {
            format!(
                "SELECT d.visitor AS visitor{first_row}{flags} FROM deep d \
                 JOIN kind_visitor_days k ON k.visitor = d.visitor AND {first_step} \
                 GROUP BY d.visitor"
            )
        } else {
            "SELECT * FROM deep".to_string()
        };
        with.push(format!(
            "deep AS (SELECT s2.visitor AS visitor{reached} FROM s2{joins}), past AS ({past})"
        ));
        let counted: String = later.map(|n| format!(", SUM(n{n}) AS n{n}")).collect();
        sql.push_str(&format!(
            " UNION ALL SELECT {group} AS split, 0 AS n1{counted} FROM past x{join} GROUP BY split"
        ));
    }
    sql = format!(
        "WITH {} {sql}) GROUP BY split ORDER BY split",
        with.join(", ")
    );
    (sql, params)
}

/// Cohorts by the local week (from Monday) of a visitor's first page view, for the visitors
/// whose first page view ever came between the local days `?3` and `?4` (both included): for
/// each cohort and each week since, the visitors who came back (viewed a page) and who bought
/// between those days. Rows `{cohort, week, active, purchasers}`; week 0 holds the cohort's
/// size. From the cohort cells ([`rollup::COHORT_CELLS`]): a visitor-week counts on the day
/// of its first view (or purchase), so a range that ends mid-week counts whom it saw.
///
/// All time this is what the visitors' days answered before; a shorter range now follows the
/// visitors new in it, where it followed each visitor's first view in the range (a returning
/// visitor counted as new).
pub const COHORTS: &str = "\
SELECT date(first_view, '-6 days', 'weekday 1') AS cohort, \
CAST((julianday(day) - julianday(date(first_view, '-6 days', 'weekday 1'))) / 7 AS INTEGER) AS week, \
SUM(active) AS active, SUM(purchasers) AS purchasers FROM cohort_cells \
WHERE first_view >= ?3 AND first_view <= ?4 AND day >= ?3 AND day <= ?4 \
GROUP BY cohort, week HAVING SUM(active) > 0 OR SUM(purchasers) > 0 ORDER BY cohort, week";

/// Per segment named in `?3` (a JSON list of names): the visitors seen in it between the local
/// days `?5` and `?6` (both included; `?1` and `?2` are the same range in epoch ms), their
/// revenue up to `?2`, and how many of them were last seen before `?4` (churned; `?7` is the
/// local day of `?4`). Rows `{segment, visitors, revenue, churned}`.
///
/// From the segments' days ([`rollup::SEGMENT_DAYS`]): a member counts on their first day in
/// the range (the one whose previous day is not in it); one whose last day in it (the next is
/// not) came after `?4`'s day was seen after `?4`, and the others are looked up in their days
/// (`visitor_days`). Revenue from the purchases' roll-up, each buyer looked up in the
/// segments' days (`+` keeps SQLite on the key, not the days' index).
pub const SEGMENT_VALUE: &str = "\
WITH names AS (SELECT DISTINCT value AS segment FROM json_each(?3)), \
members AS (SELECT s.segment AS segment, COUNT(*) AS visitors FROM names s \
JOIN segment_days d ON d.segment = s.segment AND d.day >= ?5 AND d.day <= ?6 \
AND (d.prev_day IS NULL OR d.prev_day < ?5) GROUP BY s.segment), \
lost AS (SELECT s.segment AS segment, COUNT(*) AS n FROM names s \
JOIN segment_days d ON d.segment = s.segment AND d.day >= ?5 AND d.day <= ?6 AND d.day <= ?7 \
AND (d.next_day IS NULL OR d.next_day > ?6) \
WHERE NOT EXISTS (SELECT 1 FROM visitor_days v \
WHERE v.visitor = d.visitor AND v.last_t >= ?4 AND v.first_t < ?2) GROUP BY s.segment), \
money AS (SELECT visitor, SUM(revenue) AS revenue FROM purchases WHERE t < ?2 GROUP BY visitor), \
value AS (SELECT s.segment AS segment, SUM(m.revenue) AS revenue FROM names s CROSS JOIN money m \
WHERE EXISTS (SELECT 1 FROM segment_days d WHERE d.segment = s.segment \
AND d.visitor = m.visitor AND +d.day >= ?5 AND +d.day <= ?6) GROUP BY s.segment) \
SELECT m.segment AS segment, m.visitors AS visitors, COALESCE(v.revenue, 0) AS revenue, \
COALESCE(l.n, 0) AS churned FROM members m LEFT JOIN value v ON v.segment = m.segment \
LEFT JOIN lost l ON l.segment = m.segment ORDER BY m.segment";

/// CUPED's sums per variant of the experiment `?3`, between `?1` and `?2`: the outcome is
/// whether the visitor converted for the experiment (a `.../conversions` count), the covariate
/// how many pages they had viewed before their first exposure (pre-experiment activity). Rows
/// `{variant, n, sy, sx, syy, sxx, sxy}` (the outcome is 0 or 1, so `syy = sy`).
///
/// `INDEXED BY`: with no statistics (D1 runs no `ANALYZE` by itself) SQLite reads the
/// experiment's rows through `rows_by_visitor` for its visitor order, every row of the table
/// (10 million rows: 30 s, and 1 s through `rows_by_arm`).
pub const CUPED: &str = "\
WITH exp AS (SELECT visitor, MIN(variant) AS variant, MIN(t) AS t0, \
MAX(once = 1 AND counter LIKE '%/conversions') AS y FROM rows INDEXED BY rows_by_arm \
WHERE experiment = ?3 AND bot = 0 AND t >= ?1 AND t < ?2 GROUP BY visitor), \
pre AS (SELECT e.variant AS variant, e.y AS y, COUNT(r.t) AS x FROM exp e \
LEFT JOIN rows r ON r.visitor = e.visitor AND r.kind = 'page_view' AND r.bot = 0 AND r.t < e.t0 \
GROUP BY e.visitor) \
SELECT variant, COUNT(*) AS n, SUM(y) AS sy, SUM(x) AS sx, SUM(y) AS syy, SUM(x * x) AS sxx, \
SUM(y * x) AS sxy FROM pre GROUP BY variant";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Row;

    #[test]
    fn the_schema_lists_every_column_and_an_insert_reads_each_by_name() {
        let create = &schema()[0];
        for c in COLUMNS {
            assert!(create.contains(&format!("{c} ")), "{c} in {create}");
        }
        let row = Row {
            t: 5,
            day: "2026-11-20".into(),
            visitor: "abc".into(),
            kind: "purchase".into(),
            revenue: Some(12.5),
            ..Row::default()
        };
        let sql = insert();
        assert_eq!(
            sql.matches('?').count(),
            1,
            "one parameter, the rows' JSON: {sql}"
        );
        // Each column is read by the name Row's JSON gives it.
        let json: Value = serde_json::to_value(&row).unwrap();
        for c in COLUMNS {
            assert!(sql.contains(&format!("'$.{c}'")), "{c} read in {sql}");
        }
        for key in json.as_object().unwrap().keys() {
            assert!(COLUMNS.contains(&key.as_str()), "{key} has a column");
        }
    }

    #[test]
    fn a_funnels_first_step_is_only_counted_and_its_parameters_are_numbered() {
        let steps: Vec<String> = ["view", "cart", "buy"].map(String::from).to_vec();
        let (sql, params) = funnel(&steps, &Split::Arm("x".into()));
        assert_eq!(params.len(), 2 + 3 + 1);
        assert_eq!(params[5], Value::from("x"));
        let highest = (1..=9).filter(|n| sql.contains(&format!("?{n}"))).max();
        assert_eq!(highest, Some(params.len()), "{sql}");
        // The first step's visitors are read once, grouped, joined to nothing but the arms.
        assert_eq!(sql.matches("s1 ").count(), 2, "defined and counted: {sql}");
        assert!(sql.contains("FROM s1 x LEFT JOIN arms g"), "{sql}");
        assert!(!sql.contains("tier"), "by arm, no first step's row: {sql}");
        let (one, _) = funnel(&steps[..1], &Split::None);
        assert!(!one.contains("past"), "{one}");
        let (tier, _) = funnel(&steps, &Split::Tier);
        assert!(
            tier.contains("past AS (SELECT d.visitor AS visitor, MIN(k.t)"),
            "{tier}"
        );
    }
}
