// README's "Your own site", run as written: the four make commands its first code block lists,
// in order, against a stand-in origin (a small site served by Python's http.server). What the
// test adds to each command only places it: the site's configuration goes into a scratch
// directory (SITE_CONFIG), wrangler is offline (OFFLINE=1: there is no account here; DRY_RUN=1
// for the deploy), the dev server gets a free port, and the Worker the suite already built is
// not rebuilt (`make -o worker`).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { root, read, servePython } from "./harness.mjs";
import { VERSION } from "../../sdk-js/src/limits.js";

const run = promisify(execFile);
const SCRATCH = `target/site-test-${process.pid}`; // inside the project: paths stay relative
const SITE_CONFIG = `${SCRATCH}/wrangler.site.toml`;
const SHOP = `<!doctype html><html><head><title>Camp shop</title></head><body>
<div class="banner" data-sp-slot="banner">Free returns</div><h1>Tents</h1></body></html>`;

/** The make commands of README's "Your own site" code block, as lines. */
function readmeCommands() {
  const text = read("README.md");
  const section = text.slice(text.indexOf("## Your own site"));
  const block = /\n\n((?: {4}.*\n)+)/.exec(section)[1];
  return block
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

/** A command line's words (single quotes kept together, as a shell would). */
const words = (line) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);

async function freePort() {
  const s = createServer().listen(0, "127.0.0.1");
  await new Promise((ok) => s.once("listening", ok));
  const { port } = s.address();
  await new Promise((ok) => s.close(ok));
  return port;
}

let site;
let dev;
let siteDir;
before(async () => {
  siteDir = join(root, SCRATCH, "origin");
  mkdirSync(join(siteDir, "img"), { recursive: true });
  copyFileSync(join(root, "tests/corpus/cloudflare.com.html"), join(siteDir, "index.html"));
  copyFileSync(join(root, "docs/img/editor-results.png"), join(siteDir, "img/results.png"));
  writeFileSync(join(siteDir, "shop.html"), SHOP);
  site = await servePython(siteDir);
});
after(() => {
  if (dev) process.kill(-dev.pid, "SIGTERM");
  site?.stop();
  rmSync(join(root, SCRATCH), { recursive: true, force: true });
});

test("README's own-site commands, as written: init, site-dev, deploy-check, deploy", { timeout: 600_000 }, async () => {
  const commands = readmeCommands();
  assert.deepEqual(
    commands.map((c) => words(c).slice(0, 2).join(" ")),
    ["make init", "make site-dev", "make deploy-check", "make deploy"],
    "the README's commands changed: update this test with them",
  );
  const placed = (line, extra) => {
    const [make, target, ...vars] = words(line);
    const own = vars.map((v) => (v.startsWith("ORIGIN=") ? `ORIGIN=${site.origin}` : v));
    return [make, ["-o", "worker", target, ...own, `SITE_CONFIG=${SITE_CONFIG}`, ...extra]];
  };

  // 1. init, offline: the configuration, the secrets, and the commands it could not run.
  const [mk, initArgs] = placed(commands[0], ["OFFLINE=1"]);
  const init = await run(mk, initArgs, { cwd: root });
  const toml = readFileSync(join(root, SITE_CONFIG), "utf8");
  const apiToml = readFileSync(join(root, SITE_CONFIG.replace(/\.toml$/, ".api.toml")), "utf8");
  for (const env of ["staging", "production"]) {
    assert.match(toml, new RegExp(`\\[env\\.${env}\\.vars\\]\\nORIGIN = "${site.origin}"`), env);
    assert.match(apiToml, new RegExp(`\\[env\\.${env}\\.vars\\]\\nORIGIN = "${site.origin}"`), env);
    // The page Worker reaches its own environment's API Worker.
    assert.match(toml, new RegExp(`service = "signpost-api-${env}"`), env);
    assert.match(apiToml, new RegExp(`queue = "signpost-deliveries-${env}"`), env);
    assert.match(
      init.stdout,
      new RegExp(`npx wrangler kv namespace create SIGNPOST --config ${SITE_CONFIG} --env ${env}`),
    );
    const vars = readFileSync(join(root, SCRATCH, `.dev.vars.${env}`), "utf8");
    assert.match(vars, /^SIGNPOST_ADMIN_TOKEN=[0-9a-f]{48}$/m, `${env}'s secrets`);
  }
  assert.match(toml, /routes = \[\{ pattern = "www\.example\.com\/\*"/, "production's route");
  assert.notEqual(
    readFileSync(join(root, SCRATCH, ".dev.vars.staging"), "utf8"),
    readFileSync(join(root, SCRATCH, ".dev.vars.production"), "utf8"),
    "each environment draws its own secrets",
  );
  // Again without FORCE=1: refused, nothing rewritten.
  await assert.rejects(run(mk, initArgs, { cwd: root }), (e) => /exists: --force/.test(e.stderr));

  // 2. site-dev: the site through the Worker, the example config published to local KV.
  const port = await freePort();
  const [, devArgs] = placed(commands[1], [`SITE_PORT=${port}`]);
  dev = spawn(mk, devArgs, { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  dev.stdout.on("data", (d) => (log += d));
  dev.stderr.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  let page;
  for (let i = 0; i < 240 && !page; i++) {
    page = await fetch(`${base}/shop.html`).catch(() => null);
    if (!page) await new Promise((ok) => setTimeout(ok, 500));
  }
  assert.ok(page, `make site-dev never answered:\n${log}`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("x-signpost"), /^personalized/);
  assert.equal(page.headers.get("cache-control"), "private, no-store");
  const html = await page.text();
  assert.match(html, /<h1>Tents<\/h1>/, "the origin's page");
  const state = JSON.parse(/<script type="application\/json" id="signpost-state">(.*?)<\/script>/.exec(html)[1]);
  assert.equal(state.writer, VERSION);
  assert.equal(state.config_version, "1", "the example config, published by site-dev");
  const image = await fetch(`${base}/img/results.png`);
  assert.deepEqual(
    Buffer.from(await image.arrayBuffer()),
    readFileSync(join(siteDir, "img/results.png")),
    "a non-HTML asset passes as the origin sent it",
  );
  assert.equal((await fetch(`${base}/nope.html`)).status, 404);
  process.kill(-dev.pid, "SIGTERM");
  dev = null;

  // 3. deploy-check: a dry run per environment, under the plan's limit.
  const [, checkArgs] = placed(commands[2], []);
  const check = await run(mk, checkArgs, { cwd: root });
  assert.match(check.stdout, /staging: upload [\d.]+ KB, gzip [\d.]+ KB; free plan limit 3072 KB ok/);
  assert.match(check.stdout, /production: upload [\d.]+ KB, gzip [\d.]+ KB; free plan limit 3072 KB ok/);
  assert.match(check.stdout, /production \(API Worker\): upload [\d.]+ KB, gzip [\d.]+ KB; free plan limit 3072 KB ok/);

  // 4. deploy, as a dry run: wrangler bundles staging's Worker.
  const [, deployArgs] = placed(commands[3], ["DRY_RUN=1"]);
  const out = join(root, "target/deploy-staging");
  rmSync(out, { recursive: true, force: true });
  const deploy = await run(mk, deployArgs, { cwd: root });
  assert.match(deploy.stdout, /env\.SIGNPOST_DELIVERIES \(signpost-deliveries-staging\)/, "staging's own queue");
  assert.ok(existsSync(join(out, "entry.js")), "the bundle");
  assert.ok(
    readdirSync(out).some((f) => f.endsWith("index_bg.wasm")),
    "with the Worker's wasm",
  );
});

test("deploy-check fails over the limit and names the environment; a bad plan is refused", async () => {
  const { environments } = await import("../../scripts/deploy-check.mjs");
  assert.deepEqual(environments("[env.staging]\n[[env.staging.kv_namespaces]]\n[env.production.vars]\n"), [
    "staging",
    "production",
  ]);
  const config = `${SCRATCH}/check/wrangler.site.toml`;
  mkdirSync(join(root, SCRATCH, "check"), { recursive: true });
  await run("node", ["scripts/init.mjs", "--origin", "https://www.example.com", "--out", config, "--offline"], {
    cwd: root,
  });
  const check = (...args) => run("node", ["scripts/deploy-check.mjs", "--config", config, ...args], { cwd: root });
  await assert.rejects(check("--limit-kb", "100"), (e) => {
    assert.match(e.stdout, /staging: .* given limit 100 KB OVER/);
    assert.match(e.stdout, /production: .* given limit 100 KB OVER/);
    assert.match(e.stdout, /production \(API Worker\): .* given limit 100 KB OVER/);
    assert.match(e.stderr, /4 upload\(s\) over the given limit/);
    return e.code === 1;
  });
  await assert.rejects(check("--plan", "nope"), (e) => /--plan nope: one of free, paid/.test(e.stderr));
  await assert.rejects(
    run("node", ["scripts/deploy-check.mjs", "--config", `${SCRATCH}/none.toml`], { cwd: root }),
    (e) => /none\.toml is missing: make init/.test(e.stderr),
  );
});
