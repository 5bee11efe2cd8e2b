// `make init`: Signpost in front of your own site. Asks for the site's origin (or takes
// ORIGIN=...), writes wrangler.site.toml and, beside it, the API Worker's
// wrangler.site.api.toml (staging and production, scripts/site-config.mjs),
// draws each environment's secrets into .dev.vars.<env> beside it (git-ignored; wrangler dev
// reads them, `wrangler secret bulk` uploads them), and then, when wrangler is logged in,
// creates the KV namespaces, queues and D1 databases, uploads the secrets and publishes the
// example config. Offline (not logged in, or --offline) it prints those commands instead, in
// the order to run them. Running it again keeps the secrets it drew and refuses to overwrite
// the configuration without --force.
//
//   node scripts/init.mjs [--origin https://www.example.com] [--route www.example.com/*]
//                         [--staging-route staging.example.com/*] [--out wrangler.site.toml]
//                         [--offline] [--force]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensureDevVars } from "./dev-vars.mjs";
import { apiConfigPath, ENVS, resources, siteConfig } from "./site-config.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wrangler = join(root, "node_modules/.bin/wrangler");
const QUIET = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", NO_COLOR: "1" };

/** The site's origin as the Worker wants it (scheme and host, no path), or an error message. */
export function checkOrigin(text) {
  let u;
  try {
    u = new URL(text);
  } catch {
    return { error: `origin ${JSON.stringify(text)} is not a URL (write it as https://www.example.com)` };
  }
  if (!/^https?:$/.test(u.protocol)) return { error: `origin ${text}: only http:// or https://` };
  if (u.pathname !== "/" || u.search || u.hash) return { error: `origin ${text}: no path, query or fragment` };
  return { origin: u.origin };
}

/** Whether wrangler is logged in to an account (never true without network). */
function loggedIn() {
  const r = spawnSync(wrangler, ["whoami"], { cwd: root, env: QUIET, encoding: "utf8", timeout: 30_000 });
  return r.status === 0 && !/not authenticated/i.test(`${r.stdout}${r.stderr}`);
}

/** What makes an environment real: each step's words and command line (argv from the root). */
function steps(out, env) {
  const apiOut = apiConfigPath(out);
  const relative = (from, to) => (to.startsWith(from + "/") ? to.slice(from.length + 1) : to);
  // The queues and the database are the API Worker's (the page Worker only sends to a queue).
  const { queues, d1 } = resources(readFileSync(apiOut, "utf8"), env);
  const cfg = ["--config", relative(root, out), "--env", env];
  const apiCfg = ["--config", relative(root, apiOut), "--env", env];
  const devVars = relative(root, join(dirname(out), `.dev.vars.${env}`));
  return [
    {
      what: `KV namespace (its id goes in [[env.${env}.kv_namespaces]])`,
      kv: true,
      argv: ["kv", "namespace", "create", "SIGNPOST", ...cfg],
    },
    ...(d1
      ? [{ what: `D1 database (its id goes in [[env.${env}.d1_databases]])`, d1: true, argv: ["d1", "create", d1] }]
      : []),
    ...queues.map((q) => ({ what: `queue ${q}`, argv: ["queues", "create", q] })),
    // The API Worker first: the page Worker's deploy checks that its service binding exists.
    { what: "the API Worker's secrets", argv: ["secret", "bulk", devVars, ...apiCfg] },
    { what: "secrets", argv: ["secret", "bulk", devVars, ...cfg] },
    {
      what: "the example config",
      cargo: true,
      argv: [
        "publish",
        "examples/config.json",
        "--catalog",
        "examples/catalog.json",
        "--env",
        env,
        "--wrangler-config",
        relative(root, out),
      ],
    },
  ];
}

const show = (s) =>
  s.cargo ? `cargo run --release --bin signpost -- ${s.argv.join(" ")}` : `npx wrangler ${s.argv.join(" ")}`;

/** Runs the steps of `env`, filling created ids into the configuration. */
function create(out, env, args) {
  for (const s of steps(out, env)) {
    console.log(`${env}: ${s.what}: ${show(s)}`);
    const cmd = s.cargo ? "cargo" : wrangler;
    const argv = s.cargo ? ["run", "-q", "--release", "--bin", "signpost", "--", ...s.argv] : s.argv;
    const text = execFileSync(cmd, argv, {
      cwd: root,
      env: QUIET,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    const id = s.kv
      ? /\bid\s*[=:]\s*"([0-9a-f]{32})"/.exec(text)?.[1]
      : s.d1 && /"?database_id"?\s*[=:]\s*"([0-9a-f-]{36})"/.exec(text)?.[1];
    if ((s.kv || s.d1) && !id) throw new Error(`${show(s)}: no id in wrangler's answer:\n${text}`);
    if (id) {
      args.ids[env] = { ...args.ids[env], [s.kv ? "kv" : "d1"]: id };
      write(args);
    }
  }
}

/** Both Workers' configurations: the page Worker's at `args.out`, the API Worker's beside it. */
function write(args) {
  writeFileSync(args.out, siteConfig(args));
  writeFileSync(
    apiConfigPath(args.out),
    siteConfig({ ...args, base: args.apiBase, out: apiConfigPath(args.out), api: true }),
  );
}

async function main() {
  const { values } = parseArgs({
    options: {
      origin: { type: "string" },
      route: { type: "string" },
      "staging-route": { type: "string" },
      out: { type: "string", default: "wrangler.site.toml" },
      offline: { type: "boolean", default: false },
      force: { type: "boolean", default: false },
    },
  });
  let origin = values.origin || process.env.ORIGIN;
  if (!origin && process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    origin = (await rl.question("Your site's origin (for example https://www.example.com): ")).trim();
    rl.close();
  }
  if (!origin) return fail("the site's origin is missing: make init ORIGIN=https://www.example.com");
  const checked = checkOrigin(origin);
  if (checked.error) return fail(checked.error);
  const out = resolve(values.out);
  for (const file of [out, apiConfigPath(out)]) {
    if (existsSync(file) && !values.force) return fail(`${file} exists: --force (FORCE=1) writes it again`);
  }

  const args = {
    base: readFileSync(join(root, "wrangler.toml"), "utf8"),
    apiBase: readFileSync(join(root, "wrangler.api.toml"), "utf8"),
    origin: checked.origin,
    routes: { production: values.route, staging: values["staging-route"] },
    out,
    root,
    ids: {},
  };
  mkdirSync(dirname(out), { recursive: true });
  write(args);
  console.log(
    `wrote ${values.out} and ${apiConfigPath(values.out)}: staging and production in front of ${checked.origin}`,
  );
  for (const env of ENVS) {
    const added = ensureDevVars(join(dirname(out), `.dev.vars.${env}`));
    if (added.length) console.log(`.dev.vars.${env}: drew ${added.join(", ")} (keep this file secret)`);
  }

  if (!values.offline && loggedIn()) {
    for (const env of ENVS) create(out, env, args);
    console.log("done: `make deploy ENV=staging` deploys staging; `make deploy ENV=production` the site.");
    return;
  }
  console.log("\nwrangler is not logged in (or --offline): nothing was created. After `npx wrangler login`, run");
  console.log("these from the project's directory, in this order:\n");
  for (const env of ENVS) {
    for (const s of steps(out, env)) console.log(`  # ${env}: ${s.what}\n  ${show(s)}`);
  }
  console.log(`\nTry it locally first: make site-dev ENV=staging   (your site through the Worker, local KV)`);
  console.log("Check both environments build under the plan's limit: make deploy-check");
}

function fail(message) {
  console.error(`init: ${message}`);
  process.exitCode = 2;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
