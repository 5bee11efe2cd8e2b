// The Worker in workerd: identity cookie, KV config and profile, streaming rewrite of the hero.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, visitorCookie, storedProfile } from "./harness.mjs";

const INGEST = "worker-test-ingest-token";
let mf, kv;
before(async () => ({ mf, kv } = await startWorker({ bindings: { SIGNPOST_INGEST_TOKEN: INGEST } })));
after(async () => mf?.dispose());

const page = (path, init) => mf.dispatchFetch(`http://localhost${path}`, init);
const waitFor = async (fn, ms = 3000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 25))) {
    const v = await fn();
    if (v) return v;
  }
  return null;
};

test("a first visit gets a visitor cookie, the demo page and an x-signpost header", async () => {
  const res = await page("/");
  assert.equal(res.status, 200);
  const body = await res.text();
  assert.match(body, /data-sp-slot="hero"/);
  assert.match(body, /<script type="application\/json" id="signpost-state">/);
  const vid = visitorCookie(res);
  assert.match(vid ?? "", /^[0-9a-f]{32}$/);
  assert.match(res.headers.get("set-cookie"), /HttpOnly/);
  assert.match(res.headers.get("x-signpost"), /^personalized/);
  assert.equal(res.headers.get("cache-control"), "private, no-store");
  assert.match(res.headers.get("server-timing"), /^signpost;dur=/);
  // The profile is written after the response, under the visitor's id.
  assert.ok(await waitFor(() => kv.get(`profile:${vid}`)), "profile written to KV");
});

test("a returning visitor keeps the id and gets no new cookie", async () => {
  const first = await page("/");
  await first.text();
  const vid = visitorCookie(first);
  const again = await page("/about", { headers: { cookie: `sp_vid=${vid}` } });
  await again.text();
  assert.equal(visitorCookie(again), null);
});

test("the profile in KV changes what the hero shows", async () => {
  const vid = "0123456789abcdef0123456789abcdef";
  const plain = await (await page("/", { headers: { cookie: `sp_vid=${vid}` } })).text();
  // A VIP: one large order long ago (from the shop's backend: purchases are trusted); and a
  // name to greet.
  const now = Date.now();
  const base = await (await fetchProfileAfter(vid)).json();
  assert.ok(base, "profile exists after a visit");
  const events = [
    {
      visitor: vid,
      type: "purchase",
      id: "o-1",
      order_id: "o-1",
      total: 900,
      items: ["tent-family-6p"],
      at: now - 200 * 86400e3,
    },
    { visitor: vid, type: "identify", id: "i-1", traits: { first_name: "Ada" }, at: now - 1000 },
  ];
  const ingest = await page("/__signpost/ingest", {
    method: "POST",
    headers: { authorization: `Bearer ${INGEST}`, "content-type": "application/json" },
    body: JSON.stringify({ events }),
  });
  assert.deepEqual(
    (await ingest.json()).results.map((r) => r.status),
    ["accepted", "accepted"],
  );
  const res = await page("/", { headers: { cookie: `sp_vid=${vid}` } });
  const html = await res.text();
  assert.notEqual(html, plain);
  assert.match(html, /<section[^>]*data-sp-slot="hero"[^>]*data-sp-offer="vip-early-access"/);
  assert.match(html, /Welcome back, Ada/);
  assert.match(res.headers.get("x-signpost"), /hero=vip-early-access/);
});

test("Global Privacy Control: no cookie, no profile, page untouched", async () => {
  const res = await page("/", { headers: { "sec-gpc": "1" } });
  const body = await res.text();
  assert.equal(visitorCookie(res), null);
  assert.equal(res.headers.get("x-signpost"), "bypass; reason=gpc");
  assert.doesNotMatch(body, /signpost-state/);
});

test("assets pass through untouched", async () => {
  const res = await page("/css/store.css");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-signpost"), "bypass; reason=not-html");
  assert.equal(visitorCookie(res), null);
});

test("with no config published, pages pass through with a bypass reason", async () => {
  const fresh = await startWorker({ seed: false });
  try {
    const res = await fresh.mf.dispatchFetch("http://localhost/");
    const body = await res.text();
    assert.equal(res.status, 200);
    assert.match(body, /data-sp-slot="hero"/);
    assert.equal(res.headers.get("x-signpost"), "bypass; reason=no-config");
  } finally {
    await fresh.mf.dispose();
  }
});

test("health answers", async () => {
  const res = await page("/__signpost/health");
  assert.equal(res.status, 200);
  assert.equal((await res.json()).ok, true);
});

async function fetchProfileAfter(vid) {
  const stored = await waitFor(() => storedProfile(kv, vid));
  return { json: async () => stored };
}
