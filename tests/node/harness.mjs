// Starts the built Workers in workerd through Miniflare, with local KV and the demo's assets,
// as `wrangler dev` would, so tests can seed KV and call dispatchFetch: the page Worker (first,
// so dispatchFetch reaches it) and the API Worker behind its SIGNPOST_API service binding.
import { Miniflare } from "miniflare";
import { spawn } from "node:child_process";
import http from "node:http";
import { once } from "node:events";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
// The production builds (worker/build and build-api, entry.mjs and api-entry.mjs) and the test
// builds with the test hooks and routes (build-test and build-api-test, `make worker-test`).
const builds = {
  production: { page: "build", api: "build-api", entry: "entry.mjs", apiEntry: "api-entry.mjs", make: "make worker" },
  test: {
    page: "build-test",
    api: "build-api-test",
    entry: "test-entry.mjs",
    apiEntry: "api-test-entry.mjs",
    make: "make worker-test",
  },
};
/** The API Worker's name, as wrangler.api.toml has it (for `mf.getD1Database(name, API)`). */
export const API = "signpost-api";

export const read = (p) => readFileSync(join(root, p), "utf8");
export const exampleConfig = () => read("examples/config.json");
export const exampleCatalog = () => read("examples/catalog.json");

/**
 * A small config for the measurement tests: an experiment of two variants on the hero, an
 * offer with a goal of its own, the holdout, a segment and a funnel.
 */
export function measureConfig() {
  return {
    version: 1,
    offers: [
      {
        id: "hero-test",
        slot: "hero",
        experiment: "hero-2026",
        variants: [
          { id: "control", weight: 1, control: true },
          { id: "bold", weight: 1, content: "<h1>Gear for every trail</h1>" },
        ],
      },
      { id: "newsletter", slot: "banner", goal: "signup", content: "Join our list" },
    ],
    experiments: { "hero-2026": { goal: "purchase", salt: "hero-2026" } },
    // The example config's holdout: the harness draws its visitors outside it, so a test that
    // waits for an offer's counts never meets a visitor held out (one run in twenty did).
    holdout: { percent: 5, salt: "global-holdout-2026" },
    segments: { browser: { fact: "profile.page_views", op: "gte", value: 1 } },
    funnels: { signup: ["page_view", "offer_click", "signup"] },
  };
}

/** Publishes the example config (version 1) and catalog into a KV namespace. */
export async function seedConfig(kv) {
  await kv.put("config:1", exampleConfig());
  await kv.put("config:current", "1");
  await kv.put("catalog", exampleCatalog());
}

/** Secrets the tests run the Worker with (never in wrangler.toml). */
export const SECRET = "test-session-secret";
export const ADMIN_TOKEN = "test-admin-token";
/** The shop backend's bearer token for `POST /__signpost/ingest`. */
export const INGEST_TOKEN = "test-ingest-token";
/** The key the site's backend signs user ids with for `signpost.identify`. */
export const IDENTITY_SECRET = "test-identity-secret";

/** What the site's backend renders for `signpost.identify(user, {signature})`: hex
 *  HMAC-SHA256 of the user id under `secret`. */
export function identitySignature(user, secret = IDENTITY_SECRET) {
  return createHmac("sha256", secret).update(user).digest("hex");
}

// A KV namespace in front of the real local one that counts operations and can be made to
// throw or hang: a wrapped binding (a plain object in the Worker's isolate) that reports each
// operation over RPC to a control worker, which the test drives over fetch.
const KV_WRAPPER = `
class KvNamespace {
  constructor(env) { this.env = env; }
  async op(kind, key) {
    const mode = await this.env.CTL.op(kind, key);
    if (mode === "throw") throw new Error("KV unavailable (test)");
    if (mode === "hang") await new Promise((r) => setTimeout(r, 3000));
    // What the runtime throws when a key is written more than once a second, or KV fails.
    if (mode === "429") throw new Error("KV PUT failed: 429 Too Many Requests");
    if (mode === "500") throw new Error("KV PUT failed: 500 Internal Server Error");
  }
  async get(key, opts) { await this.op("get", key); return this.env.KV.get(key, opts); }
  async getWithMetadata(key, opts) { await this.op("get", key); return this.env.KV.getWithMetadata(key, opts); }
  async put(key, value, opts) { await this.op("put", key); return this.env.KV.put(key, value, opts); }
  async delete(key) { await this.op("delete", key); return this.env.KV.delete(key); }
  async list(opts) { await this.op("list", ""); return this.env.KV.list(opts); }
}
export default function (env) { return new KvNamespace(env); }
`;
/** An API Worker that is down: every handler and RPC method throws. */
const API_DOWN = `
import { WorkerEntrypoint } from "cloudflare:workers";
const down = () => { throw new Error("the API Worker is down (test)"); };
export default class extends WorkerEntrypoint {
  fetch() { down(); }
  compileSnapshot() { down(); }
  profileOp() { down(); }
}`;

const KV_CONTROL = `
import { WorkerEntrypoint } from "cloudflare:workers";
let mode = "ok";
let ops = [];
// "throw" (every operation), or "put=429,get=hang" (per kind of operation).
const modeFor = (kind) => {
  if (!mode.includes("=")) return mode;
  for (const part of mode.split(",")) {
    const [k, m] = part.split("=");
    if (k === kind) return m;
  }
  return "ok";
};
export default class extends WorkerEntrypoint {
  op(kind, key) { ops.push(kind + " " + key); return modeFor(kind); }
  async fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === "/mode") { mode = url.searchParams.get("m"); return new Response(mode); }
    if (url.pathname === "/ops") { const out = ops; ops = []; return Response.json(out); }
    return new Response("not found", { status: 404 });
  }
}
`;

/**
 * Miniflare's options for the built Workers, as `wrangler dev` runs them: `[page, api]`, the
 * page Worker and the API Worker it forwards `/__signpost/*` to. The session secret, the ingest
 * token and the identity secret set on both (a binding given as `undefined` is left unset), the
 * demo's assets behind them unless `assets` is false. The production builds, or the test builds
 * when the bindings turn the test hooks on (`SIGNPOST_TEST_HOOKS: "1"`). `name`: the page
 * Worker's name (the API Worker's is `${name}-api`), for runs with several builds side by side;
 * `dir`: the directory holding the builds and entry modules (default worker/).
 */
export function signpostWorkers({ bindings = {}, assets = true, name = "signpost", dir = join(root, "worker") } = {}) {
  const build = bindings.SIGNPOST_TEST_HOOKS === "1" ? builds.test : builds.production;
  for (const d of [build.page, build.api]) {
    if (!existsSync(join(dir, d, "index.js")))
      throw new Error(`${dir}/${d}/index.js is missing: run \`${build.make}\` first`);
  }
  const apiName = `${name}-api`;
  const common = {
    modules: true,
    modulesRoot: dir,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
      // As wrangler's default rule: the editor's page as text.
      { type: "Text", include: ["**/*.html"] },
    ],
    compatibilityDate: "2026-04-01",
    // Like a deployment: the secrets are set (tests may override or unset them).
    bindings: Object.fromEntries(
      Object.entries({
        ORIGIN: "",
        SIGNPOST_SECRET: SECRET,
        SIGNPOST_INGEST_TOKEN: INGEST_TOKEN,
        SIGNPOST_IDENTITY_SECRET: IDENTITY_SECRET,
        ...bindings,
      }).filter(([, v]) => v !== undefined),
    ),
  };
  const page = {
    ...common,
    name,
    scriptPath: join(dir, build.entry),
    serviceBindings: { SIGNPOST_API: apiName },
    // The Durable Objects, as wrangler.toml binds them: defined by the API Worker.
    durableObjects: {
      SIGNPOST_TALLY: { className: "SiteTally", scriptName: apiName },
      SIGNPOST_PROFILES: { className: "ProfileWriter", scriptName: apiName },
    },
    queueProducers: { SIGNPOST_MEASURE: "signpost-measure" },
  };
  const api = {
    ...common,
    bindings: { ...common.bindings },
    name: apiName,
    scriptPath: join(dir, build.apiEntry),
    durableObjects: { SIGNPOST_TALLY: "SiteTally", SIGNPOST_PROFILES: "ProfileWriter" },
    // Journeys' deliveries, as wrangler.api.toml declares them (retries quicker than deployed).
    queueProducers: { SIGNPOST_DELIVERIES: "signpost-deliveries", SIGNPOST_MEASURE: "signpost-measure" },
    // Measurement rows, as wrangler.api.toml declares them, into a local D1.
    d1Databases: ["SIGNPOST_DB"],
    queueConsumers: {
      "signpost-measure": { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 3 },
      "signpost-deliveries": {
        maxBatchSize: 20,
        maxBatchTimeout: 1,
        maxRetries: 3,
        deadLetterQueue: "signpost-deliveries-dlq",
      },
      "signpost-deliveries-dlq": { maxBatchSize: 20, maxBatchTimeout: 1 },
    },
  };
  if (assets) {
    page.assets = {
      directory: join(root, "demo-site/public"),
      binding: "ASSETS",
      routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: true },
      assetConfig: { html_handling: "auto-trailing-slash", not_found_handling: "404-page" },
    };
    api.assets = { ...page.assets };
  }
  return [page, api];
}

/**
 * A Miniflare running the Worker; `kv` is the SIGNPOST namespace. With `kvControl`, SIGNPOST
 * goes through the counting wrapper: `kvOps()` returns (and clears) the operations seen,
 * `kvMode("ok" | "throw" | "hang" | "429" | "500")` changes how it answers, for every
 * operation or per kind (`"put=429"`, `"get=hang,put=500"`). `onLog(line)` gets the runtime's
 * console output. `doPersist` / `d1Persist` / `kvPersist`: directories for Durable Objects',
 * D1's and KV's storage;
 * `measure: false` leaves out the measurement queue and database. `apiDown`: the page Worker's
 * `SIGNPOST_API` binding reaches a Worker whose `fetch` and RPC methods all throw (a broken
 * deploy of the API Worker); the real one still defines the Durable Objects.
 */
export async function startWorker({
  bindings = {},
  seed = true,
  port,
  kvControl = false,
  outbound,
  onLog,
  doPersist,
  d1Persist,
  kvPersist,
  inspectorPort,
  measure = true,
  apiDown = false,
} = {}) {
  const [signpost, api] = signpostWorkers({ bindings });
  // Measurement off (a deployment without them): no rows' queue, no database.
  if (!measure) {
    delete api.d1Databases;
    delete signpost.queueProducers.SIGNPOST_MEASURE;
    delete api.queueProducers.SIGNPOST_MEASURE;
    delete api.queueConsumers["signpost-measure"];
  }
  // The origin behind ORIGIN, when a test plays it: a function from Request to Response.
  if (outbound) {
    signpost.outboundService = outbound;
    api.outboundService = outbound;
  }
  const workers = [signpost, api];
  if (apiDown) {
    signpost.serviceBindings = { ...signpost.serviceBindings, SIGNPOST_API: "signpost-api-down" };
    workers.push({
      name: "signpost-api-down",
      modules: [{ type: "ESModule", path: "down.mjs", contents: API_DOWN }],
      compatibilityDate: "2026-04-01",
    });
  }
  if (kvControl) {
    signpost.wrappedBindings = { SIGNPOST: "kvwrap" };
    api.wrappedBindings = { SIGNPOST: "kvwrap" };
    workers.push(
      {
        name: "kvwrap",
        modules: [{ type: "ESModule", path: "kvwrap.mjs", contents: KV_WRAPPER }],
        kvNamespaces: { KV: "signpost-kv" },
        serviceBindings: { CTL: "kvctl" },
      },
      {
        name: "kvctl",
        modules: [{ type: "ESModule", path: "kvctl.mjs", contents: KV_CONTROL }],
        compatibilityDate: "2026-04-01",
      },
    );
  } else {
    signpost.kvNamespaces = ["SIGNPOST"];
    api.kvNamespaces = ["SIGNPOST"];
  }
  // The runtime's stdout and stderr (the Worker's console), line by line, when a test reads them.
  const stdio = onLog && {
    handleRuntimeStdio(out, err) {
      for (const stream of [out, err]) stream.on("data", (d) => String(d).split("\n").filter(Boolean).forEach(onLog));
    },
  };
  const mf = new Miniflare({
    workers,
    cf: false,
    ...stdio,
    ...(port === undefined ? {} : { host: "127.0.0.1", port }),
    // Durable Object storage on disk (a directory), for tests that inspect what is stored.
    ...(doPersist ? { durableObjectsPersist: doPersist } : {}),
    // D1 on disk (a directory): the scale run's ten million rows would not fit in memory.
    ...(d1Persist ? { d1Persist } : {}),
    // KV on disk (a directory): what one workerd wrote, read by a fresh one.
    ...(kvPersist ? { kvPersist } : {}),
    // V8's inspector, for scripts that read the isolate's heap (scripts/load.mjs).
    ...(inspectorPort ? { inspectorPort } : {}),
  });
  const url = await mf.ready;
  const kv = kvControl ? await mf.getKVNamespace("KV", "kvwrap") : await mf.getKVNamespace("SIGNPOST");
  if (seed) await seedConfig(kv);
  const control = async (path) => (await mf.getWorker("kvctl")).fetch(`http://kvctl${path}`);
  const kvOps = async () => (kvControl ? (await control("/ops")).json() : null);
  const kvMode = async (m) => {
    if (kvControl) await (await control(`/mode?m=${encodeURIComponent(m)}`)).text();
  };
  if (kvControl) await kvOps();
  return { mf, kv, url, kvOps, kvMode };
}

/**
 * A real HTTP origin on a local port (Miniflare's outbound service re-labels compressed bodies
 * and cannot reset a connection). `handler(request)` returns a Response, or a function that
 * writes to Node's `res` itself. Returns `{ url, close }`.
 */
export async function startOrigin(handler) {
  const server = http.createServer(async (req, res) => {
    const r = await handler(new Request("http://origin" + req.url, { method: req.method, headers: req.headers }));
    if (typeof r === "function") return r(res);
    res.writeHead(r.status, Object.fromEntries(r.headers));
    for await (const chunk of r.body ?? []) if (!res.write(chunk)) await once(res, "drain");
    res.end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** A cookie's value in a response's `Set-Cookie` headers (`""` when it is expired). */
/** `dir` served by Python's own `http.server` (a server nobody here wrote: its headers, its
 *  redirects, its 404s); resolves to `{ origin, stop }`. */
export async function servePython(dir) {
  const python = spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  python.stdout.on("data", (d) => {
    out += d;
  });
  const failed = new Promise((_, reject) => {
    python.on("error", (e) => reject(new Error(`python3 -m http.server did not start: ${e.message}`)));
    python.on("exit", (code) => reject(new Error(`python3 -m http.server exited (${code}): ${out}`)));
  });
  while (!/port (\d+)/.test(out)) await Promise.race([once(python.stdout, "data"), failed]);
  failed.catch(() => {}); // its exit when `stop` kills it is expected
  return { origin: `http://127.0.0.1:${/port (\d+)/.exec(out)[1]}`, stop: () => python.kill() };
}

export function setCookie(response, name) {
  for (const c of response.headers.getSetCookie()) {
    const m = new RegExp(`^${name}=([^;]*)`).exec(c);
    if (m) return m[1];
  }
  return null;
}

/** The decision injected into a page for the SDK, or null. */
export function pageState(html) {
  const m = /<script type="application\/json" id="signpost-state">(.*?)<\/script>/s.exec(html);
  return m ? JSON.parse(m[1]) : null;
}

let holdoutEngine = null;
/**
 * A random visitor id outside the example config's 5% holdout: a test that expects slots
 * filled must not fail one run in twenty because its visitor drew the holdout.
 */
export async function newVisitorId() {
  holdoutEngine ??= loadCore().then((core) => new core.SignpostEngine(exampleConfig(), exampleCatalog()));
  const engine = await holdoutEngine;
  for (;;) {
    const id = randomBytes(16).toString("hex");
    if (!JSON.parse(engine.on_request(id, "", "/", undefined, Date.now())).decision.holdout) return id;
  }
}

/**
 * A visitor with a cookie jar (sp_vid, sp_s) and a clock, talking to the Worker as a browser
 * would. `now` (ms) is sent as the test clock when set.
 */
export class Visitor {
  constructor(mf, { vid = null, now = null, https = false } = {}) {
    this.mf = mf;
    this.jar = new Map();
    if (vid) this.jar.set("sp_vid", vid);
    this.now = now;
    this.base = https ? "https://localhost" : "http://localhost";
  }
  cookieHeader(extra) {
    const parts = [...this.jar].map(([k, v]) => `${k}=${v}`);
    if (extra) parts.push(extra);
    return parts.join("; ");
  }
  keep(res) {
    for (const c of res.headers.getSetCookie()) {
      const m = /^([^=]+)=([^;]*)/.exec(c);
      if (!m) continue;
      if (m[2] === "" || /Max-Age=0/.test(c)) this.jar.delete(m[1]);
      else this.jar.set(m[1], m[2]);
    }
    return res;
  }
  async fetch(path, { headers = {}, ...init } = {}) {
    const h = { ...headers };
    // A new visitor's id, drawn here outside the holdout (the Worker takes it with test hooks).
    if (!this.jar.has("sp_vid")) h["x-signpost-test-new-visitor"] = await newVisitorId();
    const cookie = this.cookieHeader(h.cookie);
    delete h.cookie;
    if (cookie) h.cookie = cookie;
    if (this.now !== null) h["x-signpost-test-now"] = String(this.now);
    return this.keep(await this.mf.dispatchFetch(this.base + path, { ...init, headers: h }));
  }
  /** A page: status, headers, body, and the injected state. */
  async page(path, init) {
    const res = await this.fetch(path, init);
    const html = await res.text();
    return { res, html, state: pageState(html), signpost: res.headers.get("x-signpost") };
  }
  /** Posts events as the SDK does. */
  async events(url, events, { headers = {} } = {}) {
    return this.fetch("/__signpost/events", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ url, events }),
    });
  }
}

/** Polls until `fn` gives a truthy value (or `ms` pass); returns it or null. */
export async function waitFor(fn, ms = 3000) {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    const v = await fn();
    if (v) return v;
  }
  return null;
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

/**
 * The stored profile `profile:<key>` (null when there is none) in its JSON layout, whichever
 * form KV holds: the binary one the Worker writes (src/profile/binary.rs, read here by a
 * decoder of its own, so the tests also check the format as docs/worker.md describes it) or
 * JSON from before it. Each field is present, the empty ones too.
 */
export async function storedProfile(kv, key) {
  const buf = await kv.get(`profile:${key}`, "arrayBuffer");
  if (buf == null) return null;
  const bytes = new Uint8Array(buf);
  return isBinaryProfile(bytes) ? decodeProfile(bytes) : JSON.parse(new TextDecoder().decode(bytes));
}

/** Whether stored bytes are the binary form: "\0SP" and a format byte. */
export const isBinaryProfile = (b) => b.length > 3 && b[0] === 0 && b[1] === 0x53 && b[2] === 0x50;

/** A binary profile (format 1) into its JSON layout; throws on anything else. */
export function decodeProfile(b) {
  if (!isBinaryProfile(b) || b[3] !== 1) throw new Error(`not a binary profile of format 1`);
  let at = 4;
  const byte = () => {
    if (at >= b.length) throw new Error(`truncated at ${at}`);
    return b[at++];
  };
  const uint = () => {
    let n = 0;
    for (let scale = 1; ; scale *= 128) {
      const x = byte();
      n += (x & 0x7f) * scale;
      if (x < 0x80) return n;
    }
  };
  const int = () => {
    const n = uint();
    return n % 2 ? -(n + 1) / 2 : n / 2;
  };
  const float = () => {
    const x = new DataView(b.buffer, b.byteOffset + at, 8).getFloat64(0, true);
    at += 8;
    return x;
  };
  const str = () => {
    const n = uint();
    const s = new TextDecoder("utf-8", { fatal: true }).decode(b.subarray(at, at + n));
    at += n;
    return s;
  };
  const list = (each) => Array.from({ length: uint() }, each);
  const times = () => {
    let prev = 0;
    return list(() => (prev -= int()));
  };
  const opt = (each) => (byte() ? each() : null);
  const value = () => {
    const tag = byte();
    return [() => null, () => false, () => true, uint, int, float, str, () => JSON.parse(str())][tag]();
  };
  const p = { v: 1, id: str(), c: int(), u: int(), r: int(), dv: list(() => [str(), int()]) };
  Object.assign(p, { vis: uint(), pv: uint() });
  p.s = { b: int(), l: int(), pv: uint(), e: uint(), cat: list(() => [str(), uint()]), lp: str() };
  Object.assign(p.s, { utm: list(() => [str(), str()]), ref: str() });
  p.i = { a: list(() => ({ k: str(), x: float(), at: int() })), t: opt(str) };
  p.t = Object.fromEntries(list(() => [str(), value()]));
  p.cart = { l: list(() => ({ p: str(), q: uint(), pr: opt(float) })), at: int() };
  p.vw = list(() => ({ p: str(), n: uint(), at: int() }));
  p.pu = list(() => ({ p: str(), at: int() }));
  p.o = { n: uint(), sp: float(), l: opt(int), r: list(() => [int(), float()]) };
  p.af = list(() => ({ c: str(), x: float(), at: int() }));
  p.ev = list(() => ({ k: str(), n: uint(), r: times() }));
  p.im = list(() => ({ o: str(), n: uint(), r: times() }));
  p.ex = list(() => ({ x: str(), var: str(), at: int(), n: uint() }));
  p.ids = list(str);
  p.jn = {
    m: list(() => ({ g: str(), at: int() })),
    w: list(() => ({ a: str(), k: str(), g: str(), at: int(), due: int() })),
    s: list(() => ({ a: str(), n: uint(), r: times() })),
    e: list(() => ({ k: str(), n: uint(), at: int() })),
  };
  if (at !== b.length) throw new Error(`${b.length - at} bytes after the profile`);
  return p;
}
