// The shared rewrite fixtures through the Worker's binding to the runtime's HTMLRewriter: the
// same page and Plan must give the same bytes as the core's reference rewriter.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Miniflare } from "miniflare";
import { join } from "node:path";
import { startWorker, read, root, seedConfig, signpostWorkers } from "./harness.mjs";

const { cases } = JSON.parse(read("tests/fixtures/rewrite/cases.json"));
let mf;
before(async () => ({ mf } = await startWorker({ bindings: { SIGNPOST_TEST_HOOKS: "1" }, seed: false })));
after(async () => mf?.dispose());

for (const c of cases) {
  test(`fixture ${c.name}`, async () => {
    const res = await mf.dispatchFetch("http://localhost/__signpost/test/rewrite", {
      method: "POST",
      body: JSON.stringify({ html: c.html, plan: c.plan, state: c.state ?? null }),
    });
    assert.equal(await res.text(), c.expected, c.about);
  });
}

test("the test hook is off unless enabled", async () => {
  const plain = await startWorker({ seed: false });
  try {
    const res = await plain.mf.dispatchFetch("http://localhost/__signpost/test/rewrite", {
      method: "POST",
      body: "{}",
    });
    assert.equal(res.status, 404);
  } finally {
    await plain.mf.dispose();
  }
});

test("the production build has no test routes or hooks, whatever its variables say", async () => {
  // The production entry with SIGNPOST_TEST_HOOKS set, which the harness would otherwise
  // answer with the test build.
  const workers = signpostWorkers({ bindings: { SIGNPOST_TEST_HOOKS: "1" } });
  workers[0].scriptPath = join(root, "worker/entry.mjs");
  workers[1].scriptPath = join(root, "worker/api-entry.mjs");
  for (const w of workers) w.kvNamespaces = ["SIGNPOST"];
  const prod = new Miniflare({ workers, cf: false });
  try {
    await seedConfig(await prod.getKVNamespace("SIGNPOST"));
    for (const path of ["test/rewrite", "test/memory"]) {
      const res = await prod.dispatchFetch(`http://localhost/__signpost/${path}`, {
        method: path === "test/memory" ? "GET" : "POST",
        body: path === "test/memory" ? undefined : "{}",
      });
      assert.equal(res.status, 404, path);
      await res.body?.cancel();
    }
    // A chosen visitor id is ignored.
    const res = await prod.dispatchFetch("http://localhost/", {
      headers: { "x-signpost-test-new-visitor": "a".repeat(32) },
    });
    assert.match(res.headers.get("x-signpost"), /^personalized/);
    const vid = res.headers.getSetCookie().find((c) => c.startsWith("sp_vid="));
    assert.ok(vid && !vid.startsWith(`sp_vid=${"a".repeat(32)}`), vid);
    const state = /<script type="application\/json" id="signpost-state">([^<]*)</.exec(await res.text());
    assert.ok(state, "the page is personalized");
    const panic = await prod.dispatchFetch("http://localhost/", { headers: { "x-signpost-test-panic": "1" } });
    assert.match(panic.headers.get("x-signpost"), /^personalized/, "no panic on demand");
    await panic.body?.cancel();
  } finally {
    await prod.dispose();
  }
});
