// The demo's shop backend (demo-site/backend.mjs) behind the Worker, as `make dev` runs them:
// the backend is the Worker's ORIGIN (it serves the store's pages), its checkout tells Signpost
// about the purchase through the ingest with the token the page never sees, and its login
// answers the signature `signpost.identify` needs. A purchase reaches a profile this way only:
// one posted from the page is refused (`purchase` is trusted in examples/config.json).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import { startBackend } from "../../demo-site/backend.mjs";
import {
  launchChromium,
  startWorker,
  Visitor,
  SECRET,
  INGEST_TOKEN,
  IDENTITY_SECRET,
  identitySignature,
} from "./harness.mjs";

const HOOKS = { SIGNPOST_TEST_HOOKS: "1", SIGNPOST_SECRET: SECRET };
const TENT = { id: "tent-summit-2p", price: 349 };

/** The Worker in front of a fresh backend; `ingest` is where the backend sends its events
 *  (the Worker itself unless a test plays the ingest). */
async function shop({ ingest } = {}) {
  let workerUrl = "";
  const backend = await startBackend({
    worker: () => ingest?.url ?? workerUrl,
    ingestToken: INGEST_TOKEN,
    identitySecret: IDENTITY_SECRET,
  });
  // A real socket: the backend calls the Worker's ingest, Chromium opens its pages.
  const w = await startWorker({ port: 0, bindings: { ...HOOKS, ORIGIN: backend.url } });
  workerUrl = w.url.origin;
  return {
    w,
    close: async () => {
      await w.mf.dispose();
      await backend.close();
    },
  };
}

const postJson = (v, path, body) =>
  v.fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

// ---- the backend's side of the contract (a test plays the ingest) ---------------------------

/** An ingest played by the test: records each call, accepts every event. */
async function playIngest(seen) {
  const server = http.createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const parsed = JSON.parse(body);
    seen.push({ auth: req.headers.authorization, path: req.url, body: parsed });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ results: parsed.events.map((e) => ({ id: e.id, status: "accepted" })) }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

const seen = [];
let fake;
let played;
before(async () => {
  played = await playIngest(seen);
  fake = await shop({ ingest: played });
});
after(async () => {
  await fake?.close();
  played?.close();
});

test("the backend is the Worker's origin: store pages come through personalized", async () => {
  const v = new Visitor(fake.w.mf);
  const page = await v.page(`/products/${TENT.id}`);
  assert.equal(page.res.status, 200);
  assert.match(page.signpost, /^personalized/);
  assert.match(page.html, /data-checkout-root|data-sp-slot="banner"/);
  assert.ok(page.state, "the edge's state is injected");
  const account = await v.page("/account");
  assert.match(account.html, /data-login-form/);
  assert.equal((await v.fetch("/no-such-page")).status, 404);
  assert.ok(!page.html.includes(INGEST_TOKEN) && !page.html.includes(IDENTITY_SECRET));
});

test("a checkout is priced by the backend and sent to the ingest with the token", async () => {
  seen.length = 0;
  const v = new Visitor(fake.w.mf);
  await v.page("/checkout");
  const vid = v.jar.get("sp_vid");
  assert.match(vid, /^[0-9a-f]{32}$/);
  // The page's prices are not the shop's: the backend prices the order from the catalog.
  const res = await postJson(v, "/shop/checkout", { items: [{ id: TENT.id, qty: 2, price: 1 }] });
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.ok(!text.includes(INGEST_TOKEN), "the token never reaches the page");
  const order = JSON.parse(text);
  assert.equal(order.total, 2 * TENT.price);
  assert.equal(order.signpost, "accepted");
  assert.equal(seen.length, 1);
  assert.equal(seen[0].path, "/__signpost/ingest");
  assert.equal(seen[0].auth, `Bearer ${INGEST_TOKEN}`);
  const [event] = seen[0].body.events;
  assert.deepEqual(
    { ...event, at: typeof event.at },
    {
      visitor: vid,
      type: "purchase",
      id: order.order_id,
      order_id: order.order_id,
      total: 2 * TENT.price,
      items: [TENT.id],
      at: "number",
    },
  );
  // Nothing that is not in the catalog.
  const bad = await postJson(v, "/shop/checkout", { items: [{ id: "free-yacht", qty: 1 }] });
  assert.equal(bad.status, 400);
  assert.equal(seen.length, 1);
});

test("login answers the user id signed for identify; a signed-in checkout is for the user", async () => {
  seen.length = 0;
  const v = new Visitor(fake.w.mf);
  await v.page("/account");
  const login = await (await postJson(v, "/shop/login", { user: "Ada" })).json();
  assert.deepEqual(login, { user: "ada", signature: identitySignature("ada") });
  assert.deepEqual(await (await v.fetch("/shop/me")).json(), { user: "ada" });
  await postJson(v, "/shop/checkout", { items: [{ id: TENT.id, qty: 1 }] });
  assert.equal(seen[0].body.events[0].user, "ada");
  assert.equal(seen[0].body.events[0].visitor, undefined);
  // A forged login cookie is nobody.
  v.jar.set("shop_user", `bob.${identitySignature("session:ada")}`);
  assert.deepEqual(await (await v.fetch("/shop/me")).json(), { user: null });
  assert.equal((await postJson(v, "/shop/login", { user: "<script>" })).status, 400);
  await postJson(v, "/shop/logout", {});
  assert.equal(v.jar.get("shop_user"), undefined);
});

// ---- end to end through the Worker's own ingest ---------------------------------------------

/** A shopper on the Worker's test clock, a minute behind the real one (the backend stamps its
 *  orders with the real time, so they come after what the shopper did). */
const shopper = (w) => new Visitor(w.mf, { now: Date.now() - 60_000 });
const profileOf = async (v) => (await v.fetch("/__signpost/profile")).json();
// A second after the page (an event stamped in the very millisecond of the browser's previous
// request is not what a browser sends, and the Worker does not keep it: see the report).
const addTent = (v) => {
  v.now += 1_000;
  return v.events(`/products/${TENT.id}`, [
    { type: "add_to_cart", id: "c-1", product_id: TENT.id, quantity: 1, price: TENT.price },
  ]);
};
const checkout = async (v) => (await postJson(v, "/shop/checkout", { items: [{ id: TENT.id, qty: 1 }] })).json();

test("a checkout ends as a trusted purchase in the profile; a page-posted one is refused", async () => {
  const { w, close } = await shop();
  try {
    const v = shopper(w);
    await v.page(`/products/${TENT.id}`);
    await addTent(v);
    const fake = await v.events(`/products/${TENT.id}`, [
      { type: "purchase", id: "fake-1", order_id: "fake-1", total: 5000, items: [TENT.id] },
    ]);
    assert.equal((await fake.json()).results[0].status, "rejected", "the page cannot claim a purchase");
    // A few pages later (the browser's log has reached the profile's writer), the order.
    v.now += 11_000;
    await v.page("/cart");
    const before = await profileOf(v);
    assert.equal(before.o?.n ?? 0, 0);
    assert.equal(before.cart?.l?.length, 1);

    const order = await checkout(v);
    assert.equal(order.signpost, "accepted", JSON.stringify(order));
    v.now += 2_000;
    await v.page("/");
    const profile = await profileOf(v);
    assert.equal(profile.o?.n, 1, "one order, from the backend");
    assert.equal(profile.o?.sp, TENT.price);
    assert.equal(profile.cart?.l?.length ?? 0, 0, "the purchase emptied the cart");

    // The same order sent again counts once.
    const again = await fetch(`${w.url.origin}/__signpost/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        events: [{ visitor: v.jar.get("sp_vid"), type: "purchase", id: order.order_id, total: order.total }],
      }),
    });
    assert.equal((await again.json()).results[0].status, "duplicate");
  } finally {
    await close();
  }
});

// The usual shopper: add to cart, check out a few seconds later, before the browser's log (sent
// to the profile's writer when due, every 10 s) has reached it. The purchase must empty the cart
// for good: neither the log replayed from sp_s on the next page nor the log the writer applies
// later (an add_to_cart older than the purchase) may put the bought tent back.
test("checking out seconds after adding to cart empties the cart for good", async () => {
  const { w, close } = await shop();
  try {
    const v = shopper(w);
    await v.page(`/products/${TENT.id}`);
    await addTent(v);
    assert.equal((await checkout(v)).signpost, "accepted");
    v.now += 2_000;
    await v.page("/");
    assert.equal((await profileOf(v)).cart?.l?.length ?? 0, 0, "on the next page");
    v.now += 11_000;
    await v.page("/about"); // the browser's log goes to the writer
    v.now += 2_000;
    await v.page("/compare");
    const after = await profileOf(v);
    assert.equal(after.o?.n, 1);
    assert.equal(after.cart?.l?.length ?? 0, 0, "once the browser's log reached the writer");
  } finally {
    await close();
  }
});

test("the demo's sign-in in Chromium: a second browser gets the first one's cart; a forged one nothing", async () => {
  const { w, close } = await shop();
  const browser = await launchChromium();
  const base = w.url.origin;
  const sdk = (page, fn, arg) =>
    page.evaluate(([f, a]) => import("/sdk/signpost.js").then((m) => m[f](...a)), [fn, arg]);
  const signIn = async (page, user) => {
    await page.goto(`${base}/account`);
    await page.fill("input[name=user]", user);
    await page.click("[data-login-form] button");
    await page.waitForSelector("[data-signed-in]:not([hidden])");
  };
  const profile = (page) => page.evaluate(() => fetch("/__signpost/profile").then((r) => r.text()));
  try {
    const laptop = await (await browser.newContext()).newPage();
    await laptop.goto(`${base}/products/${TENT.id}`);
    await laptop.click('[data-sp-track="add_to_cart"]');
    await sdk(laptop, "flush", []);
    await signIn(laptop, "ada");

    const phone = await (await browser.newContext()).newPage();
    const errors = [];
    phone.on("pageerror", (e) => errors.push(e));
    await signIn(phone, "ada");
    assert.match(await profile(phone), new RegExp(TENT.id), "the laptop's cart is on the phone");
    assert.deepEqual(errors, []);

    const stranger = await (await browser.newContext()).newPage();
    const logged = [];
    stranger.on("console", (m) => m.type() === "error" && m.text().startsWith("signpost:") && logged.push(m.text()));
    await stranger.goto(`${base}/about`);
    const before = await stranger.innerHTML("body");
    assert.equal(await sdk(stranger, "identify", ["ada", { signature: "0".repeat(64) }]), false);
    assert.match(logged.join("\n"), /^signpost: identify refused: identify: the signature does not match the user id/);
    assert.equal(await stranger.innerHTML("body"), before, "the page is untouched");
    assert.doesNotMatch(await profile(stranger), new RegExp(TENT.id));
  } finally {
    await browser.close();
    await close();
  }
});
