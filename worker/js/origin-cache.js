// The origin cache (`ORIGIN_CACHE`, docs/worker.md "The origin cache"): the origin's HTML kept
// in the edge cache (the Cache API, in a namespace of its own) for as long as the origin's own
// headers let a shared cache keep it, so a page is personalized from the copy at hand instead
// of waiting on the origin's round trip. Only the origin's response goes in, as the origin sent
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

/** Request headers a copy never varies on: `*`, and the visitor's own cookies and
 *  credentials (a copy per visitor is a copy no one else asks for). */
const VARY_NEVER = new Set(["*", "cookie", "authorization"]);

/** On the entry under a varying page's own key, in place of a copy: `<id>;<names>`, the
 *  request headers its copies vary on, and the id their keys carry (see `variantKey`). */
const VARY_ENTRY = "x-signpost-vary";

/** The Cache API namespace of the copies: apart from `caches.default`, which the runtime's
 *  `fetch` shares, so what is written here is never what a fetch of the same URL gets (an
 *  origin on the Worker's own host, behind a cache-everything rule, would get an entry). */
export const CACHE_NAME = "signpost:origin";

let opened = null;
/** The namespace, opened once per isolate (again after a failure). */
function originCache() {
  opened ??= caches.open(CACHE_NAME).catch((e) => {
    opened = null;
    throw e;
  });
  return opened;
}

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
 *  query), so a purge names a page by its URL. Nothing of the visitor's request (cookies,
 *  conditionals) is part of it; for a page that varies, see `variantKey`. */
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
  let entry = null;
  try {
    cache = await originCache();
    let hit = await cache.match(key);
    if (hit?.headers.has(VARY_ENTRY)) {
      entry = readEntry(hit.headers.get(VARY_ENTRY));
      hit = entry && (await cache.match(variantKey(url, entry, request)));
    }
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
  ctx.waitUntil(store(cache, { key, url, request, entry }, response, copy));
  return marked(new Response(visitor, response), "miss");
}

/**
 * Puts the origin's page in the cache once its body has arrived whole: a body the origin cut
 * short (the stream errors) or one over `MAX_STORED_BYTES` is not kept. A page that varies on
 * request headers is kept under a key of their values (`variantKey`), and an entry under its
 * own key says which headers those are: the one found at lookup when it names the same
 * headers, else a new one with a new id.
 */
async function store(cache, { key, url, request, entry }, response, body) {
  try {
    const bytes = await whole(body);
    if (!bytes) return;
    const copy = new Response(bytes, { status: 200, headers: storedHeaders(response) });
    const names = varyNames(response.headers);
    if (!names.length) return await cache.put(key, copy);
    let current = entry;
    if (current?.names.join() !== names.join()) {
      current = { id: crypto.randomUUID(), names };
      await cache.put(key, entryResponse(response, current));
    }
    await cache.put(variantKey(url, current, request), copy);
  } catch (e) {
    console.warn(`signpost: origin cache: not stored: ${e}`);
  }
}

/** The request headers a response varies on, lowercased and sorted; `Accept-Encoding` left
 *  out (the runtime decodes and encodes bodies itself, so one copy serves every encoding). */
function varyNames(headers) {
  const names = (headers.get("vary") ?? "").split(",").map((v) => v.trim().toLowerCase());
  return [...new Set(names.filter((n) => n && n !== "accept-encoding"))].sort();
}

/**
 * The key of a varying page's copy for this request: the page's key and the request's values
 * of the headers, under `/__signpost/vary/<id>` (never a page's path). A purge removes the
 * page's entry; the next copy gets an entry with a new id, so the copies made before it are
 * never read again (they expire on their own).
 */
function variantKey(url, entry, request) {
  const params = new URLSearchParams([["url", cacheKey(url)]]);
  for (const n of entry.names) params.append(n, (request.headers.get(n) ?? "").trim());
  return `${url.origin}/__signpost/vary/${entry.id}?${params}`;
}

/** The entry under a varying page's key: its freshness is the copy's. */
function entryResponse(response, entry) {
  const headers = new Headers({ [VARY_ENTRY]: `${entry.id};${entry.names.join(",")}` });
  for (const name of ["cache-control", "expires", "date", "age"]) {
    const value = response.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  return new Response(null, { status: 200, headers });
}

/** An entry's `<id>;<names>`, or null for one this code did not write. */
function readEntry(value) {
  const [id, names] = value.split(";");
  if (!/^[0-9a-f-]{36}$/.test(id ?? "") || !names) return null;
  return { id, names: names.split(",") };
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
 * `private`, `no-store` or `no-cache`, not varying on `*`, `Cookie` or `Authorization` (the
 * Cache API ignores `Vary`: `store` keys a copy by the headers it varies on), not declared over
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
  if (varyNames(h).some((n) => VARY_NEVER.has(n))) return "vary";
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

/** A directive's value without its quotes ("" for none). */
const unquote = (value) => value.trim().replace(/^"(.*)"$/, "$1");

/** `Cache-Control`'s directives, names lowercased, quoted values unquoted. */
function directives(header) {
  const out = new Map();
  for (const part of (header ?? "").split(",")) {
    const [name, ...rest] = part.split("=");
    const key = name.trim().toLowerCase();
    if (key) out.set(key, unquote(rest.join("=")));
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
  const cache = await originCache();
  const purged = await Promise.all(
    urls.map(async (u) => {
      const key = cacheKey(new URL(u, base));
      return { url: key, deleted: await cache.delete(key) };
    }),
  );
  return JSON.stringify(purged);
}
