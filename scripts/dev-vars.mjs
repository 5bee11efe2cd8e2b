// Local secrets for `wrangler dev` (it reads .dev.vars, git-ignored) and for the demo's shop
// backend: each secret the Worker uses, drawn at random the first time. An existing .dev.vars
// keeps every value it has; a secret it lacks (one added since it was made) is appended, so a
// checkout made before the secret existed picks it up without losing its admin token.
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const SECRETS = [
  "SIGNPOST_SECRET",
  "SIGNPOST_ADMIN_TOKEN",
  "SIGNPOST_INGEST_TOKEN",
  "SIGNPOST_IDENTITY_SECRET",
  // The demo config's destinations (journeys' webhooks to scripts/receiver.mjs).
  "SIGNPOST_DEST_CRM",
  "SIGNPOST_DEST_EMAIL",
];

/** The `NAME=value` lines of a .dev.vars text (quotes around a value dropped, as wrangler does). */
export function parseDevVars(text) {
  const vars = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) vars[m[1]] = m[2].replace(/^(["'])(.*)\1$/, "$2");
  }
  return vars;
}

/** Makes sure `file` holds every secret; returns the names it added. */
export function ensureDevVars(file) {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const have = parseDevVars(text);
  const missing = SECRETS.filter((name) => !(name in have));
  if (!missing.length) return missing;
  const lines = missing.map((name) => `${name}=${randomBytes(24).toString("hex")}\n`).join("");
  if (text) appendFileSync(file, (text.endsWith("\n") ? "" : "\n") + lines);
  else writeFileSync(file, lines, { mode: 0o600 });
  return missing;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "../.dev.vars");
  const added = ensureDevVars(file);
  if (added.length) console.log(`.dev.vars: added ${added.join(", ")}`);
}
