// The page path, the JS half. It drives the runtime: the origin fetch, the profile's KV read,
// the HTMLRewriter, the response's headers. Everything that decides is in Rust
// (worker/src/page.rs), reached through synchronous calls that answer small JSON texts:
// `pageStart` (who the visitor is, or why the page passes through), `pageConfig` (async, only
// when the isolate's config is due for a check), `pageDecide` (the decision and what to
// write). Awaiting here costs far less CPU than wasm-bindgen futures and per-header crossings
// did when Rust drove the request (bench/RESULTS.md has the before and after).
import { slotHandler, stateHandlers } from "./handlers.js";

/** How long a page waits for the visitor's stored profile before it passes through. */
const PROFILE_BUDGET_MS = 100;

/**
 * Serves a page: personalized when consent, config and KV allow; otherwise the origin's
 * response unchanged but for `x-signpost: bypass; reason=...`. `sp` is the Rust Worker.
 */
export async function servePage(sp, request, url, env, ctx) {
  const started = Date.now();
  // Every outcome needs the origin's page: it is on its way while the rest happens.
  const origin = fetchOrigin(request, url, env);
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
  const secret = typeof env.SIGNPOST_SECRET === "string" ? env.SIGNPOST_SECRET : undefined;
  const test = (name) => (hooks ? headers.get(name) : null);
  const testNow = Number(test("x-signpost-test-now") ?? NaN);
  const now = Number.isSafeInteger(testNow) ? testNow : started;
  const cookies = headers.get("cookie") ?? "";
  const start = JSON.parse(
    sp.pageStart(
      secret,
      hooks,
      request.method,
      url.pathname,
      headers.has("range"),
      headers.get("sec-gpc"),
      cookies,
      now,
      test("x-signpost-test-new-visitor"),
    ),
  );
  if (start.bypass) return bypass(origin, start.bypass);
  const kv = env.SIGNPOST;
  if (!kv) return bypass(origin, "no-kv");
  if (start.stale) {
    const why = await sp.pageConfig(env, now);
    if (why) return bypass(origin, why);
  }
  // A new visitor (an id just drawn) has no stored profile: no read.
  const [stored, response] = await Promise.all([start.new ? {} : readProfile(kv, start.visitor), origin]);
  const notPage = notRewritable(response);
  if (notPage) return mark(response, notPage);
  if (stored.error) return mark(response, stored.error);

  const answer = sp.pageDecide(
    env,
    secret,
    hooks,
    cookies,
    start.visitor,
    start.new,
    now,
    url.protocol === "https:",
    url.pathname + url.search,
    headerLines(headers),
    test("x-signpost-test-country") ?? request.cf?.country,
    test("x-signpost-test-region") ?? request.cf?.regionCode,
    stored.text,
    hooks && headers.has("x-signpost-test-panic"),
  );
  // `{bypass}`, or a JSON line and the state script after it (see page.rs).
  const line = answer.indexOf("\n");
  const decision = JSON.parse(line < 0 ? answer : answer.slice(0, line));
  if (decision.bypass) return mark(response, decision.bypass);
  decision.state = answer.slice(line + 1);
  const elapsed = Date.now() - started;

  let page;
  try {
    page = rewriter(decision).transform(response);
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
  out.set("server-timing", `signpost;dur=${elapsed.toFixed(2)}`);
  out.delete("content-length");
  out.delete("etag");
  for (const c of decision.cookies) out.append("set-cookie", c);
  if (decision.write !== null || decision.flush !== null) {
    ctx.waitUntil(afterPage(sp, env, kv, start.visitor, decision));
  }
  return page;
}

/** The HTMLRewriter for a decision: its slots, then the state script at the end of `<body>`. */
function rewriter(decision) {
  let r = new HTMLRewriter();
  for (const [selector, offer, variant, html] of decision.slots) {
    r = r.on(selector, slotHandler(offer, variant ?? undefined, html ?? undefined));
  }
  const state = stateHandlers(decision.state);
  return r.on("body", state.body).onDocument(state.document);
}

/** The stored profile's text (`{text}`, undefined for none) or why it could not be read. */
async function readProfile(kv, visitor) {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => {
      console.warn("signpost: bypass: KV did not answer in time");
      resolve({ error: "kv-timeout" });
    }, PROFILE_BUDGET_MS);
  });
  const read = kv.get(`profile:${visitor}`).then(
    (text) => ({ text: text ?? undefined }),
    (e) => {
      console.warn(`signpost: bypass: KV: ${e}`);
      return { error: "kv" };
    },
  );
  try {
    return await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Off the response path: the profile write when due, and the tally's flush when asked. */
async function afterPage(sp, env, kv, visitor, decision) {
  if (decision.write !== null) {
    try {
      await kv.put(`profile:${visitor}`, decision.write, { expirationTtl: decision.ttl });
    } catch (e) {
      console.warn(`signpost: profile not saved: KV: ${e}`);
    }
  }
  if (decision.flush !== null) await sp.tallySend(env, decision.flush === "now");
}

/** The request's headers as `name\nvalue\n...` (a value cannot hold a line break); the test
 *  hooks' own headers are left out. */
function headerLines(headers) {
  const lines = [];
  for (const [name, value] of headers) {
    if (!name.startsWith("x-signpost-test")) lines.push(name, value);
  }
  return lines.join("\n");
}

/** Only a complete `200 text/html` page is rewritten; the reason for anything else. */
function notRewritable(response) {
  const type = (response.headers.get("content-type") ?? "").trimStart().toLowerCase();
  return response.status !== 200 || !type.startsWith("text/html") || !response.body ? "not-html" : null;
}

/**
 * The request sent on to the origin: `ORIGIN` (scheme and host of the real site) when set,
 * else the `ASSETS` binding that serves the demo store. Method, headers and body go as they
 * came; redirects are returned to the visitor, not followed.
 */
export function fetchOrigin(request, url, env) {
  if (!env.ORIGIN) return env.ASSETS.fetch(request);
  const target = originBase(env.ORIGIN) + url.pathname + url.search;
  return fetch(new Request(target, request), { redirect: "manual" });
}

let base = { of: null, is: null };
/** `ORIGIN`'s scheme, host and port (parsed once per isolate). */
function originBase(origin) {
  if (base.of !== origin) base = { of: origin, is: new URL(origin).origin };
  return base.is;
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
