//! The once-only counts this isolate has already queued, so that a visitor's later pages the
//! same day do not queue them again.
//!
//! Why: a once-only counter (`offer/<id>/visitors`, an experiment's exposure, the holdout arm,
//! a conversion) counts a visitor once per local day in every report. The roll-ups keep each
//! visitor-day's first row, and a report's ranges are whole days (`signpost::measure::rollup`).
//! A returning visitor's every page made those rows again: six of the eleven rows of the
//! benchmark's corpus page, each serialized, queued, parsed by the consumer and inserted with
//! the table's indexes, to change no report (bench/RESULTS.md, "Once-only rows, once").
//!
//! This only saves work; nothing depends on it. Another isolate, or this one after
//! [`forget`], queues the row again, and the roll-ups take a repeat as they always have.

use signpost::measure::Row;
use std::cell::RefCell;
use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Keys kept before the set starts over (8 bytes each): forgetting only sends repeats.
const LIMIT: usize = 50_000;

thread_local! {
    /// 64-bit hashes of (counter, visitor, day). Two keys alike by chance, about one in 10^10
    /// with a full set, would drop one new row in this isolate.
    static QUEUED: RefCell<HashSet<u64>> = RefCell::new(HashSet::new());
}

/// Drops the once-only rows whose counter, visitor and day this isolate queued before, and
/// remembers the rest.
pub fn drop_repeats(rows: &mut Vec<Row>) {
    QUEUED.with_borrow_mut(|queued| {
        if queued.len() >= LIMIT {
            queued.clear();
        }
        rows.retain(|r| r.once == 0 || r.counter.is_none() || queued.insert(key(r)));
    });
}

/// Forgets every row queued: a send failed, so the rows it held may never arrive.
pub fn forget() {
    QUEUED.with_borrow_mut(HashSet::clear);
}

fn key(row: &Row) -> u64 {
    let mut h = DefaultHasher::new();
    (&row.counter, &row.visitor, &row.day).hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(visitor: &str, day: &str, counter: &str, once: u8) -> Row {
        Row {
            kind: "count".into(),
            visitor: visitor.into(),
            day: day.into(),
            counter: Some(counter.into()),
            once,
            ..Row::default()
        }
    }

    fn kept(rows: &[Row]) -> Vec<Row> {
        let mut rows = rows.to_vec();
        drop_repeats(&mut rows);
        rows
    }

    #[test]
    fn a_once_only_count_is_queued_once_per_visitor_and_day() {
        forget();
        let page = [
            Row {
                kind: "page_view".into(),
                visitor: "a".into(),
                day: "2026-12-05".into(),
                ..Row::default()
            },
            count("a", "2026-12-05", "offer/x/impressions", 0),
            count("a", "2026-12-05", "offer/x/visitors", 1),
        ];
        assert_eq!(kept(&page).len(), 3, "the first page keeps all");
        assert_eq!(
            kept(&page),
            page[..2],
            "a reload keeps its view and the every-time count"
        );
        let tomorrow = count("a", "2026-12-06", "offer/x/visitors", 1);
        let other = count("b", "2026-12-05", "offer/x/visitors", 1);
        let counter = count("a", "2026-12-05", "holdout/out/visitors", 1);
        for row in [tomorrow, other, counter] {
            let one = std::slice::from_ref(&row);
            assert_eq!(kept(one), one, "new: {row:?}");
        }
        forget();
        assert_eq!(kept(&page).len(), 3, "after a failed send, queued again");
    }

    #[test]
    fn the_set_starts_over_when_full() {
        forget();
        let rows: Vec<Row> = (0..LIMIT)
            .map(|i| count(&i.to_string(), "d", "c", 1))
            .collect();
        assert_eq!(kept(&rows).len(), LIMIT);
        assert_eq!(kept(&rows[..1]).len(), 1, "forgotten when full");
    }
}
