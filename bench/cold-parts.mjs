// Where a fresh isolate's first personalized response goes (`node bench/cold-parts.mjs`).
//
// workerd's clock stands still while a Worker computes (Date.now() moves only at I/O), so the
// parts cannot be timed from inside. Each line here is a fresh workerd whose first request
// stops at a different point of the page path, and the differences are the parts: the wall time
// of the first request, and workerd's CPU time over it (/proc, as part 1 of bench/run.mjs).
//   asset      `/x.css`: the wasm's first call (pageStart), no KV, no config (a bypass);
//   no-config  a page with nothing published: pageStart, the config's first KV round
//              (`config:current`, `signals`, `catalog`, the live snapshot) and nothing to
//              compile (a bypass);
//   first      the full first page: two KV rounds, the config compiled from its JSON (a KV
//              seeded without the snapshot, as before snapshots), the decision;
//   snapshot   the same with the config's snapshot in KV (as a publish writes it): loaded
//              in the first round;
//   next       the same Worker's second page (a new visitor, the config cached);
//   recompile  (test build) a third page after a new version of the same config went live and
//              the test clock moved past the config's TTL: the compile again, its code warm;
//   recheck    (test build) a fourth page after the TTL again, version unchanged: the KV reads
//              without the compile (so recompile - recheck is the compile, warm).
// The hand-written Worker's first response is the reference (its KV read included).
import { Miniflare } from "miniflare";
import { exampleConfig, seedConfig, signpostWorkers } from "../tests/node/harness.mjs";
import { configSnapshot, seedSnapshot, startOrigin, workerOptions } from "./run.mjs";
import { workerdCpuMs, workerdPids } from "./workerd.mjs";

const RUNS = Number(process.env.COLD_RUNS ?? 5);
const PAGE = "/cloudflare?utm_source=email&utm_campaign=spring-sale";
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One request's wall time and workerd CPU (ms), its `x-signpost` and `server-timing`. */
async function timed(url, headers = {}) {
  const pids = workerdPids();
  const cpu0 = workerdCpuMs(pids);
  const t0 = performance.now();
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  const wall = performance.now() - t0;
  // workerd's CPU counter is in 10 ms ticks: read it after the process settled.
  await new Promise((r) => setTimeout(r, 30));
  return {
    wall,
    cpu: workerdCpuMs(pids) - cpu0,
    sp: res.headers.get("x-signpost") ?? "",
    st: res.headers.get("server-timing"),
  };
}

async function fresh(workers, seed, steps) {
  const mf = new Miniflare({ cf: false, workers });
  try {
    const url = await mf.ready;
    const kv = await mf.getKVNamespace(workers[0].name === "signpost" ? "SIGNPOST" : "KV");
    if (seed) await seedConfig(kv);
    await new Promise((r) => setTimeout(r, 200)); // let the start-up's CPU settle
    return await steps(url, kv);
  } finally {
    await mf.dispose();
  }
}

const origin = await startOrigin();
const rows = {};
const add = (name, r) => {
  rows[name] ??= { wall: [], cpu: [], sp: r.sp };
  rows[name].wall.push(r.wall);
  rows[name].cpu.push(r.cpu);
};
const production = () => workerOptions("signpost", origin.url);
const testBuild = () =>
  signpostWorkers({ bindings: { ORIGIN: origin.url, SIGNPOST_TEST_HOOKS: "1" }, assets: false }).map((w) => ({
    ...w,
    kvNamespaces: ["SIGNPOST"],
  }));
const snapshot = await configSnapshot(origin);
try {
  for (let i = 0; i < RUNS; i++) {
    await fresh(workerOptions("hand-written", origin.url), true, async (url) =>
      add("hand-written first", await timed(new URL(PAGE, url))),
    );
    await fresh(production(), true, async (url) => add("asset", await timed(new URL("/x.css", url))));
    await fresh(production(), false, async (url) => add("no-config", await timed(new URL(PAGE, url))));
    await fresh(production(), true, async (url) => {
      add("first", await timed(new URL(PAGE, url)));
      add("next", await timed(new URL(PAGE, url)));
    });
    await fresh(production(), true, async (url, kv) => {
      await seedSnapshot(kv, snapshot);
      add("snapshot", await timed(new URL(PAGE, url)));
    });
    await fresh(testBuild(), true, async (url, kv) => {
      const now = Date.now();
      const at = (ms) => ({ "x-signpost-test-now": String(now + ms) });
      add("test build: first", await timed(new URL(PAGE, url), at(0)));
      await kv.put("config:2", exampleConfig());
      await kv.put("config:current", "2");
      add("test build: recompile", await timed(new URL(PAGE, url), at(31_000)));
      add("test build: recheck", await timed(new URL(PAGE, url), at(62_000)));
    });
    process.stderr.write(`cold-parts: run ${i + 1}/${RUNS}\n`);
  }
} finally {
  origin.server.close();
}
console.log(`first request of a fresh workerd, median of ${RUNS} (wall ms; workerd CPU ms in 10 ms ticks)`);
console.log(`${"".padEnd(26)}${"wall ms".padStart(9)}${"CPU ms".padStart(9)}  x-signpost`);
for (const [name, r] of Object.entries(rows)) {
  console.log(
    `${name.padEnd(26)}${median(r.wall).toFixed(1).padStart(9)}${median(r.cpu).toFixed(0).padStart(9)}  ${r.sp.slice(0, 60)}`,
  );
}
