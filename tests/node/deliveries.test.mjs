// Journeys beyond the page through the Worker in workerd, with Miniflare's local Queues and a
// real HTTP receiver (scripts/receiver.mjs): the profile's writer finds the transition when
// time passes without a request (its alarm), the queue consumer signs and posts, retries with
// the same Idempotency-Key, and gives up into the dead-letter queue. The config uses short
// times: a cart is abandoned 2 s after the last add, and the email waits 1 s more.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { startReceiver, verify } from "../../scripts/receiver.mjs";
import {
  ADMIN_TOKEN,
  exampleCatalog,
  exampleConfig,
  INGEST_TOKEN,
  launchChromium,
  SECRET,
  startWorker,
  Visitor,
  waitFor,
} from "./harness.mjs";

const EMAIL_SECRET = "dest-email-secret";
const CRM_SECRET = "dest-crm-secret";
let w, receiver;
const T0 = Date.parse("2026-11-20T10:00:00Z");
const started = Date.now();
/** The test clock runs with real time, so the writers' alarms and the requests agree. */
const clock = () => T0 + (Date.now() - started);

before(async () => {
  receiver = await startReceiver({ secrets: { "/hooks/email": EMAIL_SECRET, "/hooks/crm": CRM_SECRET } });
  w = await startWorker({
    seed: false,
    bindings: {
      SIGNPOST_TEST_HOOKS: "1",
      SIGNPOST_SECRET: SECRET,
      SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN,
      SIGNPOST_DEST_EMAIL: EMAIL_SECRET,
      SIGNPOST_DEST_CRM: CRM_SECRET,
      SIGNPOST_RETRY_BASE_S: "0",
    },
  });
  const c = JSON.parse(exampleConfig());
  c.destinations.email.url = `${receiver.url}/hooks/email`;
  c.destinations.crm.url = `${receiver.url}/hooks/crm`;
  c.segments.cart_abandoner = {
    all: [
      { fact: "profile.cart.items", op: "gt", value: 0 },
      { not: { event: "add_to_cart", within: "2s" } },
      { not: { event: "purchase", within: "7d" } },
    ],
  };
  const email = c.actions.find((a) => a.id === "cart-email");
  email.wait = "1s";
  email.if = { not: { event: "purchase", within: "1d" } };
  await w.kv.put("config:1", JSON.stringify(c));
  await w.kv.put("config:current", "1");
  await w.kv.put("catalog", exampleCatalog());
});
after(async () => {
  await w?.mf.dispose();
  await receiver?.close();
});

/** A shopper who views the tent and adds it to the cart, then makes no further request. */
async function abandon(headers = {}) {
  const v = new Visitor(w.mf, { now: clock() });
  await v.page("/products/tent-summit-2p", { headers });
  v.now = clock();
  const add = { type: "add_to_cart", id: `a-${Math.random()}`, product_id: "tent-summit-2p", quantity: 1, price: 349 };
  const res = await v.events("/products/tent-summit-2p", [add], { headers });
  return { v, vid: v.jar.get("sp_vid"), status: res.status };
}

const emailsFor = (vid) => receiver.messages.filter((m) => m.path === "/hooks/email" && m.json?.anonymousId === vid);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("a cart left without another request brings exactly one signed email", async () => {
  const { vid } = await abandon();
  const got = await waitFor(() => emailsFor(vid).length > 0, 20_000);
  assert.ok(got, "the email arrived");
  await sleep(3000); // nothing more comes
  const mails = emailsFor(vid);
  assert.equal(mails.length, 1, JSON.stringify(mails));
  const [m] = mails;
  assert.ok(m.verified, "Signpost-Signature checks with the destination's secret");
  assert.ok(verify(m.signature, m.body, EMAIL_SECRET));
  assert.ok(!verify(m.signature, m.body, "another secret"));
  assert.equal(m.json.type, "track");
  assert.equal(m.json.event, "cart-email");
  assert.equal(m.json.properties.kind, "segment.entered");
  assert.equal(m.json.properties.segment, "cart_abandoner");
  assert.equal(m.key, m.json.messageId, "the Idempotency-Key is the message's id");
});

test("a purchase during the wait sends nothing", async () => {
  const { vid } = await abandon();
  // The visitor enters after 2 s; the email waits 1 s more. The order comes in between.
  await sleep(2400);
  w.mf.dispatchFetch("http://localhost/__signpost/ingest", {
    method: "POST",
    headers: {
      authorization: `Bearer ${INGEST_TOKEN}`,
      "content-type": "application/json",
      "x-signpost-test-now": String(clock()),
    },
    body: JSON.stringify({
      events: [{ visitor: vid, type: "purchase", id: `p-${vid}`, total: 349, items: ["tent-summit-2p"] }],
    }),
  });
  await sleep(5000);
  assert.deepEqual(emailsFor(vid), []);
});

test("a GPC visitor causes no delivery", async () => {
  const emails = () => receiver.messages.filter((m) => m.path === "/hooks/email").length;
  const before = emails();
  const { vid, status } = await abandon({ "sec-gpc": "1" });
  assert.equal(status, 204, "the events endpoint stores nothing");
  assert.equal(vid, undefined, "no visitor cookie either");
  // One who had consented, filled a cart, then turned GPC on: its waiting email is dropped.
  const { v, vid: later } = await abandon();
  v.now = clock();
  const gpc = await v.page("/", { headers: { "sec-gpc": "1" } });
  assert.equal(gpc.signpost, "bypass; reason=gpc");
  await sleep(5000);
  assert.equal(emails(), before, "no cart email for a visitor who asked not to be followed");
  assert.deepEqual(emailsFor(later), []);
});

test("an erased visitor's waiting email is dropped", async () => {
  const { v, vid } = await abandon();
  v.now = clock();
  const erased = await v.fetch("/__signpost/profile", { method: "DELETE" });
  assert.equal(erased.status, 204);
  await sleep(5000);
  assert.deepEqual(emailsFor(vid), []);
});

test("a receiver that fails twice gets the message on the third try, same key", async () => {
  receiver.failNext("/hooks/email", 2, 503);
  const { vid } = await abandon();
  assert.ok(await waitFor(() => emailsFor(vid).length > 0, 20_000), "delivered in the end");
  const [m] = emailsFor(vid);
  const tries = receiver.attempts.filter((a) => a.key === m.key);
  assert.deepEqual(
    tries.map((t) => t.status),
    [503, 503, 200],
  );
  const status = await waitFor(async () => {
    const res = await w.mf.dispatchFetch("http://localhost/__signpost/admin/deliveries", {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const { destinations } = await res.json();
    return destinations.email?.retried >= 2 && destinations.email;
  });
  assert.ok(status, "the retries are counted");
  assert.match(status.errors.at(-1).error, /HTTP 503/);
});

test("a receiver that always fails leaves the message dead-lettered, shown per destination", async () => {
  receiver.failNext("/hooks/email", Number.POSITIVE_INFINITY, 500);
  try {
    const { vid } = await abandon();
    const dead = await waitFor(async () => {
      const res = await w.mf.dispatchFetch("http://localhost/__signpost/admin/deliveries", {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const { destinations } = await res.json();
      return destinations.email?.dead >= 1 && destinations.email;
    }, 30_000);
    assert.ok(dead, "counted dead");
    assert.match(dead.errors.at(-1).error, /gave up after the last try/);
    assert.deepEqual(emailsFor(vid), []);
    const denied = await w.mf.dispatchFetch("http://localhost/__signpost/admin/deliveries");
    assert.equal(denied.status, 401);
    // `signpost deliveries`: the same, as text, with the token from the environment.
    const cli = execFileSync(
      "cargo",
      ["run", "--quiet", "--bin", "signpost", "--", "deliveries", "--url", w.url.origin],
      {
        env: { ...process.env, SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN },
        encoding: "utf8",
      },
    );
    assert.match(cli, /^email: \d+ delivered, \d+ retried, \d+ failed, [1-9]\d* dead-lettered$/m);
    assert.match(cli, /dead: gave up after the last try/);
    // The editor shows the same per destination.
    const browser = await launchChromium();
    try {
      const editor = await browser.newPage();
      await editor.goto(new URL("/__signpost/admin", w.url).href);
      await editor.fill("#token", ADMIN_TOKEN);
      await editor.click("#login-form button");
      await editor.waitForSelector("#deliveries table");
      const text = await editor.textContent("#deliveries");
      assert.match(text, /email/);
      assert.match(text, /gave up after the last try/);
    } finally {
      await browser.close();
    }
  } finally {
    receiver.failNext("/hooks/email", 0);
  }
});

test("200 visitors entering at once are each delivered once", async () => {
  const vids = [];
  for (let i = 0; i < 200; i += 20) {
    const batch = await Promise.all(Array.from({ length: 20 }, () => abandon()));
    vids.push(...batch.map((b) => b.vid));
  }
  const all = await waitFor(() => vids.every((vid) => emailsFor(vid).length >= 1), 60_000);
  assert.ok(all, `${vids.filter((vid) => emailsFor(vid).length === 0).length} of 200 still waiting`);
  await sleep(2000);
  for (const vid of vids) assert.equal(emailsFor(vid).length, 1, vid);
});

/** The business posts a signal (an admin call), on the test clock. */
async function signal(name, data) {
  const res = await w.mf.dispatchFetch("http://localhost/__signpost/signals", {
    method: "POST",
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      "content-type": "application/json",
      "x-signpost-test-now": String(clock()),
    },
    body: JSON.stringify({ name, data }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

const restockMailsFor = (vid) => emailsFor(vid).filter((m) => m.json.event === "restock-email");

test("a restock signal reaches the visitor who waits for it, with no request of theirs", async () => {
  // Several pages of profiles are woken (every earlier test's visitors too); only the one who
  // viewed the restocked tent enters waiting_for_restock.
  const waiting = new Visitor(w.mf, { now: clock() });
  await waiting.page("/products/tent-ultralight-1p");
  const other = new Visitor(w.mf, { now: clock() });
  await other.page("/products/boot-granite-mid");
  const [vid, otherVid] = [waiting.jar.get("sp_vid"), other.jar.get("sp_vid")];
  await sleep(500); // the pages' logs reach their writers in waitUntil
  const posted = await signal("restock", { product_ids: ["tent-ultralight-1p"] });
  assert.equal(posted.woken, true, "the config has an action on a segment that reads signals");
  assert.ok(await waitFor(() => restockMailsFor(vid).length > 0, 30_000), "the restock email arrived");
  await sleep(2000);
  assert.equal(restockMailsFor(vid).length, 1);
  const [m] = restockMailsFor(vid);
  assert.ok(m.verified);
  assert.equal(m.json.properties.segment, "waiting_for_restock");
  assert.deepEqual(restockMailsFor(otherVid), [], "a visitor who never viewed it hears nothing");
});

test("a page that enters a watched segment hands its log over at once", async () => {
  // With the restock live, viewing the tent enters waiting_for_restock on the page itself. This
  // visitor's first page was flushed a moment ago, so only the journey makes the second one go
  // to the writer before the usual 10 s; the visitor then leaves for good.
  // Through the CLI this time: `signpost signal --url` posts to the Worker.
  const cli = (data) =>
    execFileSync(
      "cargo",
      ["run", "--quiet", "--bin", "signpost", "--", "signal", "restock", data, "--url", w.url.origin],
      { env: { ...process.env, SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN }, encoding: "utf8" },
    );
  assert.match(
    cli('{"product_ids": ["tent-ultralight-1p"]}'),
    /^set signal "restock"; signals now: restock; journeys that read signals are looking at every profile again$/m,
  );
  const v = new Visitor(w.mf, { now: clock() });
  await v.page("/");
  v.now = clock();
  await v.page("/products/tent-ultralight-1p");
  const vid = v.jar.get("sp_vid");
  assert.ok(await waitFor(() => restockMailsFor(vid).length > 0, 8_000), "sent without another request");
  assert.match(cli("null"), /^removed signal "restock"; signals now: none; journeys that read/m);
});
