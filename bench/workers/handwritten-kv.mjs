// (b') The hand-written Worker (./handwritten.mjs) with its rules kept in KV, as Signpost keeps
// its config: a fresh isolate reads them before it can answer, one round of the four keys a
// cold Signpost isolate reads (`config:current`, `signals`, `catalog`, the live snapshot),
// beside the visitor's profile and the origin's page. Only the cold-start part runs it: the
// floor of a first page for any Worker whose rules live in KV, against which Signpost's first
// page is read (bench/RESULTS.md, "Cold start").
import handwritten from "./handwritten.mjs";

const RULE_KEYS = ["config:current", "signals", "catalog", "config-snapshot:live:bench"];

export default {
  async fetch(request, env, ctx) {
    const rules = Promise.all(RULE_KEYS.map((key) => env.KV.get(key, "arrayBuffer")));
    const [, response] = await Promise.all([rules, handwritten.fetch(request, env, ctx)]);
    return response;
  },
};
