// Audience sizes through the Worker in workerd (POST /__signpost/admin/audience): a segment is
// counted exactly from the measurement rows in D1, an offer's condition on a sample of stored
// profiles whose answer is known by construction (built with the same core, in wasm), and a
// draft config is judged before it is published.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, loadCore, exampleConfig, exampleCatalog, ADMIN_TOKEN, SECRET, API } from "./harness.mjs";

const NOW = Date.parse("2026-11-20T17:00:00Z");
const DAY = 86_400_000;
let w;
let engine;
before(async () => {
  w = await startWorker({
    bindings: { SIGNPOST_TEST_HOOKS: "1", SIGNPOST_SECRET: SECRET, SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  const core = await loadCore();
  engine = new core.SignpostEngine(exampleConfig(), exampleCatalog());
  // 6 carts left a day ago (the example's cart_abandoner: a cart idle 30 minutes, no purchase),
  // 4 visitors who only browsed two days ago, 5 carts left a month ago (outside the 7 days).
  const people = [
    ...Array.from({ length: 6 }, () => [1, true]),
    ...Array.from({ length: 4 }, () => [2, false]),
    ...Array.from({ length: 5 }, () => [30, true]),
  ];
  for (const [i, [daysAgo, cart]] of people.entries()) {
    const id = (i + 1).toString(16).padStart(32, "0");
    const at = NOW - daysAgo * DAY;
    const events = [{ type: "page_view", url: "/products/tent-basecamp-4p", id: `pv-${i}`, at }];
    if (cart) events.push({ type: "add_to_cart", product_id: "tent-basecamp-4p", price: 529, id: `c-${i}`, at });
    await w.kv.put(`profile:${id}`, engine.record(id, "", JSON.stringify(events), at));
  }
});
after(async () => {
  await w?.mf.dispose();
});

async function audience(body, status = 200) {
  const res = await w.mf.dispatchFetch("http://localhost/__signpost/admin/audience", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "x-signpost-test-now": String(NOW) },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, status);
  assert.equal(res.headers.get("cache-control"), "no-store");
  return res.json();
}

test("an offer's condition on the sample: the share of active profiles, scaled to measured visitors", async () => {
  const a = await audience({ offer: "cart-reminder" }); // when: segment cart_abandoner
  assert.deepEqual(a.sample, { sampled: 15, active: 10, matched: 6 });
  assert.equal(a.share, 0.6);
  assert.equal(a.window_days, 7);
  // No page was served: measurement has no visitors yet, so the estimate is 0 of 0.
  assert.equal(a.visitors, 0);
  assert.equal(a.estimate, 0);
  assert.match(a.method, /^sample/);
});

test("a segment is counted from the measurement rows; a draft's new segment is judged unpublished", async () => {
  const db = await w.mf.getD1Database("SIGNPOST_DB", API);
  const row = db.prepare(
    "INSERT INTO rows (t, day, visitor, kind, once, session, holdout, bot, segments) VALUES (?1, '2026-11-19', ?2, 'page_view', 0, 1, 0, ?3, ?4)",
  );
  // 3 abandoners, 2 others, one abandoner's second page, a bot in the segment and a visitor
  // of three weeks ago: 3 members of 5 visitors.
  await db.batch([
    row.bind(NOW - DAY, "a1", 0, "returning,cart_abandoner"),
    row.bind(NOW - DAY, "a2", 0, "cart_abandoner"),
    row.bind(NOW - DAY + 1, "a2", 0, "cart_abandoner"),
    row.bind(NOW - 2 * DAY, "a3", 0, "cart_abandoner,recent_buyer"),
    row.bind(NOW - DAY, "b1", 0, "returning"),
    row.bind(NOW - DAY, "b2", 0, null),
    row.bind(NOW - DAY, "bot", 1, "cart_abandoner"),
    row.bind(NOW - 21 * DAY, "old", 0, "cart_abandoner"),
    row.bind(NOW - DAY, "c1", 0, "cart_abandoner_x"), // a longer name is not the segment
  ]);
  const seg = await audience({ segment: "cart_abandoner" });
  assert.equal(seg.visitors, 6);
  assert.equal(seg.members, 3);
  assert.equal(seg.estimate, 3);
  assert.match(seg.method, /^measurement/);
  const offer = await audience({ offer: "cart-reminder" });
  assert.equal(offer.estimate, Math.round(0.6 * 6), "the sample's share of the measured visitors");

  // A draft with a segment the live config lacks: no row could name it, the sample judges it.
  const draft = JSON.parse(exampleConfig());
  draft.segments.carted_once = { fact: "profile.cart.items", op: "gt", value: 0 };
  const d = await audience({ config: JSON.stringify(draft), segment: "carted_once" });
  assert.equal(d.members, null);
  assert.deepEqual(d.sample, { sampled: 15, active: 10, matched: 6 });
  assert.equal(d.estimate, Math.round(0.6 * 6));
  assert.match(d.method, /^sample/);
});

test("bad requests name what is wrong", async () => {
  assert.match((await audience({ segment: "nope" }, 400)).error, /no segment "nope" in the config/);
  assert.match((await audience({ offer: "x", segment: "y" }, 400)).error, /name one of "segment" or "offer"/);
  assert.match((await audience({ segmnt: "x" }, 400)).error, /unknown field `segmnt`/);
  const bad = await audience({ config: "{}", segment: "x" }, 400);
  assert.match(bad.error, /config is invalid/);
  const res = await w.mf.dispatchFetch("http://localhost/__signpost/admin/audience", {
    method: "POST",
    body: "{}",
  });
  assert.equal(res.status, 401);
});
