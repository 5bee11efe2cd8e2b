// The marketer's workflow in real Chromium, through the Worker in workerd: a visitor walks the
// demo (browse tents, compare, add to cart, leave) with the journey panel on; a marketer opens
// the editor, sees a mistake pointed at its line, fixes it and publishes a changed offer; the
// visitor's next page shows it; a rollback restores the old one. Then two marketers edit at
// once (below).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, launchChromium, ADMIN_TOKEN, newVisitorId } from "./harness.mjs";

let mf, url, kv, browser;
before(async () => {
  ({ mf, url, kv } = await startWorker({ port: 0, bindings: { SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN } }));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await mf?.dispose();
});

const OLD = "Free 2-day shipping on orders placed in the next hour.";
const NEW = "Free overnight shipping on every tent, today only.";
const at = (path) => new URL(path, url).href;
const banner = (page) => page.locator("[data-sp-slot=banner]");

test("visitor journey, publish in the editor, next page shows it, rollback restores it", async () => {
  const visitor = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // A visitor outside the holdout (whose pages have no slots filled).
  await visitor.addCookies([{ name: "sp_vid", value: await newVisitorId(), url: String(url) }]);
  const errors = [];
  let page = await visitor.newPage();
  page.on("pageerror", (e) => errors.push(e.message));

  // The visitor browses tents with the journey panel on, compares, adds a tent to the cart.
  await page.goto(at("/?sp-panel"));
  await page.waitForSelector(".sp-journey [data-sp-panel-tier]");
  for (const path of ["/category/tents", "/products/tent-summit-2p", "/products/tent-basecamp-4p", "/compare"]) {
    await page.goto(at(path));
    // The panel loads after the page (a dynamic import) and records the step when it opens:
    // the next page waits for it.
    await page.waitForSelector(".sp-journey [data-sp-panel-tier]");
  }
  const panel = page.locator(".sp-journey");
  await panel.waitFor();
  assert.equal(await panel.locator("[data-sp-panel-tier]").textContent(), "comparing");
  await page.waitForSelector(".sp-journey [data-slot=hero] code");
  assert.match(await panel.locator("[data-slot=hero]").textContent(), /compare-help.*session\.tier eq "comparing"/s);
  assert.ok((await panel.locator("li").count()) >= 5, "one step per page");

  await page.click('[data-sp-track="add_to_cart"]');
  await page.waitForSelector("[data-sp-slot=banner][data-sp-offer=ready-free-shipping]", { timeout: 5000 });
  assert.equal(await banner(page).textContent(), OLD);
  // The panel follows the decision made in the page after the event.
  await page.waitForFunction(() => document.querySelector("[data-sp-panel-tier]")?.textContent === "ready_to_buy");
  assert.match(await panel.locator("[data-slot=banner]").textContent(), /ready-free-shipping/);
  await page.evaluate(() => import("/sdk/signpost.js").then((sp) => sp.flush()));
  await page.close(); // leaves
  page = null;

  // The marketer opens the editor, which does nothing until given the token.
  const marketer = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const editor = await marketer.newPage();
  editor.on("pageerror", (e) => errors.push(e.message));
  editor.on("dialog", (d) => d.accept());
  await editor.goto(at("/__signpost/admin"));
  assert.equal(await editor.isVisible("#app"), false);
  await editor.fill("#token", "not-the-token");
  await editor.click("#login-form button");
  await editor.waitForSelector("#login-error:text('refused')");
  assert.equal(await editor.isVisible("#app"), false);
  await editor.fill("#token", ADMIN_TOKEN);
  await editor.click("#login-form button");
  await editor.waitForSelector("#verdict.ok");
  // The JSON view (the forms are tests/node/admin-forms.test.mjs's).
  await editor.click("[data-view=json]");
  assert.match(await editor.textContent("#verdict-text"), /same as live version 1/);
  // The results next to the config: the visitor above saw the compare hero's experiment.
  await editor.waitForSelector("#results table");
  const results = await editor.textContent("#results");
  assert.match(results, /compare-hero-2026q4 \(goal: purchase\)/);
  assert.match(results, /ready-free-shipping/);
  // Next to the fixed-horizon lift, the figures that may be read every day.
  assert.match(results, /always-valid lift, p/);

  // A mistake is pointed at its line as it is typed.
  const text = await editor.inputValue("#config");
  const lines = text.split("\n");
  const opLine = lines.findIndex((l) => l.includes('"value": "ready_to_buy"') && l.includes('"op": "eq"')) + 1;
  assert.ok(opLine > 0);
  await editor.fill(
    "#config",
    text.replace('"op": "eq", "value": "ready_to_buy"', '"op": "equal", "value": "ready_to_buy"'),
  );
  await editor.waitForSelector("#verdict.bad");
  const issue = await editor.textContent("#issues li");
  assert.match(issue, new RegExp(`^line ${opLine}offers\\[\\d+\\]\\.when\\.op:.*equal`));
  assert.equal(await editor.textContent("#gutter .bad"), String(opLine));
  assert.equal(await editor.isDisabled("#publish"), true);

  // Fixed, with a changed offer: valid, one change, published.
  await editor.fill("#config", text.replace(OLD, NEW));
  await editor.waitForSelector("#verdict.ok");
  assert.match(await editor.textContent("#changes"), /ready-free-shipping/);
  await editor.click("#publish");
  await editor.waitForSelector("#toast:text('Version 2 is live.')");
  assert.equal(await kv.get("config:current"), "2");
  await editor.waitForSelector("#versions li:has(.badge.live) .n:text('v2')");

  // The preview shows the page as a described visitor gets it.
  await editor.selectOption("#tier", "ready_to_buy");
  await editor.fill("#url", "/category/tents");
  await editor.click("#preview");
  await editor.waitForSelector("#result-slots td.offer:text('ready-free-shipping')");
  const frame = editor.frameLocator("#frame");
  assert.equal(await frame.locator("[data-sp-slot=banner]").textContent(), NEW);

  // The visitor comes back: the next page shows the new offer.
  page = await visitor.newPage();
  await page.goto(at("/cart"));
  assert.equal(await banner(page).getAttribute("data-sp-offer"), "ready-free-shipping");
  assert.equal(await banner(page).textContent(), NEW);

  // The marketer rolls back; the visitor's next page has the old offer again.
  await editor.click("#rollback");
  await editor.waitForSelector("#toast:text('Version 1 is live again')");
  assert.equal(await kv.get("config:current"), "1");
  // The editor shows the toast, then fetches the live config into the text area.
  await editor.waitForFunction((old) => document.querySelector("#config").value.includes(old), OLD, { timeout: 10000 });
  assert.equal(
    await editor.inputValue("#config").then((t) => t.includes(OLD)),
    true,
    "the editor shows the live version",
  );
  await page.goto(at("/category/tents"));
  assert.equal(await banner(page).textContent(), OLD);
  assert.deepEqual(errors, []);
  await visitor.close();
  await marketer.close();
});

const GOLD = "Welcome to Gold: free returns for life.";
const pageErrors = [];

/** An editor in a browser context of its own, signed in as `name`. */
async function openEditor(name) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`${name}: ${e.message}`));
  page.on("dialog", (d) => d.accept());
  await page.goto(new URL("/__signpost/admin", url).href);
  await page.fill("#name", name);
  await page.fill("#token", ADMIN_TOKEN);
  await page.click("#login-form button");
  await page.waitForSelector("#verdict.ok");
  await page.click("[data-view=json]");
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

// `SIGNPOST_SCREENSHOTS=docs/img node --test tests/node/admin-browser.test.mjs` saves the
// screenshots docs/marketers.md shows.
const shots = process.env.SIGNPOST_SCREENSHOTS;
async function screenshot(page, selector, name) {
  if (shots) await page.locator(selector).screenshot({ path: `${shots}/${name}.png` });
}
const offer = (config, id) => config.offers.find((o) => o.id === id);

// Two marketers edit different offers from the same live version at once. The first publishes;
// the second's publish is refused with the diff shown; after a rebase both changes are live.
// Then both change the same offer: the rebase names the conflict and the marketer chooses. The
// history shows who, when and why, and the core's diff between any two versions.
test("two editors at once: refused with the diff, rebased, both changes live", async () => {
  // Version numbers follow what is stored (the test above published and rolled back).
  const stored0 = (await kv.list({ prefix: "config:" })).keys.map((k) => Number(k.name.slice(7)));
  const top = Math.max(...stored0.filter(Number.isFinite));
  const base = Number(await kv.get("config:current"));
  const [v2, v3, v4, v5] = [top + 1, top + 2, top + 3, top + 4];
  const ana = await openEditor("Ana");
  const bo = await openEditor("Bo");
  // The name is kept in the browser for the next visit.
  assert.equal(await ana.evaluate(() => localStorage.getItem("signpost-admin-name")), "Ana");

  await editOffer(ana, "ready-free-shipping", (o) => {
    o.content = NEW;
  });
  await editOffer(bo, "gold-welcome", (o) => {
    o.content = GOLD;
  });

  await ana.fill("#message", "overnight shipping");
  await ana.click("#publish");
  await ana.waitForSelector(`#toast:text('Version ${v2} is live.')`);

  // Bo's draft is based on the same version: refused, with Ana's change and his own shown.
  await bo.fill("#message", "gold welcome");
  await bo.click("#publish");
  await bo.waitForSelector("#moved:not([hidden])");
  const moved = await bo.textContent("#moved");
  assert.ok(
    moved.includes(`version ${v2} went live after version ${base}, the one this draft was based on (by Ana`),
    moved,
  );
  assert.ok(
    moved.includes(`Published since your base (version ${base} → ${v2})offer "ready-free-shipping": content changed`),
    moved,
  );
  assert.match(moved, new RegExp(`Your draft against version ${v2}.*offer "gold-welcome": content changed`, "s"));
  await screenshot(bo, "#moved", "editor-publish-refused");
  assert.equal(await kv.get("config:current"), String(v2), "nothing written");
  assert.equal(await kv.get(`config:${v3}`), null);

  // Rebase: both changes in the draft, now based on Ana's version; publish.
  await bo.click("#rebase");
  await bo.waitForSelector(`#toast:text('Rebased on version ${v2}')`);
  assert.equal(await bo.isVisible("#moved"), false);
  assert.equal(await bo.textContent("#verdict-text"), `1 change from live version ${v2}`);
  assert.match(await bo.textContent("#changes"), /gold-welcome/);
  const draft = await bo.inputValue("#config");
  assert.ok(draft.includes(NEW) && draft.includes(GOLD));
  // The rebased draft keeps the order of keys it was written in.
  assert.ok(draft.startsWith('{\n  "version"'));
  assert.ok(draft.indexOf('"id": "gold-welcome"') < draft.indexOf(`"content": "${GOLD}"`));
  await bo.click("#publish");
  await bo.waitForSelector(`#toast:text('Version ${v3} is live.')`);
  assert.equal(await kv.get("config:current"), String(v3));
  const both = await stored(v3);
  assert.equal(offer(both, "ready-free-shipping").content, NEW);
  assert.equal(offer(both, "gold-welcome").content, GOLD);

  // Live for visitors: the preview of the live version shows both.
  await bo.selectOption("#which", "live");
  await bo.selectOption("#tier", "ready_to_buy");
  await bo.fill("#url", "/category/tents");
  await bo.click("#preview");
  await bo.waitForSelector(`#preview-of:text('version ${v3}')`);
  assert.equal(await bo.frameLocator("#frame").locator("[data-sp-slot=banner]").textContent(), NEW);
  await bo.selectOption("#tier", "");
  await bo.check("#segments input[value=gold_member]");
  await bo.click("#preview");
  await bo.waitForSelector("#result-slots td.offer:text('gold-welcome')");
  assert.equal(await bo.frameLocator("#frame").locator("[data-sp-slot=banner]").textContent(), GOLD);

  // The history: who, when and why, and the diff between any two versions.
  await ana.reload();
  await ana.waitForSelector("#versions li .who");
  const history = await ana.locator("#versions li").allTextContents();
  assert.match(history[0], new RegExp(`^v${v3}.*by Bo · .*“gold welcome”.*live`));
  assert.match(history[1], new RegExp(`^v${v2}.*by Ana · .*“overnight shipping”`));
  assert.doesNotMatch(history.at(-1), /by /, "version 1 was published without a record");
  await ana.selectOption("#diff-from", String(base));
  await ana.selectOption("#diff-to", String(v3));
  await ana.click("#diff");
  await ana.waitForSelector(`#diff-note:text('version ${base} → version ${v3}: 2 changes')`);
  const lines = await ana.locator("#diff-out li").allTextContents();
  assert.deepEqual(lines.map((l) => l.split(":")[0]).sort(), ['offer "gold-welcome"', 'offer "ready-free-shipping"']);
  await screenshot(ana, "section.panel:has(#versions)", "editor-history");

  // Both change the same offer: the rebase names the conflict and Ana chooses hers.
  await ana.waitForSelector("#verdict.ok");
  await editOffer(ana, "compare-help", (o) => {
    o.priority = 55;
  });
  await editOffer(bo, "compare-help", (o) => {
    o.priority = 45;
  });
  await bo.click("#publish");
  await bo.waitForSelector(`#toast:text('Version ${v4} is live.')`);
  await ana.click("#publish");
  await ana.waitForSelector("#moved:not([hidden])");
  await ana.click("#rebase");
  await ana.waitForSelector("#moved .conflict");
  const conflict = await ana.textContent("#moved .conflict");
  assert.match(conflict, /^offer "compare-help"/);
  assert.ok(conflict.includes(`Version ${v4} (published)offer "compare-help": priority 50 → 45`), conflict);
  assert.match(conflict, /Your draftoffer "compare-help": priority 50 → 55/);
  assert.equal(await ana.isDisabled("#rebase-apply"), true, "a side must be chosen");
  await screenshot(ana, "#moved", "editor-rebase-conflict");
  await ana.check("#moved .conflict input[value=draft]");
  await ana.click("#rebase-apply");
  await ana.waitForSelector(`#toast:text('Rebased on version ${v4}')`);
  assert.match(await ana.textContent("#changes"), /compare-help": priority 45 → 55/);
  await ana.click("#publish");
  await ana.waitForSelector(`#toast:text('Version ${v5} is live.')`);
  assert.equal(offer(await stored(v5), "compare-help").priority, 55);
  assert.equal(offer(await stored(v5), "gold-welcome").content, GOLD);

  // Rollback stays.
  await ana.click("#rollback");
  await ana.waitForSelector(`#toast:text('Version ${v4} is live again')`);
  assert.equal(await kv.get("config:current"), String(v4));
  assert.deepEqual(pageErrors, []);
  await ana.context().close();
  await bo.context().close();
});
