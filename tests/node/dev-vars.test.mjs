// `make dev`'s local secrets (scripts/dev-vars.mjs): every secret the Worker and the demo's
// shop backend read is made once; an older .dev.vars gains the ones it lacks and keeps its own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SECRETS, ensureDevVars, parseDevVars } from "../../scripts/dev-vars.mjs";

const fresh = () => join(mkdtempSync(join(tmpdir(), "signpost-devvars-")), ".dev.vars");

test("a new .dev.vars gets every secret, random and private", () => {
  const file = fresh();
  assert.deepEqual(ensureDevVars(file), SECRETS);
  const vars = parseDevVars(readFileSync(file, "utf8"));
  assert.deepEqual(Object.keys(vars), [
    "SIGNPOST_SECRET",
    "SIGNPOST_ADMIN_TOKEN",
    "SIGNPOST_INGEST_TOKEN",
    "SIGNPOST_IDENTITY_SECRET",
    "SIGNPOST_DEST_CRM",
    "SIGNPOST_DEST_EMAIL",
  ]);
  for (const v of Object.values(vars)) assert.match(v, /^[0-9a-f]{48}$/);
  assert.equal(new Set(Object.values(vars)).size, 6, "each secret its own");
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const other = fresh();
  ensureDevVars(other);
  assert.notEqual(parseDevVars(readFileSync(other, "utf8")).SIGNPOST_INGEST_TOKEN, vars.SIGNPOST_INGEST_TOKEN);
});

test("an older .dev.vars keeps its values and gains the secrets it lacks, once", () => {
  const file = fresh();
  const old = 'SIGNPOST_SECRET=keep-me\nSIGNPOST_ADMIN_TOKEN="quoted-admin"\n# a comment\nORIGIN=';
  writeFileSync(file, old);
  assert.deepEqual(ensureDevVars(file), [
    "SIGNPOST_INGEST_TOKEN",
    "SIGNPOST_IDENTITY_SECRET",
    "SIGNPOST_DEST_CRM",
    "SIGNPOST_DEST_EMAIL",
  ]);
  const text = readFileSync(file, "utf8");
  assert.ok(text.startsWith(`${old}\n`), "the old lines untouched");
  const vars = parseDevVars(text);
  assert.equal(vars.SIGNPOST_SECRET, "keep-me");
  assert.equal(vars.SIGNPOST_ADMIN_TOKEN, "quoted-admin");
  assert.equal(vars.ORIGIN, "");
  assert.match(vars.SIGNPOST_INGEST_TOKEN, /^[0-9a-f]{48}$/);
  assert.deepEqual(ensureDevVars(file), [], "nothing to add the second time");
  assert.equal(readFileSync(file, "utf8"), text);
});
