// The measurement roll-ups (src/measure/rollup.rs) through the real Worker and its local D1: a
// replayed queue batch changes no once-only figure and leaves the roll-ups as they were (the
// every-time counts add as the rows do), and a Worker that finds rows without roll-ups (a
// deployment upgrading) fills them to exactly what the consumer built row batch by row batch.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorker, Visitor, waitFor, SECRET, ADMIN_TOKEN, measureConfig } from "./harness.mjs";

const NOW = Date.parse("2026-11-20T17:00:00Z");
const DAY = 24 * 3600_000;
const TABLES = ["visitor_days", "counter_visitor_days", "counts_by_day", "kind_visitor_days", "purchases", "arms"];
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

const db = () => w.mf.getD1Database("SIGNPOST_DB");
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
  for (const t of ["visitor_days", "counter_visitor_days", "kind_visitor_days", "purchases", "arms"])
    assert.deepEqual(after[t], built[t], `${t}: a replay changes nothing`);
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
