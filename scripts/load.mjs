// `make load`: the built Worker on workerd (Miniflare, local KV, the demo store), driven at
// saturation by wrk for LOAD_SECONDS (default 180) with a pool of returning visitors over the
// store's pages. Prints throughput and latency, and fails on any socket error, non-2xx answer,
// page that was not personalized, or error the runtime logged.
//
// Memory, after the warm-up and after the run (once the load has stopped and V8 has collected):
// - the Worker's JS heap in use (V8's inspector): what requests left behind in the isolate;
// - the Rust heap's bytes in use (the Worker's counting allocator, through a test hook);
// - for reference, the wasm memory's size (the Rust heap's high-water mark: it never shrinks)
//   and workerd's resident memory (it grows with requests even for a plain JS Worker,
//   LOAD_BASELINE=1 shows it, from the runtime's own caches and allocator).
// The run fails when either heap in use grew by more than LEAK_LIMIT_BYTES.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { startWorker, signpostWorkers } from "../tests/node/harness.mjs";
import { heapAfterGc, inspect } from "./inspector.mjs";

const SECONDS = Number(process.env.LOAD_SECONDS ?? 180);
const WARMUP = Number(process.env.LOAD_WARMUP ?? 20);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 8);
const PORT = Number(process.env.LOAD_PORT ?? 8797);
const INSPECTOR_PORT = PORT + 1;
// Growth allowed after the warm-up: V8 keeps some compiled code and caches, and requests in
// flight or queued counts hold a little; a leak of even 100 bytes a request is 2 MB a run.
const LEAK_LIMIT_BYTES = Number(process.env.LEAK_LIMIT_BYTES ?? 1024 * 1024);
// Baselines to compare memory with: LOAD_GPC=1 sends Sec-GPC: 1 (Signpost passes every page
// through untouched); LOAD_BASELINE=1 runs a plain JS Worker serving the same assets instead.
const BASELINE = process.env.LOAD_BASELINE === "1";
const GPC = process.env.LOAD_GPC === "1" || BASELINE;

/** Resident memory (MB) of the workerd process Miniflare runs (a child of this one). */
function workerdRssMb() {
  const pids = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.includes("workerd"))
    .map((l) => l.trim().split(/\s+/)[0]);
  let kb = 0;
  for (const pid of pids) {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (m) kb += Number(m[1]);
  }
  return kb / 1024;
}

// Each request: one of 200 returning visitors (so profiles are read, and written at most every
// 10 s each) on one of the store's pages; every answer must be a personalized 200.
const LUA = `
local paths = { "/", "/products/tent-summit-2p", "/products/tent-basecamp-4p", "/compare",
  "/category/tents", "/about", "/products/boot-granite-mid", "/cart" }
local bad = 0
local threads = {}
function setup(thread) table.insert(threads, thread); thread:set("id", #threads) end
function init(args) math.randomseed(os.time() * 100 + id) end
function request()
  local vid = string.format("%032x", math.random(1, 200))
  local path = paths[math.random(#paths)]
  return wrk.format("GET", path, { ["Cookie"] = "sp_vid=" .. vid${GPC ? ', ["Sec-GPC"] = "1"' : ""} })
end
function response(status, headers, body)
  local sp = headers["x-signpost"] or headers["X-Signpost"] or ""
  if status ~= 200 or ${BASELINE ? "false" : `sp:sub(1, ${GPC ? 6 : 12}) ~= "${GPC ? "bypass" : "personalized"}"`} then
    bad = bad + 1
    if bad <= 3 then io.stderr:write("unexpected: " .. status .. " " .. sp .. "\\n") end
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("bad") or 0) end
  io.write(string.format("not personalized or not 200: %d\\n", total))
end
`;

function wrk(seconds, script) {
  return new Promise((resolve, reject) => {
    const args = [
      "-t2",
      `-c${CONNECTIONS}`,
      `-d${seconds}s`,
      "--timeout",
      "30s",
      "--latency",
      "-s",
      script,
      `http://127.0.0.1:${PORT}/`,
    ];
    const p = spawn("wrk", args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("error", reject);
    p.on("close", (code) => {
      wrkStops.push(Date.now());
      if (code === 0) resolve(out);
      else reject(new Error(`wrk exited ${code}`));
    });
  });
}

async function baseline() {
  const [{ scriptPath, modulesRoot, modulesRules, serviceBindings, durableObjects, queueProducers, ...worker }] =
    signpostWorkers();
  const mf = new Miniflare({
    workers: [{ ...worker, script: "export default { fetch: (request, env) => env.ASSETS.fetch(request) };" }],
    cf: false,
    host: "127.0.0.1",
    port: PORT,
    inspectorPort: INSPECTOR_PORT,
  });
  await mf.ready;
  return { mf };
}
// Every line the runtime prints; errors among them fail the run (a request that broke mid-body
// shows in wrk only as a socket error, in the log with its cause). When wrk stops, it closes
// its connections with requests in flight, and workerd logs the reset: those are not errors.
const logged = [];
const wrkStops = [];
const onLog = (line) => {
  if (/error|panic|uncaught|exception/i.test(line)) logged.push({ at: Date.now(), line });
};
const runtimeErrors = () =>
  logged
    .filter(
      ({ at, line }) =>
        !(/disconnected: .*Connection reset by peer/.test(line) && wrkStops.some((t) => Math.abs(at - t) < 2000)),
    )
    .map(({ line }) => line);
const w = BASELINE
  ? await baseline()
  : await startWorker({
      port: PORT,
      inspectorPort: INSPECTOR_PORT,
      onLog,
      bindings: { SIGNPOST_SECRET: "load-test-secret", SIGNPOST_TEST_HOOKS: "1" },
    });
const inspector = await inspect(INSPECTOR_PORT, "signpost");
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(2);

const NO_WASM = { heap_in_use_bytes: 0, wasm_memory_bytes: 0 };
const wasmMemory = async () =>
  BASELINE ? NO_WASM : (await fetch(`http://127.0.0.1:${PORT}/__signpost/test/memory`)).json();

/** What the isolate holds once the load has stopped and the last waitUntil work is done. */
async function memory() {
  await new Promise((r) => setTimeout(r, 3000));
  const heap = await heapAfterGc(inspector);
  const wasm = await wasmMemory();
  return { heap, rust: wasm.heap_in_use_bytes, wasm: wasm.wasm_memory_bytes, rss: workerdRssMb() };
}

const dir = mkdtempSync(join(tmpdir(), "signpost-load-"));
const script = join(dir, "load.lua");
writeFileSync(script, LUA);
let failed = false;
try {
  console.log(
    `workerd at start: ${workerdRssMb().toFixed(1)} MB; warm-up ${WARMUP} s, then ${SECONDS} s with ${CONNECTIONS} connections`,
  );
  const warm = await wrk(WARMUP, script);
  const before = await memory();
  console.log(`after warm-up (${/Requests\/sec:\s+\S+/.exec(warm)?.[0]})`);
  // Sampled every 10 s during the run.
  const samples = [];
  const sampler = setInterval(
    async () => samples.push({ rss: workerdRssMb(), wasm: (await wasmMemory()).wasm_memory_bytes }),
    10_000,
  );
  const main = await wrk(SECONDS, script);
  clearInterval(sampler);
  const after = await memory();
  console.log(main.trimEnd());
  const requests = Number(/(\d+) requests in/.exec(main)?.[1] ?? 0);
  const bad =
    Number(/not personalized or not 200: (\d+)/.exec(main)?.[1] ?? 1) +
    Number(/Non-2xx or 3xx responses: (\d+)/.exec(main)?.[1] ?? 0);
  const socket = /Socket errors: (.*)/.exec(main)?.[1] ?? "none";
  const row = (what, a, b) => {
    const grew = b - a;
    console.log(
      `  ${what.padEnd(28)} ${mb(a).padStart(9)} ${mb(b).padStart(9)} ${mb(grew).padStart(9)} ${(grew / Math.max(1, requests)).toFixed(1).padStart(10)}`,
    );
    return grew;
  };
  console.log(`memory over ${requests} requests (MB):  after warm-up     after     growth  bytes/req`);
  const heapGrew = row("Worker JS heap in use", before.heap, after.heap);
  const rustGrew = BASELINE ? 0 : row("Worker Rust heap in use", before.rust, after.rust);
  if (!BASELINE) row("Worker wasm memory size", before.wasm, after.wasm);
  row("workerd resident (all)", before.rss * 1048576, after.rss * 1048576);
  console.log(`  workerd resident during the run (MB): ${samples.map((s) => s.rss.toFixed(0)).join(" ")}`);
  if (!BASELINE) console.log(`  wasm memory size during the run (MB): ${samples.map((s) => mb(s.wasm)).join(" ")}`);
  const errors = runtimeErrors();
  console.log(`errors: ${bad} bad answers, socket errors: ${socket}, runtime errors logged: ${errors.length}`);
  for (const line of errors.slice(0, 10)) console.log(`  runtime: ${line}`);
  if (bad > 0 || socket !== "none" || requests === 0 || errors.length > 0) failed = true;
  if (heapGrew > LEAK_LIMIT_BYTES || rustGrew > LEAK_LIMIT_BYTES) {
    console.log(`a heap grew by more than ${mb(LEAK_LIMIT_BYTES)} MB after the warm-up`);
    failed = true;
  }
} finally {
  inspector.close();
  await w.mf.dispose();
}
if (failed) {
  console.error("load: FAILED");
  process.exit(1);
}
console.log("load: zero errors, memory flat");
