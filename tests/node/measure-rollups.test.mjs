// The measurement roll-ups (src/measure/rollup.rs) through the real Worker and its local D1: a
// replayed queue batch changes no once-only figure and leaves the roll-ups as they were (the
// every-time counts add as the rows do), and a Worker that finds rows without roll-ups (a
// deployment upgrading) fills them to exactly what the consumer built row batch by row batch;
// a visitor's rows that arrive late, with an earlier first day, move their cohort and link
// their segments' days.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorker, Visitor, waitFor, SECRET, ADMIN_TOKEN, measureConfig, API } from "./harness.mjs";

const NOW = Date.parse("2026-11-20T17:00:00Z");
const DAY = 24 * 3600_000;
const TABLES = [
  "visitor_days",
  "counter_visitor_days",
  "counts_by_day",
  "kind_visitor_days",
  "purchases",
  "arms",
  "first_views",
  "visitor_weeks",
  "cohort_cells",
  "segment_days",
];
/** The roll-ups a replayed batch leaves as they were (all but the every-time counts). */
const ONCE_TABLES = TABLES.filter((t) => t !== "counts_by_day");
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

const store = mkdtempSync(join(tmpdir(), "signpost-rollups-"));
let w;
async function start() {
  w = await startWorker({
    seed: false,
    d1Persist: store,
    bindings: { SIGNPOST_TEST_HOOKS: "1", SIGNPOST_SECRET: SECRET, SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  await w.kv.put("config:1", JSON.stringify(measureConfig()));
  await w.kv.put("config:current", "1");
}
before(start);
after(async () => {
  await w?.mf.dispose();
  rmSync(store, { recursive: true, force: true });
});

const db = () => w.mf.getD1Database("SIGNPOST_DB", API);
const all = async (sql, ...params) =>
  (
    await (
      await db()
    )
      .prepare(sql)
      .bind(...params)
      .all()
  ).results;

/** Every roll-up's rows in one order, a day's segments as a sorted set (how a list is written
 *  down depends on how the rows were batched; what a report reads is membership). */
async function rollups() {
  const out = {};
  for (const t of TABLES) {
    const rows = await all(`SELECT * FROM ${t}`);
    for (const r of rows) if ("segs" in r) r.segs = [...new Set((r.segs ?? "").split(",").filter(Boolean))].sort();
    out[t] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

async function report(query = "") {
  const res = await w.mf.dispatchFetch(`http://localhost/__signpost/report${query}`, { headers: admin });
  assert.equal(res.status, 200, await res.clone().text());
  const r = await res.json();
  delete r.range; // `to` is now
  return r;
}

/** Visitors over two days: pages, clicks, signups and purchases. Answers how many rows. */
async function visit() {
  for (let i = 0; i < 6; i++) {
    const v = new Visitor(w.mf, { now: NOW + i * 60_000 });
    await v.page("/");
    await v.page("/about");
    const events = [{ type: "offer_click", id: `c-${i}`, offer: "newsletter", slot: "banner", at: v.now + 1000 }];
    if (i % 2 === 0) events.push({ type: "signup", id: `s-${i}`, at: v.now + 2000 });
    if (i % 3 === 0)
      events.push({ type: "purchase", id: `p-${i}`, order_id: `o-${i}`, value: 10 + i, at: v.now + 3000 });
    assert.equal((await v.events("/", events)).status, 200);
    v.now += DAY + i * 1000; // back the next day
    await v.page("/");
  }
}

test("a replayed batch counts once, and a fill from the rows equals the roll-ups built as they came", async () => {
  await report(); // makes the table
  await visit();
  // All six visitors' rows stored: each came back on day two (a page view on 2026-11-21).
  const stored = await waitFor(async () => {
    const [n] = await all(
      "SELECT COUNT(DISTINCT visitor) AS n FROM rows WHERE day = '2026-11-21' AND kind = 'page_view'",
    );
    const [p] = await all("SELECT COUNT(*) AS n FROM rows WHERE kind = 'purchase'");
    return n.n === 6 && p.n === 2;
  }, 10_000);
  assert.ok(stored, "the rows arrived");
  await new Promise((r) => setTimeout(r, 1500)); // the last flushes
  const [{ n: rowsBefore }] = await all("SELECT COUNT(*) AS n FROM rows");
  const built = await rollups();
  assert.ok(built.visitor_days.length >= 12, "a row per visitor and day");
  const before = { all: await report(), day1: await report("?from=2026-11-20&to=2026-11-20") };
  assert.equal(before.all.funnels[0].groups[0].reached[0], 6);
  assert.deepEqual(before.all.funnels[0].groups[0].reached, [6, 6, 3]);
  assert.equal(before.all.cohorts[0].active, 6);

  // The queue delivers one visitor's rows again (a batch whose acknowledgement was lost).
  const [{ visitor }] = await all("SELECT visitor FROM rows WHERE kind = 'purchase' ORDER BY t LIMIT 1");
  const again = await all("SELECT * FROM rows WHERE visitor = ?1", visitor);
  const message = again.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null)));
  await (await w.mf.getQueueProducer("SIGNPOST_MEASURE")).send(JSON.stringify(message));
  const replayed = await waitFor(async () => {
    const [{ n }] = await all("SELECT COUNT(*) AS n FROM rows");
    return n === rowsBefore + again.length;
  }, 10_000);
  assert.ok(replayed, "the replayed rows were stored again");
  const after = await rollups();
  for (const t of ONCE_TABLES) assert.deepEqual(after[t], built[t], `${t}: a replay changes nothing`);
  // Every-time counts add as the rows do: the roll-up still equals the rows.
  const counted = await all(
    "SELECT counter, day, COUNT(*) AS n FROM rows WHERE once = 0 AND bot = 0 AND counter IS NOT NULL GROUP BY counter, day",
  );
  const rolled = await all("SELECT counter, day, n FROM counts_by_day");
  assert.deepEqual(rolled.map((r) => JSON.stringify(r)).sort(), counted.map((r) => JSON.stringify(r)).sort());
  const replay = { all: await report(), day1: await report("?from=2026-11-20&to=2026-11-20") };
  for (const k of ["all", "day1"]) {
    const [x, y] = [before[k], replay[k]];
    assert.deepEqual(y.funnels, x.funnels, `${k}: funnels`);
    assert.deepEqual(y.cohorts, x.cohorts, `${k}: cohorts`);
    assert.deepEqual(y.segments, x.segments, `${k}: segments`);
    assert.deepEqual(y.revenue, x.revenue, `${k}: revenue per arm`);
    assert.deepEqual(
      y.report.experiments[0].variants.map((v) => [v.variant, v.visitors, v.conversions]),
      x.report.experiments[0].variants.map((v) => [v.variant, v.visitors, v.conversions]),
      `${k}: once-only counts`,
    );
    const once = (r) => r.report.offers.map((o) => [o.offer, o.visitors, o.clicks]);
    assert.deepEqual(once(y), once(x), `${k}: offers' visitors and clicks`);
  }

  // A deployment upgrading: rows, no roll-ups. A new isolate's schema step fills them.
  for (const t of [...TABLES, "rollups_built", "rollups_fill"]) await (await db()).prepare(`DELETE FROM ${t}`).run();
  await w.mf.dispose();
  await start();
  const filled = await report();
  assert.deepEqual(await rollups(), after, "the fill from the rows equals the roll-ups built as they came");
  assert.deepEqual(filled.funnels, replay.all.funnels);
  assert.deepEqual(filled.cohorts, replay.all.cohorts);
  assert.deepEqual(filled.segments, replay.all.segments);
  assert.deepEqual(filled.daily, replay.all.daily);
  assert.deepEqual(filled.revenue, replay.all.revenue);
  assert.deepEqual(filled.report, replay.all.report);
  const [{ n: marks }] = await all("SELECT COUNT(*) AS n FROM rollups_built");
  assert.equal(marks, 1, "filled once");
});

/** Rows as the Worker writes them, for the visitor `visitor`, straight onto the queue (the
 *  order a queue delivers batches in is not the order they were written). */
async function deliver(rows) {
  const full = rows.map((r) => ({ once: 0, session: 1, holdout: 0, bot: 0, ...r }));
  await (await w.mf.getQueueProducer("SIGNPOST_MEASURE")).send(JSON.stringify(full));
}

test("a visitor's earlier day arriving late moves their cohort and links their segment's days", async () => {
  const visitor = "0a1b2c3d4e5f60718293a4b5";
  const at = (iso) => ({ t: Date.parse(iso), day: iso.slice(0, 10) });
  const stored = (n) =>
    waitFor(async () => (await all("SELECT COUNT(*) AS n FROM rows WHERE visitor = ?1", visitor))[0].n === n, 10_000);
  const cohort = (r, c) =>
    r.cohorts.filter((x) => x.cohort === c).map(({ week, active, purchasers }) => [week, active, purchasers]);
  const before = await report();
  const browser = (r) => r.segments.find((s) => s.segment === "browser");

  // Saturday 21 November: a page and a purchase, in the segment.
  const day2 = [
    { ...at("2026-11-21T10:00:00Z"), visitor, kind: "page_view", segments: "browser" },
    { ...at("2026-11-21T11:00:00Z"), visitor, kind: "purchase", revenue: 30, segments: "browser" },
  ];
  await deliver(day2);
  assert.ok(await stored(2), "the first batch stored");
  const first = await report();
  const grew = cohort(before, "2026-11-16").map(([w, a, p]) => (w === 0 ? [w, a + 1, p + 1] : [w, a, p]));
  assert.deepEqual(cohort(first, "2026-11-16"), grew, "a new visitor of the week of 16 November, who bought");
  assert.equal(browser(first).visitors, browser(before).visitors + 1);
  assert.equal(browser(first).revenue, browser(before).revenue + 30);

  // Then the Thursday of the week before, late: their first view was earlier.
  const day1 = [{ ...at("2026-11-12T10:00:00Z"), visitor, kind: "page_view", segments: "browser" }];
  await deliver(day1);
  assert.ok(await stored(3), "the late batch stored");
  const late = await report();
  assert.deepEqual(cohort(late, "2026-11-16"), cohort(before, "2026-11-16"), "gone from the week of 16 November");
  assert.deepEqual(
    cohort(late, "2026-11-09"),
    [
      [0, 1, 0],
      [1, 1, 1],
    ],
    "in the week of 9 November: came back and bought the week after",
  );
  assert.equal(browser(late).visitors, browser(first).visitors, "still one member");
  const days = await all("SELECT day, prev_day, next_day FROM segment_days WHERE visitor = ?1 ORDER BY day", visitor);
  assert.deepEqual(days, [
    { day: "2026-11-12", prev_day: null, next_day: "2026-11-21" },
    { day: "2026-11-21", prev_day: "2026-11-12", next_day: null },
  ]);
  // Ranges: the members are the rows' distinct visitors in the segment, day by day.
  for (const [from, to] of [
    ["2026-11-21", "2026-11-21"],
    ["2026-11-12", "2026-11-21"],
    ["2026-11-13", "2026-11-20"],
  ]) {
    const r = await report(`?from=${from}&to=${to}`);
    const [{ n }] = await all(
      "SELECT COUNT(DISTINCT visitor) AS n FROM rows WHERE bot = 0 AND day >= ?1 AND day <= ?2 AND instr(',' || segments || ',', ',browser,') > 0",
      from,
      to,
    );
    assert.equal(browser(r)?.visitors ?? 0, n, `${from} to ${to}`);
  }

  // The late batch again: nothing moves.
  const built = await rollups();
  await deliver(day1);
  assert.ok(await stored(4), "the replay stored");
  const replayed = await rollups();
  for (const t of ONCE_TABLES) assert.deepEqual(replayed[t], built[t], `${t}: a replay changes nothing`);

  // The fill from the rows ends where the batches did.
  for (const t of [...TABLES, "rollups_built", "rollups_fill"]) await (await db()).prepare(`DELETE FROM ${t}`).run();
  await w.mf.dispose();
  await start();
  const filled = await report();
  assert.deepEqual(await rollups(), replayed, "the fill from the rows equals the roll-ups built as they came");
  assert.deepEqual(filled.cohorts, late.cohorts);
  assert.deepEqual(filled.segments, late.segments);
});
