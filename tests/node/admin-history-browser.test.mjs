// Two marketers in real Chromium, through the Worker in workerd, edit different offers from the
// same live version at once. The first publishes; the second's publish is refused with the
// diff shown; after a rebase both changes are live. Then both change the same offer: the
// rebase names the conflict and the marketer chooses. The history shows who, when and why,
// and the core's diff between any two versions.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, launchChromium, ADMIN_TOKEN } from "./harness.mjs";

let mf, url, kv, browser;
before(async () => {
  ({ mf, url, kv } = await startWorker({ port: 0, bindings: { SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN } }));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await mf?.dispose();
});

const SHIPPING = "Free overnight shipping on every tent, today only.";
const GOLD = "Welcome to Gold: free returns for life.";
const errors = [];

/** An editor in a browser context of its own, signed in as `name`. */
async function openEditor(name) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(`${name}: ${e.message}`));
  page.on("dialog", (d) => d.accept());
  await page.goto(new URL("/__signpost/admin", url).href);
  await page.fill("#name", name);
  await page.fill("#token", ADMIN_TOKEN);
  await page.click("#login-form button");
  await page.waitForSelector("#verdict.ok");
  return page;
}

/** Changes the offer `id` in the editor's text (as a marketer typing it would). */
async function editOffer(page, id, change) {
  const config = JSON.parse(await page.inputValue("#config"));
  change(config.offers.find((o) => o.id === id));
  await page.fill("#config", `${JSON.stringify(config, null, 2)}\n`);
  await page.waitForSelector("#verdict.ok");
}

const stored = async (n) => JSON.parse(await kv.get(`config:${n}`));
const offer = (config, id) => config.offers.find((o) => o.id === id);

test("two editors at once: refused with the diff, rebased, both changes live", async () => {
  const ana = await openEditor("Ana");
  const bo = await openEditor("Bo");
  // The name is kept in the browser for the next visit.
  assert.equal(await ana.evaluate(() => localStorage.getItem("signpost-admin-name")), "Ana");

  await editOffer(ana, "ready-free-shipping", (o) => {
    o.content = SHIPPING;
  });
  await editOffer(bo, "gold-welcome", (o) => {
    o.content = GOLD;
  });

  await ana.fill("#message", "overnight shipping");
  await ana.click("#publish");
  await ana.waitForSelector("#toast:text('Version 2 is live.')");

  // Bo's draft is based on version 1: refused, with Ana's change and his own shown.
  await bo.fill("#message", "gold welcome");
  await bo.click("#publish");
  await bo.waitForSelector("#moved:not([hidden])");
  const moved = await bo.textContent("#moved");
  assert.match(moved, /version 2 went live after version 1, the one this draft was based on \(by Ana/);
  assert.match(moved, /Published since your base \(version 1 → 2\)offer "ready-free-shipping": content changed/);
  assert.match(moved, /Your draft against version 2.*offer "gold-welcome": content changed/s);
  assert.equal(await kv.get("config:current"), "2", "nothing written");
  assert.equal(await kv.get("config:3"), null);

  // Rebase: both changes in the draft, now based on version 2; publish.
  await bo.click("#rebase");
  await bo.waitForSelector("#toast:text('Rebased on version 2')");
  assert.equal(await bo.isVisible("#moved"), false);
  assert.match(await bo.textContent("#verdict-text"), /^1 change from live version 2$/);
  assert.match(await bo.textContent("#changes"), /gold-welcome/);
  const draft = await bo.inputValue("#config");
  assert.ok(draft.includes(SHIPPING) && draft.includes(GOLD));
  // The rebased draft keeps the order of keys it was written in.
  assert.ok(draft.startsWith('{\n  "version"'));
  assert.ok(draft.indexOf('"id": "gold-welcome"') < draft.indexOf(`"content": "${GOLD}"`));
  await bo.click("#publish");
  await bo.waitForSelector("#toast:text('Version 3 is live.')");
  assert.equal(await kv.get("config:current"), "3");
  const v3 = await stored(3);
  assert.equal(offer(v3, "ready-free-shipping").content, SHIPPING);
  assert.equal(offer(v3, "gold-welcome").content, GOLD);

  // Live for visitors: the preview of the live version shows both.
  await bo.selectOption("#which", "live");
  await bo.selectOption("#tier", "ready_to_buy");
  await bo.fill("#url", "/category/tents");
  await bo.click("#preview");
  await bo.waitForSelector("#preview-of:text('version 3')");
  assert.equal(await bo.frameLocator("#frame").locator("[data-sp-slot=banner]").textContent(), SHIPPING);
  await bo.selectOption("#tier", "");
  await bo.check("#segments input[value=gold_member]");
  await bo.click("#preview");
  await bo.waitForSelector("#result-slots td.offer:text('gold-welcome')");
  assert.equal(await bo.frameLocator("#frame").locator("[data-sp-slot=banner]").textContent(), GOLD);

  // The history: who, when and why, and the diff between any two versions.
  await ana.reload();
  await ana.waitForSelector("#versions li .who");
  const history = await ana.locator("#versions li").allTextContents();
  assert.match(history[0], /^v3.*by Bo · .*“gold welcome”.*live/);
  assert.match(history[1], /^v2.*by Ana · .*“overnight shipping”/);
  assert.doesNotMatch(history[2], /by /, "version 1 was published without a record");
  await ana.selectOption("#diff-from", "1");
  await ana.selectOption("#diff-to", "3");
  await ana.click("#diff");
  await ana.waitForSelector("#diff-note:text('version 1 → version 3: 2 changes')");
  const lines = await ana.locator("#diff-out li").allTextContents();
  assert.deepEqual(lines.map((l) => l.split(":")[0]).sort(), ['offer "gold-welcome"', 'offer "ready-free-shipping"']);

  // Both change the same offer: the rebase names the conflict and Ana chooses hers.
  await ana.waitForSelector("#verdict.ok");
  await editOffer(ana, "compare-help", (o) => {
    o.priority = 55;
  });
  await editOffer(bo, "compare-help", (o) => {
    o.priority = 45;
  });
  await bo.click("#publish");
  await bo.waitForSelector("#toast:text('Version 4 is live.')");
  await ana.click("#publish");
  await ana.waitForSelector("#moved:not([hidden])");
  await ana.click("#rebase");
  await ana.waitForSelector("#moved .conflict");
  const conflict = await ana.textContent("#moved .conflict");
  assert.match(conflict, /^offer "compare-help"/);
  assert.match(conflict, /Version 4 \(published\)offer "compare-help": priority 50 → 45/);
  assert.match(conflict, /Your draftoffer "compare-help": priority 50 → 55/);
  assert.equal(await ana.isDisabled("#rebase-apply"), true, "a side must be chosen");
  await ana.check("#moved .conflict input[value=draft]");
  await ana.click("#rebase-apply");
  await ana.waitForSelector("#toast:text('Rebased on version 4')");
  assert.match(await ana.textContent("#changes"), /compare-help": priority 45 → 55/);
  await ana.click("#publish");
  await ana.waitForSelector("#toast:text('Version 5 is live.')");
  assert.equal(offer(await stored(5), "compare-help").priority, 55);
  assert.equal(offer(await stored(5), "gold-welcome").content, GOLD);

  // Rollback stays.
  await ana.click("#rollback");
  await ana.waitForSelector("#toast:text('Version 4 is live again')");
  assert.equal(await kv.get("config:current"), "4");
  assert.deepEqual(errors, []);
});
