// `make load`: the built Worker on workerd (Miniflare, local KV, the demo store), driven at
// saturation by wrk for LOAD_SECONDS (default 180) with a pool of returning visitors over the
// store's pages. Prints throughput and latency, fails on any socket error, non-2xx answer or
// page that was not personalized, and reports workerd's memory: after a warm-up, during the run
// and after it, so growth per request shows.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { startWorker, signpostWorker } from "../tests/node/harness.mjs";

const SECONDS = Number(process.env.LOAD_SECONDS ?? 180);
const WARMUP = Number(process.env.LOAD_WARMUP ?? 20);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 8);
const PORT = Number(process.env.LOAD_PORT ?? 8797);
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
    const args = ["-t2", `-c${CONNECTIONS}`, `-d${seconds}s`, "--timeout", "30s", "--latency", "-s", script, `http://127.0.0.1:${PORT}/`];
    const p = spawn("wrk", args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}`))));
  });
}

async function baseline() {
  const { scriptPath, modulesRoot, modulesRules, ...worker } = signpostWorker();
  const mf = new Miniflare({
    workers: [{ ...worker, script: "export default { fetch: (request, env) => env.ASSETS.fetch(request) };" }],
    cf: false,
    host: "127.0.0.1",
    port: PORT,
  });
  await mf.ready;
  return { mf };
}
const w = BASELINE ? await baseline() : await startWorker({ port: PORT, bindings: { SIGNPOST_SECRET: "load-test-secret" } });
const dir = mkdtempSync(join(tmpdir(), "signpost-load-"));
const script = join(dir, "load.lua");
writeFileSync(script, LUA);
let failed = false;
try {
  const start = workerdRssMb();
  console.log(`workerd at start: ${start.toFixed(1)} MB; warm-up ${WARMUP} s, then ${SECONDS} s with ${CONNECTIONS} connections`);
  const warm = await wrk(WARMUP, script);
  const afterWarm = workerdRssMb();
  console.log(`after warm-up: ${afterWarm.toFixed(1)} MB (${/Requests\/sec:\s+\S+/.exec(warm)?.[0]})`);
  // Memory sampled every 10 s during the run.
  const samples = [];
  const sampler = setInterval(() => samples.push(workerdRssMb()), 10_000);
  const main = await wrk(SECONDS, script);
  clearInterval(sampler);
  await new Promise((r) => setTimeout(r, 3000));
  const end = workerdRssMb();
  console.log(main.trimEnd());
  const requests = Number(/(\d+) requests in/.exec(main)?.[1] ?? 0);
  const bad = Number(/not personalized or not 200: (\d+)/.exec(main)?.[1] ?? 1) + Number(/Non-2xx or 3xx responses: (\d+)/.exec(main)?.[1] ?? 0);
  const socket = /Socket errors: (.*)/.exec(main)?.[1] ?? "none";
  console.log(`workerd memory (MB): after warm-up ${afterWarm.toFixed(1)}; during ${samples.map((s) => s.toFixed(0)).join(" ")}; after ${end.toFixed(1)}`);
  const perRequest = ((end - afterWarm) * 1024 * 1024) / Math.max(1, requests);
  console.log(`growth after warm-up: ${(end - afterWarm).toFixed(1)} MB over ${requests} requests (${perRequest.toFixed(1)} bytes per request)`);
  console.log(`errors: ${bad} bad answers, socket errors: ${socket}`);
  if (bad > 0 || socket !== "none" || requests === 0) failed = true;
} finally {
  await w.mf.dispose();
}
if (failed) {
  console.error("load: FAILED");
  process.exit(1);
}
console.log("load: zero errors");
