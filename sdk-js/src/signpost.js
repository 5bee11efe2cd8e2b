// Signpost browser SDK, start-up part: the only code that runs before first paint. It reads the
// decision the edge injected (#signpost-state) and changes nothing visible (the edge already
// rendered it), queues and sends events, and tracks navigations, clicks and offer impressions.
// The wasm core loads lazily (./runtime.js), after the page is idle or at the first event; the
// DOM applier (./apply.js) is requested at init, without holding up the first paint. No side
// effect on import: call init() (./auto.js does, for a plain script tag).
// Single-page apps (docs/spa.md): slots the app renders later are filled from the current
// decision as they appear, and a history navigation decides again for the new URL.
// The limits come from the core (./limits.js is generated from src/limits.rs and inlined by the
// build), so an event this accepts is one the endpoint accepts.
import {
  EVENT_NAME,
  MAX_BATCH_EVENTS as MAX_BATCH,
  MAX_EVENT_BYTES,
  MAX_EVENTS_BODY_BYTES,
  STATE_FORMAT,
  VERSION,
} from "./limits.js";

/** The Signpost release this SDK belongs to (the Worker's state names the one that wrote it). */
export const version = VERSION;

const DEFAULTS = {
  endpoint: "/__signpost", // the Worker's endpoints; null: send nothing (client-only pages)
  configUrl: null, // where the public config is (default: <endpoint>/config)
  flushMs: 1000, // batch window
  retries: 6, // attempts of a failed batch before it is dropped (with backoff)
  autoTrack: true,
  personalize: true, // decide in the page after events (wasm), and client-only mode
  hideMs: 100, // client-only mode: the longest slots stay hidden
  consentCookie: "sp_consent",
};
const PASSIVE = "offer_impression"; // recorded, but no new decision for it

let opts = null;
let state; // the edge's decision, null when none (undefined: not read yet)
let queue = []; // events not acknowledged yet, in order
let sending = null; // ids in flight
let timer = 0;
let failures = 0;
let granted = true;
let runtime = null; // Promise of the lazily loaded runtime
let current = null; // the last decision { source, plan, tier, score, segments, holdout }
let skew = null; // { unread, message } when another release of the Worker wrote the page
let stale = false; // navigated: the decision is for the last URL, new slots wait for the next
let mo = null;
let filler = null; // apply.js's fillSlots, once loaded
let pending = []; // what the app added before it was
const handlers = new Map();

const doc = () => (typeof document === "undefined" ? null : document);
const url = () => location.pathname + location.search;

/** The decision the edge made for this page, or null on a page not behind the Worker. */
export function edgeState() {
  if (state === undefined) {
    const el = doc() && document.getElementById("signpost-state");
    try {
      state = el ? JSON.parse(el.textContent) : null;
    } catch {
      state = null; // a damaged state must never break the page
    }
  }
  return state;
}

/** Starts the SDK once; later calls return at once. */
export function init(options = {}) {
  if (opts) return;
  opts = { ...DEFAULTS, ...options };
  const d = doc();
  if (!d) return;
  granted = readConsent();
  const s = edgeState();
  skew = s && versionSkew(s);
  if (skew) {
    console.warn(`signpost: ${skew.message}`);
    queueMicrotask(() => emit("error", new Error(skew.message)));
  }
  if (s?.plan && !skew?.unread) {
    current = {
      source: "edge",
      plan: s.plan,
      tier: s.tier ?? s.visitor_tier ?? "",
      score: s.score ?? 0,
      segments: s.segments ?? [],
      holdout: !!s.holdout,
    };
  } else if (opts.personalize && d.querySelector("[data-sp-slot]")) {
    clientOnly(d);
  }
  if (opts.autoTrack) autoTrack(d);
  if (opts.personalize) watch(d);
  addEventListener("pagehide", beacon);
  d.addEventListener("visibilitychange", () => d.visibilityState === "hidden" && beacon());
  if (opts.personalize && granted && d.querySelector("[data-sp-slot],[data-sp-offer]")) {
    preload();
  }
  d.documentElement.setAttribute("data-signpost", s ? (skew ? "edge skew" : "edge") : "page");
}

// The page was written by another release of the Worker (a deploy between the page and the
// SDK's file, or a site that pinned the SDK package). This SDK's core could decide otherwise
// than the edge's and flip a slot under the visitor's eyes, so it decides nothing: the page
// keeps what the edge rendered, and the edge's answers to events are shown. A state in another
// format is not read at all (its fields may mean something else), nor are those answers.
function versionSkew(s) {
  if (s.v === STATE_FORMAT && s.writer === VERSION) return null;
  const unread = s.v !== STATE_FORMAT;
  return {
    unread,
    message:
      `the page was written by Signpost ${s.writer ?? "before 0.1.0"} (state format ${s.v}), ` +
      `this SDK is ${VERSION} (format ${STATE_FORMAT}): ${unread ? "the state is not read and " : ""}` +
      "decisions come from the edge only",
  };
}

/** Records an event; returns its id, or null when it was dropped (no consent, bad name). */
export function track(type, props = {}) {
  init();
  if (!granted) return null;
  const event = { ...props, type, id: newId(), at: Date.now() };
  if (!EVENT_NAME.test(type) || bytes(JSON.stringify(event)) > MAX_EVENT_BYTES) {
    console.warn(`signpost: event ${JSON.stringify(type)} dropped: a bad name or over ${MAX_EVENT_BYTES} bytes`);
    return null;
  }
  if (opts.endpoint) {
    queue.push(event);
    schedule(queue.length >= MAX_BATCH ? 0 : opts.flushMs);
  }
  if (opts.personalize && type !== PASSIVE) {
    load().then(
      (rt) => rt.onEvent(event),
      () => {},
    );
  }
  return event.id;
}

/** Tells Signpost who the visitor is. `identify(userId, {signature})`: the site's user, with
 *  the signature its backend computed; the edge merges this visitor into the user's profile and
 *  the answer re-personalizes the page. Resolves to true when accepted; a refusal is logged,
 *  changes nothing and never throws. `identify(traits)`: traits become profile.traits.*. */
export function identify(user, { signature } = {}) {
  if (typeof user !== "string") return track("identify", { traits: user });
  return call("identify", { user, signature });
}

/** Logout: the edge starts a fresh anonymous visitor; the page is personalized for it. */
export function reset() {
  return call("reset", {});
}

/** Decides in the page now (loads the core if needed), applies the Plan and returns it. */
export function decide() {
  init();
  return load().then((rt) => rt.decideNow());
}

/** Subscribes to "decision" (and "consent", "error"); returns the unsubscribe function.
 *  A "decision" handler also gets the current decision at once, if there is one. */
export function on(type, fn) {
  if (!handlers.has(type)) handlers.set(type, new Set());
  handlers.get(type).add(fn);
  if (type === "decision" && current) queueMicrotask(() => fn(current));
  return () => handlers.get(type).delete(fn);
}

/** Grants or withdraws consent: without it nothing is queued or sent, and pending events are
 *  dropped. Remembered in the consent cookie the edge reads. */
export function consent(value) {
  init();
  granted = !!value && !navigator.globalPrivacyControl; // GPC wins, as at the edge
  if (doc()) {
    // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is missing in Firefox and Safari
    document.cookie = `${opts.consentCookie}=${value ? "granted" : "denied"}; path=/; max-age=31536000; samesite=lax`;
  }
  if (!granted) {
    queue = [];
    clearTimeout(timer);
    timer = 0;
  }
  emit("consent", granted);
}

/** Erases the visitor's data at the edge (DELETE <endpoint>/profile). */
export function forget() {
  init();
  queue = [];
  return fetch(`${opts.endpoint}/profile`, { method: "DELETE", credentials: "same-origin" }).then((r) => r.ok);
}

/** Stops watching the page for new slots and offers (an app tearing the SDK down). */
export function stop() {
  mo?.disconnect();
  io?.disconnect();
}

/** The last decision applied or received, or null. */
export function decision() {
  return current;
}

/** Sends queued events now; resolves when the request is done. */
export function flush() {
  clearTimeout(timer);
  timer = 0;
  if (sending || !queue.length || !granted || !opts.endpoint) return Promise.resolve();
  const batch = take();
  sending = new Set(batch.map((e) => e.id));
  let from; // the page's URL the batch was sent from, which the edge's answer decides for
  const post = () => {
    from = url();
    return fetch(`${opts.endpoint}/events`, {
      method: "POST",
      keepalive: true,
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: body(batch, from),
    });
  };
  // The tabs of a site share the sp_s cookie: two posts in flight at once would each be
  // answered with a cookie holding only their own events, and the later would drop the other's.
  // A Web Lock makes the tabs take turns, so each post carries the cookie the last one set.
  return (navigator.locks ? navigator.locks.request("signpost-events", post) : post())
    .then(async (r) => {
      if (r.status >= 500 || r.status === 408 || r.status === 429) throw new Error(`events: ${r.status}`);
      queue = queue.filter((e) => !sending.has(e.id)); // accepted, refused (4xx) or no consent (204)
      failures = 0;
      if (r.status === 204) granted = false; // the edge says consent is off
      if (r.status === 200) {
        const d = await r.json();
        // Each event is answered on its own: a refused one costs only itself.
        for (const x of d?.results ?? []) {
          if (x.status === "rejected") {
            console.warn(`signpost: event refused: ${x.error}`);
            emit("error", new Error(`event refused: ${x.error}`));
          }
        }
        // A single-page app that changed route meanwhile shows its own decision for the new URL.
        if (from === url()) await answered(d, runtime);
      } else if (r.status >= 400) {
        emit("error", new Error(`events refused: ${r.status}`));
      }
    })
    .catch((e) => {
      // Kept in the queue with the same ids: the edge skips ids it has seen.
      if (++failures > opts.retries) {
        queue = queue.filter((x) => !sending.has(x.id));
        failures = 0;
      }
      emit("error", e);
      sending = null;
      schedule(Math.min(30000, 500 * 2 ** failures));
    })
    .finally(() => {
      sending = null;
      if (queue.length && !timer) schedule(opts.flushMs);
    });
}

// ---- internals (exported through the runtime's context only) ------------------------------

// An answer of the edge that carries the client state (events, identify, reset): its Plan is
// shown. `rt` is the runtime's promise, if it should apply it; `fresh`: the visitor's profile
// changed under the page (identify, reset), so the runtime's copy is read again.
async function answered(d, rt, fresh) {
  if (!d?.plan || skew?.unread) return;
  const dec = {
    source: "edge",
    plan: d.plan,
    tier: d.tier ?? "",
    score: d.score ?? 0,
    segments: d.segments ?? [],
    holdout: !!d.holdout,
  };
  const r = rt && (await rt.catch(() => null));
  if (r) r.onEdgeDecision(dec, fresh);
  else publish(dec);
}

// POST <endpoint>/<what> (identify, reset) after the events queued before it, in turn with the
// tabs' other posts (the answer sets sp_s, as an events answer does). Resolves to whether the
// edge accepted it; never rejects.
async function call(what, payload) {
  init();
  if (!granted || !opts.endpoint) return false;
  await flush();
  const post = () =>
    fetch(`${opts.endpoint}/${what}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...payload, url: url() }), // the answer decides for this page
    });
  let error;
  try {
    const r = await (navigator.locks ? navigator.locks.request("signpost-events", post) : post());
    const d = r.status === 204 ? null : await r.json().catch(() => null);
    if (r.status === 204)
      granted = false; // the edge says consent is off
    else if (r.ok) {
      await answered(d, opts.personalize && load(), true);
      return true;
    } else error = d?.error ?? `HTTP ${r.status}`;
  } catch (e) {
    error = e.message;
  }
  if (error) {
    console.error(`signpost: ${what} refused: ${error}`);
    emit("error", new Error(`${what} refused: ${error}`));
  }
  return false;
}

function take() {
  const batch = [];
  let size = 40 + url().length;
  for (const e of queue) {
    const n = bytes(JSON.stringify(e)) + 1;
    if (batch.length === MAX_BATCH || size + n > MAX_EVENTS_BODY_BYTES) break;
    batch.push(e);
    size += n;
  }
  return batch;
}

const body = (events, at = url()) => JSON.stringify({ url: at, events });
// The limits are in bytes of UTF-8, as the endpoint counts them.
const bytes = (text) => new Blob([text]).size;

function schedule(ms) {
  if (!timer) timer = setTimeout(flush, ms);
}

// The page is going away: hand what is left (not in flight) to the browser.
function beacon() {
  if (!granted || !opts.endpoint) return;
  const rest = queue.filter((e) => !sending?.has(e.id));
  if (!rest.length) return;
  const data = body(rest.slice(0, MAX_BATCH));
  const sent = navigator.sendBeacon?.(`${opts.endpoint}/events`, new Blob([data], { type: "application/json" }));
  if (sent) {
    const ids = new Set(rest.slice(0, MAX_BATCH).map((e) => e.id));
    queue = queue.filter((e) => !ids.has(e.id));
  } else {
    flush();
  }
}

function newId() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(36).padStart(2, "0"))
    .join("")
    .slice(0, 20);
}

function readConsent() {
  // Global Privacy Control wins over any cookie or option, as at the edge.
  if (navigator.globalPrivacyControl) return false;
  if (opts.consent !== undefined) return !!opts.consent;
  const m = document.cookie.match(new RegExp(`(?:^|;\\s*)${opts.consentCookie}=([^;]*)`));
  return !(m && /^(denied|0|false|no)$/i.test(m[1]));
}

function emit(type, detail) {
  for (const fn of handlers.get(type) ?? []) {
    try {
      fn(detail);
    } catch (e) {
      setTimeout(() => {
        throw e;
      }); // a handler's error must not stop the SDK
    }
  }
}

function publish(dec) {
  current = dec;
  stale = false;
  fill(); // slots that appeared while it was on its way
  emit("decision", dec);
}

// ---- single-page apps: slots rendered after the decision ------------------------------------

// A MutationObserver's callback runs in the microtask checkpoint after the app's render, before
// the next paint: once apply.js is here, a slot is filled in the frame it first shows in.
function watch(d) {
  mo = new MutationObserver((records) => (filler ? fill(records) : pending?.push(...records)));
  mo.observe(d.documentElement, { childList: true, subtree: true });
  import("./apply.js").then(
    (m) => {
      filler = m.fillSlots;
      fill(pending); // first what the app added, so the slots it rendered children into are its
      pending = null;
      fill(); // then every slot on the page
    },
    () => {
      pending = null; // no applier: the page stays as it is
    },
  );
}

// Fills the slots the app added (`records`), or all the page's, from the current decision (and
// marks the app's own even without consent); the core loads while the page is idle once there
// is a slot, so navigations decide without a wait.
function fill(records) {
  if (filler?.(records, granted && !stale && current?.plan) && granted) {
    observe(); // the new offers' impressions
    preload();
  }
}

const preload = () => (globalThis.requestIdleCallback ?? setTimeout)(() => load().catch(() => {}));

function load() {
  runtime ??= import("./runtime.js").then((m) =>
    m.start({
      options: opts,
      state: edgeState(),
      edgeOnly: !!skew,
      url,
      granted: () => granted,
      current: () => current,
      publish,
      emit,
      observe,
    }),
  );
  return runtime;
}

// Client-only mode: no edge decision. Slots stay hidden until the page's own decision is
// applied, never longer than hideMs: after that the page's content shows as it is, and a
// decision that comes later is not applied (content must not change under the visitor's eyes):
// the page view is still recorded, and the next navigation or event decides and applies.
function clientOnly(d) {
  const style = d.createElement("style");
  style.textContent = "[data-sp-slot]{visibility:hidden!important}";
  d.head.append(style);
  let shown = false;
  const show = () => {
    shown = true;
    style.remove();
  };
  setTimeout(show, opts.hideMs);
  load()
    .then((rt) => rt.clientOnly(!shown))
    .finally(show)
    .catch(() => {});
}

// ---- auto-tracking ------------------------------------------------------------------------

const seen = new WeakMap(); // offer element -> offer/variant it was counted for
let io = null;

function observe(root = document) {
  if (!io) return;
  for (const el of root.querySelectorAll("[data-sp-offer]")) io.observe(el);
}

function offerProps(el) {
  const p = { offer: el.getAttribute("data-sp-offer") };
  const v = el.getAttribute("data-sp-variant");
  const s = el.getAttribute("data-sp-slot");
  if (v) p.variant = v;
  if (s) p.slot = s;
  return p;
}

function dataProps(el) {
  const p = {};
  for (const [k, v] of Object.entries(el.dataset)) {
    if (k.startsWith("sp")) continue;
    p[k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase())] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  return p;
}

function autoTrack(d) {
  d.addEventListener(
    "click",
    (e) => {
      const t = e.target.closest?.("[data-sp-track]");
      if (t) track(t.getAttribute("data-sp-track"), dataProps(t));
      const o = e.target.closest?.("[data-sp-offer]");
      if (o && e.target.closest("a,button,[role=button]")) track("offer_click", offerProps(o));
    },
    true,
  );
  let last = url();
  const nav = () => {
    const now = url();
    if (now !== last) {
      const referrer = location.origin + last;
      last = now;
      stale = true;
      track("page_view", { url: now, path: location.pathname, referrer });
    }
  };
  for (const m of ["pushState", "replaceState"]) {
    const orig = history[m];
    history[m] = function (...args) {
      const r = orig.apply(this, args);
      nav();
      return r;
    };
  }
  addEventListener("popstate", nav);
  if (typeof IntersectionObserver === "function") {
    io = new IntersectionObserver(
      (entries) => {
        for (const x of entries) {
          if (!x.isIntersecting) continue;
          const p = offerProps(x.target);
          const key = p.offer + "/" + (p.variant ?? "");
          if (seen.get(x.target) === key) continue;
          seen.set(x.target, key);
          track(PASSIVE, p);
        }
      },
      { threshold: 0.5 },
    );
    observe(d);
  }
}
