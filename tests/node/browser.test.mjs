// The demo through the Worker in real Chromium: the edge's decision reaches the page and the
// browser core (wasm) loads after it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, launchChromium } from "./harness.mjs";

let mf, url, browser;
before(async () => {
  ({ mf, url } = await startWorker({ port: 0 }));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await mf?.dispose();
});

test("the demo page carries the edge state and loads the wasm core", async () => {
  const page = await browser.newPage();
  const failed = [];
  page.on("requestfailed", (r) => failed.push(r.url()));
  await page.goto(new URL("/", url).href);
  const state = JSON.parse(await page.locator("#signpost-state").textContent());
  assert.ok(Array.isArray(state.plan.slots), "edge state has a plan");
  await page.waitForSelector('html[data-signpost^="ready"]', { timeout: 10_000 });
  const marker = await page.getAttribute("html", "data-signpost");
  assert.match(marker, /^ready \d+\.\d+\.\d+$/);
  assert.deepEqual(failed, []);
  // The visitor cookie was set by the Worker and is not readable from scripts (HttpOnly).
  const cookies = await page.context().cookies();
  assert.ok(cookies.some((c) => c.name === "sp_vid" && c.httpOnly));
  assert.equal(await page.evaluate(() => document.cookie.includes("sp_vid")), false);
});
