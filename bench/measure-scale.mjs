// `make measure-scale`: measurement at scale (issue 19, item 6). The Worker's test build in
// workerd (Miniflare, local D1 on disk) with the example config (experiments, a holdout,
// segments, a funnel), its measurement table filled with 1,000,000 visitors' rows (about ten
// million, shaped as the Worker writes them), then:
//   - the write cost per row on the page path: workerd CPU per personalized page with
//     measurement on (the 10M-row table behind it) and off (no queue, no D1), over the rows a
//     page writes;
//   - memory: the Rust heap in use, the wasm memory and the Worker's JS heap (V8's inspector)
//     after a warm-up before the load, after many pages on the full table, after the reports;
//     and workerd's resident memory (which holds SQLite's cache) for reference;
//   - the time each report takes: all time, a week, each funnel split, each CSV table.
// Prints one table. SCALE_VISITORS (default 1,000,000) makes a smaller run while working;
// SCALE_D1_DIR keeps the database there, and a later run with the same directory skips the
// load (to compare indexes: the Worker adds the ones its schema lacks on the first report, and
// fills the roll-ups it finds missing).
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { cpus, freemem, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { ADMIN_TOKEN, newVisitorId, SECRET, seedConfig, startWorker, API } from "../tests/node/harness.mjs";
import { heapAfterGc, inspect } from "../scripts/inspector.mjs";
import { workerdCpuMs, workerdRssMb } from "./workerd.mjs";

const VISITORS = Number(process.env.SCALE_VISITORS ?? 1_000_000);
const DAYS = 56; // eight weeks
const ZONE = "America/Denver"; // the example config's timezone
const LAST_DAY = "2026-11-30"; // the window's last local day
const NOW = Date.parse("2026-12-01T12:00:00Z"); // the Worker's clock for pages and reports
const ROWS_PER_INSERT = 400; // ~70 KB of SQL, under D1's 100 KB a statement
const INSERTS_PER_BATCH = 10;
const PAGE_VISITORS = 40;
const PAGES_PER_VISITOR = 25;
// How rows go in: "sqlite3" (the CLI writes the database's file while workerd is stopped) or
// "d1" (through the binding, slow); sqlite3 when the CLI is installed.
const LOAD = process.env.SCALE_LOAD ?? (spawnSync("sqlite3", ["-version"]).status === 0 ? "sqlite3" : "d1");
const INSPECTOR_PORT = Number(process.env.SCALE_INSPECTOR_PORT ?? 9531);
const EXPERIMENT = "compare-hero-2026q4";
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

// ---- Deterministic randomness --------------------------------------------------------------

let seed = 0x5eed;
const random = () => {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(random() * xs.length)];
/** 1 + a geometric count with continuation probability `p` (mean 1 / (1 - p)). */
const geometric = (p) => {
  let n = 1;
  while (random() < p) n++;
  return n;
};
const token = (s) => createHash("sha256").update(s).digest("hex").slice(0, 24);

// ---- The site's local days ----------------------------------------------------------------

/** Each day of the window: its local date and the epoch ms of its local midnight. */
function days() {
  const offset = (t) => {
    const name = new Intl.DateTimeFormat("en-US", { timeZone: ZONE, timeZoneName: "shortOffset" })
      .formatToParts(new Date(t))
      .find((p) => p.type === "timeZoneName").value; // "GMT-7"
    return Number(name.slice(3) || 0) * 3600_000;
  };
  const last = Date.parse(`${LAST_DAY}T00:00:00Z`);
  return Array.from({ length: DAYS }, (_, i) => {
    const utcMidnight = last - (DAYS - 1 - i) * 86_400_000;
    const date = new Date(utcMidnight).toISOString().slice(0, 10);
    return { date, start: utcMidnight - offset(utcMidnight + 12 * 3600_000) };
  });
}

// ---- The rows ---------------------------------------------------------------------------

const PRODUCTS = ["tent-summit-2p", "tent-basecamp-4p", "pack-ridge-45", "boot-granite-mid", "shoe-trail-runner"];
const COUNTRIES = ["US", "US", "US", "CA", "GB", "DE", "MX"];
const DEVICES = ["mobile", "mobile", "desktop", "desktop", "tablet"];
const VARIANTS = ["guide", "guide", "guide", "guide", "guide", "reviews", "reviews", "reviews", "control", "control"];

/**
 * Generates the rows day by day (so they go in roughly in time order, as a live site writes
 * them) and hands them to `sink` in chunks of `SQL values` strings. Visitors come back over the
 * window; pages become product views, carts, checkouts and purchases (the example funnel),
 * counts (impressions, reach, the experiment's exposures and conversions, the holdout arms),
 * clicks, and segment transitions; 2% of visitors are bots.
 */
async function generate(columns, sink) {
  const window = days();
  const v = {
    token: new Array(VISITORS),
    user: new Array(VISITORS),
    bot: new Uint8Array(VISITORS),
    holdout: new Uint8Array(VISITORS),
    variant: new Uint8Array(VISITORS),
    device: new Uint8Array(VISITORS),
    country: new Uint8Array(VISITORS),
    sessions: new Uint8Array(VISITORS),
    views: new Uint16Array(VISITORS),
    carted: new Uint8Array(VISITORS),
    bought: new Uint8Array(VISITORS),
    exposed: new Uint8Array(VISITORS),
  };
  // Sessions: a first day, then returns a few days apart.
  const byDay = Array.from({ length: DAYS }, () => []);
  for (let i = 0; i < VISITORS; i++) {
    v.token[i] = token(`scale-visitor-${i}`);
    v.user[i] = random() < 0.1 ? token(`u:scale-user-${i}`) : null;
    v.bot[i] = random() < 0.02 ? 1 : 0;
    v.holdout[i] = random() < 0.05 ? 1 : 0;
    v.variant[i] = Math.floor(random() * VARIANTS.length);
    v.device[i] = Math.floor(random() * DEVICES.length);
    v.country[i] = Math.floor(random() * COUNTRIES.length);
    let day = Math.floor(random() * DAYS);
    for (let s = geometric(0.3); s > 0 && day < DAYS; s--) {
      byDay[day].push(i);
      day += 1 + Math.floor(random() * 10);
    }
  }
  const at = Object.fromEntries(columns.map((c, i) => [c, i]));
  const quote = (x) => (x === null || x === undefined ? "NULL" : typeof x === "number" ? String(x) : `'${x}'`);
  let chunk = [];
  let rows = 0;
  const nulls = columns.map(() => "NULL");
  // A row as its column values in SQL, and one with some of them changed (cheaper than
  // spreading objects ten million times).
  const values = (row, from = nulls) => {
    const out = from.slice();
    for (const k in row) out[at[k]] = quote(row[k]);
    return out;
  };
  const emit = (from, row) => {
    chunk.push(`(${values(row, from).join(",")})`);
    rows++;
  };
  for (let d = 0; d < DAYS; d++) {
    const { date, start } = window[d];
    for (const i of byDay[d]) {
      const session = ++v.sessions[i];
      // Between 06:00 and 23:00 local, clear of the night a clock change happens in.
      let t = start + 6 * 3600_000 + Math.floor(random() * 15 * 3600_000);
      const base = {
        day: date,
        visitor: v.token[i],
        user: v.user[i],
        session,
        once: 0,
        holdout: v.holdout[i],
        bot: v.bot[i],
      };
      const transition = (kind, segment) => {
        if (!v.bot[i]) emit(values(base), { t, kind, holdout: 0, bot: 0, segments: segment });
      };
      if (session === 2) transition("segment.entered", "returning");
      let tier = v.carted[i] ? "ready_to_buy" : v.views[i] >= 2 ? "comparing" : "browsing";
      const pages = geometric(0.42);
      for (let p = 0; p < pages; p++) {
        t += 20_000 + Math.floor(random() * 60_000);
        const r = random();
        const checkout = v.carted[i] && !v.bought[i] && p === pages - 1 && random() < 0.5;
        const product = pick(PRODUCTS);
        const page = checkout
          ? "/checkout"
          : r < 0.25
            ? "/"
            : r < 0.65
              ? `/products/${product}`
              : r < 0.85
                ? "/category/tents"
                : r < 0.92
                  ? "/compare"
                  : "/cart";
        const segments = [
          session >= 2 && "returning",
          v.bought[i] && "recent_buyer",
          v.views[i] > 0 && !v.bought[i] && "retargeting_audience",
          v.carted[i] && !v.bought[i] && "cart_abandoner",
        ].filter(Boolean);
        const row = values({
          ...base,
          t,
          tier,
          segments: segments.join(",") || null,
          page,
          device: DEVICES[v.device[i]],
          country: COUNTRIES[v.country[i]],
        });
        emit(row, { kind: "page_view" });
        if (page.startsWith("/products/")) {
          emit(row, { kind: "product_view" });
          v.views[i]++;
        }
        if (page === "/compare") emit(row, { kind: "compare_view" });
        if (checkout) emit(row, { kind: "checkout_start" });
        // The counts the page makes: the holdout arm, then each rendered offer's impression
        // and reach, the experiment's exposure with its offer.
        const count = (counter, once, extra = {}) => emit(row, { kind: "count", counter, once, ...extra });
        count(`holdout/${v.holdout[i] ? "in" : "out"}/visitors`, 1);
        const offers = [];
        if (!v.holdout[i]) {
          if (tier === "comparing") offers.push("compare-help");
          if (tier === "ready_to_buy") offers.push("ready-free-shipping");
          if (v.views[i] > 0) offers.push(v.bought[i] ? "post-purchase-complements" : "for-you");
        }
        for (const offer of offers) {
          count(`offer/${offer}/impressions`, 0, { offer });
          count(`offer/${offer}/visitors`, 1, { offer });
          if (offer === "compare-help") {
            const variant = VARIANTS[v.variant[i]];
            count(`exp/${EXPERIMENT}/${variant}/visitors`, 1, { experiment: EXPERIMENT, variant });
            v.exposed[i] = 1;
          }
        }
        if (v.bot[i]) continue; // bots post no events
        // Events the page's SDK posts a little later.
        const te = t + 5000 + Math.floor(random() * 10_000);
        const event = values({ t: te }, row);
        if (offers.length && random() < 0.04) {
          emit(event, { kind: "offer_click" });
          emit(event, { kind: "count", counter: `offer/${offers[0]}/clicks`, once: 1, offer: offers[0] });
        }
        if (page.startsWith("/products/") && !v.carted[i] && random() < 0.15) {
          emit(event, { kind: "add_to_cart" });
          v.carted[i] = 1;
          tier = "ready_to_buy";
        } else if (v.views[i] >= 2 && tier === "browsing") {
          tier = "comparing";
        }
        if (checkout && random() < 0.6) {
          const revenue = Math.round(40 + 260 * random() ** 2 * 100) / 100;
          emit(event, { kind: "purchase", revenue, currency: "USD" });
          const conversions = [`holdout/${v.holdout[i] ? "in" : "out"}/conversions`];
          if (v.exposed[i]) conversions.push(`exp/${EXPERIMENT}/${VARIANTS[v.variant[i]]}/conversions`);
          for (const counter of conversions) {
            const [, x, variant] = counter.split("/");
            const arm = counter.startsWith("exp/") ? { experiment: x, variant } : {};
            emit(event, { kind: "count", counter, once: 1, ...arm });
          }
          v.bought[i] = 1;
          t = te;
          transition("segment.entered", "recent_buyer");
          if (v.carted[i]) transition("segment.exited", "cart_abandoner");
        }
      }
      if (v.carted[i] && !v.bought[i] && random() < 0.5) {
        t += 30 * 60_000;
        transition("segment.entered", "cart_abandoner");
      }
      if (chunk.length >= ROWS_PER_INSERT * INSERTS_PER_BATCH) {
        await sink(chunk);
        chunk = [];
      }
    }
  }
  if (chunk.length) await sink(chunk);
  return rows;
}

// ---- Measuring ----------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (s) => process.stderr.write(`measure-scale: ${s}\n`);

/** Personalized pages from returning visitors, 1 s apart on the test clock (no profile flush
 *  due after the first), four visitors at a time. Answers the test clock's last value. */
async function browse(mf, visitors, pages, t0) {
  const paths = ["/products/tent-summit-2p", "/", "/compare", "/products/boot-granite-mid"];
  let last = t0;
  for (let b = 0; b < visitors.length; b += 4) {
    await Promise.all(
      visitors.slice(b, b + 4).map(async (vid) => {
        let cookie = `sp_vid=${vid}`;
        for (let p = 0; p < pages; p++) {
          const now = t0 + p * 1000;
          last = Math.max(last, now);
          const res = await mf.dispatchFetch(`http://localhost${paths[p % paths.length]}`, {
            headers: { cookie, "x-signpost-test-now": String(now) },
          });
          await res.arrayBuffer();
          if (!res.headers.get("x-signpost")?.startsWith("personalized"))
            throw new Error(`page not personalized: ${res.status} ${res.headers.get("x-signpost")}`);
          const s = res.headers.getSetCookie().find((c) => c.startsWith("sp_s="));
          if (s) cookie = `sp_vid=${vid}; ${s.split(";")[0]}`;
        }
      }),
    );
  }
  return last;
}

/** workerd CPU per page over `visitors` x PAGES_PER_VISITOR pages (their rows' queue and D1
 *  work included: it waits for the flushes after the last response). */
async function cpuPerPage(mf, visitors, t0) {
  await sleep(1500);
  const before = workerdCpuMs();
  await browse(mf, visitors, PAGES_PER_VISITOR, t0);
  await sleep(2500); // the rows' flush (500 ms), the queue's delivery, the D1 insert
  return (workerdCpuMs() - before) / (visitors.length * PAGES_PER_VISITOR);
}

async function memory(mf, inspector) {
  const res = await mf.dispatchFetch("http://localhost/__signpost/test/memory");
  const m = await res.json();
  return {
    heap: m.heap_in_use_bytes,
    wasm: m.wasm_memory_bytes,
    js: inspector ? await heapAfterGc(inspector) : null,
    rss: workerdRssMb(),
  };
}

async function start(measure, d1Persist) {
  const w = await startWorker({
    seed: false,
    d1Persist,
    inspectorPort: measure ? INSPECTOR_PORT : undefined,
    bindings: { SIGNPOST_TEST_HOOKS: "1", SIGNPOST_SECRET: SECRET, SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN },
    // Measurement off: no queue, no database (the Worker then writes no rows).
    measure,
  });
  await seedConfig(w.kv);
  return w;
}

async function timeReport(mf, query) {
  const t0 = performance.now();
  const res = await mf.dispatchFetch(`http://localhost/__signpost/report${query}`, {
    headers: { ...admin, "x-signpost-test-now": String(NOW) },
  });
  const body = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`report${query}: ${res.status} ${body.slice(0, 300)}`);
  return { ms, body };
}

/** The load through the D1 binding: multi-row INSERTs, ten to a batch (one transaction), the
 *  next chunk made while the last one is written. */
async function loadThroughD1(db, insert, columns) {
  const started = performance.now();
  let loaded = 0;
  let writing = Promise.resolve();
  const rows = await generate(columns, async (chunk) => {
    const statements = [];
    for (let i = 0; i < chunk.length; i += ROWS_PER_INSERT)
      statements.push(db.prepare(insert + chunk.slice(i, i + ROWS_PER_INSERT).join(",")));
    await writing;
    writing = db.batch(statements).then(() => {
      loaded += chunk.length;
      progress(loaded, chunk.length, started);
    });
  });
  await writing;
  return rows;
}

/** The load into the D1 database's file (Miniflare keeps it as SQLite under `dir`) by the
 *  sqlite3 CLI, while no workerd has it open: the binding's path manages about 15,000 rows a
 *  second here, which would make the run an hour. */
async function loadWithSqlite(dir, insert, columns) {
  const objects = join(dir, "miniflare-D1DatabaseObject");
  const [file] = readdirSync(objects).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  const cli = spawn("sqlite3", [join(objects, file)], { stdio: ["pipe", "inherit", "inherit"] });
  const closed = new Promise((ok, fail) =>
    cli.on("close", (code) => (code === 0 ? ok() : fail(new Error(`sqlite3 exited ${code}`)))),
  );
  const write = async (text) => {
    if (!cli.stdin.write(text)) await new Promise((r) => cli.stdin.once("drain", r));
  };
  await write("PRAGMA synchronous = OFF;\n");
  const started = performance.now();
  let loaded = 0;
  const rows = await generate(columns, async (chunk) => {
    await write("BEGIN;\n");
    for (let i = 0; i < chunk.length; i += ROWS_PER_INSERT)
      await write(`${insert}${chunk.slice(i, i + ROWS_PER_INSERT).join(",")};\n`);
    await write("COMMIT;\n");
    loaded += chunk.length;
    progress(loaded, chunk.length, started);
  });
  cli.stdin.end();
  await closed;
  return rows;
}

function progress(loaded, step, started) {
  if (loaded % 1_000_000 < step)
    log(`${loaded} rows, ${Math.round(loaded / ((performance.now() - started) / 1000))} rows/s`);
}

// ---- The run ------------------------------------------------------------------------------

const keep = process.env.SCALE_D1_DIR;
const store = keep ?? mkdtempSync(join(tmpdir(), "signpost-scale-"));
const figures = [];
const figure = (what, value, note = "") => {
  figures.push([what, value, note]);
  log(`${what}: ${value} ${note}`);
};
const mb = (b) => `${(b / 1048576).toFixed(2)} MB`;
try {
  const pageVisitors = await Promise.all(Array.from({ length: PAGE_VISITORS }, () => newVisitorId()));
  const warmVisitors = await Promise.all(Array.from({ length: 8 }, () => newVisitorId()));

  // Measurement off first: the same pages with no queue and no database.
  const off = await start(false);
  await browse(off.mf, warmVisitors, PAGES_PER_VISITOR, NOW);
  const cpuOff = await cpuPerPage(off.mf, pageVisitors, NOW + 3600_000);
  await off.mf.dispose();

  // The first report makes the table and its indexes, as the Worker makes them.
  const d1 = join(store, "d1");
  let w = await start(true, d1);
  const made = await timeReport(w.mf, "");
  figure("first report (makes the schema)", `${(made.ms / 1000).toFixed(2)} s`);
  let db = await w.mf.getD1Database("SIGNPOST_DB", API);
  const { results: info } = await db.prepare("PRAGMA table_info(rows)").all();
  const columns = info.map((c) => c.name);
  let inspector = await inspect(INSPECTOR_PORT, "signpost");
  await browse(w.mf, warmVisitors, PAGES_PER_VISITOR, NOW);
  await sleep(2000);
  const mEmpty = await memory(w.mf, inspector);

  const { results: had } = await db.prepare("SELECT COUNT(*) AS n FROM rows").all();
  const reuse = had[0].n > 100_000;
  const insert = `INSERT INTO rows (${columns.join(", ")}) VALUES `;
  const loadStart = performance.now();
  let rows = had[0].n;
  if (reuse) {
    log(`reusing the ${had[0].n} rows in ${store}`);
  } else if (LOAD === "d1") {
    rows = await loadThroughD1(db, insert, columns);
  } else {
    // The database's own file, written by the sqlite3 CLI while workerd is stopped.
    inspector.close();
    await w.mf.dispose();
    rows = await loadWithSqlite(d1, insert, columns);
  }
  const loadSeconds = (performance.now() - loadStart) / 1000;
  if (reuse || LOAD !== "d1") {
    inspector.close?.();
    if (LOAD === "d1" || reuse) await w.mf.dispose();
    w = await start(true, d1);
    db = await w.mf.getD1Database("SIGNPOST_DB", API);
    inspector = await inspect(INSPECTOR_PORT, "signpost");
    // The first report on this Worker adds any index its schema has and the table lacks, and
    // fills the roll-ups from the rows if they were never filled (a database from before them).
    const first = await timeReport(w.mf, "?from=2026-11-30&to=2026-11-30");
    figure(
      "first report after a restart (adds missing indexes, fills the roll-ups once)",
      `${(first.ms / 1000).toFixed(2)} s`,
    );
    await browse(w.mf, warmVisitors, PAGES_PER_VISITOR, NOW + 1800_000);
    await sleep(2000);
  }
  const { mf } = w;
  const m0 = await memory(mf, inspector);
  const { results: shape } = await db
    .prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT visitor) AS visitors, SUM(bot) AS bots FROM rows")
    .all();
  figure("rows in D1", shape[0].n.toLocaleString("en-US"), `${rows.toLocaleString("en-US")} loaded`);
  figure(
    "visitors",
    shape[0].visitors.toLocaleString("en-US"),
    `bot rows ${((100 * shape[0].bots) / shape[0].n).toFixed(1)}%`,
  );
  if (!reuse)
    figure(
      "load rate",
      `${Math.round(rows / loadSeconds).toLocaleString("en-US")} rows/s`,
      `${loadSeconds.toFixed(0)} s`,
    );

  // The page path on the full table.
  const pagesFrom = NOW + 7200_000;
  const later = async () =>
    (await db.prepare("SELECT COUNT(*) AS n FROM rows WHERE t >= ?1").bind(pagesFrom).all()).results[0].n;
  const earlier = await later(); // a run that reused the database wrote some already
  const cpuOn = await cpuPerPage(mf, pageVisitors, pagesFrom);
  const pages = PAGE_VISITORS * PAGES_PER_VISITOR;
  const perPage = ((await later()) - earlier) / pages;
  figure("CPU per page, measurement off", `${cpuOff.toFixed(3)} ms`, `${pages} pages, workerd`);
  figure("CPU per page, measurement on", `${cpuOn.toFixed(3)} ms`, `${shape[0].n.toLocaleString("en-US")} rows in D1`);
  figure("rows a page writes", perPage.toFixed(2));
  figure("write cost per row", `${((cpuOn - cpuOff) / perPage).toFixed(3)} ms CPU`, "(on - off) / rows a page");
  await sleep(2000);
  const m1 = await memory(mf, inspector);

  // The reports at full size.
  const last = days().at(-1).date;
  const week = days().at(-7).date;
  const reports = [
    ["report, all time", ""],
    [`report, a week (${week} to ${last})`, `?from=${week}&to=${last}`],
    ["funnel by tier", "?by=tier"],
    [`funnel by arm:${EXPERIMENT}`, `?by=arm:${EXPERIMENT}`],
    ["funnel by segment:returning", "?by=segment:returning"],
    ...["offers", "experiments", "daily", "revenue", "funnels", "cohorts", "segments"].map((t) => [
      `CSV ${t}`,
      `?format=csv&table=${t}`,
    ]),
  ];
  let slowest = 0;
  for (const [name, query] of reports) {
    const { ms, body } = await timeReport(mf, query);
    slowest = Math.max(slowest, ms);
    figure(name, `${(ms / 1000).toFixed(2)} s`, `${(body.length / 1024).toFixed(1)} KB`);
  }
  await sleep(2000);
  const m2 = await memory(mf, inspector);
  inspector.close();
  for (const [name, key, fmt] of [
    ["Rust heap in use", "heap", mb],
    ["wasm memory", "wasm", mb],
    ["Worker JS heap", "js", mb],
    ["workerd RSS (SQLite cache included)", "rss", (x) => `${x.toFixed(0)} MB`],
  ])
    figure(
      `${name}: empty table / full: warm, after pages, after reports`,
      [mEmpty, m0, m1, m2].map((m) => fmt(m[key])).join(" / "),
    );
  await mf.dispose();

  // The table.
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GB (${(freemem() / 2 ** 30).toFixed(0)} free); load ${loadavg()[0].toFixed(1)}; Node ${process.version}`;
  const width = Math.max(...figures.map((f) => f[0].length));
  console.log(`\nMeasurement at scale: ${VISITORS.toLocaleString("en-US")} visitors over ${DAYS} days`);
  console.log(`Machine: ${machine}`);
  for (const [what, value, note] of figures) console.log(`${what.padEnd(width)}  ${String(value).padEnd(14)} ${note}`);
  console.log(`slowest report: ${(slowest / 1000).toFixed(2)} s`);
} finally {
  if (!keep) rmSync(store, { recursive: true, force: true });
}
