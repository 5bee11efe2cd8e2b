// The editor's forms, two-way with the JSON text area: the forms read the config parsed from
// the text, change it in place (so whatever they have no input for stays as written) and
// write it back; an edit of the text redraws them. The core (the editor wasm) gives the
// grammar and the facts the forms are built from, and judges every change (`validate`): its
// messages are shown next to the fields their paths name.
import { offersSection } from "./offers.js";
import { segmentsSection } from "./segments.js";
import { button, el, showIssues } from "./dom.js";
import { objectFields } from "./objects.js";
import { intentChart } from "./intent-chart.js";
import { funnelsField } from "./funnels.js";

/** The rest of the config, grouped for a marketer; each part's fields are the grammar's. */
const PARTS = [
  ["intent", "Intent", ["intent"]],
  ["experiments", "Experiments", ["experiments", "holdout"]],
  ["track", "Tracking", ["track", "trusted_events", "funnels"]],
  ["journeys", "Journeys", ["actions", "destinations"]],
  ["settings", "Settings", ["version", "site", "timezone", "recommendations", "consent", "profile", "attribution"]],
];

/** A part of the top-level config, from the grammar. */
const part = (names) => (ctx) =>
  el(
    "div",
    { className: "f-part" },
    ...objectFields(
      ctx.cfg,
      { fields: ctx.grammar.config.fields.filter((f) => names.includes(f.name)) },
      "",
      ctx,
      { funnels: () => funnelsField(ctx) },
      {
        others: false,
      },
    ),
  );

/** Intent: the score of a sample journey drawn above the fields, again after each change. */
const intent = (fields) => (ctx) => {
  const box = el("div", { className: "f-chart-box" }, intentChart(ctx.core, ctx.cfg));
  let timer = 0;
  ctx.watch(() => {
    clearTimeout(timer);
    timer = setTimeout(() => box.replaceChildren(intentChart(ctx.core, ctx.cfg)), 150);
  });
  return el("div", {}, box, fields(ctx));
};

const SECTIONS = [
  ["offers", "Offers", offersSection],
  ["segments", "Segments", segmentsSection],
  ...PARTS.map(([id, label, names]) => [id, label, id === "intent" ? intent(part(names)) : part(names)]),
];

/** The events a config names (track rules, intent signals, goals, event tests), for
 *  suggestions. */
function eventsOf(cfg) {
  const out = new Set();
  const walk = (v, k) => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
    } else if (v && typeof v === "object") for (const [kk, x] of Object.entries(v)) walk(x, kk);
    else if (typeof v === "string" && (k === "event" || k === "goal")) out.add(v);
  };
  walk(cfg);
  return [...out];
}

/**
 * Mounts the forms in `root`. `area`: the JSON text area; `core`: the editor wasm;
 * `api(path, init)`: the admin API; `validate()`: the page's check of the text, which calls
 * `issues(list)` back. Returns `{ refresh(), issues(list) }`.
 */
export function mount({ root, area, core, api, validate }) {
  const grammar = JSON.parse(core.grammar());
  const facts = JSON.parse(core.facts());
  const state = { section: "offers", offer: null, segment: null, search: "", pickUrl: "/" };
  let cfg = null;
  let last = [];
  let wrote = null; // the text the forms last read or wrote

  const write = () => {
    area.value = `${JSON.stringify(cfg, null, 2)}\n`;
    wrote = area.value;
  };
  // Summaries drawn from the config (the offers list) that follow each change without a redraw.
  let watchers = [];
  const changed = () => {
    write();
    validate();
    for (const w of watchers) w();
  };
  const redraw = (focusKey) => {
    const key = focusKey ?? document.activeElement?.dataset?.key;
    write();
    draw();
    validate();
    if (key) root.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
  };
  // The facts each place may use: an intent signal's `where` sees the event and the profile,
  // an action's `if` no request; the rest decides on a page.
  const condCtx = (place) => ({
    facts: facts.facts.filter((f) => facts.places[place].includes(f.path.split(".")[0])),
    ops: grammar.ops,
    changed,
    redraw,
    segments: () => (place === "signal_where" ? [] : Object.keys(cfg?.segments ?? {})),
    events: () => eventsOf(cfg),
  });
  const places = { decision: condCtx("decision"), signal_where: condCtx("signal_where"), action: condCtx("action") };
  const condFor = (path) =>
    path.startsWith("intent.") ? places.signal_where : path.startsWith("actions") ? places.action : places.decision;
  const cond = places.decision;
  const ctx = {
    watch: (fn) => watchers.push(fn),
    core,
    condFor,
    grammar,
    facts,
    state,
    changed,
    redraw,
    api,
    cond,
    get cfg() {
      return cfg;
    },
  };

  function draw() {
    wrote = area.value;
    watchers = [];
    try {
      cfg = JSON.parse(area.value);
      if (!cfg || typeof cfg !== "object" || Array.isArray(cfg)) throw new Error("the config is not a JSON object");
    } catch (e) {
      cfg = null;
      root.replaceChildren(
        el("p", {
          className: "f-broken",
          role: "alert",
          textContent: `The JSON does not read (${e.message}): fix it in the JSON tab, then come back.`,
        }),
      );
      return;
    }
    const tabs = el(
      "div",
      { className: "tabs", role: "group", "aria-label": "Part of the config" },
      ...SECTIONS.map(([id, label]) =>
        button(
          label,
          () => {
            state.section = id;
            redraw(`forms#${id}`);
          },
          {
            "aria-pressed": String(state.section === id),
            dataset: { key: `forms#${id}` },
          },
        ),
      ),
    );
    const [, , section] = SECTIONS.find(([id]) => id === state.section);
    root.replaceChildren(tabs, section(ctx), datalists());
    showIssues(root, last);
  }

  const datalists = () => el("datalist", { id: "goal-events" }, ...eventsOf(cfg).map((e) => new Option(e, e)));

  return {
    refresh: draw,
    /** Focuses the field of the issue `path` names (or the nearest enclosing one shown);
     *  false when none is. */
    focus(path) {
      for (let p = path; p; p = p.replace(/(\[\d+\]|\.[^.[\]]*)$/, "")) {
        const box = root.querySelector(`[data-path="${CSS.escape(p)}"]`);
        const control = box?.querySelector("input, select, textarea, button");
        if (control) {
          control.focus();
          control.scrollIntoView({ block: "center" });
          return true;
        }
      }
      return false;
    },
    /** Redraws when the text changed other than by the forms (typed, reverted, rebased). */
    sync() {
      if (area.value !== wrote) draw();
    },
    issues(list) {
      last = list;
      if (cfg) showIssues(root, list);
    },
  };
}
