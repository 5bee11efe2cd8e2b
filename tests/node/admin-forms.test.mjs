// The editor's forms in real Chromium, through the Worker in workerd (test build: the visitor
// below moves the clock). A marketer builds the cart reminder from an empty offer with forms
// only (the slot picked by clicking the page, the condition in the builder, schedule and cap),
// previews it as a described visitor, publishes; a matching visitor's next page shows it and
// the JSON tab holds exactly that offer added. Then every kind of field in the forms is given
// a wrong value and shows the core's own message for its path next to it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startWorker, launchChromium, ADMIN_TOKEN, Visitor, exampleConfig, root, API } from "./harness.mjs";

// `SIGNPOST_SCREENSHOTS=docs/img node --test tests/node/admin-forms.test.mjs` saves the
// screenshots docs/marketers.md shows; otherwise they are taken (the element must render) and
// dropped, so a test run leaves the repository as it was.
const shots = process.env.SIGNPOST_SCREENSHOTS;
const screenshot = (locator, name) => locator.screenshot(shots ? { path: resolve(root, shots, `${name}.png`) } : {});

let mf, url, kv, browser, core;
before(async () => {
  ({ mf, url, kv } = await startWorker({
    port: 0,
    bindings: { SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN, SIGNPOST_TEST_HOOKS: "1" },
  }));
  browser = await launchChromium();
  // The editor's wasm, as the page loads it: the messages expected next to the fields are its.
  core = await import(join(root, "demo-site/public/sdk/editor/editor.js"));
  await core.default({ module_or_path: readFileSync(join(root, "demo-site/public/sdk/editor/editor_bg.wasm")) });
});
after(async () => {
  await browser?.close();
  await mf?.dispose();
});

const at = (path) => new URL(path, url).href;
const key = (k) => `[data-key="${k}"]`;
const CONTENT = "Your cart is waiting: 10% off with code <b>CART10</b> today.";

/** A signed-in editor page on the Forms tab. */
async function openEditor(errors) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1100 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("dialog", (d) => d.accept());
  await page.goto(at("/__signpost/admin"));
  await page.fill("#token", ADMIN_TOKEN);
  await page.click("#login-form button");
  await page.waitForSelector("#verdict.ok");
  // Forms are the first view.
  assert.equal(await page.getAttribute("[data-view=forms]", "aria-pressed"), "true");
  await page.waitForSelector("#forms .f-table");
  return { context, page };
}

/** The message shown next to the field of `path` (its box's own error place). */
const messageAt = (page, path) =>
  page.evaluate((p) => {
    const boxes = [...document.querySelectorAll(`#forms [data-path="${CSS.escape(p)}"]`)];
    return boxes.map((b) => b.querySelector(":scope > .f-err")?.textContent ?? "").find(Boolean) ?? "";
  }, path);
const draft = (page) => page.evaluate(() => document.querySelector("#config").value);

test("a marketer builds the cart reminder with forms only, previews, publishes; a visitor sees it", async () => {
  const errors = [];
  const { context, page } = await openEditor(errors);
  const base = JSON.parse(exampleConfig());
  const n = base.offers.length;
  const p = `offers[${n}]`;

  // An empty offer, named.
  await page.click(key("offers#new"));
  await page.fill(key(`${p}.id`), "cart-reminder-10");
  // Empty, the core says what it lacks, next to the offer.
  assert.match(await messageAt(page, p), /missing "slot"/);

  // The place, picked on a page of the site: a click on a heading offers a selector that
  // matches only it; a click in the banner offers the banner's slot.
  await page.click(key(`${p}#pick`));
  await page.fill(key("pick#url"), "/category/tents");
  await page.click(key("pick#load"));
  const frame = page.frameLocator(".pick-frame");
  await frame.locator("h1").first().click();
  const sel = await page.getAttribute(`${key("pick#selector")}`, "data-selector");
  assert.ok(sel, "a selector is offered");
  const matches = await page.evaluate(
    (s) => document.querySelector(".pick-frame").contentDocument.querySelectorAll(s).length,
    sel,
  );
  assert.equal(matches, 1, `${sel} matches exactly one element`);
  await frame.locator("[data-sp-slot=banner]").click();
  await page.click(key("pick#slot"));
  assert.equal(await page.inputValue(key(`${p}.slot`)), "banner");

  await page.fill(key(`${p}.priority`), "500");

  // Who: returning visitors with an add_to_cart in the last 7 days and no purchase.
  await page.click(key(`${p}.when#add`));
  const w = `${p}.when`;
  await page.selectOption(key(`${w}.all[0]#kind`), "segment");
  await page.fill(key(`${w}.all[0].segment`), "returning");
  await page.click(`[data-path="${w}"] .cond-add >> text=+ event test`);
  await page.fill(key(`${w}.all[1].event`), "add_to_cart");
  await page.fill(key(`${w}.all[1].within`), "7d");
  await page.click(`[data-path="${w}"] > .cond-body > .cond-add >> text=+ event test`);
  await page.selectOption(key(`${w}.all[2]#kind`), "not");
  await page.fill(key(`${w}.all[2].not.event`), "purchase");
  await page.fill(key(`${w}.all[2].not.within`), "7d");

  // When, in the config's timezone, and how often.
  assert.match(await page.textContent(`[data-path="${p}.schedule"] h4`), /America\/Denver/);
  await page.fill(key(`${p}.schedule.start`), "2026-01-01T09:00");
  await page.fill(key(`${p}.schedule.end`), "2099-12-31T18:00");
  await page.fill(key(`${p}.cap.max`), "3");
  await page.fill(key(`${p}.cap.per`), "session");

  // What, with its rendering beside it.
  await page.fill(key(`${p}.content`), CONTENT);
  await page.waitForFunction(() =>
    document.querySelector(".f-render")?.contentDocument?.body?.textContent.includes("CART10"),
  );
  await page.waitForSelector("#verdict.ok");
  assert.equal(
    await page.textContent(`#forms .f-table tr:has-text("cart-reminder-10") .status`),
    "live · capped 3 per session",
  );

  // The form whole (the forms' box scrolls on the page), for docs/marketers.md.
  await page.addStyleTag({ content: "#forms { max-height: none !important; }" });
  await screenshot(page.locator("#forms .f-form"), "editor-offer-form");
  await screenshot(page.locator(`#forms [data-path="${w}"].cond`), "editor-conditions");

  // Previewed as a described visitor: returning, with a tent added to the cart.
  await page.check("#segments input[value=returning]");
  await page.fill("#events", JSON.stringify([{ type: "add_to_cart", product_id: "tent-summit-2p", price: 349 }]));
  await page.fill("#url", "/category/tents");
  await page.click("#preview");
  await page.waitForSelector("#result-slots td.offer:text('cart-reminder-10')");
  assert.match(await page.frameLocator("#frame").locator("[data-sp-slot=banner]").innerHTML(), /CART10/);

  await page.fill("#message", "Cart reminder, built in the forms");
  await page.click("#publish");
  await page.waitForSelector("#toast:text('Version 2 is live.')");
  assert.equal(await kv.get("config:current"), "2");

  // The JSON tab holds exactly the config with the offer added.
  await page.click("[data-view=json]");
  const expected = {
    id: "cart-reminder-10",
    slot: "banner",
    priority: 500,
    when: {
      all: [
        { segment: "returning" },
        { event: "add_to_cart", within: "7d" },
        { not: { event: "purchase", within: "7d" } },
      ],
    },
    schedule: { start: "2026-01-01T09:00", end: "2099-12-31T18:00" },
    cap: { max: 3, per: "session" },
    content: CONTENT,
  };
  assert.deepEqual(JSON.parse(await page.inputValue("#config")), { ...base, offers: [...base.offers, expected] });

  // A matching visitor: a tent in the cart, back three hours later (a second visit).
  const t0 = Date.now();
  const v = new Visitor(mf, { now: t0 });
  await v.page("/products/tent-summit-2p");
  const add = { type: "add_to_cart", id: "forms-a1", at: t0, product_id: "tent-summit-2p", quantity: 1, price: 349 };
  assert.equal((await v.events("/products/tent-summit-2p", [add])).status, 200);
  v.now = t0 + 3 * 3600_000;
  const next = await v.page("/category/tents");
  assert.match(next.html, /data-sp-slot="banner"[^>]*data-sp-offer="cart-reminder-10"/);
  assert.ok(next.html.includes("<b>CART10</b>"), "the offer's content is on the page");
  // A first-time visitor does not match.
  const fresh = await new Visitor(mf, { now: t0 }).page("/category/tents");
  assert.doesNotMatch(fresh.html, /cart-reminder-10/);

  assert.deepEqual(errors, []);
  await context.close();
});

test("every kind of field shows the core's message for a wrong value next to it", async () => {
  const errors = [];
  const { context, page } = await openEditor(errors);
  const n = JSON.parse(await draft(page)).offers.length;
  const p = `offers[${n}]`;
  await page.click(key("offers#new"));
  await page.fill(key(`${p}.slot`), "banner");
  await page.fill(key(`${p}.content`), "Hello");
  await page.click(key(`${p}.when#add`));
  const c = `${p}.when.all[0]`;

  /** Types `value` into the control `k` (or runs `act`), then expects the core's message for
   *  `path` (as the wasm says it of the draft) next to the field, matching `like`. */
  async function wrong(k, value, path, like, act) {
    if (act) await act();
    else await page.fill(key(k), value);
    const issues = JSON.parse(core.validate(await draft(page))).issues.filter((i) => i.path === path);
    assert.ok(issues.length, `the core refuses ${path}`);
    assert.match(issues[0].message, like);
    await page.waitForFunction(
      ([pp, m]) =>
        [...document.querySelectorAll(`#forms [data-path="${CSS.escape(pp)}"]`)].some((b) =>
          b.querySelector(":scope > .f-err")?.textContent.includes(m),
        ),
      [path, issues[0].message],
    );
    return messageAt(page, path);
  }

  // The offer's own fields: text, number, selector, date-time, count, window, template,
  // event name.
  await wrong(`${p}.id`, "bad id!", `${p}.id`, /./);
  await page.fill(key(`${p}.id`), "form-checks");
  await wrong(`${p}.priority`, "high", `${p}.priority`, /number/);
  await page.fill(key(`${p}.priority`), "");
  await page.fill(key(`${p}.slot`), "");
  await wrong(`${p}.selector`, "h1 + p", `${p}.selector`, /combinator/);
  await page.fill(key(`${p}.selector`), "");
  await page.fill(key(`${p}.slot`), "banner");
  await page.fill(key(`${p}.schedule.start`), "2026-03-01T09:00");
  await wrong(`${p}.schedule.end`, "2026-02-01T09:00", `${p}.schedule.end`, /ends before it starts/);
  await page.fill(key(`${p}.schedule.start`), "");
  await page.fill(key(`${p}.schedule.end`), "");
  await wrong(`${p}.cap.max`, "0", `${p}.cap.max`, /at least 1/);
  await page.fill(key(`${p}.cap.max`), "2");
  await wrong(`${p}.cap.per`, "fortnight", `${p}.cap.per`, /session/);
  await page.fill(key(`${p}.cap.max`), "");
  await page.fill(key(`${p}.cap.per`), "");
  await wrong(`${p}.content`, "Hi {{ profile.vists }}", `${p}.content`, /profile\.visits/);
  await page.fill(key(`${p}.content`), "Hello");
  await wrong(`${p}.goal`, "a goal!", `${p}.goal`, /./);
  await page.fill(key(`${p}.goal`), "");

  // The builder: a number fact's value, a list, a fact's name, a segment reference, an
  // event's name, a duration and a count.
  await page.selectOption(key(`${c}.fact`), "profile.visits");
  await page.selectOption(key(`${c}.op`), "gte");
  await wrong(`${c}.value`, "two", `${c}.value`, /holds a number/);
  await page.selectOption(key(`${c}.fact`), "request.hour");
  await page.selectOption(key(`${c}.op`), "in");
  await wrong(`${c}.value`, "9, ten", `${c}.value`, /list of numbers/);
  await page.selectOption(key(`${c}.fact`), "request.query.*");
  await page.selectOption(key(`${c}.op`), "eq");
  await page.fill(key(`${c}.value`), "spring");
  await wrong(`${c}.fact#name`, "", `${c}.fact`, /empty name/);
  await page.fill(key(`${c}.fact#name`), "promo");
  await page.selectOption(key(`${c}#kind`), "segment");
  assert.match(await wrong(`${c}.segment`, "returnin", `${c}.segment`, /unknown segment/), /did you mean "returning"/);
  await page.selectOption(key(`${c}#kind`), "event");
  await wrong(`${c}.event`, "add to cart", `${c}.event`, /./);
  await page.fill(key(`${c}.event`), "add_to_cart");
  await wrong(`${c}.within`, "7 days", `${c}.within`, /invalid duration/);
  await page.fill(key(`${c}.within`), "7d");
  await wrong(`${c}.min`, "-1", `${c}.min`, /./);
  await page.fill(key(`${c}.min`), "");

  // Variants: a weight of 0, and weights that do not add up to 100 said as they are typed.
  await page.check(key(`${p}#body-variants`));
  await wrong(`${p}.variants[0].weight`, "0", `${p}.variants[0].weight`, /more than 0/);
  await page.fill(key(`${p}.variants[0].weight`), "30");
  assert.match(await page.textContent(`[data-path="${p}.variants"] .f-sum`), /add up to 80, not 100/);
  await page.fill(key(`${p}.variants[0].weight`), "50");
  assert.match(await page.textContent(`[data-path="${p}.variants"] .f-sum`), /add up to 100/);

  await page.waitForSelector("#verdict.ok");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the JSON and the forms are one draft; the rest of the config has forms from the grammar", async () => {
  const errors = [];
  const { context, page } = await openEditor(errors);
  const base = JSON.parse(await draft(page));
  const i = base.offers.findIndex((o) => o.id === "storm-safety");

  // A change typed in the JSON shows in the forms.
  await page.click("[data-view=json]");
  const edited = structuredClone(base);
  edited.offers[i].priority = 120;
  await page.fill("#config", JSON.stringify(edited, null, 2));
  await page.click("[data-view=forms]");
  assert.equal(await page.textContent(`#forms .f-table tr:has-text("storm-safety") td:nth-child(3)`), "120");
  await page.click(key(`offers#open${i}`));
  assert.equal(await page.inputValue(key(`offers[${i}].priority`)), "120");

  // Intent: a tier's threshold, judged by the core next to it, then written to the JSON.
  await page.click(key("forms#intent"));
  // The score of a sample journey, as the core computes it, follows the half-life.
  const caption = () => page.textContent("#forms .f-chart figcaption");
  const slow = await caption();
  assert.match(slow, /the score peaks at [\d.]+ at minute \d+/);
  await screenshot(page.locator("#forms .f-chart"), "editor-intent-chart");
  await page.fill(key("intent.half_life"), "5m");
  await page.waitForFunction((was) => document.querySelector("#forms .f-chart figcaption")?.textContent !== was, slow);
  const fast = await caption();
  const last = (t) => Number(/is ([\d.]+) after/.exec(t)[1]);
  assert.ok(last(fast) < last(slow), `a shorter half-life fades faster: ${fast} / ${slow}`);
  await page.fill(key("intent.half_life"), base.intent.half_life);
  const tier = "intent.tiers[1].min_score";
  await page.fill(key(tier), "lots");
  await page.waitForFunction((p) => document.querySelector(`#forms [data-path="${p}"] > .f-err`)?.textContent, tier);
  const said = JSON.parse(core.validate(await draft(page))).issues.find((x) => x.path === tier);
  assert.equal(await messageAt(page, tier), said.message);
  await page.fill(key(tier), "5");
  await page.waitForSelector("#verdict.ok");

  // A signal's `where` offers only what it can see: the event and the profile.
  await page.click(`[data-path="intent.signals[0].where"] button:has-text("Add where condition")`);
  const roots = await page.$$eval(key("intent.signals[0].where.all[0].fact") + " optgroup", (gs) =>
    gs.map((g) => g.label),
  );
  assert.deepEqual(roots, ["profile", "event"]);
  await page.click(`[data-path="intent.signals[0].where"] .cond > legend button:has-text("Remove")`);

  await page.click("[data-view=json]");
  const want = structuredClone(edited);
  want.intent.tiers[1].min_score = 5;
  assert.deepEqual(JSON.parse(await page.inputValue("#config")), want);
  assert.deepEqual(errors, []);
  await context.close();
});

test("by keyboard, a new offer is placed in a slot; a repeated element gets a selector of its own", async () => {
  const errors = [];
  const { context, page } = await openEditor(errors);
  const n = JSON.parse(await draft(page)).offers.length;
  const p = `offers[${n}]`;
  const focused = () => page.evaluate(() => document.activeElement?.dataset.key ?? document.activeElement?.tagName);

  // Enter on "New offer" opens its form with the id field focused.
  await page.focus(key("offers#new"));
  await page.keyboard.press("Enter");
  assert.equal(await focused(), `${p}.id`);
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("kbd-offer");

  // The pick panel, the page loaded, its slots listed as buttons: Enter on one, then Enter
  // on the slot offered.
  await page.focus(key(`${p}#pick`));
  await page.keyboard.press("Enter");
  await page.focus(key("pick#url"));
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("/category/tents");
  await page.keyboard.press("Tab");
  assert.equal(await focused(), "pick#load");
  await page.keyboard.press("Enter");
  const hero = page.locator(".pick-slots button", { hasText: "hero" });
  await hero.focus();
  await page.keyboard.press("Enter");
  assert.equal(await focused(), "pick#slot");
  await page.keyboard.press("Enter");
  assert.equal(await page.inputValue(key(`${p}.slot`)), "hero");
  assert.equal(await focused(), `${p}.slot`);

  // The third of four product prices on the page: the selector offered matches it alone, and
  // the core (which checks what an edge rewriter can match) takes it.
  await page.click(key(`${p}#pick`));
  await page.fill(key("pick#url"), "/category/tents");
  await page.click(key("pick#load"));
  const price = page.frameLocator(".pick-frame").locator(".price").nth(2);
  await price.click();
  const sel = await page.getAttribute(key("pick#selector"), "data-selector");
  const same = await page.evaluate((s) => {
    const doc = document.querySelector(".pick-frame").contentDocument;
    const all = doc.querySelectorAll(s);
    return all.length === 1 && all[0] === doc.querySelectorAll(".price")[2];
  }, sel);
  assert.ok(same, `${sel} matches the third price and nothing else`);
  await page.click(key("pick#selector"));
  assert.equal(await page.inputValue(key(`${p}.selector`)), sel);
  assert.equal(await page.inputValue(key(`${p}.slot`)), "");
  await page.fill(key(`${p}.content`), "Kbd");
  const issues = JSON.parse(core.validate(await draft(page))).issues;
  assert.deepEqual(issues, []);
  await page.waitForSelector("#verdict.ok");
  assert.deepEqual(errors, []);
  await context.close();
});

test("without the forms' modules the editor opens on the JSON", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route("**/sdk/editor/forms/index.js", (r) => r.fulfill({ status: 404, body: "gone" }));
  await page.goto(at("/__signpost/admin"));
  await page.fill("#token", ADMIN_TOKEN);
  await page.click("#login-form button");
  await page.waitForSelector("#verdict.ok");
  assert.equal(await page.isVisible("#config"), true);
  assert.equal(await page.isVisible("[data-view=forms]"), false);
  await context.close();
});

test("beside a segment and an offer's condition: its audience, following the draft", async () => {
  // Two visitors of yesterday, one with a cart left a day ago (the example's cart_abandoner),
  // stored as the Worker stores them; the page's clock is now.
  const sdk = await import(join(root, "sdk-js/dist/signpost_wasm.js"));
  sdk.initSync({ module: readFileSync(join(root, "sdk-js/dist/signpost_wasm_bg.wasm")) });
  const engine = new sdk.SignpostEngine(exampleConfig(), null);
  const day = Date.now() - 86_400_000;
  for (const [id, cart] of [
    ["a".repeat(32), true],
    ["b".repeat(32), false],
  ]) {
    const events = [{ type: "page_view", url: "/", id: `pv-${id}`, at: day }];
    if (cart) events.push({ type: "add_to_cart", product_id: "tent-basecamp-4p", price: 529, id: `c-${id}`, at: day });
    await kv.put(`profile:${id}`, engine.record(id, "", JSON.stringify(events), day));
  }
  // And one measured visit in the segment (a row as the queue's consumer writes it), once the
  // Worker has made the table (any measurement read does).
  const asked = await fetch(at("/__signpost/admin/audience"), {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ segment: "returning" }),
  });
  assert.equal(asked.status, 200);
  const db = await mf.getD1Database("SIGNPOST_DB", API);
  await db
    .prepare(
      "INSERT INTO rows (t, day, visitor, kind, once, session, holdout, bot, segments) VALUES (?1, '2026-12-01', 'row-visitor', 'page_view', 0, 1, 0, 0, 'returning,cart_abandoner')",
    )
    .bind(Date.now() - 3_600_000)
    .run();
  const errors = [];
  const { context, page } = await openEditor(errors);
  const line = () => page.textContent("#forms .f-audience");
  await page.click(key("forms#segments"));
  await page.click(key("segments#open-cart_abandoner"));
  await page.waitForFunction(
    () => !/counting/.test(document.querySelector("#forms .f-audience")?.textContent ?? "counting"),
  );
  // A live segment: counted from the measurement rows.
  assert.match(await line(), /^Audience: [1-9]\d* of [1-9]\d* visitors in the last 7 days \(measured\)$/);
  await page.click(key("forms#offers"));
  await page.click(`[aria-label="Edit offer cart-reminder"]`);
  await page.waitForFunction(() => /sampled/.test(document.querySelector("#forms .f-audience")?.textContent ?? ""));
  // An offer's condition: judged on the stored profiles, ours among them (one of them matches).
  const [, share, sampled] =
    /^Audience: about \d+ of [1-9]\d* visitors in the last 7 days \((\d+)% of (\d+) recent profiles sampled\)$/.exec(
      await line(),
    ) ?? [];
  assert.ok(Number(sampled) >= 2 && Number(share) > 0, await line());
  assert.deepEqual(errors, []);
  await context.close();
});

test("funnels are rows of a name and its steps in order, checked by the core", async () => {
  const errors = [];
  const { context, page } = await openEditor(errors);
  await page.click(key("forms#track"));
  await page.click(key("funnels#add"));
  const n = Object.keys(JSON.parse(exampleConfig()).funnels ?? {}).length + 1;
  await page.fill(key(`funnels.funnel_${n}#name`), "signup");
  await page.press(key(`funnels.funnel_${n}#name`), "Tab");
  await page.fill(key("funnels.signup"), "page_view, add_to_cart,checkout_start , purchase");
  const cfg = () => page.evaluate(() => JSON.parse(document.querySelector("#config").value));
  await page.waitForFunction(() => document.querySelector("#config").value.includes('"signup"'));
  assert.deepEqual((await cfg()).funnels.signup, ["page_view", "add_to_cart", "checkout_start", "purchase"]);
  // A step that is no event name: the core's message, next to the steps.
  await page.fill(key("funnels.signup"), "page_view, add to cart");
  await page.waitForFunction(
    () => document.querySelector('#forms .f-wide[data-path="funnels.signup"] > .f-err')?.textContent,
  );
  const shown = await page.textContent('#forms .f-wide[data-path="funnels.signup"] > .f-err');
  const want = JSON.parse(core.validate(JSON.stringify(await cfg()), null)).issues.find((i) =>
    i.path.startsWith("funnels.signup"),
  );
  assert.ok(want, "the core refuses the step");
  assert.ok(shown.includes(want.message), `shown: ${shown}; the core: ${want.message}`);
  await page.click(`[aria-label="Remove funnel signup"]`);
  assert.equal((await cfg()).funnels?.signup, undefined);
  assert.deepEqual(errors, []);
  await context.close();
});
