// The wrangler configurations of a real site, made from the project's own wrangler.toml (the
// page Worker) and wrangler.api.toml (the API Worker, [`apiConfigPath`]), each the same way: every
// binding the demo declares (KV, Durable Objects, Queues, D1, vars) is copied into
// `[env.staging]` and `[env.production]`, so a binding added to wrangler.toml reaches a site's
// configuration the next time `make init` runs, with no second list to keep. What only the demo
// needs is left out: its store's pages (`[assets]`) and the local dev server (`[dev]`).
//
// Per environment: the Worker's name gets wrangler's `-<env>` suffix by itself, and so do the
// names the page Worker gives the API Worker (its service binding, its Durable Objects' script);
// queues and the D1 database get the same suffix (a queue has one consumer Worker, and
// staging's measurement must not mix with production's); ORIGIN is the site; KV and D1 ids are
// placeholders until wrangler creates the resources (`ids` fills them in).
import { join, relative, resolve } from "node:path";

export const ENVS = ["staging", "production"];
/** What an id is before the resource exists: wrangler accepts it for a dry run and local dev. */
export const PLACEHOLDER_KV = "put-the-kv-namespace-id-here";
export const PLACEHOLDER_D1 = "00000000-0000-0000-0000-000000000000";

const DEMO_ONLY = new Set(["build", "assets", "dev"]);
// Keys whose value names a resource shared by the environments unless suffixed.
const SUFFIXED = new Set(["queue", "dead_letter_queue", "database_name", "service", "script_name"]);

/** The API Worker's configuration beside a page Worker's: `wrangler.site.toml` ->
 *  `wrangler.site.api.toml`. */
export const apiConfigPath = (path) => path.replace(/(\.toml)?$/, ".api.toml");

/** Splits a wrangler.toml's text into its top-level lines and its tables (header + lines). */
function tables(text) {
  const top = [];
  const out = [];
  let current = null;
  let comments = []; // the comment lines just above a table belong to it
  for (const line of text.split("\n")) {
    const m = /^\s*(\[\[?)\s*([A-Za-z0-9_.]+)\s*\]\]?\s*$/.exec(line);
    if (m) {
      current = { array: m[1] === "[[", name: m[2], comments, lines: [] };
      out.push(current);
      comments = [];
    } else if (/^\s*#/.test(line) || line.trim() === "") {
      comments.push(line);
    } else {
      (current ? current.lines : top).push(...comments, line);
      comments = [];
    }
  }
  return { top, tables: out };
}

/**
 * The site's wrangler configuration as text.
 * - `base`: the project's wrangler.toml text; `origin`: the site's origin (https://...);
 * - `routes`: `{ staging, production }` route patterns (`shop.example.com/*`), each optional:
 *   without one, the environment is reached on its workers.dev address;
 * - `out`: where the file goes, `root`: the project (paths in it are written relative);
 * - `ids`: `{ [env]: { kv, d1 } }` ids of resources wrangler created;
 * - `api`: this is the API Worker's (from wrangler.api.toml): no routes, no workers.dev address.
 */
export function siteConfig({ base, origin, routes = {}, out, root, ids = {}, api = false }) {
  const { top, tables: all } = tables(base);
  // Paths relative to the file when it is inside the project (so the project can move), else
  // absolute.
  const up = relative(resolve(out, ".."), root);
  const rel = up === "" ? "." : up.split("/").every((x) => x === "..") ? up : root;
  const head = top
    .filter((line) => line.trim() !== "" && !/^\s*#/.test(line))
    .map((line) => line.replace(/^main\s*=\s*"(.*)"/, (_, p) => `main = ${JSON.stringify(join(rel, p))}`));
  const lines = [
    api
      ? "# A site's Signpost API Worker, written by `make init` from the project's wrangler.api.toml"
      : "# A site's Signpost page Worker, written by `make init` from the project's wrangler.toml",
    "# (scripts/site-config.mjs): staging and production, each with its own KV, queues and D1.",
    "# Deploy with `make deploy ENV=staging` (or production); check with `make deploy-check`.",
    "# No [build]: the make targets build the Worker first (wrangler would run a build command",
    "# from wherever it is started, not from this file's directory).",
    ...head,
  ];
  // Durable Object migrations are the script's history, the same in every environment.
  for (const t of all.filter((t) => t.name === "migrations"))
    lines.push("", ...t.comments, "[[migrations]]", ...t.lines);
  for (const env of ENVS) {
    lines.push("", `# ---- ${env} ----`, `[env.${env}]`);
    // The API Worker is reached only through the page Worker's service binding.
    if (api) lines.push("workers_dev = false");
    else if (routes[env]) lines.push(`routes = [{ pattern = ${JSON.stringify(routes[env])}, custom_domain = false }]`);
    else lines.push("workers_dev = true");
    for (const t of all) {
      if (DEMO_ONLY.has(t.name) || t.name === "migrations") continue;
      const header = t.array ? `[[env.${env}.${t.name}]]` : `[env.${env}.${t.name}]`;
      lines.push("", ...t.comments, header, ...t.lines.map((l) => envLine(l, env, origin, ids[env] ?? {})));
    }
  }
  return `${lines.join("\n").replace(/\n{3,}/g, "\n\n")}\n`;
}

function envLine(line, env, origin, ids) {
  const m = /^(\s*)([A-Za-z_]+)(\s*=\s*)"(.*)"(.*)$/.exec(line);
  if (!m) return line;
  const [, indent, key, eq, value, rest] = m;
  const set = (v) => `${indent}${key}${eq}${JSON.stringify(v)}${rest}`;
  if (key === "ORIGIN") return set(origin);
  if (SUFFIXED.has(key)) return set(`${value}-${env}`);
  if (key === "id") return set(ids.kv ?? PLACEHOLDER_KV);
  if (key === "database_id") return set(ids.d1 ?? PLACEHOLDER_D1);
  return line;
}

/** The names of the queues and the D1 database an environment of `text` (a site config) uses. */
export function resources(text, env) {
  const queues = new Set();
  let d1 = null;
  let inEnv = false;
  for (const line of text.split("\n")) {
    const h = /^\s*\[\[?\s*([A-Za-z0-9_.]+)/.exec(line);
    if (h) inEnv = h[1].startsWith(`env.${env}.`);
    if (!inEnv) continue;
    const m = /^\s*(queue|dead_letter_queue|database_name)\s*=\s*"(.*)"/.exec(line);
    if (m && m[1] === "database_name") d1 = m[2];
    else if (m) queues.add(m[2]);
  }
  return { queues: [...queues], d1 };
}
