// Starts the built Worker in workerd through Miniflare, with local KV and the demo's assets,
// as `wrangler dev` would, so tests can seed KV and call dispatchFetch.
import { Miniflare } from "miniflare";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const workerDir = join(root, "worker/build");

export const read = (p) => readFileSync(join(root, p), "utf8");
export const exampleConfig = () => read("examples/config.json");
export const exampleCatalog = () => read("examples/catalog.json");

/** A Miniflare running the Worker; `kv` is the SIGNPOST namespace. */
export async function startWorker({ bindings = {}, seed = true, port } = {}) {
  if (!existsSync(join(workerDir, "index.js"))) {
    throw new Error("worker/build/index.js is missing: run `make worker` first");
  }
  const mf = new Miniflare({
    modules: true,
    modulesRoot: workerDir,
    scriptPath: join(workerDir, "index.js"),
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    kvNamespaces: ["SIGNPOST"],
    bindings: { ORIGIN: "", ...bindings },
    assets: {
      directory: join(root, "demo-site/public"),
      binding: "ASSETS",
      routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: true },
      assetConfig: { html_handling: "auto-trailing-slash", not_found_handling: "404-page" },
    },
    cf: false,
    ...(port === undefined ? {} : { host: "127.0.0.1", port }),
  });
  const url = await mf.ready;
  const kv = await mf.getKVNamespace("SIGNPOST");
  if (seed) {
    await kv.put("config:1", exampleConfig());
    await kv.put("config:current", "1");
    await kv.put("catalog", exampleCatalog());
  }
  return { mf, kv, url };
}

/** The `sp_vid` value a response sets, if any. */
export function visitorCookie(response) {
  const all = response.headers.getSetCookie?.() ?? [response.headers.get("set-cookie") ?? ""];
  for (const c of all) {
    const m = /(?:^|,\s*)sp_vid=([^;]+)/.exec(c);
    if (m) return m[1];
  }
  return null;
}

/** The core as the browser gets it (sdk-js/dist, built by `make sdk`), initialised in Node. */
export async function loadCore() {
  const dist = join(root, "sdk-js/dist");
  const core = await import(join(dist, "signpost_wasm.js"));
  core.initSync({ module: readFileSync(join(dist, "signpost_wasm_bg.wasm")) });
  return core;
}

/** Debian's Chromium, headless, driven by playwright-core (no browser download). */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
