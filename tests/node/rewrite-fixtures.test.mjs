// The shared rewrite fixtures through the Worker's binding to the runtime's HTMLRewriter: the
// same page and Plan must give the same bytes as the core's reference rewriter.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, read } from "./harness.mjs";

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
