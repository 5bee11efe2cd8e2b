// The SDK as a site installs it (issue 22, item 4): `npm pack` of sdk-js (its dist as
// `make sdk` built it; the package's prepack script runs that build), installed into a scratch
// project, served by a plain HTTP server and run in Chromium, once without a bundler (an import
// map; the wasm from the package, next to its files) and once bundled by esbuild (the wasm
// from a URL the site chose). Each page decides in the page alone (client-only mode) and fills
// its slot, with no console errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { build } from "esbuild";
import { exampleCatalog, exampleConfig, launchChromium, root } from "./harness.mjs";

const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".json": "application/json",
  ".wasm": "application/wasm",
};
const SLOT = `<div data-sp-slot="banner">The site's own banner</div>`;
const page = (head, script) =>
  `<!doctype html><html><head><title>t</title><link rel="icon" href="data:,">${head}</head><body>${SLOT}<script type="module">${script}</script></body></html>`;

let dir;
let server;
let base;
let browser;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "signpost-sdk-package-"));
  const packed = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
    cwd: join(root, "sdk-js"),
    encoding: "utf8",
  });
  const tarball = join(dir, JSON.parse(packed)[0].filename);
  const site = join(dir, "site");
  mkdirSync(join(site, "assets"), { recursive: true });
  writeFileSync(join(site, "package.json"), JSON.stringify({ name: "scratch-site", private: true, type: "module" }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], {
    cwd: site,
    encoding: "utf8",
  });

  // The public config, as the Worker's /__signpost/config serves it, with an offer for the page.
  const config = JSON.parse(exampleConfig());
  delete config.holdout; // a random visitor in the 5% holdout would see nothing to wait for
  config.offers.push({ id: "from-package", slot: "banner", priority: 1000, content: "Decided in the page" });
  writeFileSync(
    join(site, "config.json"),
    JSON.stringify({ version: "x", config, catalog: JSON.parse(exampleCatalog()) }),
  );
  const options = `{ endpoint: null, configUrl: "/config.json", hideMs: 30000 WASM }`;

  // Without a bundler: the package by name through an import map.
  const map = { imports: { "@signpost/sdk": "/node_modules/@signpost/sdk/dist/signpost.js" } };
  writeFileSync(
    join(site, "plain.html"),
    page(
      `<script type="importmap">${JSON.stringify(map)}</script>`,
      `import * as sp from "@signpost/sdk"; window.sp = sp; sp.init(${options.replace(" WASM", "")});`,
    ),
  );
  // Bundled: esbuild resolves the package from node_modules and splits the lazy runtime off.
  writeFileSync(
    join(site, "main.js"),
    `import * as sp from "@signpost/sdk"; window.sp = sp; sp.init(${options.replace("WASM", ', wasmUrl: "/assets/core.wasm"')});`,
  );
  await build({
    entryPoints: [join(site, "main.js")],
    outdir: join(site, "assets"),
    bundle: true,
    splitting: true,
    format: "esm",
    logLevel: "warning",
  });
  copyFileSync(join(site, "node_modules/@signpost/sdk/dist/signpost_wasm_bg.wasm"), join(site, "assets/core.wasm"));
  writeFileSync(join(site, "bundled.html"), page("", `import "/assets/main.js";`));

  server = http.createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    try {
      const body = readFileSync(join(site, path));
      res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const [name, wasm] of [
  ["plain.html", "/node_modules/@signpost/sdk/dist/signpost_wasm_bg.wasm"],
  ["bundled.html", "/assets/core.wasm"],
]) {
  test(`the installed package decides in the page: ${name}, the wasm from ${wasm}`, async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    const problems = [];
    p.on("pageerror", (e) => problems.push(String(e)));
    p.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    const fetched = [];
    p.on("request", (r) => fetched.push(new URL(r.url()).pathname));
    p.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
    await p.goto(`${base}/${name}`);
    await p.waitForSelector("[data-sp-slot=banner][data-sp-offer=from-package]", { timeout: 20_000 });
    assert.equal(await p.textContent("[data-sp-slot=banner]"), "Decided in the page");
    assert.equal((await p.evaluate(() => window.sp.decision())).source, "page");
    assert.match(await p.getAttribute("html", "data-signpost"), /^ready /);
    assert.ok(fetched.includes(wasm), `the wasm came from ${wasm}: ${fetched.join(", ")}`);
    assert.deepEqual(problems, []);
    await ctx.close();
  });
}
