// The Worker's fetch handler around a build of the Rust Worker: pages go to ./page.js (which
// calls into Rust for every decision), `/__signpost/*` to the Rust Worker. And a last line of
// defence around both. A panic in Rust aborts the wasm instance (release builds use
// panic = "abort"); worker-build's shim re-creates the instance on the next request, but the
// request that trapped would end in a runtime 500. Here it gets the origin's response instead,
// marked `x-signpost: bypass; reason=panic`. (`passThroughOnException`, set here, does the same
// on a route in front of a real origin; the demo's assets have no origin behind.)
//
// worker/entry.mjs wraps the production build (worker/build); worker/test-entry.mjs the test
// build (worker/build-test, with the test hooks and routes), which only tests load.
//
// The config editor's page (`/__signpost/admin`, a Text module bundled with the Worker, so a
// deployment without the demo's assets has it too). It does nothing without the admin token:
// every API call it makes (`/__signpost/admin/...`, in Rust) needs it. Its wasm (the core's
// validation, `make editor`) comes from the site's /sdk/editor/, next to the SDK.
import adminPage from "../admin/index.html";
import { deliver } from "./deliver.js";
import { fetchOrigin } from "./origin.js";
import { bypass, servePage } from "./page.js";

function adminFile(request, url) {
  if (request.method !== "GET" && request.method !== "HEAD") return null;
  if (url.pathname !== "/__signpost/admin") return null;
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

// A trap inside an async task does not reject the handler's promise: it surfaces as an
// uncaught error event, and the request would wait forever. Every request in flight waits on
// this too (a trap kills the instance for all of them).
const inFlight = new Set();
addEventListener("error", (event) => {
  for (const fail of inFlight) fail(event.error ?? new Error("wasm trap"));
});

/** The module's default export for `Signpost`, the Rust Worker class of a build. */
export function worker(Signpost) {
  return {
    async fetch(request, env, ctx) {
      const url = new URL(request.url);
      const admin = adminFile(request, url);
      if (admin) return admin;
      // If this module throws anyway, the runtime sends the request on to the origin.
      ctx.passThroughOnException?.();
      const sp = new Signpost(ctx, env);
      const api = url.pathname.startsWith("/__signpost/");
      // GET and HEAD have no body to lose; an API request with one keeps a copy for the fallback.
      const spare = !api || request.method === "GET" || request.method === "HEAD" ? request : request.clone();
      let fail;
      const trapped = new Promise((_, reject) => (fail = reject));
      inFlight.add(fail);
      try {
        const answer = api ? sp.fetch(request) : servePage(sp, request, url, env, ctx);
        return await Promise.race([answer, trapped]);
      } catch (e) {
        console.error("signpost: the Worker failed, passing the request through:", e);
        return bypass(fetchOrigin(spare, env, url), "panic");
      } finally {
        inFlight.delete(fail);
      }
    },
    // Measurement rows into D1, or journeys' deliveries to the destinations (./deliver.js).
    async queue(batch, env, ctx) {
      const sp = new Signpost(ctx, env);
      if (batch.queue.startsWith("signpost-measure")) return storeRows(sp, batch, env);
      await deliver(sp, batch, env);
    },
  };
}

/** A batch of measurement rows, inserted in one D1 batch by Rust; tried again whole on failure. */
async function storeRows(sp, batch, env) {
  const texts = batch.messages.map((m) => (typeof m.body === "string" ? m.body : JSON.stringify(m.body)));
  const error = await sp.measureStore(env, texts);
  if (error == null) return batch.ackAll();
  console.warn(`signpost: measurement rows not stored, tried again: ${error}`);
  batch.retryAll({ delaySeconds: 5 });
}
