// The editor for every marketer (issue 21, item 5), in real Chromium through the Worker: every
// control in every part of the forms has a name a screen reader says; the layout holds at a
// laptop's 1280 px and on a tablet (no sideways scrolling, the controls in reach); and the
// editor's own code (its page, the forms' modules and the core's wasm) loads in under a second.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, launchChromium, ADMIN_TOKEN } from "./harness.mjs";

let mf, url, browser;
before(async () => {
  ({ mf, url } = await startWorker({ port: 0, bindings: { SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN } }));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await mf?.dispose();
});

/** The editor, signed in, in a viewport of `width` x `height`; resolves once the forms show. */
async function editor(width, height, errors = []) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(new URL("/__signpost/admin", url).href);
  await page.fill("#token", ADMIN_TOKEN);
  await page.click("#login-form button");
  await page.waitForSelector("#forms .f-table");
  return { context, page };
}

/** Controls on the page without an accessible name (label, aria-label(ledby), title, text). */
const unnamed = (page) =>
  page.evaluate(() => {
    const named = (c) => {
      if (c.getAttribute("aria-label")?.trim() || c.getAttribute("title")?.trim()) return true;
      const by = c.getAttribute("aria-labelledby");
      if (by?.split(/\s+/).some((id) => document.getElementById(id)?.textContent.trim())) return true;
      if (c.labels && [...c.labels].some((l) => l.textContent.trim())) return true;
      if (c.tagName === "BUTTON" && c.textContent.trim()) return true;
      if (c.tagName === "INPUT" && ["submit", "button"].includes(c.type) && c.value) return true;
      return false;
    };
    const visible = (c) => c.offsetParent !== null && c.type !== "hidden";
    return [...document.querySelectorAll("input, select, textarea, button")]
      .filter(visible)
      .filter((c) => !named(c))
      .map((c) => c.outerHTML.slice(0, 120));
  });

test("every control in every part of the forms has an accessible name", async () => {
  const errors = [];
  const { context, page } = await editor(1280, 900, errors);
  const sections = await page.$$eval("#forms .tabs button", (bs) => bs.map((b) => b.dataset.key));
  assert.ok(sections.length >= 6, `the forms' parts: ${sections}`);
  let checked = 0;
  for (const section of sections) {
    await page.click(`[data-key="${section}"]`);
    // Open the first item of the part when it lists some (an offer, a segment), so its form's
    // controls are checked too.
    const first = await page.$("#forms .f-table button[aria-label^='Edit offer'], #forms .f-names button");
    if (first) await first.click();
    assert.deepEqual(await unnamed(page), [], `${section}: controls without a name`);
    checked += await page.$$eval("#forms input, #forms select, #forms textarea, #forms button", (c) => c.length);
  }
  assert.ok(checked > 100, `${checked} controls checked`);
  assert.deepEqual(errors, []);
  await context.close();
});

for (const [name, width, height] of [
  ["a laptop (1280 px)", 1280, 800],
  ["a tablet (768 px, portrait)", 768, 1024],
]) {
  test(`the layout holds on ${name}: no sideways scrolling, the offer form in reach`, async () => {
    const { context, page } = await editor(width, height);
    await page.click("#forms .f-table button[aria-label^='Edit offer']");
    await page.waitForSelector("#forms .f-form");
    const fit = await page.evaluate(() => ({
      page: document.scrollingElement.scrollWidth,
      view: innerWidth,
      // Every visible control starts inside the viewport's width.
      outside: [...document.querySelectorAll("#forms input, #forms select, #forms button")]
        .filter((c) => c.offsetParent !== null)
        .filter((c) => {
          const r = c.getBoundingClientRect();
          return r.left < 0 || r.left >= innerWidth;
        })
        .map((c) => c.outerHTML.slice(0, 80)),
    }));
    assert.ok(fit.page <= fit.view, `the page is ${fit.page} px wide in a ${fit.view} px viewport`);
    assert.deepEqual(fit.outside, [], "controls out of reach");
    await context.close();
  });
}

test("the editor's own code loads in under a second on the demo", async () => {
  const { context, page } = await editor(1280, 900);
  // Two fetches of the editor's own code: its page, and after sign-in the forms' modules and
  // the core's wasm. The time the marketer takes to sign in is theirs, not the editor's.
  const t = await page.evaluate(() => {
    const own = performance.getEntriesByType("resource").filter((r) => /\/sdk\/editor\//.test(r.name));
    const nav = performance.getEntriesByType("navigation")[0];
    const styles = own.filter((r) => r.name.endsWith(".css"));
    const code = own.filter((r) => /\.(js|wasm)$/.test(r.name));
    return {
      files: own.length + 1,
      kb: (own.reduce((n, r) => n + r.encodedBodySize, 0) + nav.encodedBodySize) / 1024,
      page: Math.max(nav.responseEnd, ...styles.map((r) => r.responseEnd)),
      code: Math.max(...code.map((r) => r.responseEnd)) - Math.min(...code.map((r) => r.startTime)),
    };
  });
  const ms = t.page + t.code;
  console.log(
    `editor: ${t.files} files, ${t.kb.toFixed(0)} KB: the page in ${t.page.toFixed(0)} ms, ` +
      `the forms and the core in ${t.code.toFixed(0)} ms; ${ms.toFixed(0)} ms in all`,
  );
  assert.ok(t.files >= 4, "the forms' modules and the wasm are counted");
  assert.ok(ms < 1000, `the editor's code took ${ms.toFixed(0)} ms`);
  await context.close();
});
