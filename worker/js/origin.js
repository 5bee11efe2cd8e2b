// Where pages come from: the site behind `ORIGIN`, or the demo's static assets. The one
// origin fetch of the Worker: the page path (./page.js) calls it, and so does the Rust half
// (worker/src/origin.rs) for the endpoints' pass-through and the editor's preview.

/** Methods whose request may be sent twice: no body, no effect the origin would count. */
const RETRY_SAFE = new Set(["GET", "HEAD"]);

/**
 * The request sent on to the origin: `ORIGIN` (scheme and host of the real site) when set,
 * else the `ASSETS` binding that serves the demo store. Method, headers and body go as they
 * came; redirects are returned to the visitor, not followed. `url` is the request's, parsed.
 *
 * A GET or HEAD whose connection is lost before any answer is sent once more, as browsers do:
 * an origin that closes idle connections (HTTP/1.0 servers, short keep-alive timeouts) can
 * close one just as the runtime reuses it, and the visitor would get a 502 for a healthy site.
 */
export async function fetchOrigin(request, env, url = new URL(request.url)) {
  if (!env.ORIGIN) return env.ASSETS.fetch(request);
  const target = originBase(env.ORIGIN) + url.pathname + url.search;
  const send = () => fetch(new Request(target, request), { redirect: "manual" });
  if (!RETRY_SAFE.has(request.method)) return send();
  try {
    return await send();
  } catch (e) {
    if (!connectionLost(e)) throw e;
    return send();
  }
}

/** workerd's error for a connection that closed before the response (kj's DISCONNECTED). */
function connectionLost(e) {
  return /connection lost|disconnected/i.test(String(e?.message ?? e));
}

let base = { of: null, is: null };
/** `ORIGIN`'s scheme, host and port (parsed once per isolate). */
function originBase(origin) {
  if (base.of !== origin) base = { of: origin, is: new URL(origin).origin };
  return base.is;
}
