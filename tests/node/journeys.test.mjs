// Every acceptance journey of examples/journeys.json through the real Worker in workerd: page
// requests over dispatchFetch, page events posted to /__signpost/events, business signals to
// /__signpost/signals, server events to /__signpost/ingest (with its token), identify and
// logout to /__signpost/identify and /reset; each device its own cookie jar. The test clock (x-signpost-test-now, test hooks only) puts each step at
// its instant, so journeys spanning months run too; between steps the visitor keeps only what
// a browser keeps (sp_vid, sp_s) and the Worker keeps its profile in KV.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startWorker, read, Visitor, waitFor, newVisitorId, storedProfile, SECRET, ADMIN_TOKEN } from "./harness.mjs";

const { journeys } = JSON.parse(read("examples/journeys.json"));
const INGEST_TOKEN = "journeys-ingest-token";
const IDENTITY_SECRET = "journeys-identity-secret";
let mf, kv;
before(async () => {
  ({ mf, kv } = await startWorker({
    bindings: {
      SIGNPOST_TEST_HOOKS: "1",
      SIGNPOST_SECRET: SECRET,
      SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN,
      SIGNPOST_INGEST_TOKEN: INGEST_TOKEN,
      SIGNPOST_IDENTITY_SECRET: IDENTITY_SECRET,
    },
  }));
});
after(async () => mf?.dispose());

const json = (body, headers = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

/** One browser per device: the journey's first device has the journey's visitor id, another
 *  `<visitor>-<name>`, as the core's runner names them. */
class Devices {
  constructor(base) {
    this.base = base;
    this.all = new Map();
    this.first = null;
  }
  get(name) {
    const key = name ?? this.first ?? "";
    if (!this.all.has(key)) {
      const vid = this.first === null ? this.base : `${this.base}-${key}`;
      this.first ??= key;
      const visitor = new Visitor(mf, { vid });
      Object.assign(visitor, { user: null, lastUrl: "/" });
      this.all.set(key, visitor);
    }
    return this.all.get(key);
  }
}

for (const journey of journeys) {
  test(`journey ${journey.name}`, async () => {
    const devices = new Devices(journey.visitor);
    const posted = [];
    try {
      for (const [i, step] of journey.steps.entries()) {
        const at = Date.parse(step.at);
        const visitor = devices.get(step.device);
        visitor.now = at;
        const where = `${journey.name} step ${i} (${step.at})`;
        if (step.request) {
          visitor.lastUrl = step.request.url;
          const headers = { ...(step.request.headers ?? {}) };
          if (step.request.cf?.country) headers["x-signpost-test-country"] = step.request.cf.country;
          if (step.request.cf?.region) headers["x-signpost-test-region"] = step.request.cf.region;
          const page = await visitor.page(step.request.url, { headers });
          assert.equal(page.res.status, 200, where);
          check(step.expect ?? {}, page, where);
          continue;
        }
        // Deliveries (`sent`) are checked by the core's and the wasm's runners, which simulate
        // time; here timers run on the wall clock (tests/node/deliveries.test.mjs covers them).
        const { sent: _sent, ...expect } = step.expect ?? {};
        const checks = Object.keys(expect).length > 0;
        assert.ok(!checks || step.event, `${where}: an expect on this kind of step is not run here yet`);
        const acts = ["event", "signal", "server_event", "identify", "reset"].some((k) => step[k]);
        if (!acts) continue; // a step that only checks
        if (step.event) {
          const event = { id: `${journey.name}-${i}`, at, ...step.event };
          const res = await visitor.events(visitor.lastUrl, [event]);
          assert.equal(res.status, 200, `${where}: ${await res.clone().text()}`);
          const answer = await res.json();
          assert.equal(answer.v, 1);
          // The events endpoint answers the decision for the page the event happened on.
          if (checks) check(expect, { state: answer, signpost: headerOf(answer), html: null }, where);
        } else if (step.signal) {
          const res = await visitor.fetch(
            "/__signpost/signals",
            json(step.signal, { authorization: `Bearer ${ADMIN_TOKEN}` }),
          );
          assert.equal(res.status, 200, where);
          posted.push(step.signal.name);
        } else if (step.server_event) {
          // As the shop's backend sends it: for this browser's visitor, or for a user.
          const { user, ...event } = step.server_event;
          const target = user ? { user } : { visitor: visitor.jar.get("sp_vid") };
          const body = { events: [{ ...target, id: `${journey.name}-${i}`, at, ...event }] };
          const res = await visitor.fetch(
            "/__signpost/ingest",
            json(body, { authorization: `Bearer ${INGEST_TOKEN}` }),
          );
          const answer = await res.json();
          assert.equal(res.status, 200, `${where}: ${JSON.stringify(answer)}`);
          assert.equal(answer.results[0].status, "accepted", `${where}: ${JSON.stringify(answer)}`);
        } else if (step.identify) {
          // The runner plays the site's backend, which signs the user id it renders.
          const { user } = step.identify;
          const signature = createHmac("sha256", IDENTITY_SECRET).update(user).digest("hex");
          const res = await visitor.fetch("/__signpost/identify", json({ user, signature, url: visitor.lastUrl }));
          assert.equal(res.status, 200, `${where}: ${await res.clone().text()}`);
          visitor.user = user;
        } else if (step.reset) {
          const next = await newVisitorId();
          const res = await visitor.fetch("/__signpost/reset", json({}, { "x-signpost-test-new-visitor": next }));
          assert.equal(res.status, 200, where);
          assert.equal(visitor.jar.get("sp_vid"), next, `${where}: a fresh visitor`);
          visitor.user = null;
        }
        // This browser's log goes to the profile's writer after the response (waitUntil); let
        // it land before the next step, as the next request of a real visitor comes later.
        const vid = visitor.jar.get("sp_vid");
        const key = visitor.user ? `u:${visitor.user}` : vid;
        await waitFor(async () => {
          const p = (await storedProfile(kv, key)) ?? {};
          return (p.dv ?? []).some(([d, rev]) => d === vid && rev >= at);
        }, 300);
      }
    } finally {
      // Signals are site-wide: leave none behind for the next journey.
      for (const name of posted) {
        await mf.dispatchFetch(
          "http://localhost/__signpost/signals",
          json({ name, data: null }, { authorization: `Bearer ${ADMIN_TOKEN}` }),
        );
      }
    }
  });
}

/** `x-signpost` as a page with this state would have it. */
function headerOf(state) {
  const slots = state.plan.slots.map((s) => `${s.slot}=${s.offer}${s.variant ? `/${s.variant}` : ""}`);
  return `personalized; slots=${slots.join(",")}`;
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
      if (html !== null)
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
    if (html !== null) assert.ok(html.includes(text), `${where}: the page contains ${text}`);
  }
  for (const [slot, text] of Object.entries(expect.not_contains ?? {})) {
    assert.ok(!(slotOf(slot)?.html ?? "").includes(text), `${where}: ${slot} must not contain ${text}`);
  }
  for (const [slot, items] of Object.entries(expect.items ?? {})) {
    assert.deepEqual(slotOf(slot)?.items ?? [], items, `${where}: items of ${slot}`);
  }
}
