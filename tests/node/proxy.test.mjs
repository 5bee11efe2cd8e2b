// ORIGIN mode: the Worker in front of another site (played here by Miniflare's outbound
// service). Only a 200 text/html page is rewritten; errors, redirects, 304 and other methods
// reach the visitor as the origin sent them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, Visitor, SECRET } from "./harness.mjs";

const PAGE = `<!doctype html><html><head><title>Shop</title></head><body>
<section data-sp-slot="hero"><h1>Welcome</h1></section>
<div data-sp-slot="banner"></div></body></html>`;
const seen = [];
let w;
before(async () => {
  w = await startWorker({
    bindings: { ORIGIN: "https://origin.test", SIGNPOST_TEST_HOOKS: "1", SIGNPOST_SECRET: SECRET },
    outbound: async (req) => {
      const url = new URL(req.url);
      seen.push({ method: req.method, url: req.url, body: req.method === "GET" ? null : await req.text() });
      const headers = {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "public, max-age=60",
        "set-cookie": "origin=1; Path=/",
      };
      switch (url.pathname) {
        case "/boom":
          return new Response("<h1>origin error</h1>", { status: 500, headers });
        case "/moved":
          return new Response(null, { status: 302, headers: { location: "https://origin.test/new" } });
        case "/cached":
          return new Response(null, { status: 304, headers: { etag: '"abc"' } });
        case "/data.json":
          return Response.json({ a: 1 });
        default:
          return new Response(PAGE, { headers });
      }
    },
  });
});
after(async () => w?.mf.dispose());

test("an origin page is personalized and streamed with the origin's own cookies kept", async () => {
  const v = new Visitor(w.mf, { now: Date.parse("2026-11-20T17:00:00Z") });
  const page = await v.page("/products/tent-summit-2p?x=1");
  assert.equal(page.res.status, 200);
  assert.match(page.signpost, /^personalized/);
  assert.equal(page.res.headers.get("cache-control"), "private, no-store");
  assert.ok(page.res.headers.getSetCookie().some((c) => c.startsWith("origin=1")));
  assert.ok(page.state);
  assert.equal(seen.at(-1).url, "https://origin.test/products/tent-summit-2p?x=1");
});

test("an origin 500 reaches the visitor as it was", async () => {
  const res = await w.mf.dispatchFetch("http://localhost/boom");
  assert.equal(res.status, 500);
  assert.equal(await res.text(), "<h1>origin error</h1>");
  assert.equal(res.headers.get("x-signpost"), "bypass; reason=not-html");
  assert.equal(res.headers.get("cache-control"), "public, max-age=60");
});

test("redirects are not followed, 304 and JSON pass through, POST keeps its body", async () => {
  const moved = await w.mf.dispatchFetch("http://localhost/moved", { redirect: "manual" });
  assert.equal(moved.status, 302);
  assert.equal(moved.headers.get("location"), "https://origin.test/new");
  const cached = await w.mf.dispatchFetch("http://localhost/cached", { headers: { "if-none-match": '"abc"' } });
  assert.equal(cached.status, 304);
  const json = await w.mf.dispatchFetch("http://localhost/data.json");
  assert.deepEqual(await json.json(), { a: 1 });
  const post = await w.mf.dispatchFetch("http://localhost/cart", { method: "POST", body: "qty=2" });
  assert.equal(post.headers.get("x-signpost"), "bypass; reason=method");
  assert.deepEqual(seen.at(-1), { method: "POST", url: "https://origin.test/cart", body: "qty=2" });
  assert.doesNotMatch(await post.text(), /signpost-state/);
});
