// The config snapshot in workerd: a publish through the admin endpoint writes it next to the
// JSON, under its version's key and the live key; a fresh workerd's first page loads it in one
// round of reads (`Server-Timing: config;desc=snapshot`). A live key that is spoiled or missing
// falls back to the version's own snapshot, and both spoiled or missing to the JSON, with the
// same page; what was spoiled is written afresh (the same bytes) after the response.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ADMIN_TOKEN, exampleCatalog, exampleConfig, startWorker } from "./harness.mjs";

const dir = mkdtempSync(join(tmpdir(), "signpost-snapshot-"));
after(() => rmSync(dir, { recursive: true, force: true }));
// KV on disk: each run is a fresh workerd (a fresh isolate) over what the one before wrote.
const fresh = () => startWorker({ seed: false, kvPersist: dir, bindings: { SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN } });
// A fixed visitor: the same decision in every run (its arms and holdout follow from the id).
const VID = "5e1f0c0ffee5e1f0c0ffee5e1f0c0ffe";

/** The visitor's first page in an isolate: what was decided and how the config was loaded.
 *  The profile the page stores is dropped, so every run decides for the same empty profile. */
async function page({ mf, kv }) {
  const res = await mf.dispatchFetch("http://localhost/", { headers: { cookie: `sp_vid=${VID}` } });
  await res.text();
  // The profile's writer stores it after the response: wait for it, then forget it.
  for (let i = 0; i < 50 && !(await kv.get(`profile:${VID}`)); i++) await new Promise((r) => setTimeout(r, 40));
  for (const { name } of (await kv.list({ prefix: "profile:" })).keys) await kv.delete(name);
  return { decided: res.headers.get("x-signpost"), timing: res.headers.get("server-timing") ?? "" };
}

const snapshotKeys = async (kv) => (await kv.list({ prefix: "config-snapshot:" })).keys.map((k) => k.name);
const bytesOf = async (kv, key) => {
  const b = await kv.get(key, "arrayBuffer");
  return b && new Uint8Array(b);
};

/** FNV-1a, 64 bits, as src/snapshot/mod.rs checks a snapshot. */
function fnv(bytes) {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h;
}

/** The same snapshot as another build of the core writes it: another build id in the header
 *  (`SPcs`, the format byte, the id's length, the id), the check made again to match. */
function fromAnotherBuild(bytes) {
  const other = bytes.slice();
  assert.equal(new TextDecoder().decode(other.subarray(0, 4)), "SPcs");
  const idAt = 6;
  other[idAt] = other[idAt] === 0x39 ? 0x38 : 0x39; // the version's first digit
  const body = other.subarray(0, other.length - 8);
  new DataView(other.buffer).setBigUint64(other.length - 8, fnv(body), true);
  return other;
}

let reference; // the page decided from the snapshot
let valid; // the snapshot's bytes, as the publish wrote them
let key; // its version's key
let live; // the live key

/** Polls until `key` holds `want` (written in waitUntil after the response); its bytes. */
async function settled(kv, key, want) {
  let now;
  for (let i = 0; i < 50; i++) {
    now = await bytesOf(kv, key);
    if (now && now.length === want.length && now.every((x, j) => x === want[j])) break;
    await new Promise((r) => setTimeout(r, 40));
  }
  return now;
}

test("a publish through the admin endpoint writes the snapshot; a fresh isolate loads it", async () => {
  const w = await fresh();
  try {
    await w.kv.put("catalog", exampleCatalog());
    const res = await w.mf.dispatchFetch("http://localhost/__signpost/admin/publish", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: exampleConfig(),
    });
    assert.equal(res.status, 200, await res.text());
    const keys = await snapshotKeys(w.kv);
    assert.equal(keys.length, 2, `${keys}`);
    key = keys.find((k) => /^config-snapshot:1:/.test(k));
    live = keys.find((k) => /^config-snapshot:live:/.test(k));
    assert.match(key, /^config-snapshot:1:\d+\.\d+\.\d+-[0-9a-f]{16}a$/);
    assert.equal(live, key.replace(":1:", ":live:"), "the same build's live key");
    valid = await bytesOf(w.kv, key);
    assert.ok(valid.length > 1000, `${valid.length} bytes`);
    assert.deepEqual(await bytesOf(w.kv, live), valid);
  } finally {
    await w.mf.dispose();
  }

  const w2 = await fresh();
  try {
    const first = await page(w2);
    assert.match(first.decided, /^personalized; slots=/);
    assert.match(first.timing, /config;desc=snapshot/);
    reference = first.decided;
    const next = await page(w2);
    assert.equal(next.decided, reference);
    assert.doesNotMatch(next.timing, /config;desc/, "the isolate keeps the config it loaded");
    assert.deepEqual(await bytesOf(w2.kv, key), valid, "a snapshot that loaded is not written again");
    // The config endpoint still serves the JSON the isolate did not need to read.
    const config = await w2.mf.dispatchFetch("http://localhost/__signpost/config");
    assert.equal(config.status, 200);
    assert.equal((await config.json()).version, "1");
  } finally {
    await w2.mf.dispose();
  }
});

const spoilers = [
  ["corrupt (a byte flipped)", (b) => b.map((x, i) => (i === b.length >> 1 ? x ^ 0x20 : x))],
  ["cut short", (b) => b.subarray(0, b.length - 100)],
  ["of another build", fromAnotherBuild],
  ["missing", null],
];
const spoil = async (kv, k, how) => (how ? kv.put(k, how(valid)) : kv.delete(k));

/** A fresh isolate's first page over KV that `spoil(kv)` changed: the reference page, loaded as
 *  `desc` says, and each key of `healed` written afresh (after the response) with the publish's
 *  bytes. */
async function fallsBack(spoilKv, desc, healed) {
  assert.ok(valid, "the publish test ran first");
  const w = await fresh();
  try {
    await spoilKv(w.kv);
    const first = await page(w);
    assert.equal(first.decided, reference);
    assert.match(first.timing, new RegExp(`config;desc=${desc}`));
    for (const k of healed) assert.deepEqual(await settled(w.kv, k, valid), valid, k);
  } finally {
    await w.mf.dispose();
  }
}

for (const [what, how] of spoilers) {
  test(`a live snapshot ${what} falls back to the version's own, and is written afresh`, () =>
    fallsBack((kv) => spoil(kv, live, how), "snapshot", [live]));
}

test("a live snapshot of another version falls back to the version's own", () =>
  fallsBack(
    async (kv) => {
      // The version inside changed (its check made again): what a publish racing a read leaves.
      // After `SPcs`, the format byte and the build id (its length, then its bytes).
      const other = valid.slice();
      const versionAt = 6 + other[5];
      assert.equal(other[versionAt], 1, "version 1, one varint byte");
      other[versionAt] = 2;
      const body = other.subarray(0, other.length - 8);
      new DataView(other.buffer).setBigUint64(other.length - 8, fnv(body), true);
      await kv.put(live, other);
    },
    "snapshot",
    [live],
  ));

for (const [what, how] of spoilers) {
  test(`snapshots ${what} under both keys fall back to the JSON with the same page, and are written afresh`, () =>
    fallsBack(
      async (kv) => {
        await spoil(kv, live, how);
        await spoil(kv, key, how);
      },
      "json",
      [key, live],
    ));
}

test("after the Worker wrote it afresh, the next fresh isolate loads the snapshot again", async () => {
  const w = await fresh();
  try {
    const first = await page(w);
    assert.equal(first.decided, reference);
    assert.match(first.timing, /config;desc=snapshot/);
  } finally {
    await w.mf.dispose();
  }
});
