//! Measurement rows (`signpost::measure::Row`) from pages, event posts, the ingest and the
//! profiles' writers, appended to a D1 table through a Queue, and the report's queries.
//!
//! Why this shape: rows are raw events, so a report can ask new questions of old data (a date
//! range, a daily series, revenue per arm) and "once per visitor" is counted at query time:
//! no object or isolate keeps per-visitor state, and no single object sees every page. The
//! page never waits: rows wait in the isolate for at most [`FLUSH_AFTER_MS`] and go to the
//! Queue `SIGNPOST_MEASURE` in one message; the same Worker's consumer inserts each batch of
//! messages, and folds it into the roll-ups the reports read (`signpost::measure::rollup`), in
//! one D1 batch. docs/worker.md says why D1 and what it costs.

use serde::Deserialize;
use signpost::analysis::{self, CohortWeek, FunnelReport, SegmentValue};
use signpost::config::Config;
use signpost::measure::sql::Split;
use signpost::measure::{rollup, sql, Row};
use signpost::report::CupedMoments;
use signpost::series::{ArmRevenue, DayCount};
use signpost::stats::cuped::Moments;
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::BTreeMap;
use std::time::Duration;
use wasm_bindgen::prelude::*;
use worker::wasm_bindgen_futures::JsFuture;
use worker::Env;

/// The producer binding of the rows' queue.
const QUEUE: &str = "SIGNPOST_MEASURE";
/// The D1 database the rows go to.
const DB: &str = "SIGNPOST_DB";
/// How long rows wait in the isolate before they go in one message.
pub const FLUSH_AFTER_MS: f64 = 500.0;
/// A queue of this many rows goes at once (an isolate with many visitors).
const MAX_QUEUED_ROWS: usize = 400;
/// A flush this overdue was lost (its request's `waitUntil` ended early): the next row sends.
const FLUSH_LOST_MS: f64 = 10_000.0;
/// Rows per queue message: well under a message's 128 KB.
const ROWS_PER_MESSAGE: usize = 200;

#[wasm_bindgen(module = "/js/d1.js")]
extern "C" {
    #[wasm_bindgen(js_name = d1Batch)]
    fn d1_batch(env: &Env, statements: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = d1Insert)]
    fn d1_insert(env: &Env, insert: &str, rows: Vec<String>, statements: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = d1All)]
    fn d1_all(env: &Env, sql: &str, params: &str) -> js_sys::Promise;
}

#[derive(Default)]
struct Pending {
    rows: Vec<Row>,
    due: f64,
}

thread_local! {
    static PENDING: RefCell<Pending> = RefCell::new(Pending::default());
    /// Whether the queue is bound, looked up once per isolate (a lookup crosses into JS).
    static BOUND: OnceCell<bool> = const { OnceCell::new() };
    /// Whether this isolate made sure the table exists.
    static SCHEMA_READY: Cell<bool> = const { Cell::new(false) };
}

/// What a caller of [`queue`] must run in `waitUntil` to get its rows sent.
pub enum Flush {
    /// Wait [`FLUSH_AFTER_MS`], then send everything queued by then.
    Later,
    /// Send now (the queue is full, or the flush that was due got lost).
    Now,
}

/// Queues rows without waiting for anything, but for once-only counts this isolate queued
/// already ([`crate::measure_once`]). The call that queues the first gets [`Flush::Later`] to
/// run in its `waitUntil`; later ones only add (`None`). Without the binding measurement is off
/// and this does nothing.
pub fn queue(env: &Env, mut rows: Vec<Row>) -> Option<Flush> {
    if rows.is_empty() || !BOUND.with(|b| *b.get_or_init(|| env.queue(QUEUE).is_ok())) {
        return None;
    }
    crate::measure_once::drop_repeats(&mut rows);
    if rows.is_empty() {
        return None;
    }
    let now = js_sys::Date::now();
    PENDING.with_borrow_mut(|p| {
        let first = p.rows.is_empty();
        if first {
            p.due = now + FLUSH_AFTER_MS;
        }
        p.rows.extend(rows);
        if first {
            Some(Flush::Later)
        } else if p.rows.len() >= MAX_QUEUED_ROWS || now > p.due + FLUSH_LOST_MS {
            Some(Flush::Now)
        } else {
            None
        }
    })
}

/// The rows queued so far, as the queue's messages (page.js sends them, `measureTake`).
pub fn take_messages() -> Vec<String> {
    let rows = PENDING.with_borrow_mut(|p| std::mem::take(&mut p.rows));
    messages(&rows)
}

/// Rows as the queue's messages: JSON texts of at most [`ROWS_PER_MESSAGE`] rows each.
fn messages(rows: &[Row]) -> Vec<String> {
    rows.chunks(ROWS_PER_MESSAGE)
        .filter_map(|chunk| match serde_json::to_string(chunk) {
            Ok(text) => Some(text),
            Err(e) => {
                worker::console_warn!("signpost: {} measurement rows lost: {e}", chunk.len());
                None
            }
        })
        .collect()
}

/// Runs what [`queue`] asked for (inside `waitUntil`).
pub async fn send(env: &Env, when: Flush) {
    if let Flush::Later = when {
        worker::Delay::from(Duration::from_millis(FLUSH_AFTER_MS as u64)).await;
    }
    let rows = PENDING.with_borrow_mut(|p| std::mem::take(&mut p.rows));
    append(env, &rows).await;
}

/// Puts rows on the queue now (a profile's writer, which has its own pace); without the
/// binding, nothing.
pub async fn append(env: &Env, rows: &[Row]) {
    if rows.is_empty() {
        return;
    }
    let Ok(queue) = env.queue(QUEUE) else { return };
    for text in messages(rows) {
        // As text: the consumer hands it to D1 as it is, and the queue does not encode it again.
        if let Err(e) = queue.send(text_message(text)).await {
            worker::console_warn!("signpost: measurement rows lost: {e}");
            crate::measure_once::forget();
        }
    }
}

/// A queue message of `text`, sent as text (a string sent as JSON is encoded once more).
fn text_message(text: String) -> worker::SendMessage<String> {
    worker::MessageBuilder::new(text)
        .content_type(worker::QueueContentType::Text)
        .build()
}

/// The queue consumer: inserts the rows of a batch of messages (JSON texts) and adds them to
/// the roll-ups (`signpost::measure::rollup`) in one D1 batch. A message that parses goes to
/// D1 as its text, one insert each: the rows are read once here, for the roll-ups, and never
/// written again. `Some(why)` when the batch must be tried again.
#[cfg(feature = "api")]
#[wasm_bindgen(js_name = measureStore, wasm_bindgen_futures = worker::wasm_bindgen_futures)]
pub async fn measure_store(env: Env, messages: Vec<String>) -> Option<String> {
    let mut rows: Vec<Row> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    for m in messages {
        match serde_json::from_str::<Vec<Row>>(&m) {
            Ok(more) if more.len() <= sql::ROWS_PER_INSERT => {
                texts.push(m);
                rows.extend(more);
            }
            Ok(more) => {
                for chunk in more.chunks(sql::ROWS_PER_INSERT) {
                    match serde_json::to_string(chunk) {
                        Ok(text) => texts.push(text),
                        Err(e) => return Some(format!("rows: {e}")),
                    }
                }
                rows.extend(more);
            }
            Err(e) => worker::console_error!("signpost: measurement rows that do not parse: {e}"),
        }
    }
    if rows.is_empty() {
        return None;
    }
    // The rows and their roll-ups in one batch: both or neither.
    let upserts = rollup::upserts(&rows);
    let run = async {
        ensure_schema(&env).await?;
        let statements = serde_json::to_string(&upserts).map_err(|e| e.to_string())?;
        JsFuture::from(d1_insert(&env, &sql::insert(), texts, &statements))
            .await
            .map(drop)
            .map_err(|e| format!("D1: {}", js_text(&e)))
    };
    run.await.err()
}

async fn ensure_schema(env: &Env) -> Result<(), String> {
    if SCHEMA_READY.get() {
        return Ok(());
    }
    let bare = |statements: Vec<String>| -> Vec<(String, Vec<serde_json::Value>)> {
        statements.into_iter().map(|s| (s, Vec::new())).collect()
    };
    batch(env, &bare(sql::schema())).await?;
    // The roll-ups' first fill (a deployment upgrading): should it fail, the rows still go in,
    // and the next isolate goes on from the last part done.
    if let Err(e) = fill(env, &bare).await {
        worker::console_error!("signpost: the roll-ups are not filled from the rows yet: {e}");
    }
    SCHEMA_READY.set(true);
    Ok(())
}

/// Fills the roll-ups from the rows part by part, unless done (one lookup then).
async fn fill(
    env: &Env,
    bare: &dyn Fn(Vec<String>) -> Vec<(String, Vec<serde_json::Value>)>,
) -> Result<(), String> {
    #[derive(Deserialize)]
    struct N {
        n: u64,
    }
    #[derive(Deserialize)]
    struct Part {
        part: usize,
    }
    let filled: Vec<N> = all(env, &rollup::filled(), &[]).await?;
    if filled.first().is_some_and(|f| f.n > 0) {
        return Ok(());
    }
    let done: Vec<Part> = all(env, &rollup::filled_parts(), &[]).await?;
    let done: std::collections::BTreeSet<usize> = done.into_iter().map(|p| p.part).collect();
    for part in (0..rollup::FILL_PARTS).filter(|p| !done.contains(p)) {
        batch(env, &bare(rollup::fill_part(part))).await?;
    }
    batch(env, &bare(rollup::fill_end())).await
}

async fn batch(env: &Env, statements: &[(String, Vec<serde_json::Value>)]) -> Result<(), String> {
    let text = serde_json::to_string(statements).map_err(|e| e.to_string())?;
    JsFuture::from(d1_batch(env, &text))
        .await
        .map(drop)
        .map_err(|e| format!("D1: {}", js_text(&e)))
}

/// A query's rows, typed.
async fn all<T: for<'de> Deserialize<'de>>(
    env: &Env,
    query: &str,
    params: &[serde_json::Value],
) -> Result<Vec<T>, String> {
    let params = serde_json::to_string(params).map_err(|e| e.to_string())?;
    let text = JsFuture::from(d1_all(env, query, &params))
        .await
        .map_err(|e| format!("D1: {}", js_text(&e)))?;
    let text = text.as_string().unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| format!("D1 answer: {e}"))
}

fn js_text(e: &JsValue) -> String {
    js_sys::Error::from(e.clone())
        .message()
        .as_string()
        .unwrap_or_else(|| format!("{e:?}"))
}

/// Which parts of the report to read: all, or only what one CSV table shows (each part is a
/// query over every row in the range, so a table reads only its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    All,
    /// The counters and the bots left out (offers, experiments, the holdout).
    Counts,
    Daily,
    Revenue,
    Funnels,
    Cohorts,
    Segments,
}

impl Part {
    fn wants(self, part: Part) -> bool {
        self == Part::All || self == part
    }
}

/// [`all`] when `wanted`, else no rows without asking.
async fn all_if<T: for<'de> Deserialize<'de>>(
    wanted: bool,
    env: &Env,
    query: &str,
    params: &[serde_json::Value],
) -> Result<Vec<T>, String> {
    if !wanted {
        return Ok(Vec::new());
    }
    all(env, query, params).await
}

/// What a report reads between `from` and `to` (epoch ms, `to` excluded): the counters, the
/// bots left out, each day's additions, the revenue per arm, the config's funnels split
/// `by`, the cohorts and each segment's value.
pub struct Measured {
    pub counts: BTreeMap<String, u64>,
    pub bots: u64,
    pub daily: Vec<DayCount>,
    pub revenue: Vec<ArmRevenue>,
    pub funnels: Vec<FunnelReport>,
    pub cohorts: Vec<CohortWeek>,
    pub segments: Vec<SegmentValue>,
    pub cuped: CupedMoments,
}

/// Whether measurement is on (the D1 binding is there).
fn bound(env: &Env) -> bool {
    !js_sys::Reflect::get(env.as_ref(), &DB.into())
        .unwrap_or(JsValue::UNDEFINED)
        .is_undefined()
}

/// A query answering one row `{n}`: its `n`, or `None` when measurement is off.
pub async fn count(
    env: &Env,
    query: &str,
    params: &[serde_json::Value],
) -> Result<Option<u64>, String> {
    #[derive(Deserialize)]
    struct N {
        n: u64,
    }
    if !bound(env) {
        return Ok(None);
    }
    ensure_schema(env).await?;
    let rows: Vec<N> = all(env, query, params).await?;
    Ok(Some(rows.first().map_or(0, |r| r.n)))
}

/// The report's data (the parts `part` wants; the others empty), `None` when measurement is off
/// (no D1 binding).
pub async fn read(
    env: &Env,
    config: &Config,
    (from, to): (i64, i64),
    by: &Split,
    part: Part,
) -> Result<Option<Measured>, String> {
    if !bound(env) {
        return Ok(None);
    }
    ensure_schema(env).await?;
    let range = [from.into(), to.into()];
    // The roll-ups keyed by day take the range as its first and last local day.
    let day = |t: i64| signpost::measure::day_of(&config.timezone, t);
    let (first_day, last_day) = (day(from), day(to - 1));
    let days = [
        from.into(),
        to.into(),
        first_day.clone().into(),
        last_day.clone().into(),
    ];
    #[derive(Deserialize)]
    struct Counter {
        counter: String,
        n: u64,
    }
    #[derive(Deserialize)]
    struct N {
        n: u64,
    }
    let counted = part.wants(Part::Counts);
    let (counts, bots, daily, revenue) = futures_util::future::join4(
        all_if::<Counter>(counted, env, sql::COUNTS, &range),
        all_if::<N>(counted, env, sql::BOTS, &range),
        all_if::<DayCount>(part.wants(Part::Daily), env, sql::DAILY, &range),
        all_if::<ArmRevenue>(part.wants(Part::Revenue), env, sql::REVENUE, &range),
    )
    .await;
    let funnels = (config.funnels.iter()).filter(|_| part.wants(Part::Funnels));
    let funnels = futures_util::future::join_all(funnels.map(|(name, steps)| {
        let (query, mut params) = sql::funnel(steps, by);
        params[0] = from.into();
        params[1] = to.into();
        async move {
            let rows = all::<serde_json::Map<String, serde_json::Value>>(env, &query, &params);
            rows.await.map(|rows| analysis::funnel(name, steps, &rows))
        }
    }));
    let names: Vec<&str> = config.segments.iter().map(|s| s.name.as_str()).collect();
    let churn_from = to - analysis::CHURN_AFTER_DAYS * signpost::time::DAY;
    let value_params = [
        from.into(),
        to.into(),
        serde_json::to_string(&names).unwrap_or_default().into(),
        churn_from.into(),
        first_day.into(),
        last_day.into(),
        day(churn_from).into(),
    ];
    #[derive(Deserialize)]
    struct ArmSums {
        variant: String,
        #[serde(flatten)]
        sums: Moments,
    }
    let experiments = (config.experiments.iter()).filter(|_| part.wants(Part::Counts));
    let cuped = futures_util::future::join_all(experiments.map(|x| async move {
        let params = [from.into(), to.into(), x.id.as_str().into()];
        let arms = all::<ArmSums>(env, sql::CUPED, &params).await?;
        let arms = arms.into_iter().map(|a| (a.variant, a.sums)).collect();
        Ok::<_, String>((x.id.clone(), arms))
    }));
    let (funnels, cohorts, segments, cuped) = futures_util::future::join4(
        funnels,
        all_if::<CohortWeek>(part.wants(Part::Cohorts), env, sql::COHORTS, &days),
        all_if::<SegmentValue>(
            part.wants(Part::Segments),
            env,
            sql::SEGMENT_VALUE,
            &value_params,
        ),
        cuped,
    )
    .await;
    Ok(Some(Measured {
        counts: counts?.into_iter().map(|c| (c.counter, c.n)).collect(),
        bots: bots?.first().map_or(0, |b| b.n),
        daily: daily?,
        revenue: revenue?,
        funnels: funnels.into_iter().collect::<Result<_, _>>()?,
        cohorts: cohorts?,
        segments: segments?,
        cuped: cuped.into_iter().collect::<Result<_, _>>()?,
    }))
}
