// The origin cache (`ORIGIN_CACHE`, docs/worker.md "The origin cache"): the origin's HTML kept
// in the edge cache (the Cache API, `caches.default`) for as long as the origin's own headers
// let a shared cache keep it, so a page is personalized from the copy at hand instead of
// waiting on the origin's round trip. Only the origin's response goes in, as the origin sent
// it; what page.js makes of it (personalized, `private, no-store`) never does. Whatever fails
// here, the page is fetched from the origin as without the cache.
//
// page.js asks for a page's origin response through `originPage`; the purge endpoint (Rust,
// worker/src/origin_cache.rs) calls `purgeOriginCache`, so the cache key is made in one place.
import { fetchOrigin } from "./origin.js";

/** `x-signpost-cache` on a page the cache was asked about: `hit`, `miss` (fetched from the
 *  origin, kept for the next visitor once it has arrived whole), or `skip; reason=<why>`
 *  (fetched, not to be kept). */
const STATUS = "x-signpost-cache";

/** The only header a stored response may vary on: the runtime decodes and encodes bodies
 *  itself, so a copy serves every `Accept-Encoding`. */
const VARY_OK = new Set(["accept-encoding"]);

/** The largest page kept: the copy is held in memory while it is written. */
const MAX_STORED_BYTES = 8 * 1024 * 1024;

/** The site owner's setting: `ORIGIN_CACHE` "on" (or "true", "1"), with an `ORIGIN` to cache
 *  (the demo's assets are served from Cloudflare's own storage: nothing to save). */
export function originCacheOn(env) {
  if (!env.ORIGIN || typeof env.ORIGIN_CACHE !== "string") return false;
  const v = env.ORIGIN_CACHE.trim().toLowerCase();
  return v === "on" || v === "true" || v === "1";
}

/** The cache key of a page: its URL as the visitor asked for it (scheme, host, path and
 *  query), so the zone's purge by URL names the same thing. Nothing of the visitor's request
 *  (cookies, conditionals) is part of it. */
export function cacheKey(url) {
  return url.origin + url.pathname + url.search;
}

/**
 * The origin's response for a page request: from the edge cache when the setting is on and a
 * fresh copy is there, else fetched (and stored, off the response's path, when its headers
 * allow and its body arrives whole). Only a plain `GET` of a page is looked up
 * (`sp.isPagePath` is the same rule that passes files such as `/css/store.css` through). The
 * answer carries `x-signpost-cache`.
 */
export async function originPage(sp, request, env, url, ctx) {
  if (!wanted(sp, request, env, url)) return fetchOrigin(request, env, url);
  // A shared cache must not answer a request that carries credentials of its own.
  if (request.headers.has("authorization"))
    return marked(await fetchOrigin(request, env, url), "skip; reason=authorization");
  const key = cacheKey(url);
  let cache;
  try {
    cache = caches.default;
    const hit = await cache.match(key);
    if (hit) {
      const copy = marked(hit, "hit");
      copy.headers.delete("cf-cache-status"); // this Worker's own header says it
      return copy;
    }
  } catch (e) {
    console.warn(`signpost: origin cache: lookup failed, fetching the origin: ${e}`);
    return marked(await fetchOrigin(request, env, url), "skip; reason=error");
  }
  const response = await fetchOrigin(request, env, url);
  const why = notStorable(response);
  if (why) return marked(response, `skip; reason=${why}`);
  // One branch to the visitor (rewritten on its way), one to the cache, written off the
  // response's path once it has arrived whole.
  const [visitor, copy] = response.body.tee();
  ctx.waitUntil(store(cache, key, response, copy));
  return marked(new Response(visitor, response), "miss");
}

/** Puts the origin's page in the cache once its body has arrived whole: a body the origin
 *  cut short (the stream errors) or one over `MAX_STORED_BYTES` is not kept. */
async function store(cache, key, response, body) {
  try {
    const bytes = await whole(body);
    if (bytes) await cache.put(key, new Response(bytes, { status: 200, headers: storedHeaders(response) }));
  } catch (e) {
    console.warn(`signpost: origin cache: not stored: ${e}`);
  }
}

/** A body's bytes, read to its end; null (and the rest left unread) past `MAX_STORED_BYTES`.
 *  Throws when the stream fails. */
async function whole(body) {
  const reader = body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_STORED_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}

/** The origin's headers for the copy. The body the runtime hands over is decoded; the copy
 *  is kept so, without `Content-Encoding` (the cache gives bodies back as stored, so an
 *  encoded copy would reach the rewriter still compressed) or the encoded `Content-Length`. */
function storedHeaders(response) {
  const headers = new Headers(response.headers);
  headers.delete("content-encoding");
  headers.delete("content-length");
  return headers;
}

/** Requests the cache answers, when it is on: a `GET` of a page, whole. A trap in wasm (Rust
 *  panicked earlier) leaves the cache out; the page still comes from the origin. */
function wanted(sp, request, env, url) {
  if (!originCacheOn(env) || request.method !== "GET" || request.headers.has("range")) return false;
  try {
    return sp.isPagePath(url.pathname);
  } catch {
    return false;
  }
}

/**
 * Why a shared cache may not keep the origin's response (RFC 9111, the part that applies to
 * a page), or null when it may: a complete `200 text/html` without `Set-Cookie`, not
 * `private`, `no-store` or `no-cache`, varying on nothing but `Accept-Encoding` (the Cache API
 * ignores `Vary`, so a copy could reach a request it does not fit), not declared over
 * `MAX_STORED_BYTES`, and fresh for a while by `s-maxage`, `max-age` or `Expires`, less its
 * `Age`.
 */
export function notStorable(response) {
  const h = response.headers;
  if (response.status !== 200 || !response.body) return "status";
  if (!(h.get("content-type") ?? "").trimStart().toLowerCase().startsWith("text/html")) return "not-html";
  if (h.has("set-cookie")) return "set-cookie";
  const cc = directives(h.get("cache-control"));
  for (const d of ["no-store", "private", "no-cache"]) if (cc.has(d)) return d;
  const vary = (h.get("vary") ?? "").split(",").map((v) => v.trim().toLowerCase());
  if (vary.some((v) => v && !VARY_OK.has(v))) return "vary";
  if (Number(h.get("content-length")) > MAX_STORED_BYTES) return "too-large";
  return freshFor(h, cc) > 0 ? null : "no-ttl";
}

/** Seconds a shared cache may keep the response: `s-maxage`, else `max-age`, else `Expires`
 *  from `Date`, less the `Age` it already has. 0 when none says (no heuristic freshness). */
function freshFor(h, cc) {
  let lifetime = seconds(cc.get("s-maxage") ?? cc.get("max-age"));
  if (lifetime === null) {
    const expires = Date.parse(h.get("expires") ?? "");
    const date = Date.parse(h.get("date") ?? "") || Date.now();
    lifetime = Number.isNaN(expires) ? 0 : Math.floor((expires - date) / 1000);
  }
  return lifetime - (seconds(h.get("age")) ?? 0);
}

/** A delta-seconds value; null when absent, 0 when it is not a number (as stale). */
function seconds(value) {
  if (value === undefined || value === null) return null;
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : 0;
}

/** `Cache-Control`'s directives, names lowercased, quoted values unquoted. */
function directives(header) {
  const out = new Map();
  for (const part of (header ?? "").split(",")) {
    const [name, ...rest] = part.split("=");
    const key = name.trim().toLowerCase();
    if (key)
      out.set(
        key,
        rest.length
          ? rest
              .join("=")
              .trim()
              .replace(/^"(.*)"$/, "$1")
          : "",
      );
  }
  return out;
}

/** The response with `x-signpost-cache`, on a copy (fetched and cached responses' headers
 *  are immutable); the response itself when it cannot be copied (a status outside 200 to 599,
 *  which a Response cannot be made with). */
function marked(response, status) {
  let copy;
  try {
    copy = new Response(response.body, response);
  } catch {
    return response;
  }
  copy.headers.set(STATUS, status);
  return copy;
}

/**
 * The purge endpoint's work: each of `urls` (a path, resolved against `base`, the purge
 * request's own origin, or an absolute URL) removed from this data center's copy of the
 * cache. Answers the JSON text of `[{url, deleted}]`, `url` the key, `deleted` whether a copy
 * was there.
 */
export async function purgeOriginCache(base, urls) {
  const cache = caches.default;
  const purged = await Promise.all(
    urls.map(async (u) => {
      const key = cacheKey(new URL(u, base));
      return { url: key, deleted: await cache.delete(key) };
    }),
  );
  return JSON.stringify(purged);
}
