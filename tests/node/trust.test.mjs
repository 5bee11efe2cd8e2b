// What the page may write and read, through the Worker in workerd: with `trusted_events`, a
// purchase posted from the page is refused with its reason while the rest of its batch counts,
// and the next page is unchanged; GET /__signpost/config leaves out `edge_only` offers and
// offers outside their schedule.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, Visitor, exampleConfig, exampleCatalog, SECRET, ADMIN_TOKEN } from "./harness.mjs";

const T0 = Date.parse("2026-11-20T17:00:00Z");
const S = 1000;
const HOOKS = { SIGNPOST_TEST_HOOKS: "1", SIGNPOST_SECRET: SECRET, SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN };

/** The example config with `purchase` trusted, its cart reminder (COMEBACK10) kept at the
 * edge, and a campaign that starts next year. */
function testConfig() {
  const c = JSON.parse(exampleConfig());
  c.trusted_events = ["purchase"];
  c.offers.find((o) => o.id === "cart-reminder").edge_only = true;
  c.offers.push({
    id: "holiday-preview",
    slot: "banner",
    priority: 1,
    schedule: { start: "2027-01-01T00:00:00Z" },
    content: "Holiday preview: HOLIDAY25 off everything.",
  });
  return JSON.stringify(c);
}

let w;
let clock = T0;
before(async () => {
  w = await startWorker({ bindings: HOOKS, seed: false });
  await w.kv.put("config:1", testConfig());
  await w.kv.put("config:current", "1");
  await w.kv.put("catalog", exampleCatalog());
});
after(async () => w?.mf.dispose());

function visitor() {
  clock += 3600 * S;
  return new Visitor(w.mf, { now: clock });
}

test("a purchase posted from the page is refused; the rest of the batch counts", async () => {
  const v = visitor();
  const first = await v.page("/products/tent-summit-2p");
  assert.match(first.signpost, /^personalized/);
  v.now += 2 * S;
  const res = await v.events("/products/tent-summit-2p", [
    { type: "add_to_cart", id: "t-1", product_id: "tent-summit-2p", quantity: 1, price: 349 },
    { type: "purchase", id: "t-2", order_id: "fake", total: 5000, items: ["tent-summit-2p"] },
    { type: "search", id: "t-3", query: "tent" },
  ]);
  assert.equal(res.status, 200);
  const answer = await res.json();
  assert.deepEqual(
    answer.results.map((r) => r.status),
    ["accepted", "rejected", "accepted"],
  );
  assert.equal(answer.results[1].id, "t-2");
  assert.equal(
    answer.results[1].error,
    `events[1].type: "purchase" comes only from the site's server (trusted_events)`,
  );
  assert.ok(!answer.segments.includes("gold_member"), answer.segments.join(","));
  v.now += 2 * S;

  const next = await v.page("/");
  assert.match(next.signpost, /^personalized/);
  assert.doesNotMatch(next.signpost, /gold-welcome|post-purchase/);
  assert.ok(!next.state.segments.includes("gold_member"));
  assert.ok(!next.state.segments.includes("recent_buyer"));
  const profile = await (await v.fetch("/__signpost/profile")).json();
  assert.equal(profile.o?.n ?? 0, 0, "no order counted");
  assert.equal(profile.o?.sp ?? 0, 0, "no spend counted");
  assert.equal(profile.cart?.l?.length, 1, "the cart still holds the tent");
  assert.ok(!(profile.ev ?? []).some((e) => e.k === "purchase"));
  assert.ok(
    (profile.ev ?? []).some((e) => e.k === "search"),
    "the batch's other events counted",
  );
});

test("the public config has no edge-only offer and no offer outside its schedule", async () => {
  const v = visitor();
  const res = await v.fetch("/__signpost/config");
  assert.equal(res.status, 200);
  const text = await res.text();
  const { config } = JSON.parse(text);
  const ids = config.offers.map((o) => o.id);
  for (const gone of ["cart-reminder", "holiday-preview", "winter-preview-expired"]) {
    assert.ok(!ids.includes(gone), `${gone} served: ${ids}`);
  }
  for (const secret of ["COMEBACK10", "HOLIDAY25", "Winter preview weekend"]) {
    assert.ok(!text.includes(secret), `${secret} in the public config`);
  }
  assert.ok(ids.includes("gold-welcome") && ids.includes("compare-help"), String(ids));
  assert.deepEqual(config.trusted_events, ["purchase"], "the browser's engine refuses them too");

  // Once its campaign has started, the scheduled offer is served; the edge-only one never is.
  const later = new Visitor(w.mf, { now: Date.parse("2027-01-02T12:00:00Z") });
  const after = (await (await later.fetch("/__signpost/config")).json()).config.offers.map((o) => o.id);
  assert.ok(after.includes("holiday-preview"), String(after));
  assert.ok(!after.includes("cart-reminder"));
});
