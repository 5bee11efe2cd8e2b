// The shop's backend as a source, and one profile per customer, through the Worker in workerd:
// POST /__signpost/ingest (its token, its limits, one result per event, each id counted once),
// identify and erasure, and the single writer per profile: pages, event posts from two devices
// and ingest calls for the same person, interleaved, each count exactly once.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorker, Visitor, waitFor, storedProfile, SECRET, ADMIN_TOKEN } from "./harness.mjs";

const T0 = Date.parse("2026-11-20T17:00:00Z");
const S = 1000;
const INGEST_TOKEN = "ingest-test-token-0123456789";
const IDENTITY_SECRET = "identity-test-secret";
const BINDINGS = {
  SIGNPOST_TEST_HOOKS: "1",
  SIGNPOST_SECRET: SECRET,
  SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN,
  SIGNPOST_INGEST_TOKEN: INGEST_TOKEN,
  SIGNPOST_IDENTITY_SECRET: IDENTITY_SECRET,
};

let w;
let clock = T0;
before(async () => {
  w = await startWorker({ bindings: BINDINGS });
});
after(async () => w?.mf.dispose());

function visitor() {
  clock += 3600 * S;
  return new Visitor(w.mf, { now: clock });
}

const post = (path, body, headers = {}) =>
  w.mf.dispatchFetch(`http://localhost${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
const ingest = (events, token = INGEST_TOKEN) =>
  post("/__signpost/ingest", { events }, token === null ? {} : { authorization: `Bearer ${token}` });
const stored = (key) => storedProfile(w.kv, key);
const sign = (user) => createHmac("sha256", IDENTITY_SECRET).update(user).digest("hex");
const identify = (v, user, signature = sign(user)) =>
  v.fetch("/__signpost/identify", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user, signature, url: "/" }),
  });
const count = (profile, kind) => (profile?.ev ?? []).find((e) => e.k === kind)?.n ?? 0;

test("a profile's writer keeps it in the stored form: a restarted object reads its own copy", async () => {
  const dir = mkdtempSync(join(tmpdir(), "signpost-do-"));
  const order = (id, total) => ({
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${INGEST_TOKEN}` },
    body: JSON.stringify({ events: [{ user: "cust-stored", type: "purchase", id, total }] }),
  });
  try {
    const first = await startWorker({ bindings: BINDINGS, doPersist: dir });
    try {
      const res = await first.mf.dispatchFetch("http://localhost/__signpost/ingest", order("st-1", 42));
      assert.equal(res.status, 200);
      assert.ok(await waitFor(() => storedProfile(first.kv, "u:cust-stored")), "published");
    } finally {
      await first.mf.dispose();
    }
    // A new workerd: the object's storage from disk, KV empty (it is not kept).
    const second = await startWorker({ bindings: BINDINGS, doPersist: dir });
    try {
      assert.equal(await storedProfile(second.kv, "u:cust-stored"), null);
      const res = await second.mf.dispatchFetch("http://localhost/__signpost/ingest", order("st-2", 8));
      assert.equal(res.status, 200);
      const p = await waitFor(() => storedProfile(second.kv, "u:cust-stored"));
      assert.deepEqual([p.o.n, p.o.sp], [2, 50], "the first order came from the object's storage");
    } finally {
      await second.mf.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("ingest needs its own token: none, wrong, truncated or the admin's is 401", async () => {
  const event = { user: "cust-1", type: "purchase", id: "auth-1", total: 10 };
  for (const token of [null, "wrong", INGEST_TOKEN.slice(0, -1), ADMIN_TOKEN]) {
    const res = await ingest([event], token);
    assert.equal(res.status, 401, `token ${token}`);
    assert.match((await res.json()).error, /SIGNPOST_INGEST_TOKEN/);
  }
  assert.equal(await stored("u:cust-1"), null, "nothing stored");
  const off = await startWorker({ bindings: { ...BINDINGS, SIGNPOST_INGEST_TOKEN: "" } });
  try {
    const res = await off.mf.dispatchFetch("http://localhost/__signpost/ingest", {
      method: "POST",
      headers: { authorization: "Bearer ", "content-type": "application/json" },
      body: JSON.stringify({ events: [event] }),
    });
    assert.equal(res.status, 401, "no token configured: nobody may ingest");
  } finally {
    await off.mf.dispose();
  }
});

test("ingest answers each event on its own; only a body that is no batch is refused whole", async () => {
  const v = visitor();
  await v.page("/");
  const vid = v.jar.get("sp_vid");
  const res = await ingest([
    { visitor: vid, type: "purchase", id: "mix-1", total: 120, items: ["tent-summit-2p"], at: v.now },
    { visitor: vid, type: "purchase", total: 5 },
    { user: "cust-mix", type: "no spaces", id: "mix-3" },
    { user: "cust-mix", type: "crm_lead", id: "mix-4", at: "2026-11-20T12:00:00Z" },
  ]);
  assert.equal(res.status, 200);
  const { results } = await res.json();
  assert.deepEqual(
    results.map((r) => [r.id ?? null, r.status]),
    [
      ["mix-1", "accepted"],
      [null, "rejected"],
      ["mix-3", "rejected"],
      ["mix-4", "accepted"],
    ],
  );
  assert.match(results[1].error, /events\[1\]\.id: missing/);
  assert.match(results[2].error, /events\[2\]\.type/);
  assert.equal((await stored(vid)).o.n, 1, "the visitor's order is stored");
  assert.equal(count(await stored("u:cust-mix"), "crm_lead"), 1, "a user never seen is kept");

  for (const [body, status] of [
    ["not json", 400],
    [JSON.stringify({ nope: [] }), 400],
    [JSON.stringify({ events: {} }), 400],
  ]) {
    const r = await post("/__signpost/ingest", body, { authorization: `Bearer ${INGEST_TOKEN}` });
    assert.equal(r.status, status, body);
    assert.ok((await r.json()).error);
  }
  const big = JSON.stringify({ events: [{ user: "x", type: "t", id: "i", blob: "a".repeat(1024 * 1024) }] });
  const r = await post("/__signpost/ingest", big, { authorization: `Bearer ${INGEST_TOKEN}` });
  assert.equal(r.status, 413);
});

test("the same event id twice counts once, within a call and across calls", async () => {
  const order = { user: "cust-twice", type: "purchase", id: "twice-1", total: 40 };
  const first = await (await ingest([order, order])).json();
  assert.deepEqual(
    first.results.map((r) => r.status),
    ["accepted", "duplicate"],
  );
  const again = await (await ingest([order])).json();
  assert.deepEqual(
    again.results.map((r) => r.status),
    ["duplicate"],
  );
  const p = await stored("u:cust-twice");
  assert.equal(p.o.n, 1);
  assert.equal(p.o.sp, 40);
});

test("an ingested purchase shows on the visitor's next page; a page purchase changes nothing", async () => {
  const v = visitor();
  await v.page("/products/tent-basecamp-4p");
  v.now += S;
  const add = { type: "add_to_cart", id: "c-1", product_id: "tent-basecamp-4p", quantity: 1, price: 529 };
  await v.events("/products/tent-basecamp-4p", [add]);
  v.now += 3600 * S;
  const before = await v.page("/category/tents");
  assert.match(before.signpost, /hero=cart-reminder/);
  assert.match(before.signpost, /ad=retargeting-ad/);

  // Faked from the page (the console): refused, nothing changes.
  v.now += S;
  const fake = { type: "purchase", id: "fake-1", order_id: "fake-1", total: 5000, items: ["tent-basecamp-4p"] };
  const answer = await (await v.events("/category/tents", [fake])).json();
  assert.equal(answer.results[0].status, "rejected");
  v.now += S;
  const still = await v.page("/category/tents");
  assert.match(still.signpost, /hero=cart-reminder/);
  assert.doesNotMatch(still.signpost, /gold-welcome/);

  // The same order from the shop's backend, while the visitor browses.
  v.now += S;
  const vid = v.jar.get("sp_vid");
  const order = { visitor: vid, type: "purchase", id: "o-77", total: 529, items: ["tent-basecamp-4p"], at: v.now };
  assert.equal((await (await ingest([order])).json()).results[0].status, "accepted");
  v.now += S;
  const next = await v.page("/products/tent-summit-2p");
  assert.doesNotMatch(next.signpost, /cart-reminder/);
  assert.doesNotMatch(next.signpost, /ad=/, "the retargeting ad stops");
  assert.match(next.signpost, /recommendations=post-purchase-complements/);
});

test("identify: a bad signature is refused with the reason; a good one merges the cart in", async () => {
  const laptop = visitor();
  await laptop.page("/products/tent-summit-2p");
  laptop.now += S;
  const add = { type: "add_to_cart", id: "l-1", product_id: "tent-summit-2p", quantity: 1, price: 349 };
  await laptop.events("/products/tent-summit-2p", [add]);

  const bad = await identify(laptop, "cust-9", sign("cust-8"));
  assert.equal(bad.status, 403);
  assert.match((await bad.json()).error, /signature does not match/);
  const missing = await identify(laptop, "");
  assert.equal(missing.status, 400);

  laptop.now += S;
  assert.equal((await identify(laptop, "cust-9")).status, 200);
  const user = await waitFor(async () => (await stored("u:cust-9"))?.cart?.l.length && stored("u:cust-9"));
  assert.deepEqual(
    user.cart.l.map((l) => l.p),
    ["tent-summit-2p"],
  );
  assert.equal(await stored(laptop.jar.get("sp_vid")), null, "the anonymous copy is gone");

  // A second device, a stranger until it logs in.
  const phone = new Visitor(w.mf, { now: laptop.now + 3600 * S });
  const anon = await phone.page("/category/tents");
  assert.doesNotMatch(anon.signpost, /cart-reminder/);
  phone.now += S;
  const res = await identify(phone, "cust-9");
  assert.equal(res.status, 200);
  phone.now += S;
  const mine = await phone.page("/category/tents");
  assert.match(mine.signpost, /hero=cart-reminder/);

  // Logout: a fresh anonymous visitor.
  phone.now += S;
  const out = await phone.fetch("/__signpost/reset", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  assert.equal(out.status, 200);
  phone.now += S;
  assert.doesNotMatch((await phone.page("/category/tents")).signpost, /cart-reminder/);
});

test("erasure by the visitor, or by the admin for a user id, covers every key of the person", async () => {
  const a = visitor();
  await a.page("/");
  assert.equal((await identify(a, "cust-gone")).status, 200);
  const b = new Visitor(w.mf, { now: a.now + S });
  await b.page("/");
  const bVid = b.jar.get("sp_vid");
  assert.equal((await identify(b, "cust-gone")).status, 200);
  await ingest([{ user: "cust-gone", type: "purchase", id: "g-1", total: 10 }]);
  assert.ok(await stored("u:cust-gone"));

  const denied = await w.mf.dispatchFetch("http://localhost/__signpost/admin/profile?user=cust-gone", {
    method: "DELETE",
  });
  assert.equal(denied.status, 401);
  const res = await w.mf.dispatchFetch("http://localhost/__signpost/admin/profile?user=cust-gone", {
    method: "DELETE",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  assert.equal(res.status, 200);
  const { erased } = await res.json();
  assert.ok(erased.includes("u:cust-gone") && erased.includes(bVid), JSON.stringify(erased));
  assert.equal(await stored("u:cust-gone"), null);
  // Ingested again after erasure: a new profile, not the old one revived.
  await ingest([{ user: "cust-gone", type: "purchase", id: "g-2", total: 10 }]);
  assert.equal((await stored("u:cust-gone")).o.n, 1);

  // The visitor's own erasure, when identified, takes the user's profile too.
  const self = await b.fetch("/__signpost/profile", { method: "DELETE" });
  assert.equal(self.status, 204);
  assert.equal(await stored("u:cust-gone"), null);
});

test("pages, event posts from two devices and ingest calls interleaved: each counts once (x20)", async () => {
  const STEPS = 8;
  for (let round = 0; round < 20; round++) {
    const user = `mix-${round}`;
    const devices = [visitor(), visitor()];
    for (const d of devices) {
      d.now = clock;
      assert.equal((await identify(d, user)).status, 200);
    }
    const browse = async (d, tag) => {
      for (let i = 0; i < STEPS; i++) {
        d.now += 1.5 * S;
        const page = await d.page("/about");
        assert.equal(page.res.status, 200);
        d.now += 0.5 * S;
        const res = await d.events("/about", [{ type: "search", id: `${user}-${tag}-${i}`, q: "tent" }]);
        assert.equal(res.status, 200);
      }
      // Past the flush interval: this page hands the rest of the log to the writer.
      d.now += 11 * S;
      await d.page("/about");
    };
    const backend = async () => {
      for (let i = 0; i < STEPS; i++) {
        const res = await ingest([{ user, type: "purchase", id: `${user}-o-${i}`, total: 10, at: clock }]);
        assert.equal((await res.json()).results[0].status, "accepted");
      }
    };
    await Promise.all([browse(devices[0], "a"), browse(devices[1], "b"), backend()]);
    const settled = await waitFor(async () => {
      const p = await stored(`u:${user}`);
      const at = (d) => (p?.dv ?? []).find(([id]) => id === d.jar.get("sp_vid"))?.[1] ?? 0;
      return devices.every((d) => at(d) >= d.now) && p;
    });
    assert.ok(settled, `round ${round}: both devices' logs reached the profile`);
    const where = `round ${round}`;
    assert.equal(settled.pv, 2 * (STEPS + 1), `${where}: page views`);
    assert.equal(count(settled, "search"), 2 * STEPS, `${where}: searches`);
    assert.equal(settled.o.n, STEPS, `${where}: orders`);
    assert.equal(count(settled, "purchase"), STEPS, `${where}: purchase events`);
    clock = Math.max(...devices.map((d) => d.now));
  }
});
