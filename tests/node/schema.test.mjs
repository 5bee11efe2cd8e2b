// The config's JSON Schema, checked by an independent validator (ajv, draft 2020-12): it must
// accept the reference config and reject what the engine rejects.
import { test } from "node:test";
import assert from "node:assert/strict";
import Ajv2020 from "ajv/dist/2020.js";
import { read } from "./harness.mjs";

const schema = JSON.parse(read("schema/config.schema.json"));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
const example = () => JSON.parse(read("examples/config.json"));

test("the schema accepts the reference config", () => {
  assert.ok(validate(example()), JSON.stringify(validate.errors, null, 1));
});

const broken = {
  "a misspelt offer field": (c) => (c.offers[0].priorty = 3),
  "an unknown operator": (c) => (c.offers[5].when.op = "equals"),
  "an unknown top-level field": (c) => (c.colour = "blue"),
  "a negative holdout": (c) => (c.holdout.percent = -1),
  "an unknown recommendation strategy": (c) => (c.offers[11].recommend.strategy = "magic"),
  "a tier without min_score": (c) => delete c.intent.tiers[1].min_score,
};
for (const [name, breakIt] of Object.entries(broken)) {
  test(`the schema rejects ${name}`, () => {
    const c = example();
    breakIt(c);
    assert.equal(validate(c), false);
  });
}
