// Where a Worker spends its time in workerd: V8's sampling profiler over the inspector while wrk
// loads one page, then the functions with the most self time. Build the Worker with its wasm
// names for readable Rust frames (`make worker` strips them):
//
//   make worker WORKER_WASM_NAMES=1
//   node bench/profile.mjs [signpost|hand-written|pass-through] [page index] [seconds]
//
// Writes bench/out/<worker>.cpuprofile (open it in Chrome's DevTools for the call tree).
import { Miniflare } from "miniflare";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root, seedConfig } from "../tests/node/harness.mjs";
import { inspect } from "../scripts/inspector.mjs";
import { CONNECTIONS, PAGES, returningVisitor, startOrigin, workerOptions, wrk } from "./run.mjs";

const [kind = "signpost", pageIndex = "0", seconds = "5"] = process.argv.slice(2);
const page = PAGES[Number(pageIndex)];
const inspectorPort = 9300 + Math.floor(Math.random() * 500);
const socketPort = inspectorPort + 600;

const origin = await startOrigin();
const workers = workerOptions(kind, origin.url, socketPort);
if (kind !== "signpost") workers.push(...workerOptions("signpost", origin.url, socketPort + 1));
const mf = new Miniflare({ cf: false, inspectorPort, workers });
try {
  await mf.ready;
  const kv = await mf.getKVNamespace("SIGNPOST", "signpost");
  await seedConfig(kv);
  const signpostBase = `http://127.0.0.1:${kind === "signpost" ? socketPort : socketPort + 1}`;
  const cookie = await returningVisitor(signpostBase, kv);
  const url = `http://127.0.0.1:${socketPort}${page.path}`;
  await wrk(url, cookie, { connections: CONNECTIONS, seconds: 2 });

  const inspector = await inspect(inspectorPort, kind);
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: 100 });
  await inspector.send("Profiler.start");
  const load = await wrk(url, cookie, { connections: CONNECTIONS, seconds: Number(seconds) });
  const { profile } = await inspector.send("Profiler.stop");
  inspector.close();

  mkdirSync(join(root, "bench/out"), { recursive: true });
  writeFileSync(join(root, `bench/out/${kind}.cpuprofile`), JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (const s of profile.samples) {
    const f = byId.get(s).callFrame;
    const name = f.functionName || `(anonymous ${f.url.split("/").pop()}:${f.lineNumber})`;
    self.set(name, (self.get(name) ?? 0) + 1);
  }
  const total = profile.samples.length;
  console.log(`${kind} on ${page.name}: ${load.rps.toFixed(0)} req/s while profiled; ${total} samples`);
  for (const [name, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${name.slice(0, 150)}`);
  }
} finally {
  await mf.dispose();
  origin.server.close();
}
