// A webhook receiver, as a destination's server would be: a plain HTTP server that takes
// Signpost's deliveries (`POST /<destination>`), checks each `Signpost-Signature` with the
// destination's secret, and keeps what arrived. `GET /` lists it as a page, `GET /messages`
// as JSON. `make dev` runs it for the demo's destinations; the tests start it in-process and
// can make it fail (`failNext`).
//
//   node scripts/receiver.mjs [port]     (secrets: SIGNPOST_DEST_* from the env or .dev.vars)
import { createHmac, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";

/** How old a signature may be (its `t`) before the receiver refuses it as a replay. */
export const TOLERANCE_S = 300;

/**
 * Checks a `Signpost-Signature: t=<unix s>,v1=<hex>` header against the raw body: the HMAC-SHA256
 * of `"<t>.<body>"` under the secret, compared in constant time, and `t` within the tolerance.
 * This is the verifier docs/worker.md shows receivers.
 */
export function verify(header, body, secret, nowS = Math.floor(Date.now() / 1000)) {
  const parts = Object.fromEntries(
    String(header ?? "")
      .split(",")
      .map((p) => p.split("=", 2)),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return false;
  if (Math.abs(nowS - t) > TOLERANCE_S) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Starts a receiver. `secrets` maps a path (`/hooks/crm`) to its destination's secret. Answers
 * `{url, messages, attempts, failNext(path, times, status), close()}`; each message is
 * `{path, at, verified, key, signature, body, json}`; `failNext(path, n)` answers the next n
 * posts to `path` with `status` (503 by default); `Infinity` keeps failing.
 */
export async function startReceiver({ port = 0, secrets = {} } = {}) {
  const messages = [];
  // Every POST, failed ones included: `{path, key, status}`.
  const attempts = [];
  const failures = new Map(); // path -> [times left, status]
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (req.method === "GET" && req.url === "/messages") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify(messages));
      }
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        return res.end(page(messages));
      }
      const path = req.url.split("?")[0];
      const key = req.headers["idempotency-key"] ?? null;
      const fail = failures.get(path);
      if (fail && fail[0] > 0) {
        fail[0] -= 1;
        attempts.push({ path, key, status: fail[1] });
        res.writeHead(fail[1]);
        return res.end("failing on purpose");
      }
      attempts.push({ path, key, status: 200 });
      const signature = req.headers["signpost-signature"];
      const secret = secrets[path];
      let json = null;
      try {
        json = JSON.parse(body);
      } catch {}
      messages.push({
        path,
        at: new Date().toISOString(),
        verified: secret !== undefined && verify(signature, body, secret),
        key,
        signature,
        body,
        json,
      });
      res.writeHead(secret === undefined ? 404 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: secret !== undefined }));
    });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    messages,
    attempts,
    failNext(path, times, status = 503) {
      failures.set(path, [times, status]);
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(messages) {
  const rows = messages
    .slice()
    .reverse()
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.at)}</td><td>${escapeHtml(m.path)}</td><td>${m.verified ? "✔ signed" : "✘ NOT VERIFIED"}</td>` +
        `<td><code>${escapeHtml(m.key)}</code></td><td><pre>${escapeHtml(JSON.stringify(m.json ?? m.body, null, 1))}</pre></td></tr>`,
    )
    .join("");
  return `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Deliveries received</title>
<style>body{font:14px system-ui;margin:2em}td{vertical-align:top;border-top:1px solid #ddd;padding:.4em}pre{margin:0}</style>
<h1>Deliveries received (${messages.length})</h1><p>What Signpost's journeys sent to the demo's destinations, newest first; the signature is checked with each destination's secret.</p>
<table><tr><th>received</th><th>destination</th><th>signature</th><th>Idempotency-Key</th><th>body</th></tr>${rows}</table>`;
}

/** The demo's secrets: `SIGNPOST_DEST_<NAME>` from the environment or .dev.vars, by path. */
function demoSecrets() {
  const vars = { ...process.env };
  if (existsSync(".dev.vars")) {
    for (const line of readFileSync(".dev.vars", "utf8").split("\n")) {
      const m = /^(SIGNPOST_DEST_[A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m && vars[m[1]] === undefined) vars[m[1]] = m[2];
    }
  }
  const secrets = {};
  for (const [k, v] of Object.entries(vars)) {
    if (k.startsWith("SIGNPOST_DEST_")) secrets[`/hooks/${k.slice("SIGNPOST_DEST_".length).toLowerCase()}`] = v;
  }
  return secrets;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 8790);
  const r = await startReceiver({ port, secrets: demoSecrets() });
  console.log(`receiver: ${r.url} (deliveries listed at ${r.url}/)`);
}
