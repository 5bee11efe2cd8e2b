// The marketer's workflow in real Chromium, through the Worker in workerd: a visitor walks the
// demo (browse tents, compare, add to cart, leave) with the journey panel on; a marketer opens
// the editor, sees a mistake pointed at its line, fixes it and publishes a changed offer; the
// visitor's next page shows it; a rollback restores the old one.
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
  assert.match(await editor.textContent("#verdict-text"), /same as live version 1/);
  // The results next to the config: the visitor above saw the compare hero's experiment.
  await editor.waitForSelector("#results table");
  const results = await editor.textContent("#results");
  assert.match(results, /compare-hero-2026q4 \(goal: purchase\)/);
  assert.match(results, /ready-free-shipping/);

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
