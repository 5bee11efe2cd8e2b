// The editor's API in workerd: every admin call needs the bearer token (401 otherwise, and
// no-store), an invalid publish is refused with the problem's path and changes nothing stored,
// publish and rollback move config:current and the next page follows, and the preview decides
// as a described visitor.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, Visitor, ADMIN_TOKEN, exampleConfig, newVisitorId } from "./harness.mjs";

let mf, kv;
before(async () => {
  ({ mf, kv } = await startWorker({ bindings: { SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN } }));
});
after(async () => {
  await mf?.dispose();
});

const call = (path, { token = ADMIN_TOKEN, method = "GET", body } = {}) =>
  mf.dispatchFetch(`http://localhost/__signpost/admin/${path}`, {
    method,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    body,
  });

const withOffer = (id, change) => {
  const c = JSON.parse(exampleConfig());
  change(c.offers.find((o) => o.id === id));
  return JSON.stringify(c, null, 2);
};

test("every admin endpoint refuses a missing or wrong token with 401, no-store", async () => {
  const calls = [
    ["versions", "GET"],
    ["config", "GET"],
    ["validate", "POST", exampleConfig()],
    ["preview", "POST", JSON.stringify({ url: "/" })],
    ["publish", "POST", exampleConfig()],
    ["rollback", "POST", "{}"],
  ];
  for (const [path, method, body] of calls) {
    for (const token of [null, "wrong-token", `${ADMIN_TOKEN}x`, ""]) {
      const res = await call(path, { token, method, body });
      assert.equal(res.status, 401, `${method} ${path} with ${JSON.stringify(token)}`);
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.match((await res.json()).error, /bearer token/);
    }
  }
  assert.equal(await kv.get("config:current"), "1", "nothing changed");
  assert.deepEqual((await kv.list({ prefix: "config:" })).keys.map((k) => k.name).sort(), [
    "config:1",
    "config:current",
  ]);
});

test("without SIGNPOST_ADMIN_TOKEN configured nobody is authorized", async () => {
  const other = await startWorker();
  try {
    const res = await other.mf.dispatchFetch("http://localhost/__signpost/admin/versions", {
      headers: { authorization: "Bearer " },
    });
    assert.equal(res.status, 401);
    await res.body?.cancel();
  } finally {
    await other.mf.dispose();
  }
});

test("the editor page and its wasm are served without the token, holding no data", async () => {
  const page = await mf.dispatchFetch("http://localhost/__signpost/admin");
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type"), /^text\/html/);
  assert.equal(page.headers.get("cache-control"), "no-store");
  assert.match(page.headers.get("content-security-policy"), /frame-ancestors 'none'/);
  const html = await page.text();
  assert.match(html, /SIGNPOST_ADMIN_TOKEN/);
  assert.doesNotMatch(html, /ready-free-shipping/, "no config in the page itself");
  // The editor's wasm (make editor), next to the SDK on the site.
  const wasm = await mf.dispatchFetch("http://localhost/sdk/editor/editor_bg.wasm");
  assert.equal(wasm.headers.get("content-type"), "application/wasm");
  const bytes = new Uint8Array(await wasm.arrayBuffer());
  assert.deepEqual([...bytes.slice(0, 4)], [0, 0x61, 0x73, 0x6d], "a wasm module");
  const glue = await mf.dispatchFetch("http://localhost/sdk/editor/editor.js");
  assert.match(glue.headers.get("content-type"), /javascript/);
  assert.match(await glue.text(), /export function validate/);
});

test("an invalid config is refused with every problem's path, and nothing stored changes", async () => {
  const broken = withOffer("ready-free-shipping", (o) => (o.when.op = "equals"));
  const checked = await (await call("validate", { method: "POST", body: broken })).json();
  assert.equal(checked.ok, false);
  const res = await call("publish", { method: "POST", body: broken });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const body = await res.json();
  assert.match(body.error, /config is invalid; nothing was written/);
  const issue = body.issues.find((i) => /^offers\[\d+\]\.when\.op$/.test(i.path));
  assert.ok(issue, JSON.stringify(body.issues));
  assert.match(issue.message, /equals/);
  assert.deepEqual(checked.issues, body.issues, "validate and publish agree");

  const notJson = await call("publish", { method: "POST", body: '{"version": 1,' });
  assert.equal(notJson.status, 400);
  assert.match((await notJson.json()).issues[0].message, /not valid JSON: .* at line 1 column/);

  assert.equal(await kv.get("config:current"), "1");
  assert.equal(await kv.get("config:2"), null);
});

test("publish makes a new version live for the next page; rollback restores the old one", async () => {
  const changed = withOffer("ready-free-shipping", (o) => {
    o.content = "Free overnight shipping on tents today.";
    o.when = { fact: "request.path", op: "eq", value: "/about" };
  });
  const res = await call("publish", { method: "POST", body: changed });
  assert.equal(res.status, 200);
  const published = await res.json();
  assert.deepEqual([published.version, published.previous], [2, 1]);
  assert.ok(
    published.changes.some((c) => /ready-free-shipping/.test(c)),
    published.changes.join("\n"),
  );
  assert.equal(await kv.get("config:current"), "2");
  assert.equal(await kv.get("config:2"), changed, "stored as sent");

  const visitor = new Visitor(mf, { vid: await newVisitorId() });
  const about = await visitor.page("/about");
  assert.match(about.html, /data-sp-offer="ready-free-shipping"[^>]*>Free overnight shipping on tents today\./);
  assert.equal(about.state.config_version, "2");

  const list = await (await call("versions")).json();
  assert.equal(list.current, 2);
  assert.deepEqual(
    list.versions.map((v) => [v.version, v.live]),
    [
      [2, true],
      [1, false],
    ],
  );
  assert.match(list.versions[0].summary, /ready-free-shipping/);
  const stored = await (await call("config?version=1")).json();
  assert.equal(stored.config, exampleConfig());

  const back = await call("rollback", { method: "POST", body: "{}" });
  assert.equal(back.status, 200);
  assert.deepEqual(await back.json().then((b) => [b.from, b.to]), [2, 1]);
  assert.equal(await kv.get("config:current"), "1");
  assert.equal(await kv.get("config:2"), changed, "the rolled-back version is kept");
  const again = await visitor.page("/about");
  assert.doesNotMatch(again.html, /Free overnight shipping/);
  assert.equal(again.state.config_version, "1");

  const refused = await call("rollback", { method: "POST", body: JSON.stringify({ to: 9 }) });
  assert.equal(refused.status, 409);
  assert.match((await refused.json()).error, /config:9 does not exist/);
  // Back to 2 and to 1 again, so the next test starts from the example.
  assert.equal((await call("rollback", { method: "POST", body: '{"to": 2}' })).status, 200);
  assert.equal((await call("rollback", { method: "POST", body: '{"to": 1}' })).status, 200);
});

test("preview decides as a described visitor, with the explanation and the rendered page", async () => {
  const ask = (body) => call("preview", { method: "POST", body: JSON.stringify(body) });
  const ready = await ask({ url: "/category/tents", tier: "ready_to_buy" });
  assert.equal(ready.status, 200);
  assert.equal(ready.headers.get("cache-control"), "no-store");
  const r = await ready.json();
  assert.equal(r.decision.tier, "ready_to_buy");
  assert.equal(r.decision.plan.slots.find((s) => s.slot === "banner")?.offer, "ready-free-shipping");
  assert.match(r.text, /ready-free-shipping/);
  assert.match(
    r.html,
    /<div class="banner" data-sp-slot="banner" data-sp-offer="ready-free-shipping">Free 2-day shipping/,
  );

  const abandoner = await (await ask({ url: "/", segments: ["cart_abandoner"] })).json();
  assert.deepEqual(abandoner.decision.segments, ["cart_abandoner"]);
  assert.equal(abandoner.decision.plan.slots.find((s) => s.slot === "hero")?.offer, "cart-reminder");

  const draft = withOffer("compare-help", (o) => (o.priority = 95));
  const events = [
    { type: "page_view", url: "/compare" },
    { type: "compare_view" },
    { type: "product_view", product_id: "tent-summit-2p" },
  ];
  const d = await (await ask({ url: "/compare", config: draft, events })).json();
  assert.equal(d.config_version, "draft");
  assert.equal(d.decision.tier, "comparing");

  const bad = await ask({ url: "/", tier: "buying" });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /unknown tier "buying"/);
  const invalid = await ask({ url: "/", config: withOffer("compare-help", (o) => (o.slot = 3)) });
  assert.equal(invalid.status, 400);
  assert.ok((await invalid.json()).issues.length > 0);
  assert.equal((await ask({ url: "https://evil.example/" })).status, 400);
});
