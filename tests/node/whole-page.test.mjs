// Whole pages: what the Worker serves (the runtime's HTMLRewriter, driven from Rust) must be
// byte for byte what the core's reference rewriter (lol_html, `signpost rewrite`) makes of the
// origin's page with the same Plan and state. The Plan comes from the Worker's own response
// (the injected state), the origin's bytes from the same Worker with personalization refused.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorker, Visitor, SECRET, read, root } from "./harness.mjs";

const NOW = Date.parse("2026-11-20T17:00:00Z");
const tmp = mkdtempSync(join(tmpdir(), "signpost-whole-page-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The raw text of the injected state element, exactly as served. */
function rawState(html) {
  const m = /<script type="application\/json" id="signpost-state">(.*?)<\/script>/s.exec(html);
  assert.ok(m, "the page carries the signpost-state element");
  return m[1];
}

/** The core's rewrite of `page` with the Worker's state: `signpost rewrite --state`. */
function coreRewrite(name, page, state) {
  const pageFile = join(tmp, `${name}.html`);
  const stateFile = join(tmp, `${name}.state.json`);
  writeFileSync(pageFile, page);
  writeFileSync(stateFile, state);
  return execFileSync(
    "cargo",
    ["run", "--quiet", "--bin", "signpost", "--", "rewrite", pageFile, "--state", stateFile],
    { cwd: root, maxBuffer: 64 << 20 },
  ).toString("utf8");
}

/** The origin's page as the Worker passes it through (GPC: personalization refused). */
async function originPage(mf, path) {
  const res = await mf.dispatchFetch("http://localhost" + path, { headers: { "sec-gpc": "1" } });
  assert.equal(res.headers.get("x-signpost"), "bypass; reason=gpc");
  return res.text();
}

function assertSameBytes(worker, core, what) {
  if (worker === core) return;
  let i = 0;
  while (worker[i] === core[i]) i++;
  assert.fail(
    `${what}: the Worker and the core differ at byte ${i}:\n` +
      `worker: ${JSON.stringify(worker.slice(Math.max(0, i - 80), i + 80))}\n` +
      `core:   ${JSON.stringify(core.slice(Math.max(0, i - 80), i + 80))}`,
  );
}

test("a demo product page with three slots filled: Worker == core", async () => {
  const { mf } = await startWorker({ bindings: { SIGNPOST_TEST_HOOKS: "1", SIGNPOST_SECRET: SECRET } });
  try {
    // A fixed id outside the config's 5% holdout (a random one is in it one time in twenty,
    // and a holdout visitor's page has no slots filled).
    const v = new Visitor(mf, { now: NOW, vid: "0123456789abcdef0123456789abcdef" });
    for (const p of ["/products/tent-summit-2p", "/products/tent-basecamp-4p", "/products/tent-ultralight-1p"]) {
      await v.page(p);
    }
    v.now += 60_000;
    const add = await v.events("/products/tent-summit-2p", [
      { type: "add_to_cart", id: "e-cart-1", at: v.now, product_id: "tent-summit-2p", price: 349, quantity: 1 },
    ]);
    assert.equal(add.status, 200);
    v.now += 60_000;
    const path = "/products/tent-basecamp-4p";
    const page = await v.page(path);
    const filled = /slots=(.*)/.exec(page.signpost)?.[1].split(",").filter(Boolean) ?? [];
    assert.ok(filled.length >= 3, `three slots filled: ${page.signpost}`);
    const origin = await originPage(mf, path);
    assert.notEqual(page.html, origin, "the page was rewritten");
    assertSameBytes(page.html, coreRewrite("product", origin, rawState(page.html)), path);
  } finally {
    await mf.dispose();
  }
});

// The corpus pages behind ORIGIN, personalized with CSS selectors (the page has no slots),
// with a visitor-supplied value that needs escaping in the output.
const CORPUS_CONFIG = {
  version: 1,
  offers: [
    { id: "greeting", selector: "h1", content: 'Hello {{request.query.name | default: "friend"}} & welcome' },
    {
      id: "promo",
      selector: "footer",
      experiment: "footer-test",
      variants: [
        { id: "a", weight: 1, content: '<p class="promo">Free returns, always.</p>' },
        { id: "b", weight: 1, content: "<p>Ships in a day.</p>" },
      ],
    },
    {
      id: "from-email",
      selector: "nav",
      when: { fact: "request.utm.source", op: "eq", value: "email" },
      content: "<em>Welcome from our newsletter</em>",
    },
  ],
  experiments: { "footer-test": { salt: "footer-test-1" } },
};

let proxy;
before(async () => {
  proxy = await startWorker({
    seed: false,
    bindings: { ORIGIN: "https://origin.test", SIGNPOST_TEST_HOOKS: "1", SIGNPOST_SECRET: SECRET },
    outbound: (req) => {
      const name = new URL(req.url).pathname.slice(1);
      return new Response(read(`tests/corpus/${name}`), {
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    },
  });
  await proxy.kv.put("config:1", JSON.stringify(CORPUS_CONFIG));
  await proxy.kv.put("config:current", "1");
});
after(async () => proxy?.mf.dispose());

for (const name of ["cloudflare.com.html", "ecma402-spec.html", "html-parsing-spec.html"]) {
  test(`corpus page ${name} through ORIGIN: Worker == core`, async () => {
    const v = new Visitor(proxy.mf, { now: NOW });
    const query = "?name=" + encodeURIComponent(`<img src=x onerror="alert(1)">Ann & 'Bo'`) + "&utm_source=email";
    const page = await v.page(`/${name}${query}`);
    assert.match(page.signpost, /^personalized; slots=.*greeting/);
    assert.ok(!page.html.includes("<img src=x onerror"), "visitor input is escaped");
    const origin = read(`tests/corpus/${name}`);
    assertSameBytes(page.html, coreRewrite(name, origin, rawState(page.html)), name);
  });
}
