// What keeping stored profiles in the isolate saves (issue 20, item 2; worker/src/profile_cache.rs):
// workerd CPU per page (the Worker and its Durable Objects, one process; test build in
// Miniflare, the demo's product page) in two cases:
//   - hit: a visitor's pages 1 s apart in one isolate, after the page that read the profile;
//   - miss: 10,000 visitors in rotation, one page each, so the isolate's copy (1,000 at most)
//     never holds the next one.
// Every visitor has browsed before (a stored profile and a session cookie) and no measured page
// is due a flush, so the two differ only in the profile's KV read and parse. KV reads are
// counted through a wrapper to show the hit rate.
//
//   node bench/profile-cache.mjs [visitors in rotation]
import { newVisitorId, startWorker } from "../tests/node/harness.mjs";
import { workerdCpuMs } from "./workerd.mjs";

const ROTATION = Number(process.argv[2] ?? 10_000);
const HIT_VISITORS = 100;
const HIT_PAGES = 8; // 1 s apart: inside the 10 s flush interval and the 60 s copy
const T0 = Date.parse("2026-11-20T17:00:00Z");
const PAGE = "http://localhost/products/tent-summit-2p";

const w = await startWorker({ kvControl: true, measure: false });

/** One page for `v` ({vid, cookie}) at `now`; keeps the session cookie it sets. */
async function page(v, now) {
  const res = await w.mf.dispatchFetch(PAGE, { headers: { cookie: v.cookie, "x-signpost-test-now": String(now) } });
  await res.arrayBuffer();
  const s = res.headers.getSetCookie().find((c) => c.startsWith("sp_s="));
  if (s) v.cookie = `sp_vid=${v.vid}; ${s.split(";")[0]}`;
}

/** Runs `pages` (functions), four at a time; the CPU ms and the profile reads they cost. */
async function measure(pages) {
  await w.kvOps();
  const cpu = workerdCpuMs();
  for (let i = 0; i < pages.length; i += 4) await Promise.all(pages.slice(i, i + 4).map((f) => f()));
  const ms = workerdCpuMs() - cpu;
  const reads = (await w.kvOps()).filter((op) => op.startsWith("get profile:")).length;
  return { perPage: ms / pages.length, readsPerPage: reads / pages.length };
}

/** Visitors who browsed before: one page each at T0 (its profile stored through the writer). */
async function visitors(n) {
  const all = [];
  for (let i = 0; i < n; i++) {
    const vid = await newVisitorId();
    all.push({ vid, cookie: `sp_vid=${vid}` });
  }
  for (let i = 0; i < n; i += 8) await Promise.all(all.slice(i, i + 8).map((v) => page(v, T0)));
  return all;
}

// Hit: each visitor's first page after T0 reads KV (its flush dropped the copy), the rest hit.
const near = await visitors(HIT_VISITORS);
for (const v of near) await page(v, T0 + 1000);
const hit = await measure(
  near.flatMap((v) => Array.from({ length: HIT_PAGES }, (_, p) => () => page(v, T0 + 2000 + p * 1000))),
);

// Miss: a rotation larger than the isolate keeps, each visitor's page 2 s after its first.
const far = await visitors(ROTATION);
const miss = await measure(far.map((v) => () => page(v, T0 + 2000)));

await w.mf.dispose();
const row = (name, r, note) =>
  `${name.padEnd(44)} ${r.perPage.toFixed(3).padStart(7)} ms   ${r.readsPerPage.toFixed(2).padStart(5)}   ${note}`;
console.log("\nProfiles kept in the isolate: workerd CPU per page (test build, demo product page)");
console.log(`${"case".padEnd(44)} ${"CPU".padStart(10)}   reads/page`);
console.log(row(`hit: ${HIT_VISITORS} visitors x ${HIT_PAGES} pages, 1 s apart`, hit, "the copy in the isolate"));
console.log(row(`miss: ${ROTATION.toLocaleString("en")} visitors in rotation`, miss, "KV read and parse"));
console.log(`saved per page on a hit: ${(miss.perPage - hit.perPage).toFixed(3)} ms`);
