// The editor's history and safe publishing in workerd: a publish records who, when and why
// beside the version (config-meta:<n>) and the versions list shows it; a publish based on a
// version that is no longer live is refused with 409, who moved it and both diffs, writing
// nothing; a publish without a base (the raw config as the body) works as before.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, ADMIN_TOKEN, exampleConfig } from "./harness.mjs";

let mf, kv;
before(async () => {
  ({ mf, kv } = await startWorker({ bindings: { SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN } }));
});
after(async () => {
  await mf?.dispose();
});

const call = (path, { method = "GET", body } = {}) =>
  mf.dispatchFetch(`http://localhost/__signpost/admin/${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    body,
  });
const publish = (body) => call("publish", { method: "POST", body: JSON.stringify(body) });

const withOffer = (text, id, change) => {
  const c = JSON.parse(text);
  change(c.offers.find((o) => o.id === id));
  return JSON.stringify(c, null, 2);
};

test("records, 409 with both diffs on a stale base, raw publish as before", async () => {
  const v1 = exampleConfig();
  // Ana publishes from version 1, with her name and a message.
  const before = Date.now();
  const ana = withOffer(v1, "cart-reminder", (o) => {
    o.priority = 95;
  });
  let res = await publish({ config: ana, base: 1, author: "Ana", message: "cart reminder first" });
  assert.equal(res.status, 200, await res.clone().text());
  const published = await res.json();
  assert.equal(published.version, 2);
  assert.equal(published.record.by, "Ana");
  assert.equal(await kv.get("config:2"), ana, "the text as published");
  const record = JSON.parse(await kv.get("config-meta:2"));
  assert.deepEqual([record.by, record.message], ["Ana", "cart reminder first"]);
  assert.ok(record.at >= before && record.at <= Date.now(), "when");

  // Bo's draft was also based on version 1: refused, with what Ana changed.
  const bo = withOffer(v1, "for-you", (o) => {
    o.priority = 1;
  });
  res = await publish({ config: bo, base: 1, author: "Bo", message: "for-you last" });
  assert.equal(res.status, 409);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const refused = await res.json();
  assert.match(refused.error, /^version 2 went live after version 1, the one this draft was based on \(by Ana, /);
  assert.match(refused.error, /Rebase the draft on version 2/);
  assert.deepEqual([refused.base, refused.live], [1, 2]);
  assert.equal(refused.live_record.by, "Ana");
  assert.deepEqual(refused.live_changes, ['offer "cart-reminder": priority 80 → 95']);
  // Publishing Bo's draft as it is would undo Ana's change: the diff says so.
  assert.deepEqual(refused.draft_changes.sort(), [
    'offer "cart-reminder": priority 95 → 80',
    'offer "for-you": priority 20 → 1',
  ]);
  assert.equal(await kv.get("config:current"), "2", "nothing went live");
  assert.equal(await kv.get("config:3"), null, "nothing was written");
  assert.equal(await kv.get("config-meta:3"), null);

  // Rebased on version 2 (Ana's change kept), it goes through.
  const rebased = withOffer(ana, "for-you", (o) => {
    o.priority = 1;
  });
  res = await publish({ config: rebased, base: 2, author: "Bo", message: "for-you last" });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal((await res.json()).version, 3);

  // The raw config as the body: no base checked, no record, as before.
  res = await call("publish", { method: "POST", body: v1 });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).version, 4);
  assert.equal(await kv.get("config-meta:4"), null);

  // The versions list, newest first, with each record.
  const list = await (await call("versions")).json();
  const rows = list.versions.map((v) => [v.version, v.live, v.by, v.message]);
  assert.deepEqual(rows, [
    [4, true, null, null],
    [3, false, "Bo", "for-you last"],
    [2, false, "Ana", "cart reminder first"],
    [1, false, null, null],
  ]);
  assert.equal(typeof list.versions[1].at, "number");
  assert.match(list.versions[1].summary, /for-you/);

  // Rollback still works, and counts as a move for a draft based on the version before.
  res = await call("rollback", { method: "POST", body: JSON.stringify({ to: 3 }) });
  assert.equal(res.status, 200);
  res = await publish({ config: bo, base: 4 });
  assert.equal(res.status, 409);
  const moved = await res.json();
  assert.deepEqual([moved.base, moved.live, moved.live_record.by], [4, 3, "Bo"]);
  assert.equal(await kv.get("config:current"), "3");
});

test("a bad record or envelope is refused with 400 and writes nothing", async () => {
  const current = await kv.get("config:current");
  const config = exampleConfig();
  for (const [body, message] of [
    [{ config, author: "x".repeat(81) }, /^author: at most 80 characters$/],
    [{ config, author: "Ana\nBob" }, /^author: control characters/],
    [{ config, message: "m".repeat(501) }, /^message: at most 500 characters$/],
    [{ config, base: "two" }, /^body: invalid type/],
    [{ config, who: "Ana" }, /^body: unknown field `who`/],
  ]) {
    const res = await publish(body);
    assert.equal(res.status, 400, JSON.stringify(body).slice(0, 60));
    assert.match((await res.json()).error, message);
  }
  assert.equal(await kv.get("config:current"), current);
  assert.equal(await kv.get("config:5"), null);
});
