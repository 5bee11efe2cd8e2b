// The Worker's entry module: the Rust Worker built by worker-build (worker/build), and a last
// line of defence around it. A panic in Rust aborts the wasm instance (release builds use
// panic = "abort"); worker-build's shim re-creates the instance on the next request, but the
// request that trapped would end in a runtime 500. Here it gets the origin's response instead,
// marked `x-signpost: bypass; reason=panic`. (`pass_through_on_exception`, set by the Worker,
// does the same on a route in front of a real origin; the demo's assets have no origin behind.)
import Signpost from "./build/index.js";
// The config editor's page (`/__signpost/admin`, a Text module bundled with the Worker, so a
// deployment without the demo's assets has it too). It does nothing without the admin token:
// every API call it makes (`/__signpost/admin/...`, in Rust) needs it. Its wasm (the core's
// validation, `make editor`) comes from the site's /sdk/editor/, next to the SDK.
import adminPage from "./admin/index.html";

function adminFile(request) {
  if (request.method !== "GET" && request.method !== "HEAD") return null;
  if (new URL(request.url).pathname !== "/__signpost/admin") return null;
  return new Response(request.method === "HEAD" ? null : adminPage, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "referrer-policy": "no-referrer",
      "content-security-policy": "frame-ancestors 'none'",
    },
  });
}

// The measurement tally's Durable Object class (wrangler.toml binds it as SIGNPOST_TALLY).
export { SiteTally } from "./build/index.js";

// A trap inside an async task does not reject the handler's promise: it surfaces as an
// uncaught error event, and the request would wait forever. Every request in flight waits on
// this too (a trap kills the instance for all of them).
const inFlight = new Set();
addEventListener("error", (event) => {
  for (const fail of inFlight) fail(event.error ?? new Error("wasm trap"));
});

export default {
  async fetch(request, env, ctx) {
    const admin = adminFile(request);
    if (admin) return admin;
    // GET and HEAD have no body to lose; other requests keep a copy for the fallback.
    const spare = request.method === "GET" || request.method === "HEAD" ? request : request.clone();
    let fail;
    const trapped = new Promise((_, reject) => (fail = reject));
    inFlight.add(fail);
    try {
      return await Promise.race([new Signpost(ctx, env).fetch(request), trapped]);
    } catch (e) {
      console.error("signpost: the Worker failed, passing the request through:", e);
      return passThrough(spare, env);
    } finally {
      inFlight.delete(fail);
    }
  },
};

async function passThrough(request, env) {
  let response;
  try {
    if (env.ORIGIN) {
      const url = new URL(request.url);
      const origin = new URL(env.ORIGIN);
      url.protocol = origin.protocol;
      url.host = origin.host;
      response = await fetch(new Request(url, request), { redirect: "manual" });
    } else {
      response = await env.ASSETS.fetch(request);
    }
  } catch (e) {
    console.error("signpost: origin unreachable:", e);
    return new Response("origin unreachable", { status: 502, headers: { "x-signpost": "bypass; reason=origin" } });
  }
  const copy = new Response(response.body, response);
  copy.headers.set("x-signpost", "bypass; reason=panic");
  return copy;
}
