// The editor's results drawn from live data, in real Chromium through the Worker in workerd:
// visitors over three days (a Sunday, then the Monday a new week starts, then Tuesday) view,
// add to cart and buy, some come back; the results show each arm's daily rate as a line over
// its band, the funnel as bars, the cohorts as a heat map, and re-query for a date range and a
// funnel split; a table downloads as CSV.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  startWorker,
  launchChromium,
  loadCore,
  Visitor,
  waitFor,
  SECRET,
  ADMIN_TOKEN,
  exampleCatalog,
  measureConfig,
} from "./harness.mjs";

// The measurement tests' config, with a checkout funnel.
const CONFIG = { ...measureConfig(), funnels: { checkout: ["page_view", "add_to_cart", "purchase"] } };
const DAY = 24 * 3600_000;
const SUNDAY = Date.parse("2026-11-22T10:00:00Z");

let w, browser;
before(async () => {
  w = await startWorker({
    seed: false,
    port: 0,
    bindings: { SIGNPOST_TEST_HOOKS: "1", SIGNPOST_SECRET: SECRET, SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  await w.kv.put("config:1", JSON.stringify(CONFIG));
  await w.kv.put("config:current", "1");
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await w?.mf.dispose();
});

/** A visitor id in the holdout of CONFIG, so the holdout arm has someone. */
async function heldOutId() {
  const core = await loadCore();
  const engine = new core.SignpostEngine(JSON.stringify(CONFIG), exampleCatalog());
  for (let i = 0; ; i++) {
    const id = i.toString(16).padStart(32, "0");
    if (JSON.parse(engine.on_request(id, "", "/", undefined, SUNDAY)).decision.holdout) return id;
  }
}

let events = 0;
/** A visitor's page on `day` (0, 1, 2) and then their events, each a few seconds later. */
async function visit(v, day, types = []) {
  v.now = SUNDAY + day * DAY + events * 1000;
  await v.page("/");
  const list = types.map((type, k) => {
    const e = { type, id: `e-${events++}`, at: v.now + (k + 1) * 1000 };
    if (type === "add_to_cart") Object.assign(e, { product_id: "tent-summit-2p", price: 349 });
    if (type === "purchase") Object.assign(e, { order_id: `o-${events}`, value: 100 + 10 * k });
    return e;
  });
  if (list.length) assert.equal((await v.events("/", list)).status, 200);
}

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
async function report(query = "") {
  const res = await w.mf.dispatchFetch(`http://localhost/__signpost/report${query}`, { headers: admin });
  assert.equal(res.status, 200);
  return res.json();
}

test("the results draw the daily series, the funnel and the cohorts, and re-query", async () => {
  const sunday = Array.from({ length: 6 }, () => new Visitor(w.mf));
  for (const [k, v] of sunday.entries())
    await visit(v, 0, k < 2 ? ["add_to_cart", "purchase"] : k < 4 ? ["add_to_cart"] : []);
  const held = new Visitor(w.mf, { vid: await heldOutId() });
  await visit(held, 0);
  // Monday: a new week; two of Sunday's visitors come back (one buys), four new ones.
  await visit(sunday[2], 1, ["purchase"]);
  await visit(sunday[4], 1);
  await visit(held, 1);
  for (let k = 0; k < 4; k++) await visit(new Visitor(w.mf), 1, k === 0 ? ["add_to_cart", "purchase"] : []);
  // Tuesday: three new ones.
  for (let k = 0; k < 3; k++) await visit(new Visitor(w.mf), 2, k === 0 ? ["add_to_cart"] : []);

  const all = await waitFor(async () => {
    const r = await report();
    const f = r.funnels[0]?.groups[0]?.reached ?? [];
    return f[0] === 14 && f[2] >= 3 && r.daily.some((p) => p.day === "2026-11-24") ? r : null;
  }, 15_000);
  assert.ok(all, "the visits reached the report");

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(new URL("/__signpost/admin", w.url).href);
  await page.fill("#token", ADMIN_TOKEN);
  await page.click("#login-form button");
  await page.waitForSelector("#results svg.chart");

  // The daily series: per experiment and for the holdout, one line per arm over its band.
  const arms = [...new Set(all.daily.filter((p) => p.rate != null).map((p) => p.arm))];
  assert.ok(arms.includes("holdout/in") && arms.includes("holdout/out"), arms.join());
  assert.ok(arms.some((a) => a.startsWith("exp/hero-2026/")));
  const lines = await page.$$eval("#results path[data-arm]", (ps) => ps.map((p) => p.dataset.arm));
  assert.deepEqual(lines.sort(), [...arms].sort(), "one line per arm");
  const bands = await page.$$eval("#results path[data-band]", (ps) => ps.map((p) => p.dataset.band));
  assert.deepEqual(bands.sort(), [...arms].sort(), "one band per arm");
  for (const arm of arms) {
    const points = await page.locator(`#results circle[data-arm="${arm}"]`).count();
    assert.equal(points, all.daily.filter((p) => p.arm === arm && p.rate != null).length, arm);
  }
  // Its numbers on hover: the last point of the personalized arm.
  const out = all.daily.filter((p) => p.arm === "holdout/out").at(-1);
  const point = page.locator('#results circle[data-arm="holdout/out"][data-day="2026-11-24"]');
  await point.hover();
  const said = await point.locator("title").textContent();
  assert.ok(said.includes(`${out.conversions} of ${out.visitors} visitors`), said);
  assert.ok(said.includes(`${(out.rate * 100).toFixed(1)}%`), said);
  const label = await page.locator("#results svg.chart").first().getAttribute("aria-label");
  assert.match(label, /^hero-2026: conversion rate by day, 2026-11-22 to 2026-11-24/);
  assert.equal(await page.locator("#results svg.chart").first().getAttribute("role"), "img");

  // The funnel: one bar per step, as tall as the visitors who reached it, the rate on it.
  const funnel = all.funnels[0].groups[0];
  const bars = page.locator('#results rect[data-group="all"]');
  assert.equal(await bars.count(), 3);
  const heights = await bars.evaluateAll((rs) => rs.map((r) => Number(r.getAttribute("height"))));
  assert.ok(heights[0] > heights[1] && heights[1] > heights[2] && heights[2] > 0, heights.join());
  for (let i = 1; i < 3; i++) {
    const share = heights[i] / heights[0];
    assert.ok(Math.abs(share - funnel.reached[i] / funnel.reached[0]) < 1e-6, `step ${i}`);
  }
  assert.match(
    await bars.nth(1).locator("title").textContent(),
    new RegExp(`^${funnel.reached[1]} reached add_to_cart`),
  );
  const onBars = await page.locator("#results text.on-bar").allTextContents();
  assert.ok(onBars.includes(`${+(funnel.step_rate[2] * 100).toFixed(1)}%`), onBars.join());

  // The cohorts: a cell per (cohort, week) the report has, its numbers in its title.
  assert.ok(all.cohorts.length >= 3, JSON.stringify(all.cohorts));
  for (const c of all.cohorts) {
    const cell = page.locator(`#results rect[data-cohort="${c.cohort}"][data-week="${c.week}"]`);
    assert.equal(await cell.count(), 1, `${c.cohort} week ${c.week}`);
    const title = await cell.locator("title").textContent();
    assert.ok(title.includes(`${c.active} back (${(c.retention * 100).toFixed(1)}%`), title);
  }
  const returned = all.cohorts.find((c) => c.cohort === "2026-11-16" && c.week === 1);
  assert.equal(returned.active, 3, "two of Sunday's visitors and the held-out one came back");
  // The tables beside: revenue per arm, segments' value, bots left out.
  const text = await page.textContent("#results");
  for (const h of ["Revenue per arm", "Segments' value", "Funnel checkout", "Cohorts by week of first visit"]) {
    assert.ok(text.includes(h), h);
  }
  assert.equal(await page.textContent("#report-note"), "0 bot visitors left out");

  const shots = process.env.SIGNPOST_SCREENSHOTS;
  if (shots) await page.locator("section.panel:has(#results)").screenshot({ path: `${shots}/editor-results.png` });

  // A CSV download: the page fetches with the token and saves the text.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.click('#results a.csv[data-table="funnels"]'),
  ]);
  assert.match(download.suggestedFilename(), /^signpost-funnels-start_today\.csv$/);
  const csv = readFileSync(await download.path(), "utf8")
    .trim()
    .split("\n");
  assert.equal(csv[0], "event,funnel,overall_rate,reached,split,step,step_rate");
  assert.equal(csv.length, 1 + 3);

  // A date range re-queries: Tuesday alone has its three visitors.
  const seen = async () => {
    const cells = await page.locator('#results .numbers[data-table="experiments"] td:nth-child(2)').allTextContents();
    return cells.reduce((n, c) => n + Number(c), 0);
  };
  const before = (await report()).report.experiments[0].variants.reduce((n, v) => n + v.visitors, 0);
  const tuesday = (await report("?from=2026-11-24&to=2026-11-24")).report.experiments[0].variants;
  assert.equal(await seen(), before);
  await page.fill("#report-from", "2026-11-24");
  await page.fill("#report-to", "2026-11-24");
  await page.waitForFunction(
    () =>
      document.querySelectorAll("#results circle[data-day]").length > 0 &&
      [...document.querySelectorAll("#results circle[data-day]")].every((c) => c.dataset.day === "2026-11-24"),
  );
  assert.equal(
    await seen(),
    tuesday.reduce((n, v) => n + v.visitors, 0),
  );
  assert.ok((await seen()) < before, "fewer visitors");
  assert.equal(
    await page.locator('#results rect[data-group="all"]').first().locator("title").textContent(),
    "3 reached page_view; 100.0% of the step before, 100.0% of the first",
  );

  // The split: by the experiment's arms, a bar per arm at each step; then in or out of a segment.
  const options = await page.$$eval("#report-by option", (os) => os.map((o) => o.value));
  assert.deepEqual(options, ["", "tier", "arm:hero-2026", "segment:browser"]);
  await page.fill("#report-from", "");
  await page.fill("#report-to", "");
  await page.selectOption("#report-by", "arm:hero-2026");
  await page.waitForSelector('#results rect[data-step="page_view"]:not([data-group="all"])');
  const byArm = (await report("?by=arm:hero-2026")).funnels[0].groups;
  const groups = await page.$$eval('#results rect[data-step="page_view"]', (rs) => rs.map((r) => r.dataset.group));
  assert.deepEqual(
    groups,
    byArm.map((g) => g.split),
  );
  // The held-out visitor never saw the experiment.
  assert.ok(groups.includes("not exposed"), groups.join());
  assert.ok(
    groups.every((g) => ["control", "bold", "not exposed"].includes(g)),
    groups.join(),
  );
  assert.equal(await page.locator("#results rect[data-step]").count(), 3 * byArm.length);
  await page.selectOption("#report-by", "segment:browser");
  await page.waitForFunction(() =>
    [...document.querySelectorAll('#results rect[data-step="page_view"]')].every((r) =>
      ["in", "out"].includes(r.dataset.group),
    ),
  );

  // Keyboard: the controls are reached with Tab, and labelled.
  for (const id of ["report-from", "report-to", "report-by"]) {
    const named = await page.evaluate((id) => document.getElementById(id).labels[0]?.textContent, id);
    assert.ok(named, id);
  }
  // A tablet: nothing wider than the screen.
  await page.setViewportSize({ width: 800, height: 1000 });
  assert.ok(await page.evaluate(() => document.scrollingElement.scrollWidth <= window.innerWidth));
  assert.deepEqual(errors, []);
  await context.close();
});
