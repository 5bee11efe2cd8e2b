// The origin cache (`ORIGIN_CACHE`): the origin's HTML kept in the edge cache (workerd's Cache
// API, Miniflare's local cache) as the origin's own headers allow, each page personalized from
// the copy, the personalized page never kept, and the admin's purge. A real HTTP origin counts
// the requests that reach it; a page's last path segment picks the headers it answers with.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { ADMIN_TOKEN, startOrigin, startWorker, Visitor, waitFor } from "./harness.mjs";

const HEADERS = {
  public: { "cache-control": "public, max-age=60" },
  shared: { "cache-control": "max-age=0, s-maxage=60" },
  brief: { "cache-control": "public, max-age=1" },
  expires: { expires: new Date(Date.now() + 3_600_000).toUTCString() },
  aged: { "cache-control": "public, max-age=60", age: "60" },
  private: { "cache-control": "private, max-age=60" },
  cookie: { "cache-control": "public, max-age=60", "set-cookie": "cart=abc; Path=/" },
  "no-store": { "cache-control": "no-store" },
  "no-cache": { "cache-control": "public, max-age=60, no-cache" },
  "vary-cookie": { "cache-control": "public, max-age=60", vary: "Cookie" },
  "vary-encoding": { "cache-control": "public, max-age=60", vary: "Accept-Encoding" },
  "vary-language": { "cache-control": "public, max-age=60", vary: "Accept-Encoding, Accept-Language" },
  silent: {},
};

/** The origin's page for a path: slots to fill, and the path in its title. */
const page = (path) => `<!doctype html><html><head><title>${path}</title></head><body>
<section data-sp-slot="hero"><h1>Welcome</h1></section>
<div data-sp-slot="banner"></div></body></html>`;

const reached = new Map();
const count = (path) => reached.get(path) ?? 0;
let origin;
let on;
let off;
before(async () => {
  origin = await startOrigin((req) => {
    const path = new URL(req.url).pathname;
    reached.set(path, count(path) + 1);
    const kind = path.split("/").pop();
    const headers = { "content-type": "text/html; charset=utf-8", ...(HEADERS[kind] ?? HEADERS.public) };
    if (kind === "vary-language") {
      return new Response(page(`${path} ${req.headers.get("accept-language")}`), { headers });
    }
    if (kind === "gzip")
      return new Response(gzipSync(page(path)), { headers: { ...headers, "content-encoding": "gzip" } });
    if (kind === "reset") {
      // Half the page, then the connection is reset: never a page to keep.
      return (res) => {
        res.writeHead(200, headers);
        res.write(page(path).slice(0, 60));
        setTimeout(() => res.socket.destroy(), 50);
      };
    }
    return new Response(page(path), { headers });
  });
  const bindings = { ORIGIN: origin.url, SIGNPOST_TEST_HOOKS: "1", SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN };
  on = await startWorker({ bindings: { ...bindings, ORIGIN_CACHE: "on" }, measure: false });
  off = await startWorker({ bindings, measure: false });
});
after(async () => {
  await on?.mf.dispose();
  await off?.mf.dispose();
  origin?.close();
});

const key = (path) => `http://localhost${path}`;
/** The copy in the edge cache, read from outside the Worker (undefined for none). */
async function cached(path) {
  const caches = await on.mf.getCaches();
  const [ours, shared] = [await caches.open("signpost:origin"), caches.default];
  assert.equal(await shared.match(key(path)), undefined, "nothing in the cache fetch() shares");
  return ours.match(key(path));
}
/** The put runs after the response (waitUntil): wait for the copy. */
const stored = (path) => waitFor(() => cached(path));

test("off unless ORIGIN_CACHE is on: every page goes to the origin", async () => {
  for (let i = 0; i < 2; i++) {
    const p = await new Visitor(off.mf).page("/off/public");
    assert.match(p.signpost, /^personalized/);
    assert.equal(p.res.headers.get("x-signpost-cache"), null);
  }
  assert.equal(count("/off/public"), 2);
});

test("a public page is fetched once and personalized for each visitor from the copy", async () => {
  const a = await new Visitor(on.mf).page("/one/public");
  assert.equal(a.res.headers.get("x-signpost-cache"), "miss");
  assert.ok(await stored("/one/public"));
  const b = await new Visitor(on.mf).page("/one/public");
  assert.equal(b.res.headers.get("x-signpost-cache"), "hit");
  assert.equal(count("/one/public"), 1);
  for (const p of [a, b]) {
    assert.match(p.signpost, /^personalized/);
    assert.equal(p.res.headers.get("cache-control"), "private, no-store");
    assert.equal(p.res.headers.get("age"), null);
    assert.ok(p.state, "the state script is in the page");
    assert.match(p.html, /<title>\/one\/public<\/title>/);
  }
  // Each visitor got their own cookies, not a copy of the other's.
  const vid = (p) => p.res.headers.getSetCookie().find((c) => c.startsWith("sp_vid="));
  assert.ok(vid(a) && vid(b));
  assert.notEqual(vid(a), vid(b));
});

test("the copy is the origin's page, never a personalized one", async () => {
  const v = new Visitor(on.mf);
  await v.page("/two/public");
  await stored("/two/public");
  await v.page("/two/public");
  const copy = await cached("/two/public");
  assert.equal(await copy.text(), page("/two/public"));
  assert.equal(copy.headers.get("cache-control"), "public, max-age=60");
  assert.equal(copy.headers.get("x-signpost"), null);
  assert.equal(copy.headers.get("set-cookie"), null);
  // A visitor who opted out gets the copy as the origin sent it.
  const gpc = await on.mf.dispatchFetch(key("/two/public"), { headers: { "sec-gpc": "1" } });
  assert.equal(gpc.headers.get("x-signpost"), "bypass; reason=gpc");
  assert.equal(gpc.headers.get("x-signpost-cache"), "hit");
  assert.equal(gpc.headers.get("cache-control"), "public, max-age=60");
  assert.equal(await gpc.text(), page("/two/public"));
  assert.equal(count("/two/public"), 1);
});

test("kept as long as the origin's headers say: s-maxage, max-age, Expires, less Age", async () => {
  for (const kind of ["shared", "expires"]) {
    const path = `/three/${kind}`;
    assert.equal((await new Visitor(on.mf).page(path)).res.headers.get("x-signpost-cache"), "miss");
    await stored(path);
    assert.equal((await new Visitor(on.mf).page(path)).res.headers.get("x-signpost-cache"), "hit");
    assert.equal(count(path), 1, kind);
  }
  // Already as old as its max-age when it came: nothing left to keep.
  const aged = await new Visitor(on.mf).page("/three/aged");
  assert.equal(aged.res.headers.get("x-signpost-cache"), "skip; reason=no-ttl");
  // One second of freshness: a hit within it, the origin again after it.
  await new Visitor(on.mf).page("/three/brief");
  await stored("/three/brief");
  assert.equal((await new Visitor(on.mf).page("/three/brief")).res.headers.get("x-signpost-cache"), "hit");
  await new Promise((r) => setTimeout(r, 2100));
  const later = await new Visitor(on.mf).page("/three/brief");
  assert.equal(later.res.headers.get("x-signpost-cache"), "miss");
  assert.equal(count("/three/brief"), 2);
});

test("never kept: private, Set-Cookie, no-store, no-cache, Vary: Cookie, no freshness", async () => {
  const reasons = {
    private: "private",
    cookie: "set-cookie",
    "no-store": "no-store",
    "no-cache": "no-cache",
    "vary-cookie": "vary",
    silent: "no-ttl",
  };
  for (const [kind, reason] of Object.entries(reasons)) {
    const path = `/four/${kind}`;
    for (let i = 0; i < 2; i++) {
      const p = await new Visitor(on.mf).page(path);
      assert.equal(p.res.headers.get("x-signpost-cache"), `skip; reason=${reason}`, kind);
      assert.match(p.signpost, /^personalized/, kind);
    }
    assert.equal(count(path), 2, kind);
    await new Promise((r) => setTimeout(r, 50)); // a put would have landed by now
    assert.equal(await cached(path), undefined, kind);
  }
  // The origin's own cookie still reaches the visitor.
  const p = await new Visitor(on.mf).page("/four/cookie");
  assert.ok(p.res.headers.getSetCookie().some((c) => c.startsWith("cart=abc")));
});

test("Vary: Accept-Encoding alone is kept (the runtime encodes each answer itself)", async () => {
  await new Visitor(on.mf).page("/five/vary-encoding");
  await stored("/five/vary-encoding");
  const p = await new Visitor(on.mf).page("/five/vary-encoding", { headers: { "accept-encoding": "br" } });
  assert.equal(p.res.headers.get("x-signpost-cache"), "hit");
  assert.equal(count("/five/vary-encoding"), 1);
});

test("a page that varies on a request header is kept per value of it, and purged whole", async () => {
  const path = "/ten/vary-language";
  const ask = async (lang) => {
    const p = await new Visitor(on.mf).page(path, { headers: { "accept-language": lang } });
    assert.match(p.signpost, /^personalized/);
    assert.match(p.html, new RegExp(`<title>${path} ${lang}</title>`), "the copy of this request's language");
    return p.res.headers.get("x-signpost-cache");
  };
  // The copies are written after the response (waitUntil): wait for the one of `lang`, under
  // the key docs/worker.md gives (the entry under the page's own key holds its id).
  const settle = (lang) =>
    waitFor(async () => {
      const entry = (await cached(path))?.headers.get("x-signpost-vary");
      if (!entry) return null;
      const id = entry.split(";")[0];
      const params = new URLSearchParams({ url: key(path), "accept-language": lang });
      const caches = await on.mf.getCaches();
      return (await caches.open("signpost:origin")).match(`http://localhost/__signpost/vary/${id}?${params}`);
    });
  assert.equal(await ask("en"), "miss");
  assert.ok(await settle("en"));
  assert.equal(await ask("en"), "hit");
  assert.equal(count(path), 1);
  assert.equal(await ask("fr"), "miss");
  assert.ok(await settle("fr"));
  assert.equal(await ask("fr"), "hit");
  assert.equal(await ask("en"), "hit");
  assert.equal(count(path), 2);
  // The copy is never the entry that names the headers: an opted-out visitor gets a page.
  const gpc = await on.mf.dispatchFetch(key(path), { headers: { "sec-gpc": "1", "accept-language": "fr" } });
  assert.equal(gpc.headers.get("x-signpost-vary"), null);
  assert.equal(await gpc.text(), page(`${path} fr`));
  // A purge of the page's URL removes every language's copy.
  const purged = await on.mf.dispatchFetch(key("/__signpost/cache/purge"), {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ urls: [path] }),
  });
  assert.equal(purged.status, 200);
  assert.equal(await ask("en"), "miss");
  assert.ok(await settle("en"));
  assert.equal(await ask("en"), "hit");
  assert.equal(await ask("fr"), "miss", "the copy made before the purge is not read");
  assert.equal(count(path), 4);
});

test("not looked up: other methods, Range, files, and requests with Authorization", async () => {
  await new Visitor(on.mf).page("/six/public");
  await stored("/six/public");
  const post = await on.mf.dispatchFetch(key("/six/public"), { method: "POST", body: "x=1" });
  await post.arrayBuffer();
  assert.equal(post.headers.get("x-signpost-cache"), null);
  const range = await on.mf.dispatchFetch(key("/six/public"), { headers: { range: "bytes=0-10" } });
  await range.arrayBuffer();
  assert.equal(range.headers.get("x-signpost-cache"), null);
  const auth = await on.mf.dispatchFetch(key("/six/public"), { headers: { authorization: "Basic eDp5" } });
  await auth.arrayBuffer();
  assert.equal(auth.headers.get("x-signpost-cache"), "skip; reason=authorization");
  assert.equal(count("/six/public"), 4);
  const file = await on.mf.dispatchFetch(key("/six/style.css"));
  await file.arrayBuffer();
  assert.equal(file.headers.get("x-signpost-cache"), null);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await cached("/six/style.css"), undefined);
});

test("purge: admin only; the page is gone and the next visitor's comes from the origin", async () => {
  await new Visitor(on.mf).page("/seven/public");
  assert.ok(await stored("/seven/public"));
  const purge = (body, token = ADMIN_TOKEN) =>
    on.mf.dispatchFetch(key("/__signpost/cache/purge"), {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const refused = await purge({ urls: ["/seven/public"] }, null);
  assert.equal(refused.status, 401);
  assert.ok(await cached("/seven/public"), "a refused purge removes nothing");
  const bad = await purge({ urls: ["//elsewhere.example/x"] });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /^urls\[0\]/);
  assert.equal((await purge({ urls: [] })).status, 400);

  const res = await purge({ urls: ["/seven/public", "http://localhost/seven/never"] });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    purged: [
      { url: key("/seven/public"), deleted: true },
      { url: key("/seven/never"), deleted: false },
    ],
    scope: "data-center",
  });
  assert.equal(await cached("/seven/public"), undefined);
  const next = await new Visitor(on.mf).page("/seven/public");
  assert.equal(next.res.headers.get("x-signpost-cache"), "miss");
  assert.equal(count("/seven/public"), 2);
});

test("a compressed page is kept and personalized from the copy, decoded", async () => {
  const first = await new Visitor(on.mf).page("/eight/gzip");
  assert.equal(first.res.headers.get("x-signpost-cache"), "miss");
  await stored("/eight/gzip");
  const second = await new Visitor(on.mf).page("/eight/gzip");
  assert.equal(second.res.headers.get("x-signpost-cache"), "hit");
  for (const p of [first, second]) {
    assert.match(p.signpost, /^personalized/);
    assert.match(p.html, /<title>\/eight\/gzip<\/title>/);
    assert.ok(p.state);
  }
  assert.equal(count("/eight/gzip"), 1);
});

test("a page cut short by the origin is never kept: the next visitor's comes from the origin", async () => {
  const res = await on.mf.dispatchFetch(key("/nine/reset"));
  await res.text().catch(() => {}); // the body fails as the origin's did
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await cached("/nine/reset"), undefined);
  const again = await on.mf.dispatchFetch(key("/nine/reset"));
  await again.text().catch(() => {});
  assert.equal(again.headers.get("x-signpost-cache"), "miss");
  assert.equal(count("/nine/reset"), 2);
});

test("the storability rule, header by header (the module's own function, in Node)", async () => {
  const { notStorable } = await import("../../worker/js/origin-cache.js");
  const why = (headers, status = 200) =>
    notStorable(new Response("<p>x</p>", { status, headers: { "content-type": "text/html", ...headers } }));
  assert.equal(why({ "cache-control": "public, max-age=60" }), null);
  assert.equal(why({ "cache-control": 'max-age="60"' }), null, "a quoted value");
  assert.equal(why({ "cache-control": "s-maxage=0, max-age=60" }), "no-ttl", "s-maxage rules a shared cache");
  assert.equal(why({ "cache-control": "max-age=soon" }), "no-ttl", "not a number: stale");
  assert.equal(why({ "cache-control": 'private="set-cookie", max-age=60' }), "private");
  assert.equal(why({ "cache-control": "Max-Age=60, No-Store" }), "no-store", "names are case-insensitive");
  assert.equal(why({ "cache-control": "max-age=60", vary: "*" }), "vary");
  assert.equal(why({ "cache-control": "max-age=60", vary: "accept-encoding, User-Agent" }), null);
  assert.equal(why({ "cache-control": "max-age=60", "content-length": String(9 * 1024 * 1024) }), "too-large");
  assert.equal(why({ "cache-control": "max-age=60" }, 404), "status");
  assert.equal(why({ "cache-control": "max-age=60", "content-type": "application/json" }), "not-html");
  const date = new Date().toUTCString();
  assert.equal(why({ date, expires: new Date(Date.now() + 120_000).toUTCString() }), null);
  assert.equal(why({ date, expires: "0" }), "no-ttl", "an invalid Expires is already expired");
});
