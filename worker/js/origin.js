// Where pages come from: the site behind `ORIGIN`, or the demo's static assets. The one
// origin fetch of the Worker: the page path (./page.js) calls it, and so does the Rust half
// (worker/src/origin.rs) for the endpoints' pass-through and the editor's preview.

/**
 * The request sent on to the origin: `ORIGIN` (scheme and host of the real site) when set,
 * else the `ASSETS` binding that serves the demo store. Method, headers and body go as they
 * came; redirects are returned to the visitor, not followed. `url` is the request's, parsed.
 */
export function fetchOrigin(request, env, url = new URL(request.url)) {
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
