// The stored profile's two forms and the session cookie's MAC, in the Worker's wasm (bench/wasm,
// opt-level s like the Worker) under Node (issue 20 item 3; bench/RESULTS.md):
//   - the benchmark profile read and written as JSON (serde's derive: the Worker's reader before
//     the binary form) and in its binary stored form;
//   - HMAC-SHA256 of a session cookie's size in wasm against WebCrypto, each call awaited.
//
//   cargo build --release --target wasm32-unknown-unknown -p signpost-bench-wasm
//   node bench/profile-form.mjs
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../tests/node/harness.mjs";

const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const wasm = join(target, "wasm32-unknown-unknown/release/signpost_bench_wasm.wasm");
const { instance } = await WebAssembly.instantiate(readFileSync(wasm), {});
const core = instance.exports;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** µs per call of `fn(n)`, the median of 15 batches of at least 50 ms. */
function time(fn) {
  fn(50);
  let n = 1;
  for (;;) {
    const t = performance.now();
    fn(n);
    if (performance.now() - t > 50) break;
    n *= 2;
  }
  const per = [];
  for (let b = 0; b < 15; b++) {
    const t = performance.now();
    fn(n);
    per.push((performance.now() - t) / n);
  }
  return median(per) * 1000;
}

const us = (x) => `${x.toFixed(2)} µs`.padStart(10);
console.log(`profile: JSON ${core.profile_write(0, 1)} bytes, binary ${core.profile_write(1, 1)} bytes`);
console.log(
  `read   JSON ${us(time((n) => core.profile_read(0, n)))}   binary ${us(time((n) => core.profile_read(1, n)))}`,
);
console.log(
  `write  JSON ${us(time((n) => core.profile_write(0, n)))}   binary ${us(time((n) => core.profile_write(1, n)))}`,
);

const enc = new TextEncoder();
const key = await crypto.subtle.importKey(
  "raw",
  enc.encode("test-session-secret"),
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["sign"],
);
for (const len of [200, 1000, 2600]) {
  const inWasm = time((n) => core.hmac(len, n));
  const msg = enc.encode("x".repeat(len));
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < 5000; i++) await crypto.subtle.sign("HMAC", key, msg);
    best = Math.min(best, ((performance.now() - t) / 5000) * 1000);
  }
  console.log(`HMAC-SHA256 of ${String(len).padStart(4)} bytes: wasm ${us(inWasm)}   WebCrypto ${us(best)}`);
}
