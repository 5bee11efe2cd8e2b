// The demo through the Worker in Chromium, with the SDK as the demo ships it: the funnel
// journey of examples/journeys.json (/, two tents, /compare), then add to cart on /compare.
// The banner must switch to ready-free-shipping in the page, without a reload; the Plan the
// page decided must equal the one the edge answers for the same state, and the next page load
// from the edge must show the same.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, launchChromium, newVisitorId } from "./harness.mjs";

let mf, url, browser, endpoints;
before(async () => {
  ({ mf, url } = await startWorker({ port: 0 }));
  browser = await launchChromium();
  // The events endpoint lands with the Worker's issue; until then this test says so and skips.
  const r = await fetch(new URL("/__signpost/config", url));
  endpoints = r.status === 200;
  await r.body?.cancel();
});
after(async () => {
  await browser?.close();
  await mf?.dispose();
});

// A Plan as it renders: `why` is prose for people and may differ in wording.
const rendered = (plan) => (plan?.slots ?? []).map(({ why, ...rest }) => rest);

test("add to cart on the demo switches the banner in the page, as the edge then shows it", async (t) => {
  if (!endpoints) return t.skip("the Worker has no /__signpost/config yet");
  const page = await browser.newPage();
  // A visitor outside the holdout (whose pages have no slots filled).
  await page.context().addCookies([{ name: "sp_vid", value: await newVisitorId(), url: String(url) }]);
  for (const path of ["/", "/products/tent-summit-2p", "/products/tent-basecamp-4p", "/compare"]) {
    await page.goto(new URL(path, url).href);
  }
  const edge = JSON.parse(await page.locator("#signpost-state").textContent());
  assert.equal(edge.tier, "comparing");
  assert.equal(await page.getAttribute("[data-sp-slot=banner]", "data-sp-offer"), null);

  // The SDK the page runs (same module instance as /sdk/auto.js started).
  await page.evaluate(async () => {
    window.sp = await import("/sdk/signpost.js");
    window.noReload = true;
    await window.sp.decide(); // the wasm core is loaded, and agrees with the edge so far
  });
  assert.deepEqual(rendered(await page.evaluate(() => window.sp.decision().plan)), rendered(edge.plan));

  const answer = page.waitForResponse((r) => r.url().endsWith("/__signpost/events") && r.request().method() === "POST");
  await page.click('[data-sp-track="add_to_cart"]');
  await page.waitForSelector("[data-sp-slot=banner][data-sp-offer=ready-free-shipping]", { timeout: 10_000 });
  const local = await page.evaluate(() => window.sp.decision());
  assert.equal(local.source, "local");
  assert.equal(local.tier, "ready_to_buy");
  assert.equal(await page.evaluate(() => window.noReload), true, "no reload");

  await page.evaluate(() => window.sp.flush());
  const res = await answer;
  assert.equal(res.status(), 200);
  const fromEdge = await res.json();
  assert.equal(fromEdge.tier, "ready_to_buy");
  assert.deepEqual(rendered(fromEdge.plan), rendered(local.plan), "edge and browser plans are equal");

  await page.reload();
  const next = JSON.parse(await page.locator("#signpost-state").textContent());
  assert.equal(await page.getAttribute("[data-sp-slot=banner]", "data-sp-offer"), "ready-free-shipping");
  const banner = (plan) => rendered(plan).find((s) => s.slot === "banner");
  assert.deepEqual(banner(next.plan), banner(local.plan), "the next page load shows the same banner");
  await page.close();
});
