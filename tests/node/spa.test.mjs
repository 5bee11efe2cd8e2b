// A single-page app behind the Worker (issue 22, item 3): the Preact example in
// examples/spa-preact, built by Vite (prerendered pages with empty slots, `--mode test` adds
// Preact's debug checks), served by a plain local HTTP server as the Worker's origin, run in
// Chromium. The edge fills the slots of the page it serves and hydration keeps them; the SDK
// decides again at each history navigation (links, back, forward) and fills slots the app
// renders later in the frame they first show in; a slot the app renders children into stays
// the app's; no console errors throughout.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { launchChromium, root, startOrigin, startWorker } from "./harness.mjs";

const APP = join(root, "examples/spa-preact");
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".wasm": "application/wasm" };
// What each offer renders (examples/spa-preact/signpost.config.json).
const config = JSON.parse(readFileSync(join(APP, "signpost.config.json"), "utf8"));
const content = Object.fromEntries(config.offers.map((o) => [o.id, o.content]));
const HERO = { "/": "home-hero", "/compare": "compare-hero" };
const heroFor = (path) => HERO[path] ?? (path.startsWith("/products/") ? "product-hero" : null);

let dist, origin, w, browser;
before(async () => {
  dist = mkdtempSync(join(tmpdir(), "signpost-spa-"));
  execFileSync(join(root, "node_modules/.bin/vite"), ["build", "--mode", "test", "--outDir", dist, "--emptyOutDir"], {
    cwd: APP,
    stdio: ["ignore", "ignore", "inherit"],
  });
  // The app's static host: a prerendered page, an asset, or the app's shell for other routes.
  origin = await startOrigin((req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path.includes("..")) return new Response("no", { status: 400 });
    for (const file of extname(path) ? [path] : [join(path, "index.html"), "/index.html"]) {
      try {
        const body = readFileSync(join(dist, file));
        const cache = file.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
        const type = TYPES[extname(file)] ?? "application/octet-stream";
        return new Response(body, { headers: { "content-type": type, "cache-control": cache } });
      } catch {}
    }
    return new Response("not found", { status: 404 });
  });
  w = await startWorker({ port: 0, seed: false, bindings: { ORIGIN: origin.url } });
  await w.kv.put("config:1", JSON.stringify(config));
  await w.kv.put("config:current", "1");
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await w?.mf.dispose();
  origin?.close();
  if (dist) rmSync(dist, { recursive: true, force: true });
});

// Records, just before each paint (requestAnimationFrame), every slot on the page whenever any
// of them changed: [element number, slot, data-sp-offer, innerHTML], with the path shown.
const RECORDER = () => {
  const ids = new WeakMap();
  let n = 0;
  let last = "";
  window.__frames = [];
  const tick = () => {
    const slots = [...document.querySelectorAll("[data-sp-slot]")].map((el) => {
      if (!ids.has(el)) ids.set(el, ++n);
      return [ids.get(el), el.getAttribute("data-sp-slot"), el.getAttribute("data-sp-offer"), el.innerHTML];
    });
    const key = location.pathname + JSON.stringify(slots);
    if (key !== last) window.__frames.push({ path: location.pathname, slots });
    last = key;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
};

async function open() {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
  const posted = []; // the events the SDK sent, with the edge's answer
  page.on("response", async (r) => {
    if (!r.url().endsWith("/__signpost/events") || r.request().method() !== "POST") return;
    posted.push({ body: r.request().postDataJSON(), answer: r.status() === 200 ? await r.json() : null });
  });
  await page.addInitScript(RECORDER);
  return { ctx, page, problems, posted };
}

const slot = (page, name) =>
  page.evaluate((name) => {
    const el = document.querySelector(`[data-sp-slot="${name}"]`);
    return el && { offer: el.getAttribute("data-sp-offer"), html: el.innerHTML };
  }, name);

/** Waits until the page shows `path` with the hero and (on a product) the deals box filled. */
async function shows(page, path) {
  await page.waitForFunction(
    ([path, hero, deals]) =>
      location.pathname === path &&
      document.querySelector(`[data-sp-slot=hero][data-sp-offer="${hero}"]`) &&
      (!deals || document.querySelector(`[data-sp-slot=deals][data-sp-offer="${deals}"]`)),
    [path, heroFor(path), path.startsWith("/products/") && "members-deal"],
    { timeout: 10_000 },
  );
  assert.equal((await slot(page, "hero")).html, content[heroFor(path)], `${path}: the hero`);
}

/** Every painted frame: each slot the SDK owns holds its offer for the path shown; the app's
 *  own slot is never touched. `waiting`: a slot may show empty until its first fill (a route
 *  rendered before the core could decide for it), never with another offer, never emptied. */
async function assertNoFlicker(page, { waiting = false } = {}) {
  const frames = await page.evaluate(() => window.__frames);
  assert.ok(frames.length >= 2, "frames were recorded");
  const filled = new Set();
  for (const { path, slots } of frames) {
    for (const [id, name, offer, html] of slots) {
      const what = `${path}, ${name} slot #${id}: ${JSON.stringify([offer, html])}`;
      if (name === "note") {
        assert.equal(offer, null, what);
        assert.match(html, /Compare up to three tents/, what);
        continue;
      }
      if (waiting && !filled.has(id) && offer === null && html === "") continue;
      filled.add(id);
      const expected = name === "hero" ? heroFor(path) : "members-deal";
      assert.equal(offer, expected, `painted without its offer: ${what}`);
      assert.equal(html, content[expected], `painted without its offer: ${what}`);
    }
  }
}

test("a deep link: the edge fills the prerendered slot, hydration keeps it; a route before the core", async () => {
  const { ctx, page, problems } = await open();
  const res = await page.goto(`${w.url}products/tent-summit-2p`);
  assert.match(res.headers()["x-signpost"], /^personalized/);
  const served = await res.text();
  assert.match(served, /<div class="hero" data-sp-slot="hero" data-sp-offer="product-hero"><h2>Free returns/);
  await shows(page, "/products/tent-summit-2p");
  // Hydrated: the router answers a click without a reload. The click comes before the core has
  // loaded: the new route's hero waits empty for the decision for /compare, never showing the
  // last page's offer.
  await page.evaluate(() => {
    window.noReload = true;
  });
  await page.click("a[href='/compare']");
  await shows(page, "/compare");
  assert.equal(await page.evaluate(() => window.noReload), true, "no reload");
  await assertNoFlicker(page, { waiting: true });
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("route changes decide again, back and forward included, with no flicker and no errors", async () => {
  const { ctx, page, problems, posted } = await open();
  await page.goto(w.url.href);
  await shows(page, "/");
  // The core loads while the page is idle (the page has a slot); navigations decide with it.
  await page.waitForSelector("html[data-signpost^=ready]", { timeout: 10_000 });
  await page.evaluate(() => {
    window.noReload = true;
  });
  const paths = [];
  const go = async (how, path) => {
    await how();
    await shows(page, path);
    paths.push(path);
  };
  await go(() => page.click("a[href='/products/tent-summit-2p']"), "/products/tent-summit-2p");
  await go(() => page.click("main a[href='/compare']"), "/compare");
  assert.deepEqual(await slot(page, "note"), {
    offer: null,
    html: "<p>Compare up to three tents side by side.</p>",
  });
  await go(() => page.goBack(), "/products/tent-summit-2p");
  await go(() => page.goBack(), "/");
  await go(() => page.goForward(), "/products/tent-summit-2p");
  await go(() => page.click("nav a[href='/']"), "/");
  await go(() => page.click("a[href='/products/tent-basecamp-4p']"), "/products/tent-basecamp-4p");
  assert.equal(await page.evaluate(() => window.noReload), true, "every route change stayed in the page");
  await assertNoFlicker(page);

  // Each navigation is a page view the edge records; its answer decides for the batch's URL.
  const views = () => posted.flatMap((p) => p.body.events.filter((e) => e.type === "page_view").map((e) => e.url));
  for (let i = 0; i < 50 && views().length < paths.length; i++) await page.waitForTimeout(100);
  assert.deepEqual(views(), paths, "one page view per navigation, in order");
  for (const { body, answer } of posted) {
    const hero = answer.plan.slots.find((s) => s.slot === "hero");
    assert.equal(hero?.offer, heroFor(new URL(body.url, "http://x").pathname), `the edge's plan for ${body.url}`);
  }
  assert.deepEqual(problems, []);
  await ctx.close();
});
