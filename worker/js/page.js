// The page path, the JS half. It drives the runtime: the origin fetch, the profile's KV read,
// the HTMLRewriter, the response's headers. Everything that decides is in Rust
// (worker/src/page.rs), reached through synchronous calls that take one `PageRequest` and
// answer a typed object: `pageStart` (who the visitor is, or why the page passes through),
// `pageConfig` (only when the isolate's config is due for a check: what KV held for the keys
// Rust named), `pageDecide` (the decision and what to write). Awaiting here costs far less CPU than wasm-bindgen futures and
// per-header crossings did when Rust drove the request (bench/RESULTS.md has the before and
// after).
import { writeSnapshot } from "./config-snapshot.js";
import { originPage } from "./origin-cache.js";
import { rewrite } from "./rewriter.js";

/**
 * What Rust reads of a page request (worker/src/page.rs, `PageRequest`).
 * @typedef {object} PageRequest
 * @property {string} method
 * @property {string} path
 * @property {boolean} range a `Range` header is present
 * @property {string | null} gpc `Sec-GPC`
 * @property {string} cookies the `Cookie` header
 * @property {number} now ms since the epoch (`pageStart` answers the one to use)
 * @property {string | undefined} secret `SIGNPOST_SECRET`
 * @property {boolean} testHooks `SIGNPOST_TEST_HOOKS` is "1"; the test-only fields below are
 *   the `x-signpost-test-*` headers, forwarded then and used only by the test build of Rust
 * @property {string | null} testNewVisitor
 * @property {string | null} testNow
 * Added for `pageDecide`:
 * @property {string} [visitor]
 * @property {boolean} [isNew]
 * @property {boolean} [https]
 * @property {string} [url] path and query
 * @property {string} [headerLines] the headers as `name\nvalue\n...`, test headers left out
 * @property {string} [country]
 * @property {string} [region]
 * @property {string | null} [testCountry]
 * @property {string | null} [testRegion]
 * @property {ArrayBuffer} [stored] the stored profile's bytes (binary, or JSON from before)
 * @property {boolean} [cached] `pageStart` found the profile in the isolate: `stored` is not read
 * @property {boolean} [testPanic]
 */

/**
 * `pageStart`'s answer (worker/src/page.rs; Rust's answers are plain objects,
 * worker/src/js_answer.rs).
 * @typedef {object} PageStart
 * @property {string | undefined} bypass why the page passes through; the rest is then empty
 * @property {string} visitor
 * @property {string} profileKey the profile to read, `profile:<key>`
 * @property {boolean} isNew an id just drawn: no stored profile
 * @property {string[]} configKeys KV keys to read for the config (`pageConfig`); none when fresh
 * @property {number} configBudgetMs
 * @property {boolean} cached the profile is in the isolate: KV is not read
 * @property {number} profileBudgetMs
 * @property {number} now the request's time, or the test clock's
 *
 * `pageConfig`'s answer (worker/src/page_config.rs).
 * @typedef {object} ConfigStep
 * @property {string | undefined} bypass
 * @property {string[]} more keys to read as well before asking again
 * @property {string | undefined} loaded "snapshot" or "json": how a new version was loaded
 * @property {boolean} owes a snapshot is owed to KV (`writeSnapshot`)
 * @property {number | undefined} compile the version the API Worker is to compile: the value of
 *   the one key in `more` is its answer (`compileSnapshot`)
 *
 * `pageDecide`'s answer (worker/src/page.rs).
 * @typedef {object} PageAnswer
 * @property {string | undefined} bypass
 * @property {{selector: string, marks: string[], html: string | undefined}[]} slots
 * @property {string} header `x-signpost`
 * @property {string[]} cookies `Set-Cookie` values
 * @property {string | undefined} profileOp the operation that hands this browser's log to the
 *   profile's writer (`toWriter`), when a flush is due
 * @property {string | undefined} profileKey its profile
 * @property {number | undefined} measureWaitMs rows were queued: send them (`sendRows`) after this
 * @property {string} stateScript
 */

/**
 * Serves a page: personalized when consent, config and KV allow; otherwise the origin's
 * response unchanged but for `x-signpost: bypass; reason=...`. `sp` is the Rust Worker.
 */
export async function servePage(sp, request, url, env, ctx) {
  const started = Date.now();
  // Every outcome needs the origin's page: it is on its way while the rest happens (from the
  // edge cache when `ORIGIN_CACHE` is on and it holds a fresh copy; ./origin-cache.js).
  const origin = originPage(sp, request, env, url, ctx);
  origin.catch(() => {}); // awaited below; this keeps an early return from leaving it unhandled
  try {
    return await personalize(sp, request, url, env, ctx, origin, started);
  } catch (e) {
    // Fail open. A trap in a synchronous call into wasm (a Rust panic) lands here too.
    const panic = e instanceof WebAssembly.RuntimeError;
    console.error(`signpost: bypass after ${panic ? "a panic" : "an error"}:`, e);
    return bypass(origin, panic ? "panic" : "error");
  }
}

async function personalize(sp, request, url, env, ctx, origin, started) {
  const headers = request.headers;
  const hooks = env.SIGNPOST_TEST_HOOKS === "1";
  const test = (name) => (hooks ? headers.get(name) : null);
  /** @type {PageRequest} */
  const req = {
    method: request.method,
    path: url.pathname,
    range: headers.has("range"),
    gpc: headers.get("sec-gpc"),
    cookies: headers.get("cookie") ?? "",
    now: started,
    secret: typeof env.SIGNPOST_SECRET === "string" ? env.SIGNPOST_SECRET : undefined,
    testHooks: hooks,
    testNewVisitor: test("x-signpost-test-new-visitor"),
    testNow: test("x-signpost-test-now"),
  };
  const start = sp.pageStart(req);
  if (start.bypass) {
    // A visitor who opted out is followed no further, by journeys' messages either.
    if ((start.bypass === "gpc" || start.bypass === "consent") && /(^|;\s*)sp_vid=/.test(req.cookies)) {
      const deny = sp.optedOutOp(req);
      if (deny) ctx.waitUntil(toWriter(sp, env, deny, false));
    }
    return bypass(origin, start.bypass);
  }
  req.now = start.now;
  const kv = env.SIGNPOST;
  if (!kv) return bypass(origin, "no-kv");
  // A new visitor (an id just drawn) has no stored profile, and one read within the last
  // minute is still in the isolate (worker/src/profile_cache.rs): no read. Otherwise it is
  // read beside the config's reads and the origin's page.
  const read = start.isNew || start.cached ? {} : readProfile(kv, start.profileKey, start.profileBudgetMs);
  // How a config version new to the isolate was loaded: its compiled snapshot, or the JSON
  // compiled (a snapshot then written for the next isolate; worker/src/config_reads.rs).
  let loaded;
  if (start.configKeys.length) {
    const config = await loadConfig(sp, kv, start, env);
    if (config.bypass) return bypass(origin, config.bypass);
    loaded = config.loaded;
    if (config.owes) ctx.waitUntil(writeSnapshot(sp, kv));
  }
  const [stored, response] = await Promise.all([read, origin]);
  const notPage = notRewritable(response);
  if (notPage) return mark(response, notPage);
  if (stored.error) return mark(response, stored.error);

  Object.assign(req, {
    visitor: start.visitor,
    isNew: start.isNew,
    https: url.protocol === "https:",
    url: url.pathname + url.search,
    headerLines: headerLines(headers, request.cf),
    country: request.cf?.country,
    region: request.cf?.regionCode,
    testCountry: test("x-signpost-test-country"),
    testRegion: test("x-signpost-test-region"),
    stored: stored.bytes,
    cached: start.cached,
    testPanic: hooks && headers.has("x-signpost-test-panic"),
  });
  const decision = sp.pageDecide(env, req);
  if (decision.bypass) return mark(response, decision.bypass);
  const elapsed = Date.now() - started;

  let page;
  let sent;
  const pageEnd = new Promise((resolve) => (sent = resolve));
  try {
    page = rewrite(response, decision.slots, decision.stateScript, sent);
  } catch (e) {
    // The runtime refuses some pages before reading a byte (a charset that is not
    // ASCII-compatible, or one it does not know), and a selector it cannot parse: the page
    // passes through as it came.
    console.warn(`signpost: bypass: the rewriter refused the page: ${e}`);
    return mark(response, /encoding/i.test(String(e)) ? "charset" : "rewrite");
  }
  page = withHeader(page, "x-signpost", decision.header);
  const out = page.headers;
  out.set("cache-control", "private, no-store");
  out.set("server-timing", `signpost;dur=${elapsed.toFixed(2)}${loaded ? `, config;desc=${loaded}` : ""}`);
  out.delete("content-length");
  out.delete("etag");
  out.delete("age"); // a copy from the origin cache has one; this page was made just now
  for (const c of decision.cookies) out.append("set-cookie", c);
  if (decision.profileOp != null || decision.measureWaitMs != null) {
    ctx.waitUntil(afterEnd(pageEnd).then(() => afterPage(sp, env, decision)));
  }
  return page;
}

/** The stored profile's bytes (`{bytes}`, undefined for none) or why it could not be read. */
function readProfile(kv, key, budgetMs) {
  const read = kv.get(`profile:${key}`, "arrayBuffer").then((bytes) => ({ bytes: bytes ?? undefined }));
  return withinBudget(read, budgetMs);
}

/**
 * The isolate's config, loaded or checked again: KV read in rounds of the keys Rust names
 * (`pageStart`'s `configKeys`, then each `pageConfig` answer's `more`; one round for a cold
 * isolate when the live snapshot is there), all within the config's budget. Answers
 * `pageConfig`'s last answer (`bypass`, `loaded`, `owes`), or why KV failed.
 */
async function loadConfig(sp, kv, start, env) {
  const [keys, values] = [[], []];
  const until = Date.now() + start.configBudgetMs;
  let step = { more: start.configKeys };
  // Two rounds of reads always settle (worker/src/config_reads.rs), a third when the API
  // Worker compiles; the bound is a guard.
  for (let round = 0; round < 4 && step.more.length; round++) {
    const compiled = step.compile;
    // One get per key: KV's bulk read answers text or JSON only, and a snapshot is bytes.
    const read =
      compiled == null
        ? Promise.all(step.more.map((k) => kv.get(k, "arrayBuffer"))).then((bytes) => ({ bytes }))
        : compileSnapshot(env, compiled);
    const got = await withinBudget(read, until - Date.now());
    if (got.error) return { bypass: got.error };
    keys.push(...step.more);
    values.push(...got.bytes);
    step = sp.pageConfig(start.now, keys, values, compiled, got.unreachable === true);
    if (step.bypass) return step;
  }
  return step.more.length ? { bypass: "error" } : step;
}

/** Config version `n` compiled by the API Worker (the page Worker's build has no compiler), as
 *  `{bytes: [snapshot]}`; `[null]` when it was not (Rust keeps the last good config then), with
 *  `unreachable` when the API Worker could not be asked (`bypass; reason=api-unreachable`). */
async function compileSnapshot(env, n) {
  try {
    if (!env.SIGNPOST_API) throw new Error("no SIGNPOST_API service binding");
    const answer = await env.SIGNPOST_API.compileSnapshot(n);
    if (answer.bytes) return { bytes: [answer.bytes] };
    console.warn(`signpost: the API Worker did not compile config ${n}: ${answer.error}`);
  } catch (e) {
    console.warn(`signpost: the API Worker could not be asked to compile config ${n}: ${e}`);
    return { bytes: [null], unreachable: true };
  }
  return { bytes: [null] };
}

/** `read`'s answer, or `{error}`: "kv" when it failed, "kv-timeout" after `budgetMs`. */
async function withinBudget(read, budgetMs) {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(
      () => {
        console.warn("signpost: bypass: KV did not answer in time");
        resolve({ error: "kv-timeout" });
      },
      Math.max(0, budgetMs),
    );
  });
  const answer = read.catch((e) => {
    console.warn(`signpost: bypass: KV: ${e}`);
    return { error: "kv" };
  });
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long work after the page waits for the page's last byte before it goes ahead anyway
 *  (a visitor who left mid-page: the rewriter then never reaches the document's end). */
const AFTER_PAGE_WAIT_MS = 1000;

/**
 * Resolves once the rewritten page has reached its end (`pageEnd`), or after
 * AFTER_PAGE_WAIT_MS, and then one turn of the event loop later. The work after a page waits
 * for it rather than share the isolate's one thread with the page's streaming: on a fresh
 * isolate the profile writer's first call alone takes tens of ms of it. The extra turn: the
 * rewriter's document end runs before its last chunk goes out, and without the turn the
 * visitor's last byte waited for that first call (a fresh isolate's first page 36 → 27 ms;
 * bench/RESULTS.md, "Cold start").
 */
async function afterEnd(pageEnd) {
  let timer;
  const late = new Promise((resolve) => (timer = setTimeout(resolve, AFTER_PAGE_WAIT_MS)));
  await Promise.race([pageEnd, late]).finally(() => clearTimeout(timer));
  await new Promise((resolve) => setTimeout(resolve, 0));
}

/** Off the response path: this browser's log to the profile's single writer when due, and the
 *  measurement rows when this page is the one to send them. */
async function afterPage(sp, env, decision) {
  if (decision.profileOp != null) await toWriter(sp, env, { key: decision.profileKey, op: decision.profileOp }, true);
  if (decision.measureWaitMs != null) await sendRows(sp, env, decision.measureWaitMs);
}

/**
 * An operation (`{key, op}`, JSON from Rust: worker/src/profiles.rs) to the profile's single
 * writer: its Durable Object, which writes KV; without that binding the API Worker, which
 * writes KV itself (`profileOp`). Nothing is lost when it fails: a browser's log stays in its
 * cookie. `log`: it hands over this browser's log, so the isolate's copy of the profile goes.
 */
async function toWriter(sp, env, { key, op }, log) {
  try {
    const writers = env.SIGNPOST_PROFILES;
    if (!writers) {
      const error = await env.SIGNPOST_API?.profileOp(op);
      if (error) throw new Error(error);
      return;
    }
    const res = await writers.get(writers.idFromName(key)).fetch("https://profile/op", { method: "POST", body: op });
    if (log) sp.profileSent(key);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`profile writer: ${text}`);
  } catch (e) {
    console.warn(`signpost: ${log ? "profile not saved" : "opt-out not recorded"}: ${e}`);
  }
}

/** The measurement rows queued in the isolate (Rust's `measureTake`, after `waitMs`) onto the
 *  queue, as text: the consumer hands them to D1 as they are. */
async function sendRows(sp, env, waitMs) {
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  for (const text of sp.measureTake()) {
    try {
      await env.SIGNPOST_MEASURE.send(text, { contentType: "text" });
    } catch (e) {
      console.warn(`signpost: measurement rows lost: ${e}`);
      sp.measureLost();
    }
  }
}

/** The request's headers as `name\nvalue\n...` (a value cannot hold a line break); the test
 *  hooks' own headers are left out, and `x-signpost-bot` is Cloudflare's verdict only (its bot
 *  management, where the zone has it: a verified bot, or a score of 1, "automated"), never the
 *  client's own. Measurement keeps such requests out of every report. */
function headerLines(headers, cf) {
  const lines = [];
  for (const [name, value] of headers) {
    if (!name.startsWith("x-signpost-test") && name !== "x-signpost-bot") lines.push(name, value);
  }
  const bots = cf?.botManagement;
  if (bots?.verifiedBot || bots?.score === 1) lines.push("x-signpost-bot", "1");
  return lines.join("\n");
}

/** Only a complete `200 text/html` page is rewritten; the reason for anything else. */
function notRewritable(response) {
  const type = (response.headers.get("content-type") ?? "").trimStart().toLowerCase();
  return response.status !== 200 || !type.startsWith("text/html") || !response.body ? "not-html" : null;
}

/** The origin's response marked `x-signpost: bypass; reason=<why>`, or a 502 saying the
 *  origin could not be reached. */
export async function bypass(origin, why) {
  let response;
  try {
    response = await origin;
  } catch (e) {
    console.error("signpost: origin unreachable:", e);
    return new Response("origin unreachable", { status: 502, headers: { "x-signpost": "bypass; reason=origin" } });
  }
  return mark(response, why);
}

function mark(response, why) {
  return withHeader(response, "x-signpost", `bypass; reason=${why}`);
}

/** Sets a header, on a copy when the response's headers are immutable (a fetched one's). */
function withHeader(response, name, value) {
  try {
    response.headers.set(name, value);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.set(name, value);
    return copy;
  }
}
