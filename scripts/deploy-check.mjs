// `make deploy-check`: `wrangler deploy --dry-run` for each environment of a site's wrangler
// configuration (the one `make init` writes), failing when an upload is over the size limit of
// the Workers plan the site is on. It builds nothing: it bundles what `make worker` left. A
// dry run validates the configuration too (bindings, environments), so a broken
// wrangler.site.toml fails here rather than at deploy time. The API Worker's configuration beside
// it (wrangler.site.api.toml) is checked the same way.
//
//   node scripts/deploy-check.mjs [--config wrangler.site.toml] [--plan free|paid] [--limit-kb N]
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { apiConfigPath } from "./site-config.mjs";
import { workerUpload } from "./sizes.mjs";

const KB = 1024;
/** Cloudflare's limit on a Worker's compressed (gzip) upload, per plan (README names them). */
export const PLAN_LIMITS = { free: 3 * KB * KB, paid: 10 * KB * KB };

/** The environments a wrangler configuration declares (`[env.<name>]` tables), in order. */
export function environments(text) {
  const names = [];
  for (const m of text.matchAll(/^\s*\[\[?\s*env\.([A-Za-z0-9_-]+)[.\]]/gm)) {
    if (!names.includes(m[1])) names.push(m[1]);
  }
  return names;
}

function main() {
  const { values } = parseArgs({
    options: {
      config: { type: "string", default: "wrangler.site.toml" },
      plan: { type: "string", default: process.env.SIGNPOST_PLAN || "free" },
      // An account's own limit, where Cloudflare raised it.
      "limit-kb": { type: "string" },
    },
  });
  const config = resolve(values.config);
  if (!PLAN_LIMITS[values.plan]) return fail(`--plan ${values.plan}: one of ${Object.keys(PLAN_LIMITS).join(", ")}`);
  const limit = values["limit-kb"] ? Number(values["limit-kb"]) * KB : PLAN_LIMITS[values.plan];
  if (!(limit > 0)) return fail(`--limit-kb ${values["limit-kb"]}: a number of KB`);
  const name = values["limit-kb"] ? "given" : `${values.plan} plan`;
  if (!existsSync(config)) return fail(`${values.config} is missing: make init ORIGIN=https://... writes it`);
  const envs = environments(readFileSync(config, "utf8"));
  if (!envs.length) return fail(`${values.config} has no [env.<name>] tables`);
  const api = apiConfigPath(config);
  if (!existsSync(api)) return fail(`${api} is missing: make init writes it beside ${values.config}`);
  let over = 0;
  for (const env of envs) {
    for (const [file, label] of [
      [config, ""],
      [api, " (API Worker)"],
    ]) {
      const { raw, gzip } = workerUpload({ config: file, env });
      const ok = gzip <= limit;
      if (!ok) over++;
      console.log(
        `${env}${label}: upload ${(raw / KB).toFixed(1)} KB, gzip ${(gzip / KB).toFixed(1)} KB; ` +
          `${name} limit ${limit / KB} KB ${ok ? "ok" : "OVER"}`,
      );
    }
  }
  if (over) fail(`${over} upload(s) over the ${name} limit`);
}

function fail(message) {
  console.error(`deploy-check: ${message}`);
  process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
