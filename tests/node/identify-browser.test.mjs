// Identity in Chromium, with the SDK as the demo ships it and the Worker's test clock (each
// browser context sends `x-signpost-test-now`): a shopper fills a cart on the laptop and logs in;
// an hour later, on the phone, a stranger until then, `signpost.identify` with the backend's
// signature brings the cart-based offer into the page at once, and the edge serves it after.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, launchChromium, newVisitorId, identitySignature, SECRET } from "./harness.mjs";

const T0 = Date.parse("2026-11-20T10:00:00Z");
let mf, url, browser;
before(async () => {
  ({ mf, url } = await startWorker({ port: 0, bindings: { SIGNPOST_TEST_HOOKS: "1", SIGNPOST_SECRET: SECRET } }));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await mf?.dispose();
});

/** A browser at `now`, as a visitor outside the holdout. */
async function device(now) {
  const context = await browser.newContext({ extraHTTPHeaders: { "x-signpost-test-now": String(now) } });
  await context.addCookies([{ name: "sp_vid", value: await newVisitorId(), url: String(url) }]);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  return { page, errors };
}

const sdk = (page, fn, ...args) =>
  page.evaluate(([f, a]) => import("/sdk/signpost.js").then((m) => m[f](...a)), [fn, args]);
const heroOffer = (page) => page.getAttribute("[data-sp-slot=hero]", "data-sp-offer");

test("identify on a second browser shows the first one's cart reminder in the page", async () => {
  const user = "cust-chromium";
  const laptop = await device(T0);
  await laptop.page.goto(new URL("/products/tent-summit-2p", url).href);
  await sdk(laptop.page, "track", "add_to_cart", { product_id: "tent-summit-2p", quantity: 1, price: 349 });
  await sdk(laptop.page, "flush");
  assert.equal(await sdk(laptop.page, "identify", user, { signature: identitySignature(user) }), true);
  assert.deepEqual(laptop.errors, []);

  const phone = await device(T0 + 3600_000);
  await phone.page.goto(new URL("/category/tents", url).href);
  assert.notEqual(await heroOffer(phone.page), "cart-reminder", "a stranger on the phone");
  assert.equal(await sdk(phone.page, "identify", user, { signature: identitySignature(user) }), true);
  // The answer's decision is applied in the page: the laptop's cart, idle for an hour.
  await phone.page.waitForSelector("[data-sp-slot=hero][data-sp-offer=cart-reminder]", { timeout: 5000 });
  assert.match(await phone.page.textContent("[data-sp-slot=hero]"), /COMEBACK10/);
  await phone.page.reload();
  assert.equal(await heroOffer(phone.page), "cart-reminder", "the edge serves it on the next page");
  assert.deepEqual(phone.errors, []);
});
