// Seeds wrangler's local KV (the SIGNPOST binding) with the demo's config and catalog:
// config:1, config:current -> 1, catalog. Profiles and signals are left as they are, and so is
// everything when a config is already live (what was published in the editor stays live
// across restarts of `make dev`; `--force` seeds again).
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
if (!process.argv.includes("--force")) {
  const live = execFileSync(wrangler, ["kv", "key", "get", "config:current", "--binding", "SIGNPOST", "--local"], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();
  if (/^\d+$/.test(live)) {
    console.log(
      `local KV already has config:current = ${live}: not seeded (node scripts/seed-kv.mjs --force to reset)`,
    );
    process.exit(0);
  }
}

const entries = [
  { key: "config:1", value: read("examples/config.json") },
  { key: "config:current", value: "1" },
  { key: "catalog", value: read("examples/catalog.json") },
];
const file = join(mkdtempSync(join(tmpdir(), "signpost-seed-")), "bulk.json");
writeFileSync(file, JSON.stringify(entries));
execFileSync(wrangler, ["kv", "bulk", "put", file, "--binding", "SIGNPOST", "--local"], {
  cwd: root,
  stdio: "inherit",
});
console.log(`seeded local KV: ${entries.map((e) => e.key).join(", ")}`);
