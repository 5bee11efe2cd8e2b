// The SDK's part for single-page apps (sdk-js/dist in headless Chromium, the edge's decision in
// the page as the Worker injects it): slots added after the decision are filled in the same
// microtask checkpoint as the app's change, so before any paint (once the applier, apply.js,
// requested at init, has arrived; slots added before are filled when it does); a slot the app
// rendered with children stays the app's; HTML the SDK inserted is not matched again; a batch of
// many added nodes is handled by one query; stop() disconnects. tests/node/spa.test.mjs runs a
// real app.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launchChromium, root } from "./harness.mjs";

const ORIGIN = "http://spa.test";
const dist = join(root, "sdk-js/dist");
const EDGE = {
  v: 1,
  plan: {
    slots: [
      { slot: "hero", offer: "hero-offer", html: "<b>For you</b>" },
      { slot: "note", offer: "note-offer", html: "<i>Never shown</i>" },
      { slot: "outer", offer: "outer-offer", html: '<div data-sp-slot="hero"></div>' },
    ],
  },
  tier: "browsing",
  score: 0,
  segments: [],
  holdout: false,
};
const PAGE =
  `<!doctype html><html><head><title>t</title></head><body><div id="app"></div>` +
  `<script type="application/json" id="signpost-state">${JSON.stringify(EDGE)}</script>` +
  `<script type="module">import * as sp from "/sdk/signpost.js"; window.sp = sp; sp.init({ endpoint: null });</script></body></html>`;

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** The page with the SDK started; unless `applyDelay` (ms that apply.js is held back), once the
 *  applier it requests at init has arrived (the SDK's own import settles first). */
async function open({ applyDelay = 0 } = {}) {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  const errors = [];
  p.on("pageerror", (e) => errors.push(String(e)));
  await p.route(`${ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === "/sdk/apply.js") await new Promise((ok) => setTimeout(ok, applyDelay));
    if (path === "/") return route.fulfill({ body: PAGE, contentType: "text/html" });
    if (path.startsWith("/sdk/")) {
      const f = path.slice(5);
      const type = f.endsWith(".wasm") ? "application/wasm" : "text/javascript";
      return route.fulfill({ body: readFileSync(join(dist, f)), contentType: type });
    }
    return route.fulfill({ status: 404, body: "" });
  });
  await p.goto(`${ORIGIN}/`);
  await p.waitForFunction(() => window.sp);
  if (!applyDelay) await p.evaluate(() => import("/sdk/apply.js").then(() => {}));
  return { p, errors, close: () => ctx.close() };
}

// The slots' [slot, data-sp-offer, innerHTML] one microtask after `change(app)` ran: the
// observer's callback was queued by the change, so it has run by then, and no paint between.
const after1 = (p, change) =>
  p.evaluate(async (change) => {
    const app = document.getElementById("app");
    new Function("app", change)(app);
    await Promise.resolve();
    return [...app.querySelectorAll("[data-sp-slot]")].map((el) => [
      el.getAttribute("data-sp-slot"),
      el.getAttribute("data-sp-offer"),
      el.innerHTML,
    ]);
  }, change);

test("slots the app adds are filled before the next paint; the app's own slot is left alone", async () => {
  const { p, errors, close } = await open();
  const got = await after1(
    p,
    `app.innerHTML = '<main><section><div data-sp-slot="hero"></div></section>' +
      '<div data-sp-slot="note"><p>The app\\'s</p></div><div data-sp-slot="other"></div></main>';`,
  );
  assert.deepEqual(got, [
    ["hero", "hero-offer", "<b>For you</b>"],
    ["note", null, "<p>The app's</p>"],
    ["other", null, ""],
  ]);
  // The app's slot stays the app's even when it empties it later.
  const again = await after1(p, `app.querySelector('[data-sp-slot="note"]').replaceChildren();`);
  assert.deepEqual(again[1], ["note", null, ""]);
  assert.deepEqual(errors, []);
  await close();
});

test("slots added before the applier arrived are filled when it does; the app's stay the app's", async () => {
  const { p, errors, close } = await open({ applyDelay: 400 });
  const got = await after1(
    p,
    `app.innerHTML = '<div data-sp-slot="hero"></div><div data-sp-slot="note"><p>The app\\'s</p></div>';`,
  );
  assert.deepEqual(got[0], ["hero", null, ""], "not filled yet: the applier is on its way");
  await p.waitForSelector("[data-sp-slot=hero][data-sp-offer=hero-offer]");
  assert.deepEqual(
    await p.evaluate(() => document.querySelector("[data-sp-slot=note]").outerHTML),
    '<div data-sp-slot="note"><p>The app\'s</p></div>',
  );
  // Marked the app's when it was added: a decision that names it later leaves it alone too.
  await p.evaluate(async () => {
    const { applyPlan } = await import("/sdk/apply.js");
    applyPlan({ slots: [{ slot: "note", offer: "note-offer", html: "<i>Never shown</i>" }] });
  });
  assert.equal(await p.getAttribute("[data-sp-slot=note]", "data-sp-offer"), null);
  assert.deepEqual(errors, []);
  await close();
});

test("HTML the SDK inserted is not matched again", async () => {
  const { p, close } = await open();
  const got = await after1(p, `app.innerHTML = '<div data-sp-slot="outer"></div>';`);
  await p.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
  assert.deepEqual(got, [
    ["outer", "outer-offer", '<div data-sp-slot="hero"></div>'],
    ["hero", null, ""],
  ]);
  assert.equal(await p.getAttribute("[data-sp-slot=outer] [data-sp-slot=hero]", "data-sp-offer"), null);
  await close();
});

test("hundreds of nodes added at once: one query finds the slots among them", async () => {
  const { p, close } = await open();
  const got = await after1(
    p,
    `const f = document.createDocumentFragment();
     for (let i = 0; i < 600; i++) f.append(document.createElement("span"));
     const slot = document.createElement("div");
     slot.setAttribute("data-sp-slot", "hero");
     f.append(slot);
     app.append(f);`,
  );
  assert.deepEqual(got, [["hero", "hero-offer", "<b>For you</b>"]]);
  await close();
});

test("stop() disconnects: slots added after it are left as the app rendered them", async () => {
  const { p, close } = await open();
  await p.evaluate(() => window.sp.stop());
  const got = await after1(p, `app.innerHTML = '<div data-sp-slot="hero"></div>';`);
  assert.deepEqual(got, [["hero", null, ""]]);
  await close();
});
