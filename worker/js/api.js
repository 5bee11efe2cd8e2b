// The API Worker's handlers around a build of the Rust Worker with the `api` feature: the
// `/__signpost/*` endpoints the page Worker forwards (its `SIGNPOST_API` service binding), the
// queues' consumers and, exported beside it by worker/api-entry.mjs, the Durable Objects.
//
// The config editor's page (`/__signpost/admin`, a Text module bundled with this Worker, so a
// deployment without the demo's assets has it too). It does nothing without the admin token:
// every API call it makes (`/__signpost/admin/...`, in Rust) needs it. Its wasm (the core's
// validation, `make editor`) comes from the site's /sdk/editor/, next to the SDK.
import { WorkerEntrypoint } from "cloudflare:workers";
import adminPage from "../admin/index.html";
import { deliver } from "./deliver.js";
import { guarded } from "./guard.js";

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

/** The module's default export for `Signpost`, the Rust Worker class of an API build: an
 *  entrypoint whose `compileSnapshot` the page Worker calls over its service binding (RPC, which
 *  no URL reaches). */
export function apiWorker(Signpost) {
  return class extends WorkerEntrypoint {
    async fetch(request) {
      const admin = adminFile(request, new URL(request.url));
      if (admin) return admin;
      const sp = new Signpost(this.ctx, this.env);
      return guarded(
        () => sp.fetch(request),
        (e) => {
          console.error("signpost: an endpoint failed:", e);
          const headers = { "cache-control": "no-store", "x-signpost": "bypass; reason=panic" };
          return Response.json({ error: "internal error" }, { status: 500, headers });
        },
      );
    }

    // Measurement rows into D1, or journeys' deliveries to the destinations (./deliver.js).
    async queue(batch) {
      const sp = new Signpost(this.ctx, this.env);
      if (batch.queue.startsWith("signpost-measure")) return storeRows(sp, batch, this.env);
      await deliver(sp, batch, this.env);
    }

    /** An operation for a profile's writer from a page Worker without the writers' binding:
     *  `null`, or why it failed (worker/src/profiles.rs). */
    async profileOp(op) {
      const sp = new Signpost(this.ctx, this.env);
      return guarded(
        () => sp.profileOp(this.env, op),
        (e) => String(e?.message ?? e),
      );
    }

    /** Config version `n` compiled for the page Worker: `{bytes}` or `{reason, error}`
     *  (worker/src/config_compile.rs). */
    async compileSnapshot(n) {
      const sp = new Signpost(this.ctx, this.env);
      return guarded(
        () => sp.compileSnapshot(this.env, n),
        (e) => ({ reason: "error", error: String(e?.message ?? e) }),
      );
    }
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
