// Every acceptance journey of examples/journeys.json through the real Worker in workerd: page
// requests over dispatchFetch, page events posted to /__signpost/events, business signals to
// /__signpost/signals. The test clock (x-signpost-test-now, test hooks only) puts each step at
// its instant, so journeys spanning months run too; between steps the visitor keeps only what
// a browser keeps (sp_vid, sp_s) and the Worker keeps its profile in KV.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, read, Visitor, waitFor, SECRET, ADMIN_TOKEN } from "./harness.mjs";

const { journeys } = JSON.parse(read("examples/journeys.json"));
let mf, kv;
before(async () => {
  ({ mf, kv } = await startWorker({
    bindings: { SIGNPOST_TEST_HOOKS: "1", SIGNPOST_SECRET: SECRET, SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN },
  }));
});
after(async () => mf?.dispose());

for (const journey of journeys) {
  test(`journey ${journey.name}`, async () => {
    const visitor = new Visitor(mf, { vid: journey.visitor });
    let lastUrl = "/";
    const posted = [];
    try {
      for (const [i, step] of journey.steps.entries()) {
        const at = Date.parse(step.at);
        visitor.now = at;
        const where = `${journey.name} step ${i} (${step.at})`;
        if (step.request) {
          lastUrl = step.request.url;
          const headers = { ...(step.request.headers ?? {}) };
          if (step.request.cf?.country) headers["x-signpost-test-country"] = step.request.cf.country;
          if (step.request.cf?.region) headers["x-signpost-test-region"] = step.request.cf.region;
          const page = await visitor.page(step.request.url, { headers });
          assert.equal(page.res.status, 200, where);
          check(step.expect ?? {}, page, where);
        } else if (step.event) {
          const event = { id: `${journey.name}-${i}`, at, ...step.event };
          const res = await visitor.events(lastUrl, [event]);
          assert.equal(res.status, 200, `${where}: ${await res.clone().text()}`);
          const answer = await res.json();
          assert.equal(answer.v, 1);
        } else if (step.signal) {
          const res = await visitor.fetch("/__signpost/signals", {
            method: "POST",
            headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
            body: JSON.stringify(step.signal),
          });
          assert.equal(res.status, 200, where);
          posted.push(step.signal.name);
        }
        // The profile write runs after the response (waitUntil); let it land before the next
        // step, as the next request of a real visitor comes later than that.
        await waitFor(async () => JSON.parse((await kv.get(`profile:${journey.visitor}`)) ?? "{}").r >= at, 300);
      }
    } finally {
      // Signals are site-wide: leave none behind for the next journey.
      for (const name of posted) {
        await visitor.fetch("/__signpost/signals", {
          method: "POST",
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ name, data: null }),
        });
      }
    }
  });
}

/** The journey's expectations against the served page (its injected state and headers). */
function check(expect, { state, signpost, html }, where) {
  const personalized = signpost.startsWith("personalized");
  if (expect.personalized !== undefined) assert.equal(personalized, expect.personalized, `${where}: ${signpost}`);
  if (!personalized) {
    assert.equal(state, null, `${where}: no state on a bypassed page`);
    for (const [slot, want] of Object.entries(expect.slots ?? {})) assert.equal(want, null, `${where}: slot ${slot}`);
    return;
  }
  assert.ok(state, `${where}: state injected`);
  const slotOf = (name) => state.plan.slots.find((s) => s.slot === name);
  if (expect.tier !== undefined) assert.equal(state.tier, expect.tier, `${where}: tier (score ${state.score})`);
  if (expect.holdout !== undefined) assert.equal(state.holdout, expect.holdout, `${where}: holdout`);
  for (const [slot, want] of Object.entries(expect.slots ?? {})) {
    const got = slotOf(slot);
    const shown = got ? (got.variant ? `${got.offer}/${got.variant}` : got.offer) : null;
    const ok = want === null ? shown === null : shown === want || (!want.includes("/") && got?.offer === want);
    assert.ok(ok, `${where}: slot ${slot}: expected ${want ?? "untouched"}, got ${shown ?? "untouched"}`);
    // The header and the page itself say the same.
    if (shown) {
      assert.ok(signpost.includes(`${slot}=${shown}`), `${where}: x-signpost ${signpost}`);
      assert.match(
        html,
        new RegExp(`data-sp-slot="${slot}"[^>]*data-sp-offer="${got.offer}"`),
        `${where}: rewritten ${slot}`,
      );
    } else {
      assert.ok(!signpost.includes(`${slot}=`), `${where}: x-signpost ${signpost}`);
    }
  }
  for (const [slot, text] of Object.entries(expect.contains ?? {})) {
    assert.ok((slotOf(slot)?.html ?? "").includes(text), `${where}: ${slot} contains ${text}`);
    assert.ok(html.includes(text), `${where}: the page contains ${text}`);
  }
  for (const [slot, text] of Object.entries(expect.not_contains ?? {})) {
    assert.ok(!(slotOf(slot)?.html ?? "").includes(text), `${where}: ${slot} must not contain ${text}`);
  }
  for (const [slot, items] of Object.entries(expect.items ?? {})) {
    assert.deepEqual(slotOf(slot)?.items ?? [], items, `${where}: items of ${slot}`);
  }
}
