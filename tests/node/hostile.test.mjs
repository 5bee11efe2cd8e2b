// Hostile input (issue 8): XSS payloads through every visitor-controlled fact into every kind of
// template, header injection and oversize values through cookies, JSON bombs and other abuse of
// the events endpoint, cross-site requests, admin endpoints without the right token, and no
// visitor data in the Worker's logs. (Tampered, foreign, expired and oversize `sp_s` cookies and
// the events endpoint's size, count and type limits are in edge.test.mjs.)
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { startWorker, startOrigin, Visitor, SECRET, ADMIN_TOKEN } from "./harness.mjs";

const T0 = Date.parse("2026-11-20T17:00:00Z");
const S = 1000;

// A representative set from the OWASP XSS Filter Evasion Cheat Sheet, as test data: script
// tags, event handlers, javascript: URLs in many spellings, entity-encoded and NUL-split
// vectors, attribute break-outs with either quote, a closing </script> aimed at the injected
// state, comment and CDATA tricks, and a template placeholder that must not be re-evaluated.
const PAYLOADS = [
  `<script>alert('XSS')</script>`,
  `<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>`,
  `<IMG SRC="javascript:alert('XSS');">`,
  `<IMG SRC=JaVaScRiPt:alert('XSS')>`,
  "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
  `<a onmouseover="alert(document.cookie)">xxs link</a>`,
  `<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>`,
  `<IMG SRC=# onmouseover="alert('xxs')">`,
  `<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>`,
  `<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>`,
  `<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>`,
  `<IMG SRC="jav\tascript:alert('XSS');">`,
  `<IMG SRC="jav&#x0A;ascript:alert('XSS');">`,
  `<IMG SRC=java\0script:alert("XSS")>`,
  `<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>`,
  `<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^\`=alert("XSS")>`,
  `<<SCRIPT>alert("XSS");//\\<</SCRIPT>`,
  `<iframe src=http://xss.rocks/scriptlet.html <`,
  `\\";alert('XSS');//`,
  `</TITLE><SCRIPT>alert("XSS");</SCRIPT>`,
  `<INPUT TYPE="IMAGE" SRC="javascript:alert('XSS');">`,
  `<svg/onload=alert('XSS')>`,
  `<STYLE>@import'http://xss.rocks/xss.css';</STYLE>`,
  `<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert('XSS');">`,
  `'';!--"<XSS>=&{()}`,
  `</script><script>alert(1)</script>`,
  `"><img src=x onerror=alert(1)>`,
  `' onmouseover='alert(1)`,
  `<!--<img src="--><img src=x onerror=alert(1)//">`,
  `<![CDATA[<script>alert(1)</script>]]>`,
  `\u2028\u2029<script>alert(1)</script>`,
  `{{request.path}}{{ profile.id }}`,
];

// Every kind of template, each rendering a fact the visitor controls: traits (identify events),
// the query, utm parameters, the referrer; signals (set by the business, still escaped); an
// experiment's variants; text and attribute positions with either quote.
const SLOTS = {
  hero: {
    fact: "profile.traits.name",
    content: `<h2 title="{{profile.traits.name}}">Hello {{profile.traits.name}}</h2>`,
  },
  banner: {
    fact: "request.query.q",
    content: `<a href="/search?q={{request.query.q}}">Results for {{request.query.q}}</a>`,
  },
  ad: {
    fact: "request.utm.campaign",
    content: `<p data-c='{{request.utm.campaign}}'>{{request.utm.campaign | default: "none"}}</p>`,
  },
  promo: { fact: "signals.sale.title", content: `<strong>{{signals.sale.title}}</strong>` },
  ref: { fact: "request.referrer", content: `<small>from {{request.referrer}}</small>` },
};
const VARIANTS = [
  { id: "a", weight: 50, content: `<em class="{{profile.traits.name}}">{{profile.traits.name}}</em>` },
  { id: "b", weight: 50, content: `<i>{{profile.traits.name}}</i>` },
];
const CONFIG = JSON.stringify({
  version: 1,
  timezone: "UTC",
  offers: [
    ...Object.entries(SLOTS).map(([slot, s]) => ({
      id: `xss-${slot}`,
      slot,
      priority: 10,
      when: { fact: s.fact, op: "exists" },
      content: s.content,
    })),
    {
      id: "xss-exp",
      slot: "exp",
      priority: 10,
      experiment: "xss",
      when: { fact: "profile.traits.name", op: "exists" },
      variants: VARIANTS,
    },
  ],
  experiments: { xss: { salt: "xss" } },
});
const PAGE = `<!doctype html><html><head><title>Shop</title></head><body>
${[...Object.keys(SLOTS), "exp"].map((s) => `<div data-sp-slot="${s}"></div>`).join("\n")}
</body></html>`;

const escapeHtml = (s) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
const render = (template, value) => template.replace(/\{\{[^}]*\}\}/g, escapeHtml(value));
// Traits are stored with control characters as spaces.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const asTrait = (s) => s.replace(/[\x00-\x1f]/g, " ");
const count = (s, c) => s.split(c).length - 1;
const STATE = /<script type="application\/json" id="signpost-state">(.*?)<\/script>/s;

const logs = [];
let w, origin;
before(async () => {
  origin = await startOrigin(() => new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } }));
  w = await startWorker({
    bindings: {
      ORIGIN: origin.url,
      SIGNPOST_TEST_HOOKS: "1",
      SIGNPOST_SECRET: SECRET,
      SIGNPOST_ADMIN_TOKEN: ADMIN_TOKEN,
    },
    seed: false,
    onLog: (line) => logs.push(line),
  });
  await w.kv.put("config:1", CONFIG);
  await w.kv.put("config:current", "1");
});
after(async () => {
  await w?.mf.dispose();
  origin?.close();
});

describe("XSS payloads into every template", () => {
  let clock = T0;
  for (const [n, payload] of PAYLOADS.entries()) {
    test(`payload ${n}: ${JSON.stringify(payload).slice(0, 60)}`, async () => {
      const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
      const sig = await w.mf.dispatchFetch("http://localhost/__signpost/signals", {
        method: "POST",
        headers: admin,
        body: JSON.stringify({ name: "sale", data: { title: payload } }),
      });
      assert.equal(sig.status, 200);
      clock += 3600 * S; // past the config cache: the new signal is read
      const v = new Visitor(w.mf, { now: clock });
      const id = await v.events("/", [{ type: "identify", id: `xss-${n}`, traits: { name: payload } }]);
      assert.equal(id.status, 200, await id.clone().text());
      v.now += S;
      const q = encodeURIComponent(payload);
      // A header value is bytes: the NUL and line separators cannot travel in Referer.
      const referer = /[\0\u2028\u2029\t]/.test(payload) ? null : payload;
      const page = await v.page(`/?q=${q}&utm_campaign=${q}`, { headers: referer ? { referer } : {} });
      assert.match(page.signpost, /^personalized/);

      const expected = Object.entries(SLOTS)
        .filter(([slot]) => slot !== "ref" || referer)
        .map(([slot, s]) => [slot, render(s.content, s.fact.includes("traits") ? asTrait(payload) : payload)]);
      const variant = page.state.plan.slots.find((s) => s.slot === "exp");
      expected.push(["exp", render(VARIANTS.find((x) => x.id === variant.variant).content, asTrait(payload))]);
      for (const [slot, html] of expected) {
        assert.ok(page.html.includes(`>${html}</div>`), `${slot}: ${JSON.stringify(html)}`);
        assert.equal(page.state.plan.slots.find((s) => s.slot === slot)?.html, html, `${slot} in the state`);
      }
      // No markup came from the payload: every `<` is the page's or a template's own, and the
      // state script is one script whose JSON no payload ended early.
      const [script] = STATE.exec(page.html);
      const rest = page.html.replace(script, "");
      const templates = expected.reduce((n, [, html]) => n + count(html, "<"), 0);
      assert.equal(count(rest, "<"), count(PAGE, "<") + templates);
      assert.equal(count(page.html, "<script"), 1);
      assert.doesNotMatch(script.slice(8, -9), /<\/script|<!--/i);
    });
  }
});

describe("cookies and headers", () => {
  test("header injection and oversize values through cookies are never reflected", async () => {
    const hostile = [
      "sp_vid=0123456789abcdef0123456789abcdef; Path=/; Domain=evil.example",
      "sp_vid=%0d%0aSet-Cookie:%20admin=1",
      'sp_vid="><script>alert(1)</script>',
      "sp_vid=../../config:current",
      `sp_vid=${"a".repeat(4096)}`,
      "sp_consent=granted%0d%0aX-Injected:%201",
      `sp_s=${"A".repeat(8000)}.${"B".repeat(100)}`,
      "sp_s=.; sp_s=..; sp_vid=; sp_vid==",
      `${Array.from({ length: 200 }, (_, i) => `junk${i}=${"x".repeat(60)}`).join("; ")}`,
    ];
    for (const cookie of hostile) {
      const res = await w.mf.dispatchFetch("http://localhost/", {
        headers: { cookie, "x-signpost-test-now": String(T0) },
      });
      const body = await res.text();
      assert.equal(res.status, 200, cookie.slice(0, 60));
      assert.equal(res.headers.get("x-injected"), null);
      for (const c of res.headers.getSetCookie()) {
        assert.match(
          c,
          /^(sp_vid=[0-9a-f]{32}|sp_s=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+); Path=\/; Max-Age=\d+; SameSite=Lax; HttpOnly$/,
          c,
        );
      }
      assert.match(res.headers.get("x-signpost"), /^[a-z0-9;=,/ _-]+$/);
      assert.ok(!body.includes("<script>alert(1)"), "nothing from the cookie in the page");
    }
    // The valid id before the injected attributes is the visitor's own: kept, not re-issued.
    const res = await w.mf.dispatchFetch("http://localhost/", { headers: { cookie: hostile[0] } });
    assert.equal(res.headers.getSetCookie().filter((c) => c.startsWith("sp_vid=")).length, 0);
  });
});

describe("the events endpoint under abuse", () => {
  const post = (body, headers = {}) =>
    w.mf.dispatchFetch("http://localhost/__signpost/events", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });

  test("JSON bombs, odd shapes and odd types: refused, each naming what is wrong", async () => {
    const deep = (n) => "[".repeat(n) + "]".repeat(n);
    // A status and a message for the whole body, or 200 and the one event's result.
    const cases = [
      [JSON.stringify({ url: "/", events: JSON.parse(deep(1)) }).replace("[]", deep(5000)), 400, /not JSON|events/],
      [JSON.stringify({ url: "/", events: [{ type: "x", p: JSON.parse(deep(100)) }] }), 200, null],
      [
        JSON.stringify({
          url: "/",
          events: [{ type: "x", ...Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])) }],
        }),
        "rejected",
        /events\[0\]: larger than 4096/,
      ],
      [JSON.stringify({ url: "/", events: [1, 2] }), "rejected", /events\[0\]\.type/],
      [JSON.stringify({ url: "/", events: [null] }), "rejected", /events\[0\]\.type/],
      [JSON.stringify({ url: "/", events: [{ type: "\u00e9v\u00e9nement" }] }), "rejected", /events\[0\]\.type/],
      [JSON.stringify({ url: "/", events: [{ type: "a".repeat(65) }] }), "rejected", /events\[0\]\.type/],
      [JSON.stringify({ url: "/", events: [{ type: "x", at: "yesterday" }] }), "rejected", /events\[0\]/],
      [JSON.stringify({ url: "/", events: [{ type: "x", at: 1e300 }] }), 200, null],
      [JSON.stringify({ url: "/", events: [{ type: "x", id: "i".repeat(200) }] }), "rejected", /events\[0\]\.id/],
      [JSON.stringify({ url: "javascript:alert(1)", events: [] }), 400, /^url/],
      [JSON.stringify({ url: "/" + "a".repeat(3000), events: [] }), 400, /^url/],
      [JSON.stringify([]), 400, /^url/],
      ["\u0000\u0001", 400, /not JSON/],
      ["", 400, /not JSON/],
    ];
    for (const [body, status, message] of cases) {
      const res = await post(body);
      const text = await res.text();
      const expected = status === "rejected" ? 200 : status;
      assert.equal(res.status, expected, `${body.slice(0, 80)} -> ${text.slice(0, 200)}`);
      if (status === "rejected") {
        const { results } = JSON.parse(text);
        assert.equal(results[0].status, "rejected", body.slice(0, 80));
        assert.match(results[0].error, message);
        assert.ok(
          results.every((r) => r.status === "rejected"),
          "no odd event is recorded",
        );
      } else if (message) {
        assert.match(JSON.parse(text).error, message);
      }
    }
  });

  test("cross-site POSTs are refused: another origin, a null origin, Sec-Fetch-Site", async () => {
    const body = JSON.stringify({ url: "/", events: [{ type: "search", q: "x" }] });
    for (const headers of [
      { origin: "https://evil.example" },
      { origin: "null" },
      { origin: "http://localhost:8080" },
      { origin: "https://localhost" },
      { "sec-fetch-site": "cross-site" },
      { origin: "http://localhost.evil.example" },
    ]) {
      const res = await post(body, headers);
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.match((await res.json()).error, /cross-site/);
      assert.deepEqual(res.headers.getSetCookie(), []);
    }
    assert.equal((await post(body, { origin: "http://localhost", "sec-fetch-site": "same-origin" })).status, 200);
  });
});

describe("admin endpoints", () => {
  const tries = [
    {},
    { authorization: "" },
    { authorization: "Bearer" },
    { authorization: "Bearer " },
    { authorization: "Bearer wrong" },
    { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` },
    { authorization: `Bearer ${ADMIN_TOKEN} extra` },
    { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString("base64")}` },
    { authorization: ADMIN_TOKEN },
    { cookie: `token=${ADMIN_TOKEN}` },
  ];
  // Every admin route checks the token before anything else, so unknown admin paths count too.
  const requests = [
    ["GET", "/__signpost/explain?url=/", null],
    ["POST", "/__signpost/signals", JSON.stringify({ name: "evil", data: 1 })],
    ["GET", "/__signpost/report", null],
    ["GET", "/__signpost/admin/versions", null],
    ["POST", "/__signpost/admin/publish", JSON.stringify({ config: {} })],
    ["POST", "/__signpost/admin/rollback", "{}"],
  ];

  test("without the right token: 401, and nothing changes", async () => {
    const before = await w.kv.get("signals");
    for (const headers of tries) {
      for (const [method, path, body] of requests) {
        const res = await w.mf.dispatchFetch(`http://localhost${path}`, { method, headers, body });
        assert.equal(res.status, 401, `${method} ${path} ${JSON.stringify(headers)}`);
      }
    }
    assert.equal(await w.kv.get("signals"), before);
  });

  test("a Worker without SIGNPOST_ADMIN_TOKEN refuses every admin request", async () => {
    const bare = await startWorker({ bindings: { SIGNPOST_SECRET: SECRET } });
    try {
      for (const headers of [...tries, { authorization: "Bearer undefined" }, { authorization: "Bearer null" }]) {
        for (const [method, path, body] of requests) {
          const res = await bare.mf.dispatchFetch(`http://localhost${path}`, { method, headers, body });
          assert.equal(res.status, 401, `${method} ${path} ${JSON.stringify(headers)}`);
        }
      }
    } finally {
      await bare.mf.dispose();
    }
  });
});

describe("privacy", () => {
  test("no visitor data in the Worker's logs, even when things fail", async () => {
    const vid = "0000000000000000000000000000beef";
    const secret = "ada.lovelace@example.com";
    await w.kv.put(`profile:${vid}`, `{"v":1,"id":"${vid}","t":{"email":"${secret}"},"pv":"${secret}"}`);
    const v = new Visitor(w.mf, { vid, now: T0 + 400 * 86400 * S });
    await v.page(`/?q=${encodeURIComponent(secret)}`); // a corrupt profile: logged, without data
    await v.events("/", [{ type: "identify", id: "pii-1", traits: { email: secret } }]);
    await v.events("/", [{ type: "identify", traits: { email: secret }, at: "not a time" }]);
    await v.page("/", { headers: { "x-signpost-test-panic": "1" } });
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(
      logs.some((l) => l.includes("corrupt profile")),
      "the failures were logged",
    );
    for (const line of logs) {
      assert.ok(!line.includes(secret) && !line.includes(vid), `visitor data in the log: ${line}`);
    }
  });
});
