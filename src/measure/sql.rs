//! The measurement table in SQL (SQLite's dialect, which D1 speaks): its schema, the insert
//! of a [`Row`], and the queries reports run. Written once here; the Worker's JS only runs
//! what these name. The counting rule is [`super::aggregate`]'s: once-only counters count
//! distinct visitors, bots count nowhere.

use super::row::{Row, COLUMNS};
use serde_json::Value;

/// The statements that make the table and its indexes (each safe to run again).
pub fn schema() -> Vec<String> {
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("{c} {}", column_type(c)))
        .collect();
    vec![
        format!("CREATE TABLE IF NOT EXISTS rows ({})", columns.join(", ")),
        "CREATE INDEX IF NOT EXISTS rows_counter ON rows (counter, t)".into(),
        "CREATE INDEX IF NOT EXISTS rows_kind ON rows (kind, t)".into(),
        "CREATE INDEX IF NOT EXISTS rows_t ON rows (t)".into(),
        "CREATE INDEX IF NOT EXISTS rows_visitor ON rows (visitor, kind)".into(),
    ]
}

fn column_type(column: &str) -> &'static str {
    match column {
        "t" | "once" | "session" | "holdout" | "bot" => "INTEGER NOT NULL",
        "day" | "visitor" | "kind" => "TEXT NOT NULL",
        "revenue" => "REAL",
        _ => "TEXT",
    }
}

/// The insert of one row: the statement and its parameters in column order.
pub fn insert(row: &Row) -> (String, Vec<Value>) {
    let marks = vec!["?"; COLUMNS.len()].join(", ");
    let sql = format!("INSERT INTO rows ({}) VALUES ({marks})", COLUMNS.join(", "));
    let mut object = match serde_json::to_value(row) {
        Ok(Value::Object(o)) => o,
        _ => Default::default(),
    };
    let params = COLUMNS
        .iter()
        .map(|c| object.remove(*c).unwrap_or(Value::Null))
        .collect();
    (sql, params)
}

/// Counters between `?1` and `?2` (epoch ms, end excluded): rows `{counter, n}`.
pub const COUNTS: &str = "\
SELECT counter, COUNT(*) AS n FROM rows \
WHERE once = 0 AND counter IS NOT NULL AND bot = 0 AND t >= ?1 AND t < ?2 GROUP BY counter \
UNION ALL \
SELECT counter, COUNT(DISTINCT visitor) AS n FROM rows \
WHERE once = 1 AND counter IS NOT NULL AND bot = 0 AND t >= ?1 AND t < ?2 GROUP BY counter";

/// Distinct bot visitors left out between `?1` and `?2`: one row `{n}`.
pub const BOTS: &str =
    "SELECT COUNT(DISTINCT visitor) AS n FROM rows WHERE bot = 1 AND t >= ?1 AND t < ?2";

/// Per counter and local day, what that day added: a once-only counter's visitors on the day
/// of their first count, another's rows. Rows `{counter, day, n}`; summed day by day they give
/// the counters up to each day.
pub const DAILY: &str = "\
SELECT counter, day, COUNT(*) AS n FROM (\
SELECT counter, visitor, MIN(day) AS day FROM rows \
WHERE once = 1 AND counter IS NOT NULL AND bot = 0 AND t >= ?1 AND t < ?2 \
GROUP BY counter, visitor) GROUP BY counter, day \
UNION ALL \
SELECT counter, day, COUNT(*) AS n FROM rows \
WHERE once = 0 AND counter IS NOT NULL AND bot = 0 AND t >= ?1 AND t < ?2 GROUP BY counter, day";

/// Per experiment arm, its visitors, their orders and revenue between `?1` and `?2` (orders
/// by exposed visitors in the range, whenever the exposure): rows
/// `{experiment, variant, visitors, orders, revenue}`.
pub const REVENUE: &str = "\
SELECT e.experiment AS experiment, e.variant AS variant, \
COUNT(DISTINCT e.visitor) AS visitors, COUNT(p.t) AS orders, COALESCE(SUM(p.revenue), 0) AS revenue \
FROM (SELECT DISTINCT experiment, variant, visitor FROM rows \
WHERE experiment IS NOT NULL AND bot = 0 AND t >= ?1 AND t < ?2) e \
LEFT JOIN rows p ON p.visitor = e.visitor AND p.kind = 'purchase' AND p.bot = 0 \
AND p.t >= ?1 AND p.t < ?2 \
GROUP BY e.experiment, e.variant";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_lists_every_column_and_an_insert_binds_each() {
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
        let (sql, params) = insert(&row);
        assert_eq!(params.len(), COLUMNS.len());
        assert_eq!(sql.matches('?').count(), COLUMNS.len());
        let at = |c: &str| &params[COLUMNS.iter().position(|x| *x == c).unwrap()];
        assert_eq!(at("t"), &Value::from(5));
        assert_eq!(at("revenue"), &Value::from(12.5));
        assert_eq!(at("user"), &Value::Null);
    }
}
