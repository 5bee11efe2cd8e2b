// What the single writer per profile costs the page path: workerd CPU per page request (the
// Worker and its Durable Objects, one process) when no flush is due (most pages), when a flush
// is due and goes to the profile's writer (a Durable Object call in waitUntil), and when it is
// due and the Worker writes KV itself (the binding removed: the design before the writer).
//
//   node bench/flush.mjs [visitors] [pages per visitor]
//
// Each visitor browses the demo's product page; the test clock (test build) puts its pages
// 11 s apart (a flush due on every page) or 1 s apart (none due after the first).
import { Miniflare } from "miniflare";
import { newVisitorId, seedConfig, signpostWorkers, SECRET } from "../tests/node/harness.mjs";
import { workerdCpuMs } from "./workerd.mjs";

const [visitors = 40, pages = 10] = process.argv.slice(2).map(Number);
const T0 = Date.parse("2026-11-20T17:00:00Z");

async function run(name, { writer, gapMs }) {
  const workers = signpostWorkers({ bindings: { SIGNPOST_TEST_HOOKS: "1", SIGNPOST_SECRET: SECRET } });
  for (const w of workers) w.kvNamespaces = ["SIGNPOST"];
  if (!writer) delete workers[0].durableObjects.SIGNPOST_PROFILES;
  const mf = new Miniflare({ workers, cf: false });
  await mf.ready;
  await seedConfig(await mf.getKVNamespace("SIGNPOST"));
  const browse = async (warmup) => {
    const all = [];
    for (let v = 0; v < (warmup ? 4 : visitors); v++) {
      all.push(
        (async () => {
          const vid = await newVisitorId();
          let cookie = `sp_vid=${vid}`;
          for (let p = 0; p < pages; p++) {
            const res = await mf.dispatchFetch("http://localhost/products/tent-summit-2p", {
              headers: { cookie, "x-signpost-test-now": String(T0 + p * gapMs) },
            });
            await res.arrayBuffer();
            const s = res.headers.getSetCookie().find((c) => c.startsWith("sp_s="));
            if (s) cookie = `sp_vid=${vid}; ${s.split(";")[0]}`;
          }
        })(),
      );
      if (all.length >= 4) await Promise.all(all.splice(0));
    }
    await Promise.all(all);
  };
  await browse(true);
  await new Promise((r) => setTimeout(r, 500)); // waitUntil work of the warm-up
  const before = workerdCpuMs();
  await browse(false);
  await new Promise((r) => setTimeout(r, 1000)); // the flushes after the responses
  const ms = (workerdCpuMs() - before) / (visitors * pages);
  await mf.dispose();
  console.log(`${name.padEnd(44)} ${ms.toFixed(3)} ms CPU per page`);
  return ms;
}

console.log(`${visitors} visitors x ${pages} pages of /products/tent-summit-2p, workerd CPU:`);
const none = await run("no flush due (pages 1 s apart)", { writer: true, gapMs: 1000 });
const viaWriter = await run("flush due on every page -> profile's writer", { writer: true, gapMs: 11_000 });
const viaKv = await run("flush due on every page -> KV put (no writer)", { writer: false, gapMs: 11_000 });
console.log(
  `a flush costs ${(viaWriter - none).toFixed(3)} ms through the writer, ` +
    `${(viaKv - none).toFixed(3)} ms as a KV put from the Worker`,
);
