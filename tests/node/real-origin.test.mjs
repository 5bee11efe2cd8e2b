// The Worker in front of a site nobody here wrote, served by a server nobody here wrote: the
// three corpus pages laid out as a small site with an image, served by Python's own
// `http.server` (its Last-Modified, its directory redirects, its 404 page, its 304s). Everything
// but the offers' elements and the state script must arrive as the origin sent it: bytes,
// status, and the origin's own headers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root, SECRET, servePython, startWorker, Visitor } from "./harness.mjs";

const NOW = Date.parse("2026-11-20T17:00:00Z");
// The site: path -> the file served there.
const SITE = {
  "index.html": "tests/corpus/cloudflare.com.html",
  "spec/intl.html": "tests/corpus/ecma402-spec.html",
  "spec/parsing/index.html": "tests/corpus/html-parsing-spec.html",
  "img/results.png": "docs/img/editor-results.png",
};
// One offer per page, each on an element only that page has (by id; the pages have no slots).
const OFFERS = {
  "/": { id: "cf", selector: "#under-attack-submit-button", content: "Ask us" },
  "/spec/intl.html": { id: "intl", selector: "#menu-toggle", content: "Menu" },
  "/spec/parsing/": { id: "parsing", selector: "#parser-pause-flag", content: "<b>pause</b>" },
};
// What Signpost itself sets on a page it personalized, and the transport's (a streamed page has
// no length; Miniflare labels the compression workerd applied `mf-content-encoding`): every
// other origin header arrives as sent.
const OURS = new Set([
  ...["cache-control", "content-length", "etag", "set-cookie", "x-signpost", "server-timing", "date"],
  ...["transfer-encoding", "mf-content-encoding"],
]);

let dir;
let stopPython;
let origin;
let w;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "signpost-site-"));
  for (const [path, file] of Object.entries(SITE)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    copyFileSync(join(root, file), join(dir, path));
  }
  ({ origin, stop: stopPython } = await servePython(dir));
  w = await startWorker({
    seed: false,
    bindings: { ORIGIN: origin, SIGNPOST_TEST_HOOKS: "1", SIGNPOST_SECRET: SECRET },
  });
  await w.kv.put("config:1", JSON.stringify({ version: 1, offers: Object.values(OFFERS) }));
  await w.kv.put("config:current", "1");
});
after(async () => {
  await w?.mf.dispose();
  stopPython?.();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Fails at the first byte where `got` and `expected` differ, showing both around it. */
function assertSame(got, expected, what) {
  if (got === expected) return;
  let i = 0;
  while (got[i] === expected[i]) i++;
  const around = (s) => JSON.stringify(s.slice(Math.max(0, i - 80), i + 80));
  assert.fail(`${what}: differs at ${i}:\ngot:      ${around(got)}\nexpected: ${around(expected)}`);
}

/** The origin's own answer, straight from it. */
const direct = (path, headers = {}) => fetch(origin + path, { headers, redirect: "manual" });

/** Origin headers that are not Signpost's to change, as `name: value` lines. */
const theirs = (res) =>
  [...res.headers]
    .filter(([k]) => !OURS.has(k))
    .map(([k, v]) => `${k}: ${v}`)
    .sort();

for (const [path, offer] of Object.entries(OFFERS)) {
  test(`${path}: only the offer's element and the state script differ from the origin's page`, async () => {
    const sent = await direct(path);
    const body = await sent.text();
    const page = await new Visitor(w.mf, { now: NOW }).page(path);
    assert.equal(page.res.status, 200);
    assert.match(page.signpost, new RegExp(`^personalized; slots=.*${offer.id}`));
    assert.equal(page.res.headers.get("cache-control"), "private, no-store");
    assert.deepEqual(theirs(page.res), theirs(sent), "the origin's headers");

    // The state script goes once, at the end of <body>; without it, the page is the origin's
    // with the offer's element marked (`data-sp-offer`, which the SDK reads) and holding the
    // offer (each chosen element holds only text).
    const script = /<script type="application\/json" id="signpost-state">.*?<\/script>/gs;
    assert.equal(page.html.match(script).length, 1);
    const id = new RegExp(`<[a-z]+ [^>]*id="?${offer.selector.slice(1)}"?[ >]`).exec(body);
    assert.ok(id, `the origin's page has ${offer.selector}`);
    const inner = body.indexOf(">", id.index) + 1;
    const closed = body.indexOf("</", inner);
    const marked = `${body.slice(0, inner - 1)} data-sp-offer="${offer.id}">`;
    const expected = marked + offer.content + body.slice(closed);
    assertSame(page.html.replace(script, ""), expected, path);
  });
}

test("an image arrives byte for byte, with the origin's headers, unpersonalized", async () => {
  const sent = await direct("/img/results.png");
  const bytes = Buffer.from(await sent.arrayBuffer());
  const res = await new Visitor(w.mf, { now: NOW }).fetch("/img/results.png");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("x-signpost") ?? "", /^bypass/);
  assert.equal(res.headers.get("content-type"), "image/png");
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes));
  for (const h of ["content-length", "last-modified", "content-type"]) {
    assert.equal(res.headers.get(h), sent.headers.get(h), h);
  }
});

test("the origin's 304 for a conditional request reaches the browser", async () => {
  const lastModified = (await direct("/img/results.png")).headers.get("last-modified");
  const res = await new Visitor(w.mf, { now: NOW }).fetch("/img/results.png", {
    headers: { "if-modified-since": lastModified },
  });
  assert.equal(res.status, 304);
});

test("a directory without its slash: the origin's redirect, not followed", async () => {
  const sent = await direct("/spec/parsing");
  assert.equal(sent.status, 301);
  const res = await new Visitor(w.mf, { now: NOW }).fetch("/spec/parsing", { redirect: "manual" });
  assert.equal(res.status, 301);
  assert.equal(res.headers.get("location"), sent.headers.get("location"));
  assert.match(res.headers.get("x-signpost") ?? "", /^bypass/);
});

test("the origin's 404 page arrives as it was, unpersonalized", async () => {
  const sent = await direct("/no/such/page.html");
  const body = await sent.text();
  const res = await new Visitor(w.mf, { now: NOW }).fetch("/no/such/page.html");
  assert.equal(res.status, 404);
  assert.equal(await res.text(), body);
  assert.match(res.headers.get("x-signpost") ?? "", /^bypass/);
  assert.equal(res.headers.get("content-type"), sent.headers.get("content-type"));
});
