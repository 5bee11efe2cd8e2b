// Measurement through the real Worker: pages and events become rows in D1 (through the
// measurement queue), counted once per visitor however often they reload, retry or open tabs,
// and the admin report queries them back.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { startWorker, Visitor, waitFor, SECRET, ADMIN_TOKEN, root, measureConfig, API } from "./harness.mjs";

const NOW = Date.parse("2026-11-20T17:00:00Z");
const CONFIG = measureConfig();

const store = mkdtempSync(join(tmpdir(), "signpost-measure-"));
let w;
before(async () => {
  w = await startWorker({
    seed: false,
    doPersist: store,
    port: 0, // a real socket too, for the CLI
    bindings: { SIGNPOST_TEST_HOOKS: "1", SIGNPOST_SECRET: SECRET, SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  await w.kv.put("config:1", JSON.stringify(CONFIG));
  await w.kv.put("config:current", "1");
});
after(async () => {
  await w?.mf.dispose();
  rmSync(store, { recursive: true, force: true });
});

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
async function report() {
  const res = await w.mf.dispatchFetch("http://localhost/__signpost/report", { headers: admin });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  return (await res.json()).report;
}
const variant = (r, id) => r.experiments[0].variants.find((v) => v.variant === id);
const offer = (r, id) => r.offers.find((o) => o.offer === id);

test("reloads, retried batches and a second tab count a visitor once", async () => {
  const tab1 = new Visitor(w.mf, { now: NOW });
  const first = await tab1.page("/");
  assert.match(first.signpost, /^personalized/);
  const arm = /hero=hero-test\/(\w+)/.exec(first.signpost)[1];
  await tab1.page("/"); // a reload
  // A second tab: the same cookies, its own clock and event ids.
  const tab2 = new Visitor(w.mf, { now: NOW + 5000 });
  tab2.jar = new Map(tab1.jar);
  await tab2.page("/about");
  const purchase = { type: "purchase", id: "p-1", at: NOW + 10_000, order_id: "o-1", value: 120 };
  for (let i = 0; i < 2; i++) {
    // The SDK retries a batch whose answer it did not see: same event id.
    const res = await tab1.events("/", [purchase]);
    assert.equal(res.status, 200);
  }
  const again = await tab2.events("/about", [{ ...purchase, id: "p-2", at: NOW + 12_000 }]);
  assert.equal(again.status, 200);
  const r = await waitFor(async () => {
    const r = await report();
    return variant(r, arm).conversions === 1 ? r : null;
  });
  assert.ok(r, "the conversion reached the report");
  assert.equal(variant(r, arm).visitors, 1);
  assert.equal(offer(r, "hero-test").visitors, 1);
  assert.equal(offer(r, "hero-test").impressions, 3, "every served page is an impression");
  assert.equal(r.holdout.personalized.visitors, 1);
  assert.equal(r.holdout.personalized.conversions, 1, "purchase is the holdout's default goal");
  // The isolate queued each once-only count once that day: a reload's rows are its view and
  // its every-time counts (worker/src/measure_once.rs).
  const db = await w.mf.getD1Database("SIGNPOST_DB", API);
  const { results } = await db
    .prepare("SELECT counter, COUNT(*) AS n FROM rows WHERE counter LIKE 'offer/hero-test/%' GROUP BY counter")
    .all();
  const rows = Object.fromEntries(results.map((x) => [x.counter, x.n]));
  assert.deepEqual(rows, { "offer/hero-test/impressions": 3, "offer/hero-test/visitors": 1 });
});

test("offer clicks and offer goals count once per visitor", async () => {
  const v = new Visitor(w.mf, { now: NOW + 60_000 });
  await v.page("/");
  const click = (id) => ({ type: "offer_click", id, at: v.now + 1000, offer: "newsletter", slot: "banner" });
  assert.equal((await v.events("/", [click("c-1"), click("c-2")])).status, 200);
  assert.equal((await v.events("/", [{ type: "signup", id: "s-1", at: v.now + 2000 }])).status, 200);
  const r = await waitFor(async () => {
    const r = await report();
    return offer(r, "newsletter").conversions >= 1 ? r : null;
  });
  assert.ok(r);
  const n = offer(r, "newsletter");
  assert.equal(n.clicks, 1);
  assert.equal(n.conversions, 1);
  assert.equal(n.visitors, 2, "both test visitors saw it");
});

test("the report needs the admin token; signpost report prints it as text", async () => {
  const none = await w.mf.dispatchFetch("http://localhost/__signpost/report");
  assert.equal(none.status, 401);
  const wrong = await w.mf.dispatchFetch("http://localhost/__signpost/report", {
    headers: { authorization: "Bearer nope" },
  });
  assert.equal(wrong.status, 401);
  // `signpost report`: the same report as text, with the token from the environment.
  const cli = execFileSync("cargo", ["run", "--quiet", "--bin", "signpost", "--", "report", "--url", w.url.origin], {
    cwd: root,
    env: { ...process.env, SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN },
  }).toString();
  assert.match(cli, /experiment hero-2026 \(goal: purchase\)/);
  assert.match(cli, /holdout \(5% of visitors, goal: purchase\)/);
  assert.throws(
    () =>
      execFileSync("cargo", ["run", "--quiet", "--bin", "signpost", "--", "report", "--url", w.url.origin], {
        cwd: root,
        env: { ...process.env, SIGNPOST_ADMIN_TOKEN: "wrong" },
        stdio: "pipe",
      }),
    /401|bearer token/,
  );
});

test("the measurement store holds rows with visitor digests, never an id", async () => {
  const v = new Visitor(w.mf, { now: NOW + 120_000 });
  await v.page("/");
  const vid = v.jar.get("sp_vid");
  const db = await w.mf.getD1Database("SIGNPOST_DB", API);
  const rows = await waitFor(async () => {
    const { results } = await db
      .prepare("SELECT * FROM rows WHERE t = ?1")
      .bind(NOW + 120_000)
      .all();
    return results.length > 0 ? results : null;
  });
  assert.ok(rows, "this page's rows arrived");
  const view = rows.find((r) => r.kind === "page_view");
  assert.equal(view.page, "/");
  assert.equal(view.day, "2026-11-20", "the site's local day");
  assert.ok(rows.some((r) => r.counter === "offer/hero-test/impressions" && r.once === 0));
  for (const r of rows) assert.match(r.visitor, /^[0-9a-f]{24}$/, "the visitor as a digest");
  const { results: all } = await db.prepare("SELECT * FROM rows").all();
  assert.ok(!JSON.stringify(all).includes(vid), "no visitor id is stored");
  // Nothing per visitor is left in the site's Durable Object: it only counts deliveries.
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(readFileSync(p));
    }
  };
  for (const name of readdirSync(store)) if (name.includes("SiteTally")) walk(join(store, name));
  assert.ok(!Buffer.concat(files).includes("visitors"), "no counter, no marker in the object");
});

test("a date range, the daily series, revenue per arm, and bots kept out", async () => {
  const day2 = NOW + 24 * 3600_000;
  const buyers = [];
  for (let i = 0; i < 4; i++) {
    const v = new Visitor(w.mf, { now: day2 + i * 1000 });
    const page = await v.page("/");
    const order = { type: "purchase", id: `rev-${i}`, at: v.now + 500, order_id: `r-${i}`, value: 50 + i * 10 };
    assert.equal((await v.events("/", [order])).status, 200);
    // The arm the page says the buyer got: the expected revenue per arm, by construction.
    buyers.push({ arm: /hero=hero-test\/(\w+)/.exec(page.signpost)[1], value: order.value });
  }
  // Real crawlers (tests/fixtures/user-agents.json): they get their pages, and count nowhere.
  const crawlers = JSON.parse(readFileSync(join(root, "tests/fixtures/user-agents.json"), "utf8")).bots.slice(0, 6);
  for (const [i, ua] of crawlers.entries()) {
    const bot = new Visitor(w.mf, { now: day2 + 10_000 + i });
    const crawled = await bot.page("/", { headers: { "user-agent": ua } });
    assert.match(crawled.signpost, /^personalized/, "a bot still gets the page");
  }
  // A client cannot declare itself Cloudflare's verdict: the header is dropped.
  await new Visitor(w.mf, { now: day2 + 20_000 }).page("/", { headers: { "x-signpost-bot": "1" } });
  const ranged = async (query) => {
    const res = await w.mf.dispatchFetch(`http://localhost/__signpost/report${query}`, { headers: admin });
    assert.equal(res.status, 200, await res.clone().text());
    return res.json();
  };
  const all = await waitFor(async () => {
    const a = await ranged("");
    const orders = a.revenue.reduce((n, r) => n + r.orders, 0);
    return orders >= 4 && a.excluded_bots >= crawlers.length ? a : null;
  });
  assert.ok(all, "the orders and the bot were stored");
  assert.equal(all.excluded_bots, crawlers.length, "each crawler left out, as one visitor each");
  // CUPED from the store's sums, for each variant whose arm and control have two visitors.
  const [x] = all.report.experiments;
  const control = x.variants.find((v) => v.control);
  for (const v of x.variants.filter((v) => !v.control)) {
    if (v.visitors >= 2 && control.visitors >= 2) {
      assert.ok(v.cuped, `CUPED for ${v.variant}`);
      assert.ok(v.cuped.interval.low <= v.cuped.difference && v.cuped.difference <= v.cuped.interval.high);
    }
  }
  // Revenue per arm: the four orders of day two (and the first test's, made on day one).
  const revenue = all.revenue.reduce((n, r) => n + r.revenue, 0);
  assert.ok(revenue >= 50 + 60 + 70 + 80, JSON.stringify(all.revenue));
  for (const r of all.revenue) {
    if (r.orders > 0) assert.equal(r.average_order_value, r.revenue / r.orders);
    assert.equal(r.revenue_per_visitor, r.revenue / r.visitors);
  }
  // The daily series: each arm's point on day two holds at least what day one held.
  const days = [...new Set(all.daily.map((p) => p.day))];
  assert.deepEqual(days, ["2026-11-20", "2026-11-21"]);
  for (const p of all.daily.filter((p) => p.day === "2026-11-21")) {
    const before = all.daily.find((q) => q.day === "2026-11-20" && q.arm === p.arm);
    if (before) assert.ok(p.visitors >= before.visitors, p.arm);
    if (p.visitors > 0) assert.ok(p.interval.low <= p.rate && p.rate <= p.interval.high);
  }
  // Day two alone: only its visitors (four buyers and the one who sent the header; the
  // crawlers are left out).
  const second = await ranged("?from=2026-11-21&to=2026-11-21");
  const reached = second.report.experiments[0].variants.reduce((n, v) => n + v.visitors, 0);
  const held = second.report.holdout.holdout.visitors;
  assert.equal(reached + held, 5);
  assert.equal(second.excluded_bots, crawlers.length);
  // Revenue per arm on day two: exactly the buyers' orders, each under the arm they got.
  for (const variant of ["control", "bold"]) {
    const mine = buyers.filter((b) => b.arm === variant);
    const got = second.revenue.find((r) => r.variant === variant) ?? { orders: 0, revenue: 0 };
    assert.equal(got.orders, mine.length, variant);
    assert.equal(
      got.revenue,
      mine.reduce((n, b) => n + b.value, 0),
      variant,
    );
  }
  const bad = await w.mf.dispatchFetch("http://localhost/__signpost/report?from=yesterday", { headers: admin });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /from: expected a date as YYYY-MM-DD/);
});

test("funnels by any split, cohorts, segments' value, and every table as CSV", async () => {
  const day3 = NOW + 2 * 24 * 3600_000;
  const range = "from=2026-11-22&to=2026-11-22";
  const at = (v, dt) => ({ at: v.now + dt });
  // One visitor goes the whole way, one stops after viewing, one signs up without clicking.
  const all = new Visitor(w.mf, { now: day3 });
  await all.page("/");
  const clicked = { type: "offer_click", id: "f-c", offer: "newsletter", slot: "banner", ...at(all, 1000) };
  await all.events("/", [clicked, { type: "signup", id: "f-s", ...at(all, 2000) }]);
  await new Visitor(w.mf, { now: day3 + 5000 }).page("/");
  const skipper = new Visitor(w.mf, { now: day3 + 9000 });
  await skipper.page("/");
  await skipper.events("/", [{ type: "signup", id: "f-s2", ...at(skipper, 1000) }]);
  const get = async (query) => {
    const res = await w.mf.dispatchFetch(`http://localhost/__signpost/report?${range}&${query}`, { headers: admin });
    assert.equal(res.status, 200, await res.clone().text());
    return res;
  };
  const r = await waitFor(async () => {
    const r = await (await get("")).json();
    return r.funnels[0]?.groups[0]?.reached[2] >= 1 && r.funnels[0].groups[0].reached[0] >= 3 ? r : null;
  });
  assert.ok(r, "the funnel filled");
  const [signup] = r.funnels;
  assert.deepEqual(signup.steps, ["page_view", "offer_click", "signup"]);
  assert.deepEqual(signup.groups[0].reached, [3, 1, 1], "the skipper's signup came without the click");
  assert.deepEqual(signup.groups[0].overall_rate, [1, 1 / 3, 1 / 3]);
  for (const by of ["tier", "arm:hero-2026", "segment:browser"]) {
    const split = await (await get(`by=${encodeURIComponent(by)}`)).json();
    const first = split.funnels[0].groups.reduce((n, g) => n + g.reached[0], 0);
    assert.equal(first, 3, `${by}: every visitor in one group`);
  }
  const bySegment = await (await get("by=segment:browser")).json();
  assert.deepEqual(
    bySegment.funnels[0].groups.map((g) => g.split),
    ["in"],
    "each had viewed a page at their first step",
  );
  // Cohorts: all three first came in the week starting Monday 16 November.
  assert.deepEqual(r.cohorts, [{ cohort: "2026-11-16", week: 0, active: 3, purchasers: 0, retention: 1 }]);
  const browser = r.segments.find((s) => s.segment === "browser");
  assert.equal(browser.visitors, 3);
  assert.equal(browser.churned, 0);
  assert.equal(browser.lifetime_value, 0);
  // CSV: the funnel, one line per group and step.
  const csv = await get("format=csv&table=funnels");
  assert.match(csv.headers.get("content-type"), /^text\/csv/);
  const lines = (await csv.text()).trim().split("\n");
  assert.equal(lines[0], "event,funnel,overall_rate,reached,split,step,step_rate");
  assert.equal(lines.length, 1 + 3);
  assert.equal(lines[2], "offer_click,signup,0.3333333333333333,1,all,2,0.3333333333333333");
  for (const table of ["offers", "experiments", "daily", "revenue", "cohorts", "segments"]) {
    const body = await (await get(`format=csv&table=${table}`)).text();
    assert.ok(body.split("\n").length >= 2, `${table} has a header and rows`);
  }
  const bad = await w.mf.dispatchFetch(`http://localhost/__signpost/report?format=csv&table=nope`, { headers: admin });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /table: expected one of offers, experiments/);
  const badSplit = await w.mf.dispatchFetch("http://localhost/__signpost/report?by=arm:nope", { headers: admin });
  assert.equal(badSplit.status, 400);
});

test("every row a message carries is stored, sent as text or as JSON, however many", async () => {
  const queue = await w.mf.getQueueProducer("SIGNPOST_MEASURE");
  const db = await w.mf.getD1Database("SIGNPOST_DB", API);
  const t0 = NOW + 900_000;
  // Bots' rows: kept out of every report the tests above read.
  const row = (i, more = {}) => ({
    t: t0 + i,
    day: "2026-11-20",
    visitor: "b".repeat(24),
    kind: "count",
    counter: "test/rows",
    once: 0,
    session: 1,
    holdout: 0,
    bot: 1,
    ...more,
  });
  // More rows than one insert takes (500): split, every one stored.
  await queue.send(JSON.stringify(Array.from({ length: 620 }, (_, i) => row(i))), { contentType: "text" });
  // As Workers before this one sent rows: the text JSON-encoded once more.
  const purchase = row(1000, { kind: "purchase", counter: undefined, revenue: 12.5, currency: "EUR", page: "/a'b\"c" });
  await queue.send(JSON.stringify([purchase]));
  // A message that does not parse is dropped alone.
  await queue.send('[{"t": "not a time"}]', { contentType: "text" });
  const between = "FROM rows WHERE t >= ?1 AND t < ?2";
  const counted = await waitFor(async () => {
    const { results } = await db
      .prepare(`SELECT COUNT(*) AS n ${between}`)
      .bind(t0, t0 + 2000)
      .all();
    return results[0].n >= 621 ? results[0].n : null;
  }, 10_000);
  assert.equal(counted, 621, "620 rows split over two inserts, and the JSON message's one");
  const { results } = await db
    .prepare(`SELECT * ${between} AND kind = 'purchase'`)
    .bind(t0, t0 + 2000)
    .all();
  assert.deepEqual(results, [
    {
      ...Object.fromEntries(Object.keys(results[0]).map((k) => [k, null])),
      ...purchase,
      counter: null,
    },
  ]);
  const { results: first } = await db
    .prepare(`SELECT * ${between} AND t = ?1`)
    .bind(t0, t0 + 2000)
    .all();
  assert.equal(first[0].counter, "test/rows");
  assert.equal(first[0].once, 0);
});
