// Signpost builds side by side with the hand-written and pass-through Workers in one workerd, on
// one page, for ablation experiments (disable a piece, rebuild, compare):
//
//   node bench/compare.mjs cpu [page index] [rounds] name=dir ...
//     workerd CPU ms per request under wrk (8 connections), interleaved rounds, medians, each
//     build's ratio to the hand-written Worker taken per round (median and range, as
//     `make bench` does), and the idle p50 over pass-through (1 connection); a fresh bench
//     visitor (its experiment arm fixed) per round;
//   node bench/compare.mjs callgrind [page index] [requests] name=dir ...
//     instructions per request (valgrind's callgrind on workerd), which hold on a loaded
//     machine where times do not. Each Worker is warmed up first and a Signpost build counted
//     three times: V8 tiers its wasm up over hundreds of requests, so the last count is the one
//     to compare. Slow (about 0.3 s per request); the dumps go to bench/out/callgrind/.
//   node bench/compare.mjs perf [page index] [seconds] name=dir ...
//     where workerd's CPU goes: each Worker under load (8 connections) for `seconds`, sampled by
//     `perf record` until workerd is quiet again, then the top shared objects and symbols
//     (JIT code, JS and wasm alike, is one `[JIT]` row: perf cannot name it). The samples go to
//     bench/out/perf/<name>.data for `perf report -i`.
//
// `dir` holds a copy of a build of worker/ (entry.mjs, js/, build/, admin/), e.g.
//   mkdir -p bench/out/v/a && cp -r worker/*.mjs worker/js worker/build worker/build-api worker/admin bench/out/v/a/
// `name=dir:nodo` drops the Durable Objects and the measurement queue and database (measurement off);
// `name=dir:nomeasure` drops only the measurement queue (no rows queued; the objects and D1 stay).
import { Miniflare } from "miniflare";
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { root, seedConfig, signpostWorkers } from "../tests/node/harness.mjs";
import {
  BENCH_ARM,
  BENCH_OFFER,
  benchVisitorId,
  CONNECTIONS,
  freePort,
  PAGES,
  returningVisitor,
  startOrigin,
  workerOptions,
  wrk,
} from "./run.mjs";
import { workerdPids } from "./workerd.mjs";

const [mode, pageIndex = "0", n = mode === "cpu" ? "8" : "20", ...specs] = process.argv.slice(2);
if (!["cpu", "callgrind", "perf"].includes(mode) || specs.length === 0) {
  console.error(
    "usage: node bench/compare.mjs cpu|callgrind|perf [page index] [rounds|requests|seconds] name=dir[:nodo|:nomeasure] ...",
  );
  process.exit(2);
}
const page = PAGES[Number(pageIndex)];
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

if (mode === "callgrind") {
  // workerd under callgrind, instrumentation off until each counted window.
  const dir = join(root, "bench/out/callgrind");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const wrapper = join(dir, "workerd");
  const workerd = join(root, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec valgrind --tool=callgrind --instr-atstart=no --smc-check=all-non-file --callgrind-out-file=${dir}/cg.%p.out ${workerd} "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  process.env.MINIFLARE_WORKERD_PATH = wrapper;
}

const origin = await startOrigin();
const variants = [{ name: "hand-written" }, { name: "pass-through" }];
for (const spec of specs) {
  const [name, rest] = spec.split("=");
  const [dir, flag] = rest.split(":");
  variants.push({ name, dir: resolve(dir), nodo: flag === "nodo", nomeasure: flag === "nomeasure" });
}
const workers = [];
for (const v of variants) {
  v.port = await freePort();
  if (!v.dir) {
    workers.push(...workerOptions(v.name, origin.url, v.port));
    continue;
  }
  const [o, api] = signpostWorkers({ bindings: { ORIGIN: origin.url }, assets: false, name: v.name, dir: v.dir });
  // Each build its own queues (a queue takes one consumer), named so that the Worker's dispatch
  // still holds: by the `signpost-measure` prefix and the `-dlq` ending (worker/js).
  const q = (queue) => (queue.endsWith("-dlq") ? `${queue.slice(0, -4)}-${v.name}-dlq` : `${queue}-${v.name}`);
  for (const w of [o, api]) {
    w.queueProducers = Object.fromEntries(Object.entries(w.queueProducers).map(([b, queue]) => [b, q(queue)]));
  }
  api.queueConsumers = Object.fromEntries(
    Object.entries(api.queueConsumers).map(([queue, c]) => [
      q(queue),
      c.deadLetterQueue ? { ...c, deadLetterQueue: q(c.deadLetterQueue) } : c,
    ]),
  );
  if (v.nodo || v.nomeasure) {
    if (v.nodo) delete o.durableObjects;
    if (v.nodo) delete api.d1Databases;
    delete o.queueProducers.SIGNPOST_MEASURE;
    delete api.queueProducers.SIGNPOST_MEASURE;
    delete api.queueConsumers[q("signpost-measure")];
  }
  workers.push({ ...o, kvNamespaces: ["SIGNPOST"], unsafeDirectSockets: [{ host: "127.0.0.1", port: v.port }] });
  workers.push({ ...api, kvNamespaces: ["SIGNPOST"] });
}
const mf = new Miniflare({ cf: false, workers });
try {
  await mf.ready;
  const kv = await mf.getKVNamespace("SIGNPOST", variants[2].name);
  await seedConfig(kv);
  const base = (v) => `http://127.0.0.1:${v.port}`;
  const visitor = (k) => returningVisitor(base(variants[2]), kv, benchVisitorId(k));
  const cookie = await visitor(0);
  const get = async (v, retry = true) => {
    try {
      const res = await fetch(base(v) + page.path, { headers: { cookie } });
      await res.arrayBuffer();
      return res;
    } catch (e) {
      // Under callgrind, workerd can close a kept-alive connection as it is reused.
      if (!retry) throw e;
      return get(v, false);
    }
  };
  for (const v of variants) {
    const res = await get(v);
    console.log(`${v.name}: ${res.status} ${res.headers.get("x-signpost") ?? ""}`);
  }
  console.log(`page: ${page.name}`);
  if (mode === "cpu") await cpu(variants, base, visitor);
  else if (mode === "perf") await perf(variants, base, visitor);
  else await callgrind(variants, get);
} finally {
  await mf.dispose();
  origin.server.close();
}

async function cpu(variants, base, visitor) {
  const warm = await visitor(1);
  for (const v of variants) await wrk(base(v) + page.path, warm, { connections: CONNECTIONS, seconds: 1 });
  const res = Object.fromEntries(variants.map((v) => [v.name, { cpu: [], rps: [], idle: [] }]));
  for (let round = 0; round < Number(n); round++) {
    // A visitor per round: wrk replays one cookie, and a visitor kept longer leaves its arm
    // (bench/run.mjs, `throughput`).
    const cookie = await visitor(round + 2);
    await new Promise((r) => setTimeout(r, 300));
    const order = variants.map((_, i) => variants[(i + round) % variants.length]);
    for (const v of order) {
      const load = await wrk(base(v) + page.path, cookie, { connections: CONNECTIONS, seconds: 2 });
      res[v.name].cpu.push(load.cpu);
      res[v.name].rps.push(load.rps);
    }
    for (const v of order)
      res[v.name].idle.push((await wrk(base(v) + page.path, cookie, { connections: 1, seconds: 1 })).p50);
    for (const v of variants.filter((v) => v.dir)) {
      const answer = await fetch(base(v) + page.path, { headers: { cookie } });
      await answer.arrayBuffer();
      const header = answer.headers.get("x-signpost") ?? "";
      if (!header.includes(`${BENCH_OFFER}/${BENCH_ARM}`))
        console.log(`${v.name}, round ${round + 1}: left the arm: ${header}`);
    }
    process.stderr.write(`round ${round + 1}/${n} done\n`);
  }
  const hw = res["hand-written"];
  const pt = res["pass-through"];
  const range = (xs) =>
    `${median(xs).toFixed(2)}x (rounds ${Math.min(...xs).toFixed(2)}x to ${Math.max(...xs).toFixed(2)}x)`;
  for (const v of variants) {
    const x = res[v.name];
    const ratios = x.cpu.map((c, i) => c / hw.cpu[i]);
    console.log(
      `${v.name.padEnd(16)} ${median(x.cpu).toFixed(3)} ms CPU/req, this/hand-written per round ${range(ratios)}` +
        `  ${median(x.rps).toFixed(0).padStart(5)} req/s` +
        `  idle p50 +${(median(x.idle) - median(pt.idle)).toFixed(2)} ms over pass-through`,
    );
  }
}

async function callgrind(variants, get) {
  const ctl = (...args) => execFileSync("callgrind_control", args, { encoding: "utf8" });
  // Warm-up, uncounted (valgrind runs JIT code slowly too, so tier-up takes many requests).
  for (const v of variants) for (let i = 0; i < (v.dir ? 300 : 60); i++) await get(v);
  const signpost = variants.filter((v) => v.dir);
  const windows = [...variants, ...signpost, ...signpost];
  for (const v of windows) {
    ctl("-z");
    ctl("-i", "on");
    for (let i = 0; i < Number(n); i++) await get(v);
    await new Promise((r) => setTimeout(r, 700)); // the waitUntil work (the measurement rows' flush)
    ctl("-i", "off");
    ctl("-d", v.name);
  }
  // Totals from the dumps (cg.<pid>.out.<k>), in the order they were written.
  const dir = join(root, "bench/out/callgrind");
  const totals = readdirSync(dir)
    .filter((f) => /\.out\.\d+$/.test(f))
    .sort((a, b) => Number(a.split(".").pop()) - Number(b.split(".").pop()))
    .map((f) => {
      const text = readFileSync(join(dir, f), "utf8");
      return {
        name: /^desc: Trigger: dump (\S+)/m.exec(text)[1],
        ir: Number(/^totals: (\d+)/m.exec(text)[1]) / Number(n),
      };
    });
  const last = {};
  for (const t of totals) last[t.name] = t.ir;
  for (const v of variants) {
    const all = totals.filter((t) => t.name === v.name).map((t) => (t.ir / 1e6).toFixed(2));
    console.log(
      `${v.name.padEnd(16)} ${(last[v.name] / 1e6).toFixed(2)} M instructions/req (hand-written/this ${(last["hand-written"] / last[v.name]).toFixed(2)}; windows ${all.join(", ")})`,
    );
  }
}

async function perf(variants, base, visitor) {
  const dir = join(root, "bench/out/perf");
  mkdirSync(dir, { recursive: true });
  const [pid] = workerdPids();
  for (const [i, v] of variants.entries()) {
    const cookie = await visitor(i + 1);
    const data = join(dir, `${v.name}.data`);
    const rec = spawn("perf", ["record", "-q", "-F", "499", "-p", String(pid), "-o", data], { stdio: "inherit" });
    await new Promise((r) => setTimeout(r, 300));
    const load = await wrk(base(v) + page.path, cookie, { connections: CONNECTIONS, seconds: Number(n) });
    rec.kill("SIGINT");
    await new Promise((r) => rec.on("exit", r));
    const report = (sort) =>
      execFileSync(
        "perf",
        ["report", "-i", data, "--no-children", "--sort", sort, "--stdio", "-q", "--percent-limit", "1"],
        {
          encoding: "utf8",
          maxBuffer: 1 << 26,
        },
      )
        .split("\n")
        .filter((l) => l.trim())
        .slice(0, 25)
        .map((l) => l.replace(/\s+/g, " ").replace(/^ /, "  "))
        .join("\n");
    console.log(
      `\n${v.name}: ${load.cpu.toFixed(3)} ms CPU/req, ${load.rps.toFixed(0)} req/s\n${report("dso")}\n${report("dso,sym")}`,
    );
  }
}
