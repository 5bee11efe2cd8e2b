// The page Worker's fetch handler around a build of the Rust Worker (without the `api`
// feature): pages go to ./page.js (which calls into Rust for every decision); `/__signpost/*`
// goes on to the API Worker through the `SIGNPOST_API` service binding (./api.js), except the
// few endpoints this Worker answers itself (`ownEndpoint`). If the wasm fails, the visitor gets
// the origin's response, marked `x-signpost: bypass; reason=panic` (`passThroughOnException`,
// set here, does the same on a route in front of a real origin; the demo's assets have none).
//
// worker/entry.mjs wraps the production build (worker/build); worker/test-entry.mjs the test
// build (worker/build-test, with the test hooks and routes), which only tests load.
import { guarded } from "./guard.js";
import { fetchOrigin } from "./origin.js";
import { bypass, servePage } from "./page.js";

/** Endpoints the page Worker answers: the origin cache lives in its data center's cache, and
 *  the test routes check its own rewriter and memory. */
const ownEndpoint = (path) => path === "/__signpost/cache/purge" || path.startsWith("/__signpost/test/");

/** What the API Worker's answer says it changed (worker/src/changed.rs): this isolate drops its
 *  copies (`endpointChanged`); the header goes no further. */
const CHANGED = "x-signpost-changed";

/** An endpoint's request, answered by the API Worker. */
async function toApi(sp, request, env) {
  const unreachable = (why) =>
    Response.json(
      { error: `the Signpost API Worker could not be reached: ${why}` },
      { status: 503, headers: { "cache-control": "no-store", "retry-after": "5" } },
    );
  if (!env.SIGNPOST_API) return unreachable("no SIGNPOST_API service binding");
  try {
    const answer = await env.SIGNPOST_API.fetch(request);
    const changed = answer.headers.get(CHANGED);
    if (changed === null) return answer;
    sp.endpointChanged(changed);
    const headers = new Headers(answer.headers);
    headers.delete(CHANGED);
    return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers });
  } catch (e) {
    console.error("signpost: the API Worker failed:", e);
    return unreachable(String(e?.message ?? e));
  }
}

/** The module's default export for `Signpost`, the Rust Worker class of a page build. */
export function pageWorker(Signpost) {
  return {
    async fetch(request, env, ctx) {
      const url = new URL(request.url);
      const api = url.pathname.startsWith("/__signpost/");
      const sp = new Signpost(ctx, env);
      if (api && !ownEndpoint(url.pathname)) return toApi(sp, request, env);
      // If this module throws anyway, the runtime sends the request on to the origin.
      ctx.passThroughOnException?.();
      // GET and HEAD have no body to lose; an endpoint's request with one keeps a copy.
      const spare = !api || request.method === "GET" || request.method === "HEAD" ? request : request.clone();
      return guarded(
        () => (api ? sp.fetch(request) : servePage(sp, request, url, env, ctx)),
        (e) => {
          console.error("signpost: the Worker failed, passing the request through:", e);
          return bypass(fetchOrigin(spare, env, url), "panic");
        },
      );
    },
  };
}
