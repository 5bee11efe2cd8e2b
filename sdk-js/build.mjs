// Builds the SDK's JavaScript into sdk-js/dist (minified ES modules next to the wasm that
// `make sdk` put there), copies the package into the demo's assets, and prints the size report:
// bytes raw, gzip and brotli of the start-up JS (what runs before first paint) and of what
// loads lazily, against the budgets (start-up 3 KB brotli, wasm 100 KB brotli; `make sizes`
// enforces them).
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sizes } from "../scripts/sizes.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, "src");
const dist = join(here, "dist");
const demo = join(here, "../demo-site/public/sdk");
mkdirSync(dist, { recursive: true });

// Each module is minified on its own and keeps importing its siblings, except the generated
// limits.js, which is inlined where it is used (no extra request before first paint).
const siblingsStayExternal = {
  name: "siblings-external",
  setup(b) {
    b.onResolve({ filter: /^\.\// }, (a) => (a.path === "./limits.js" ? undefined : { path: a.path, external: true }));
  },
};
for (const f of readdirSync(src)) {
  if (f.endsWith(".js") && f !== "limits.js") {
    await build({
      entryPoints: [join(src, f)],
      outfile: join(dist, f),
      bundle: true,
      format: "esm",
      minify: true,
      target: "es2020",
      legalComments: "none",
      plugins: [siblingsStayExternal],
      logLevel: "warning",
    });
  } else if (f.endsWith(".d.ts")) {
    copyFileSync(join(src, f), join(dist, f));
  }
}
if (!existsSync(join(dist, "signpost_wasm_bg.wasm"))) {
  console.error("sdk-js/dist has no wasm: run `make sdk`");
  process.exit(1);
}
mkdirSync(demo, { recursive: true });
for (const f of readdirSync(dist)) if (/\.(js|wasm)$/.test(f)) copyFileSync(join(dist, f), join(demo, f));

const rows = [
  ["start-up JS (signpost.js)", ["signpost.js"], 3 * 1024],
  ["lazy JS (runtime, apply, wasm glue)", ["runtime.js", "apply.js", "signpost_wasm.js"], null],
  ["wasm core (signpost_wasm_bg.wasm)", ["signpost_wasm_bg.wasm"], 100 * 1024],
];
console.log("SDK size report (bytes)            raw     gzip   brotli   budget (brotli)");
for (const [name, files, budget] of rows) {
  const s = sizes(files.map((f) => `sdk-js/dist/${f}`));
  const verdict = budget === null ? "" : `${budget}  ${s.brotli <= budget ? "ok" : "OVER BUDGET"}`;
  console.log(
    `${name.padEnd(34)} ${String(s.raw).padStart(7)} ${String(s.gzip).padStart(8)} ${String(s.brotli).padStart(8)}   ${verdict}`,
  );
}
