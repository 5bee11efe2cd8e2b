// Fail open with the API Worker down (a broken deploy: its `fetch` and RPC methods throw). The
// page Worker needs it for two things only: the endpoints, and compiling a config version that
// has no snapshot for the page build. So pages stay personalized from a snapshot in KV, a new
// version it cannot compile leaves the last good config in place, an isolate with no snapshot at
// all passes every page through as the origin sent it, and the endpoints answer 503 naming the
// API Worker. Nothing stored is lost: once the API Worker is back, the new version goes live.
// Each workerd here is fresh (a cold isolate) over KV on disk, behind a real HTTP origin.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ADMIN_TOKEN, SECRET, Visitor, exampleCatalog, exampleConfig, startOrigin, startWorker } from "./harness.mjs";

const PAGE = `<!doctype html><html><head><title>Shop</title></head><body>
<section data-sp-slot="hero"><h1>Welcome to the shop</h1></section>
<div data-sp-slot="banner"></div>
</body></html>`;
const T0 = Date.parse("2026-12-01T10:00:00Z");

const dirs = [];
let origin;
before(async () => {
  origin = await startOrigin(
    () => new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } }),
  );
});
after(() => {
  origin?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A directory for KV on disk, shared by the workerds of one test. */
function kvDir() {
  const d = mkdtempSync(join(tmpdir(), "signpost-api-down-"));
  dirs.push(d);
  return d;
}

/** A fresh workerd over `kvPersist`, its API Worker up or down. */
const workerd = (kvPersist, { apiDown = false, seed = false } = {}) =>
  startWorker({
    seed,
    kvPersist,
    apiDown,
    bindings: {
      ORIGIN: origin.url,
      SIGNPOST_TEST_HOOKS: "1",
      SIGNPOST_SECRET: SECRET,
      SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN,
    },
  });

/** `fn(w)` on a fresh workerd, disposed after. */
async function withWorkerd(kvPersist, options, fn) {
  const w = await workerd(kvPersist, options);
  try {
    return await fn(w);
  } finally {
    await w.mf.dispose();
  }
}

/** A new visitor's page at `now`: what `x-signpost` said, the config version it was decided
 *  with, how the config was loaded, and the body. */
async function page(w, now) {
  const p = await new Visitor(w.mf, { now }).page("/");
  return {
    signpost: p.signpost,
    version: p.state?.config_version,
    timing: p.res.headers.get("server-timing") ?? "",
    html: p.html,
  };
}

/** Publishes `config` through the admin endpoint (the API Worker writes its snapshot). */
async function publish(w, config) {
  const res = await w.mf.dispatchFetch("http://localhost/__signpost/admin/publish", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    body: config,
  });
  assert.equal(res.status, 200, await res.text());
}

test("no snapshot for the page build: pages pass through as the origin sent them, endpoints 503", async () => {
  await withWorkerd(kvDir(), { apiDown: true, seed: true }, async (w) => {
    const first = await page(w, T0);
    assert.equal(first.signpost, "bypass; reason=api-unreachable", "nothing to decide with");
    assert.equal(first.html, PAGE, "the origin's bytes, untouched");

    for (const [path, init] of [
      ["/__signpost/health", {}],
      ["/__signpost/events", { method: "POST", body: JSON.stringify({ url: "/", events: [] }) }],
      ["/__signpost/admin/publish", { method: "POST", body: exampleConfig() }],
    ]) {
      const res = await w.mf.dispatchFetch(`http://localhost${path}`, init);
      assert.equal(res.status, 503, path);
      assert.equal(res.headers.get("retry-after"), "5", path);
      assert.equal(res.headers.get("cache-control"), "no-store", path);
      const { error } = await res.json();
      assert.match(error, /API Worker could not be reached: .*down \(test\)/, path);
    }
    assert.equal(await w.kv.get("config:current"), "1", "the failed publish stored nothing");
  });
});

test("with a snapshot, pages stay personalized; a version it cannot compile keeps the last good one", async () => {
  const dir = kvDir();
  await withWorkerd(dir, {}, async (w) => {
    await w.kv.put("catalog", exampleCatalog());
    await publish(w, exampleConfig());
  });

  await withWorkerd(dir, { apiDown: true }, async (w) => {
    const first = await page(w, T0);
    assert.match(first.signpost, /^personalized; slots=/);
    assert.match(first.timing, /config;desc=snapshot/, "loaded from the snapshot, no compile asked");
    assert.equal(first.version, "1");

    // Version 2 goes live in KV without a snapshot (written to KV by hand, say; a publish
    // writes one): this isolate cannot have it compiled, so it keeps version 1.
    await w.kv.put("config:2", exampleConfig());
    await w.kv.put("config:current", "2");
    const later = await page(w, T0 + 31_000);
    assert.match(later.signpost, /^personalized; slots=/);
    assert.equal(later.version, "1", "the last good config");
    const again = await page(w, T0 + 62_000);
    assert.equal(again.version, "1", "asked again at the next check, still the last good one");
  });

  // Back up: the next isolate has version 2 compiled, from what KV kept.
  await withWorkerd(dir, {}, async (w) => {
    const back = await page(w, T0 + 93_000);
    assert.match(back.signpost, /^personalized; slots=/);
    assert.equal(back.version, "2");
    assert.equal(await w.kv.get("config:current"), "2");
  });
});
