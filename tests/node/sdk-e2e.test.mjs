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

test("events the SDK accepts all arrive; one the endpoint refuses costs only itself", async (t) => {
  if (!endpoints) return t.skip("the Worker has no /__signpost/config yet");
  const page = await browser.newPage();
  const warnings = [];
  page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
  const bad = [];
  page.on("response", (r) => r.status() >= 400 && bad.push(`${r.status()} ${r.url()}`));
  await page.context().addCookies([{ name: "sp_vid", value: await newVisitorId(), url: String(url) }]);
  await page.goto(new URL("/products/tent-summit-2p", url).href);
  const answer = page.waitForResponse((r) => r.url().endsWith("/__signpost/events") && r.request().method() === "POST");
  const ids = await page.evaluate(async () => {
    const sp = await import("/sdk/signpost.js");
    const ids = [
      sp.track("add_to_cart", { product_id: "tent-summit-2p", quantity: 1, price: 349 }),
      sp.track("newsletterSignup"),
      // Under the SDK's 4 KB per event, over the endpoint's 512 bytes per string.
      sp.track("search", { q: "a".repeat(600) }),
      sp.track("not a name"), // refused by the SDK itself, before sending
    ];
    await sp.flush();
    return ids;
  });
  assert.equal(ids[3], null, "the SDK drops a name the endpoint would refuse");
  const res = await answer;
  assert.equal(res.status(), 200);
  const { results } = await res.json();
  const mine = results.filter((r) => ids.includes(r.id));
  assert.deepEqual(
    mine.map((r) => [r.id, r.status]),
    [
      [ids[0], "accepted"],
      [ids[1], "accepted"],
      [ids[2], "rejected"],
    ],
  );
  assert.deepEqual(bad, [], "no request failed");
  assert.ok(
    warnings.some((w) => /event refused: events\[\d+\]\.q: a string longer than 512 bytes/.test(w)),
    warnings.join("\n"),
  );
  assert.ok(
    warnings.some((w) => /event "not a name" dropped/.test(w)),
    warnings.join("\n"),
  );
  const profile = await page.evaluate(() => fetch("/__signpost/profile").then((r) => r.json()));
  assert.equal(profile.cart.l.length, 1, "the add to cart arrived");
  assert.ok(JSON.stringify(profile).includes("newsletterSignup"), "the custom event arrived");
  await page.close();
});
