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
      { slot: "spaced", offer: "spaced-offer", html: "<u>Whitespace is not content</u>" },
      { slot: "outer", offer: "outer-offer", html: '<div data-sp-slot="hero"></div>' },
    ],
  },
  tier: "browsing",
  score: 0,
  segments: [],
  holdout: false,
};
const page = (options) =>
  `<!doctype html><html><head><title>t</title></head><body><div id="app"></div>` +
  `<script type="application/json" id="signpost-state">${JSON.stringify(EDGE)}</script>` +
  `<script type="module">import * as sp from "/sdk/signpost.js"; window.sp = sp; sp.init(${options});</script></body></html>`;

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** The page with the SDK started; unless `applyDelay` (ms that apply.js is held back), once the
 *  applier it requests at init has arrived (the SDK's own import settles first). */
async function open({ applyDelay = 0, options = "{ endpoint: null }", events } = {}) {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  const errors = [];
  p.on("pageerror", (e) => errors.push(String(e)));
  await p.route(`${ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === "/sdk/apply.js") await new Promise((ok) => setTimeout(ok, applyDelay));
    if (path === "/") return route.fulfill({ body: page(options), contentType: "text/html" });
    if (path === "/__signpost/events" && events) return route.fulfill(await events(route.request()));
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
      '<div data-sp-slot="note"><p>The app\\'s</p></div><div data-sp-slot="other"></div>' +
      '<div data-sp-slot="spaced">\\n  </div></main>';`,
  );
  assert.deepEqual(got, [
    ["hero", "hero-offer", "<b>For you</b>"],
    ["note", null, "<p>The app's</p>"],
    ["other", null, ""],
    ["spaced", "spaced-offer", "<u>Whitespace is not content</u>"],
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

test("the edge's answer for a URL the app has left is not shown on the new route", async () => {
  // The answer to the batch sent from / comes back once the app is on /next.
  const events = async () => {
    await new Promise((ok) => setTimeout(ok, 300));
    const plan = { slots: [{ slot: "hero", offer: "answer-for-slash", html: "<b>For /</b>" }] };
    return { status: 200, contentType: "application/json", body: JSON.stringify({ results: [], plan }) };
  };
  const { p, errors, close } = await open({ options: "{ flushMs: 0 }", events });
  const answered = p.waitForResponse((r) => r.url().endsWith("/__signpost/events"));
  await p.evaluate(() => {
    window.sp.track("viewed_something");
    window.sp.flush();
    history.pushState({}, "", "/next");
    document.getElementById("app").innerHTML = '<div data-sp-slot="hero"></div>';
  });
  await answered;
  await p.waitForTimeout(200); // past the answer's handling
  assert.deepEqual(await p.evaluate(() => document.getElementById("app").innerHTML), '<div data-sp-slot="hero"></div>');
  assert.deepEqual(errors, []);
  await close();
});
