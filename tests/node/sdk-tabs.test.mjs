// The SDK in Chromium through the Worker, where reliability and privacy meet the browser:
// several tabs posting events at once (the sp_s cookie race), and Global Privacy Control.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, launchChromium } from "./harness.mjs";

const TENTS = ["tent-summit-2p", "tent-basecamp-4p", "tent-ultralight-1p", "tent-family-6p"];

let mf, url, browser;
before(async () => {
  ({ mf, url } = await startWorker({ port: 0 }));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await mf?.dispose();
});

/** A visitor with one tab per tent, each on a page of the store (the cookies are shared). */
async function tabs() {
  const context = await browser.newContext();
  const pages = [];
  for (const _ of TENTS) {
    const page = await context.newPage();
    await page.goto(new URL("/about", url).href);
    pages.push(page);
  }
  return { context, pages };
}

/** The products in the visitor's cart, as the edge sees it (KV profile + the sp_s cookie). */
const cart = (page) =>
  page.evaluate(async () => {
    const p = await (await fetch("/__signpost/profile")).json();
    return (p.cart?.l ?? []).map((l) => l.p).sort();
  });

test("four tabs add to cart at once: raw posts lose events to the cookie race, the SDK loses none", async (t) => {
  // Raw: each tab posts at the same moment with the same sp_s; every answer carries a cookie
  // with only its own event, and the browser keeps the last one.
  const raw = await tabs();
  await Promise.all(
    raw.pages.map((page, i) =>
      page.evaluate(
        ([id, product]) =>
          fetch("/__signpost/events", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              url: "/about",
              events: [{ type: "add_to_cart", id, product_id: product, quantity: 1 }],
            }),
          }).then((r) => r.status),
        [`raw-${i}`, TENTS[i]],
      ),
    ),
  );
  const kept = await cart(raw.pages[0]);
  t.diagnostic(
    `raw concurrent posts: ${kept.length} of ${TENTS.length} add_to_cart kept (${TENTS.length - kept.length} lost)`,
  );
  await raw.context.close();

  // The SDK: the tabs take turns (a Web Lock), each post carrying the cookie the last one set.
  const sdk = await tabs();
  await Promise.all(
    sdk.pages.map((page, i) =>
      page.evaluate(async (product) => {
        const sp = await import("/sdk/signpost.js");
        sp.track("add_to_cart", { product_id: product, quantity: 1 });
        await sp.flush();
      }, TENTS[i]),
    ),
  );
  const all = await cart(sdk.pages[0]);
  t.diagnostic(`SDK concurrent posts: ${all.length} of ${TENTS.length} add_to_cart kept`);
  assert.deepEqual(all, [...TENTS].sort(), "every tab's event kept");
  await sdk.context.close();
});

test("Global Privacy Control in the browser: the SDK sends nothing, even with a consent cookie", async () => {
  const context = await browser.newContext({ extraHTTPHeaders: { "sec-gpc": "1" } });
  await context.addInitScript(() =>
    Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true }),
  );
  await context.addCookies([{ name: "sp_consent", value: "granted", url: String(url) }]);
  const page = await context.newPage();
  const posts = [];
  page.on("request", (r) => r.url().includes("/__signpost/events") && posts.push(r.url()));
  const res = await page.goto(new URL("/products/tent-summit-2p", url).href);
  assert.equal(res.headers()["x-signpost"], "bypass; reason=gpc");
  const ids = await page.evaluate(async () => {
    const sp = await import("/sdk/signpost.js");
    const first = sp.track("search", { query: "tents" });
    sp.consent(true); // a click on a consent banner does not override GPC
    const second = sp.track("add_to_cart", { product_id: "tent-summit-2p" });
    await sp.flush();
    return [first, second];
  });
  await page.waitForTimeout(300);
  assert.deepEqual(ids, [null, null]);
  assert.deepEqual(posts, []);
  assert.deepEqual(
    (await context.cookies()).map((c) => c.name).filter((n) => n.startsWith("sp_") && n !== "sp_consent"),
    [],
  );
  await context.close();
});
