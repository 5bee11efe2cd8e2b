// The fault matrix (issue 8): every case breaks one thing (KV, the config, the stored profile,
// the catalog, the origin) and states what the visitor gets, what `x-signpost` says, and that
// nothing stored is lost or corrupted: the whole KV namespace is compared before and after.
// The Worker runs in workerd in front of a real HTTP origin (a Node server on a local port:
// Miniflare's outbound service would re-label compressed bodies and cannot reset a connection),
// with KV behind the counting wrapper of harness.mjs (which can make operations throw or hang).
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { gzipSync, brotliCompressSync } from "node:zlib";
import {
  startWorker,
  startOrigin,
  Visitor,
  pageState,
  setCookie,
  exampleConfig,
  exampleCatalog,
  SECRET,
  storedProfile,
  isBinaryProfile,
  decodeProfile,
} from "./harness.mjs";

const T0 = Date.parse("2026-11-20T17:00:00Z");
const S = 1000;
const HOOKS = { SIGNPOST_TEST_HOOKS: "1", SIGNPOST_SECRET: SECRET };
let ORIGIN; // http://127.0.0.1:<port>, once the server listens

const PAGE = `<!doctype html><html><head><title>Shop</title></head><body>
<section data-sp-slot="hero"><h1>Welcome to the shop</h1></section>
<div data-sp-slot="banner"></div>
<p id="origin-marker">from the origin</p>
</body></html>`;
const html = { "content-type": "text/html; charset=utf-8", "cache-control": "public, max-age=60" };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** 20 MB of HTML, streamed in 64 KiB chunks, slots at the start, `</body>` at the very end. */
const HUGE_BYTES = 20 * 1024 * 1024;
function hugeBody() {
  const head = new TextEncoder().encode(PAGE.slice(0, PAGE.indexOf("</body>")));
  const tail = new TextEncoder().encode("</body></html>");
  const filler = new TextEncoder().encode(`<p class="filler">${"lorem ipsum ".repeat(5455)}</p>\n`);
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      let chunk = tail;
      if (sent === 0) chunk = head;
      else if (sent + filler.length + tail.length <= HUGE_BYTES) chunk = filler;
      c.enqueue(chunk);
      sent += chunk.length;
      if (chunk === tail) c.close();
    },
  });
}

/** Bytes that are not text (NULs, invalid UTF-8), served as text/html. */
const BINARY = Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 2654435761) >>> 24);
/** A windows-1252 page: é is one byte (0xE9), not UTF-8. */
const LATIN1 = Buffer.from(PAGE.replace("Welcome to the shop", "Caf\u00e9 cr\u00e8me, 30\u00b0"), "latin1");
const UTF16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(PAGE, "utf16le")]);
/** Tags left open, a slot inside a slot, stray end tags, `</body>` in a script and a comment. */
const MALFORMED = `<html><head><title>Broken<body>
<div data-sp-slot="hero"><p>unclosed <b>bold <div data-sp-slot="banner">inner
<script>document.write("</body>")</script><!-- </body> -->
<table><tr><td>cell</div></span></p></body></body><p id="origin-marker">after the end`;

/** Requests the origin received, by path (for the faults that count them). */
const seen = new Map();

/** The origin: `/o/<fault>` misbehaves, every other path is PAGE. */
async function origin(req) {
  const path = new URL(req.url).pathname;
  switch (path) {
    case "/o/503":
      return new Response("<h1>down for maintenance</h1>", { status: 503, headers: html });
    case "/o/slow":
      await sleep(1200);
      return new Response(PAGE, { headers: html });
    case "/o/huge":
      return new Response(hugeBody(), { headers: html });
    case "/o/gzip":
      return new Response(gzipSync(PAGE), { headers: { ...html, "content-encoding": "gzip" } });
    case "/o/br":
      return new Response(brotliCompressSync(PAGE), { headers: { ...html, "content-encoding": "br" } });
    case "/o/binary":
      return new Response(BINARY, { headers: { "content-type": "text/html" } });
    case "/o/latin1":
      return new Response(LATIN1, { headers: { "content-type": "text/html; charset=windows-1252" } });
    case "/o/utf16":
      return new Response(UTF16, { headers: { "content-type": "text/html; charset=utf-16" } });
    case "/o/bogus-charset":
      return new Response(PAGE, { headers: { "content-type": "text/html; charset=x-bogus" } });
    case "/o/malformed":
      return new Response(MALFORMED, { headers: html });
    case "/o/drop-once": // the first request's connection closes before any answer
    case "/o/drop-post":
      seen.set(path, (seen.get(path) ?? 0) + 1);
      if (seen.get(path) > 1 && path === "/o/drop-once") return new Response(PAGE, { headers: html });
      return (res) => res.socket.destroy();
    case "/o/reset": // half the page, then the connection is reset
      return (res) => {
        res.writeHead(200, html);
        res.write(PAGE.slice(0, PAGE.length / 2));
        setTimeout(() => res.socket.destroy(), 50);
      };
    default:
      return new Response(PAGE, { headers: html });
  }
}
/** What the origin sends for `path`, as bytes (what a bypassed visitor must get). */
const originBytes = async (path) =>
  Buffer.from(await (await origin(new Request("http://origin" + path))).arrayBuffer());

const PROFILE_V0 = (vid) => JSON.stringify({ id: vid, page_views: 7, traits: { tier: "gold" } });
// Valid JSON of the current format, but far over the 96 KiB any profile this engine writes
// can reach (lists full of entries no limit cut).
const PROFILE_OVERSIZE = (vid) => JSON.stringify({ v: 1, id: vid, pv: 3, pad: "x".repeat(200 * 1024) });

// ---- the workers ----------------------------------------------------------------------------

let shared; // one Worker for the cases that do not need a fresh isolate
let server;
let clock = T0;
before(async () => {
  server = await startOrigin(origin);
  ORIGIN = server.url;
  shared = await startWorker({ bindings: { ORIGIN, ...HOOKS }, kvControl: true });
});
after(async () => {
  await shared?.mf.dispose();
  server?.close();
});

/** A fresh isolate (no config cached) over KV seeded by `seed(kv)` (default: the example). */
async function freshWorker(seed, bindings = {}) {
  const w = await startWorker({ bindings: { ORIGIN, ...HOOKS, ...bindings }, kvControl: true, seed: !seed });
  if (seed) await seed(w.kv);
  await w.kvOps();
  return w;
}

/** Every key and value in the namespace. */
async function snapshot(kv) {
  const out = new Map();
  let cursor;
  do {
    const page = await kv.list({ cursor });
    // Bytes as latin1 text: a stored profile is binary.
    for (const k of page.keys) out.set(k.name, Buffer.from(await kv.get(k.name, "arrayBuffer")).toString("latin1"));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return out;
}

// ---- the matrix -----------------------------------------------------------------------------
//
// A case: `setup(w, vid)` breaks something (KV contents, KV mode); `path` is requested by a
// returning visitor `vid` whose profile is stored; `expect` says what the visitor gets:
//   status, signpost (exact string or RegExp), body: "origin" (the origin's bytes, untouched)
//   or "personalized" (the state injected, the origin's content kept), maxMs (answer time);
// `stored` says what may change in KV: "none" (default: every key as it was), "profile" (only
// this visitor's profile, and only to a valid profile that kept what it had), or "replaced"
// (an unreadable profile replaced by a valid one); `after(w, v, res, page)` checks more.
// `fresh: true` runs the case in a new isolate over KV holding only what `seed` writes.

const VID = (n) => n.toString(16).padStart(32, "0");
let nextVid = 0x5000;

const withConfig = (config) => async (kv) => {
  if (config !== undefined) await kv.put("config:1", config);
  await kv.put("config:current", "1");
  await kv.put("catalog", exampleCatalog());
};

const cases = [
  // -- KV ---------------------------------------------------------------------------------
  {
    name: "KV get throws (config cached, profile read fails)",
    setup: (w) => w.kvMode("get=throw"),
    expect: { status: 200, signpost: "bypass; reason=kv", body: "origin" },
  },
  {
    name: "KV get throws (config cache stale too)",
    setup: (w) => w.kvMode("get=throw"),
    stale: true,
    expect: { status: 200, signpost: "bypass; reason=kv", body: "origin" },
  },
  {
    name: "KV get hangs past the 100 ms budget (profile)",
    setup: (w) => w.kvMode("get=hang"),
    expect: { status: 200, signpost: "bypass; reason=kv-timeout", body: "origin", maxMs: 1500 },
  },
  {
    name: "KV get hangs past the 150 ms budget (config refresh)",
    setup: (w) => w.kvMode("get=hang"),
    stale: true,
    expect: { status: 200, signpost: "bypass; reason=kv-timeout", body: "origin", maxMs: 1500 },
  },
  {
    name: "KV put fails with 429: page personalized, events kept in sp_s until a later write",
    setup: (w) => w.kvMode("put=429"),
    expect: { status: 200, signpost: /^personalized/, body: "personalized" },
    after: flushesLater,
  },
  {
    name: "KV put fails with 500: the same",
    setup: (w) => w.kvMode("put=500"),
    expect: { status: 200, signpost: /^personalized/, body: "personalized" },
    after: flushesLater,
  },
  {
    name: "KV put fails on the events endpoint: 200, events kept in sp_s until a later write",
    setup: (w) => w.kvMode("put=429"),
    events: [{ type: "add_to_cart", id: "put-fail-1", product_id: "tent-summit-2p", quantity: 1 }],
    expect: { status: 200 },
    after: async (w, v) => {
      await w.kvMode("ok");
      v.now += 11 * S;
      await v.page("/about");
      await settle();
      const p = await storedProfile(w.kv, v.jar.get("sp_vid"));
      assert.equal(p.cart.l[0].p, "tent-summit-2p", "the cart reached KV on the next write");
    },
  },

  // -- config -------------------------------------------------------------------------------
  {
    name: "config missing (no config:current, nothing cached)",
    fresh: true,
    seed: async () => {},
    expect: { status: 200, signpost: "bypass; reason=no-config", body: "origin", cookies: false },
  },
  {
    name: "config pointer to a version that does not exist",
    fresh: true,
    seed: async (kv) => kv.put("config:current", "7"),
    expect: { status: 200, signpost: "bypass; reason=no-config", body: "origin", cookies: false },
  },
  {
    name: "config invalid JSON",
    fresh: true,
    seed: withConfig("{ this is not JSON"),
    expect: { status: 200, signpost: "bypass; reason=invalid-config", body: "origin", cookies: false },
  },
  {
    name: "config valid JSON but not a valid config",
    fresh: true,
    seed: withConfig(JSON.stringify({ ...JSON.parse(exampleConfig()), offers: [{ id: 1, slot: [] }] })),
    expect: { status: 200, signpost: "bypass; reason=invalid-config", body: "origin", cookies: false },
  },
  {
    name: "config huge (8 MB)",
    fresh: true,
    seed: withConfig(JSON.stringify({ ...JSON.parse(exampleConfig()), notes: "x".repeat(8 << 20) })),
    expect: { status: 200, signpost: "bypass; reason=invalid-config", body: "origin", cookies: false, maxMs: 2000 },
  },
  {
    name: "config replaced by an invalid one: the last good version keeps serving",
    setup: async (w) => {
      await w.kv.put("config:2", JSON.stringify({ version: 1, offers: "nope" }));
      await w.kv.put("config:current", "2");
    },
    stale: true,
    stored: "profile",
    expect: { status: 200, signpost: /^personalized/, body: "personalized" },
    after: async (w, v, res, page) => assert.equal(page.state.config_version, "1"),
    cleanup: async (w) => {
      await w.kv.put("config:current", "1");
      await w.kv.delete("config:2");
    },
  },
  {
    name: "catalog missing: pages personalized, recommendation offers fall through",
    fresh: true,
    seed: async (kv) => {
      await kv.put("config:1", exampleConfig());
      await kv.put("config:current", "1");
    },
    stored: "profile",
    expect: { status: 200, signpost: /^personalized/, body: "personalized" },
    after: async (w, v, res, page) =>
      assert.ok(
        page.state.plan.slots.every((s) => s.slot !== "recommendations"),
        JSON.stringify(page.state.plan),
      ),
  },

  // -- the stored profile ---------------------------------------------------------------------
  {
    name: "profile corrupt: replaced by a fresh one, page personalized",
    profile: () => '{"v":1,"id":',
    stored: "replaced",
    expect: { status: 200, signpost: /^personalized/, body: "personalized" },
  },
  {
    name: "profile of the older format v0: read, upgraded, nothing it held lost",
    // Written by an older build before this profile had a writer (a first visit would make one).
    visited: false,
    profile: PROFILE_V0,
    stored: "profile",
    expect: { status: 200, signpost: /^personalized/, body: "personalized" },
    after: async (w, v) => {
      const p = await storedProfile(w.kv, v.jar.get("sp_vid"));
      assert.equal(p.v, 1);
      assert.equal(p.pv, 8, "7 page views from v0, plus this one");
      assert.equal(p.t.tier, "gold", "the traits kept");
    },
  },
  {
    name: "profile of a newer format: never overwritten",
    profile: (vid) => JSON.stringify({ v: 99, id: vid, future: [1, 2, 3] }),
    expect: { status: 200, signpost: "bypass; reason=profile-version", body: "origin" },
  },
  {
    name: "profile oversize (200 KB): not parsed, never overwritten",
    profile: PROFILE_OVERSIZE,
    expect: { status: 200, signpost: "bypass; reason=profile-size", body: "origin" },
  },

  // -- the origin -----------------------------------------------------------------------------
  {
    name: "origin 503: status, headers and body as the origin sent them",
    path: "/o/503",
    expect: { status: 503, signpost: "bypass; reason=not-html", body: "origin", cacheControl: "public, max-age=60" },
  },
  {
    name: "origin slow (1.2 s): the page waits for the origin only, personalized",
    path: "/o/slow",
    stored: "profile",
    expect: { status: 200, signpost: /^personalized/, body: "personalized", maxMs: 2500 },
  },
  {
    name: "origin unreachable (connection refused): 502 saying so",
    fresh: true,
    bindings: { ORIGIN: "http://127.0.0.1:9" },
    expect: { status: 502, signpost: "bypass; reason=origin", cookies: false },
  },
  {
    name: "origin closes a GET's connection before answering: sent once more, personalized",
    path: "/o/drop-once",
    stored: "profile",
    expect: { status: 200, signpost: /^personalized/, body: "personalized" },
    after: () => assert.equal(seen.get("/o/drop-once"), 2, "one lost request, one answered"),
  },
  {
    name: "origin resets mid-body: the visitor's body fails as the origin's did, the Worker lives on",
    path: "/o/reset",
    stored: "profile",
    expect: { status: 200, body: "broken" },
    after: async (w, v) => {
      v.now += S;
      const next = await v.page("/about");
      assert.match(next.signpost, /^personalized/);
    },
  },
  {
    name: "origin sends 20 MB of HTML: streamed through, personalized, every byte kept",
    path: "/o/huge",
    stored: "profile",
    expect: { status: 200, signpost: /^personalized/, body: "personalized", maxMs: 30000 },
    after: async (w, v, res, page) => {
      const origin = (await originBytes("/o/huge")).toString();
      const withoutState = page.html.replace(/<script type="application\/json" id="signpost-state">.*?<\/script>/s, "");
      assert.ok(withoutState.length >= origin.length - 200, `${withoutState.length} of ${origin.length} bytes`);
      assert.ok(page.html.endsWith("</body></html>"));
      assert.equal(page.html.split('id="signpost-state"').length, 2, "the state once");
    },
  },
  {
    name: "origin gzip body: decoded, personalized",
    path: "/o/gzip",
    stored: "profile",
    expect: { status: 200, signpost: /^personalized/, body: "personalized" },
  },
  {
    name: "origin brotli body: decoded, personalized",
    path: "/o/br",
    stored: "profile",
    expect: { status: 200, signpost: /^personalized/, body: "personalized" },
  },
  {
    name: "origin binary labelled text/html: bytes kept exactly",
    path: "/o/binary",
    stored: "profile",
    expect: { status: 200, body: "origin" },
  },
  {
    name: "origin windows-1252 page: personalized, its own bytes kept in its charset",
    path: "/o/latin1",
    stored: "profile",
    expect: { status: 200, signpost: /^personalized/ },
    after: async (w, v, res, page) => {
      const bytes = page.bytes;
      assert.ok(bytes.includes(Buffer.from("Caf\u00e9 cr\u00e8me, 30\u00b0", "latin1")), "é è ° as single bytes");
      assert.ok(pageState(bytes.toString("latin1")), "the state injected");
    },
  },
  {
    name: "origin UTF-16 page (no ASCII-compatible charset): passed through untouched",
    path: "/o/utf16",
    expect: { status: 200, signpost: "bypass; reason=charset", body: "origin" },
  },
  {
    name: "origin page in a charset no one knows: passed through untouched",
    path: "/o/bogus-charset",
    expect: { status: 200, signpost: "bypass; reason=charset", body: "origin" },
  },
  {
    name: "origin malformed HTML: personalized, the origin's text kept",
    path: "/o/malformed",
    stored: "profile",
    expect: { status: 200, signpost: /^personalized/ },
    after: async (w, v, res, page) => {
      assert.match(page.html, /<td>cell/);
      assert.match(page.html, /after the end/);
      assert.match(page.html, /document\.write\("<\/body>"\)/);
    },
  },
];

const settle = () => sleep(200);

/** After a failed profile write: the next write (10 s later, KV healthy) holds both views. */
async function flushesLater(w, v, res) {
  assert.ok(setCookie(res, "sp_s"), "the events travel in sp_s");
  await w.kvMode("ok");
  v.now += 11 * S;
  await v.page("/about");
  await settle();
  const p = await storedProfile(w.kv, v.jar.get("sp_vid"));
  assert.equal(p.pv, 3, "the stored view, the one whose write failed, and this one");
}

describe("fault matrix", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const w = c.fresh ? await freshWorker(c.seed, c.bindings) : shared;
      const vid = VID(nextVid++);
      try {
        clock += 3600 * S;
        const v = new Visitor(w.mf, { vid, now: clock });
        if (!c.fresh && c.visited !== false) {
          // A returning visitor with a stored profile (pv 1), whose cookie log is empty; the
          // isolate has config 1 cached, fresh.
          await v.page("/about");
          await settle();
          v.jar.delete("sp_s");
        }
        if (c.profile) await w.kv.put(`profile:${vid}`, c.profile(vid));
        if (c.stale) v.now += 31 * S;
        else v.now += S;
        await settle();
        if (c.setup) await c.setup(w, vid);
        const before = await snapshot(w.kv);
        let res, page;
        const t = Date.now();
        try {
          if (c.events) res = await v.events("/", c.events);
          else {
            res = await v.fetch(c.path ?? "/");
            page = await readPage(res);
          }
        } finally {
          await w.kvMode("ok");
        }
        const ms = Date.now() - t;
        checkAnswer(
          c,
          res,
          page,
          ms,
          await (c.path && c.expect.body === "origin" ? originBytes(c.path) : originBytes("/")),
        );
        await settle();
        await checkStored(c, before, await snapshot(w.kv), vid);
        if (c.after) await c.after(w, v, res, page);
        if (c.cleanup) await c.cleanup(w);
      } finally {
        if (c.fresh) await w.mf.dispose();
      }
    });
  }
});

/** The body as bytes and text, or `broken` when reading it failed. */
async function readPage(res) {
  try {
    const bytes = Buffer.from(await res.arrayBuffer());
    const html = bytes.toString("utf8");
    return { bytes, html, state: pageState(html), signpost: res.headers.get("x-signpost") };
  } catch (e) {
    return { broken: e };
  }
}

function checkAnswer(c, res, page, ms, origin) {
  const e = c.expect;
  assert.equal(res.status, e.status, page?.html?.slice(0, 300));
  if (typeof e.signpost === "string") assert.equal(res.headers.get("x-signpost"), e.signpost);
  else if (e.signpost) assert.match(res.headers.get("x-signpost") ?? "", e.signpost);
  if (e.maxMs) assert.ok(ms < e.maxMs, `answered in ${ms} ms (budget ${e.maxMs})`);
  if (e.cookies === false) assert.deepEqual(res.headers.getSetCookie(), []);
  if (e.cacheControl) assert.equal(res.headers.get("cache-control"), e.cacheControl);
  if (e.body === "origin") {
    assert.ok(page && !page.broken, String(page?.broken));
    assert.ok(page.bytes.equals(origin), "the origin's bytes, untouched");
  } else if (e.body === "personalized") {
    assert.ok(page.state, "the decision state injected");
    assert.match(page.html, /<p id="origin-marker">from the origin<\/p>/);
    assert.equal(res.headers.get("cache-control"), "private, no-store");
  } else if (e.body === "broken") {
    // Either the body errors like the origin's did, or it ends early: never more than it sent.
    if (!page.broken) assert.doesNotMatch(page.html, /origin-marker/);
  }
}

/** Nothing stored lost or corrupted: every key as before, but what the case allows. */
async function checkStored(c, before, after, vid) {
  const mine = `profile:${vid}`;
  const allowed = c.stored ?? "none";
  for (const [key, value] of before) {
    assert.ok(after.has(key), `${key} still stored`);
    if (key === mine && allowed !== "none") continue;
    assert.equal(after.get(key), value, `${key} unchanged`);
  }
  for (const key of after.keys()) {
    // The config's compiled snapshot: the seeded KV has none, so the first isolate to load the
    // config writes it, under its version's key and the live key (docs/worker.md, "The config
    // snapshot").
    if (/^config-snapshot:(1|live):/.test(key)) continue;
    if (!before.has(key)) assert.ok(key === mine && allowed !== "none", `no new key ${key}`);
  }
  if (allowed !== "none" && after.has(mine) && after.get(mine) !== before.get(mine)) {
    const read = (text) => {
      const bytes = Buffer.from(text, "latin1");
      return isBinaryProfile(bytes) ? decodeProfile(bytes) : JSON.parse(bytes.toString("utf8"));
    };
    const p = read(after.get(mine));
    assert.equal(p.v, 1);
    assert.equal(p.id, vid);
    if (allowed === "profile" && before.has(mine)) {
      const old = read(before.get(mine));
      assert.ok(p.pv >= (old.pv ?? old.page_views ?? 0), "page views kept");
    }
  }
}

test("origin closes a POST's connection before answering: not sent twice, 502", async () => {
  const res = await shared.mf.dispatchFetch("http://localhost/o/drop-post", { method: "POST", body: "order=1" });
  assert.equal(res.status, 502);
  await res.arrayBuffer();
  assert.equal(seen.get("/o/drop-post"), 1, "a request with a body is never repeated");
});

// The work after a page (the profile's write, the measurement rows) waits for the page's last
// byte, so it does not share the isolate's thread with the streaming; a visitor who leaves
// mid-page never lets the rewriter reach the end, and the work goes ahead after a wait.
test("a visitor who leaves mid-page: the first visit's profile is still written", async () => {
  clock += 3600 * S;
  const v = new Visitor(shared.mf, { now: clock });
  const res = await v.fetch("/o/huge");
  assert.match(res.headers.get("x-signpost") ?? "", /^personalized/);
  const reader = res.body.getReader();
  await reader.read();
  await reader.cancel();
  const vid = v.jar.get("sp_vid");
  let p;
  for (let i = 0; i < 40 && !p; i++) {
    await sleep(100);
    p = await storedProfile(shared.kv, vid).catch(() => undefined);
  }
  assert.ok(p, "the profile was written");
  assert.equal(p.pv, 1);
});
