// Seeds wrangler's local KV (the SIGNPOST binding) with the demo's config and catalog:
// config:<n>, config:current -> n (1, or the next version with --force), catalog. The config is examples/config.json with the journeys'
// waits made short enough to watch (see `demoConfig`). Profiles and signals are left as they
// are, and so is everything when a config is already live (what was published in the editor
// stays live across restarts of `make dev`; `--force` seeds again).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const read = (p) => readFileSync(join(root, p), "utf8");

// Refuse to seed what the Worker would reject.
for (const file of ["examples/config.json", "examples/catalog.json"]) JSON.parse(read(file));

const wrangler = join(root, "node_modules/.bin/wrangler");
const live = execFileSync(wrangler, ["kv", "key", "get", "config:current", "--binding", "SIGNPOST", "--local"], {
  cwd: root,
  encoding: "utf8",
  stdio: ["ignore", "pipe", "ignore"],
}).trim();
if (/^\d+$/.test(live) && !process.argv.includes("--force")) {
  console.log(`local KV already has config:current = ${live}: not seeded (node scripts/seed-kv.mjs --force to reset)`);
  process.exit(0);
}
// A version is immutable once published (a running Worker caches it by number): a reset
// publishes the demo config as the next version rather than rewriting one.
const version = /^\d+$/.test(live) ? Number(live) + 1 : 1;

/**
 * examples/config.json for the demo: a cart counts as abandoned after 1 idle minute instead of
 * 30, and the cart email waits 1 minute instead of 10, so leaving the store with a full cart
 * brings the email to the local receiver (http://127.0.0.1:8790/) in about two minutes.
 */
function demoConfig(text) {
  const c = JSON.parse(text);
  const idle = c.segments?.cart_abandoner?.all?.find((t) => t.fact === "profile.cart.idle_minutes");
  if (idle) idle.value = 1;
  const email = c.actions?.find((a) => a.id === "cart-email");
  if (email) email.wait = "1m";
  return JSON.stringify(c, null, 2);
}

const entries = [
  { key: `config:${version}`, value: demoConfig(read("examples/config.json")) },
  { key: "config:current", value: String(version) },
  { key: "catalog", value: read("examples/catalog.json") },
];
const file = join(mkdtempSync(join(tmpdir(), "signpost-seed-")), "bulk.json");
writeFileSync(file, JSON.stringify(entries));
execFileSync(wrangler, ["kv", "bulk", "put", file, "--binding", "SIGNPOST", "--local"], {
  cwd: root,
  stdio: "inherit",
});
console.log(`seeded local KV: ${entries.map((e) => e.key).join(", ")}`);
