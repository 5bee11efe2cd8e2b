// The config's JSON Schema, checked by a maintained validator (ajv, draft 2020-12): it accepts
// the reference config and one that sets every field, and rejects every broken config the
// engine rejects (tests/fixtures/schema/broken-configs.json, shared with tests/schema.rs, where
// the engine is held to the same list and the schema's fields to the grammar table).
import { test } from "node:test";
import assert from "node:assert/strict";
import Ajv2020 from "ajv/dist/2020.js";
import { read } from "./harness.mjs";

const schema = JSON.parse(read("schema/config.schema.json"));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
const example = () => JSON.parse(read("examples/config.json"));
const errors = () => JSON.stringify(validate.errors, null, 1);

test("the schema accepts the reference config", () => {
  assert.ok(validate(example()), errors());
});

test("the schema accepts a config that sets every field", () => {
  const every = JSON.parse(read("tests/fixtures/schema/every-field.json"));
  assert.ok(validate(every), errors());
});

/** The parent of a JSON Pointer's target, and the target's key in it. */
function locate(config, pointer) {
  const keys = pointer.split("/").slice(1);
  const last = keys.pop();
  const parent = keys.reduce((node, key) => node[key], config);
  assert.ok(parent && typeof parent === "object", `${pointer} has no parent`);
  return [parent, last];
}

/** Applies a case of broken-configs.json to the example config. */
function broken({ set = {}, remove = [] }) {
  const c = example();
  for (const [pointer, value] of Object.entries(set)) {
    const [parent, key] = locate(c, pointer);
    parent[key] = value;
  }
  for (const pointer of remove) {
    const [parent, key] = locate(c, pointer);
    assert.ok(key in parent, `${pointer} is not in the example`);
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  }
  return c;
}

const { cases } = JSON.parse(read("tests/fixtures/schema/broken-configs.json"));
for (const c of cases) {
  test(`the schema rejects ${c.name}`, () => {
    assert.equal(validate(broken(c)), false);
  });
}
