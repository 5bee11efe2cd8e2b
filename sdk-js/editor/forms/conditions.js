// The condition builder for `when`, segments, a signal's `where` and an action's `if`: all /
// any / not groups, segment references, fact tests and event tests. Facts, their kinds and
// the operators each kind takes come from the core (`facts()` in the editor wasm); the core
// judges every value.
import { button, datalist, el, field, numberOf, put, select, text } from "./dom.js";

const KINDS = [
  ["all", "all of"],
  ["any", "any of"],
  ["not", "not"],
  ["segment", "in segment"],
  ["fact", "fact test"],
  ["event", "event test"],
];
const OP_WORDS = {
  eq: "is",
  ne: "is not",
  gt: "is more than",
  gte: "is at least",
  lt: "is less than",
  lte: "is at most",
  in: "is one of",
  contains: "contains",
  starts_with: "starts with",
  intersects: "has any of",
  exists: "is present",
};
// Events the site sends that a marketer is likely to test, besides those the config names.
const COMMON_EVENTS = ["page_view", "product_view", "add_to_cart", "checkout_start", "purchase", "signup", "search"];

/** The kind of a condition: its first grammar field present. */
export function kindOf(cond) {
  return KINDS.map(([k]) => k).find((k) => cond && typeof cond === "object" && k in cond) ?? "fact";
}

/** A fresh condition of `kind`; `from` (the one it replaces) is kept inside a new group. */
export function fresh(kind, ctx, from) {
  switch (kind) {
    case "all":
    case "any":
      return { [kind]: [from ?? fresh("fact", ctx)] };
    case "not":
      return { not: from ?? fresh("event", ctx) };
    case "segment":
      return { segment: ctx.segments()[0] ?? "" };
    case "event":
      return { event: "add_to_cart", within: "7d" };
    default: {
      const f = ctx.facts.find((x) => !x.path.includes("*")) ?? ctx.facts[0];
      return { fact: f.path, op: f.ops[0], value: f.type === "number" ? 1 : "" };
    }
  }
}

/** The known fact a path is (wildcards matched), and the name given for its `*`. */
function factOf(path, facts) {
  for (const f of facts) {
    if (f.path === path) return { f, name: null };
    if (f.path.endsWith("*")) {
      const stem = f.path.slice(0, -1);
      if (typeof path === "string" && path.startsWith(stem)) return { f, name: path.slice(stem.length) };
    }
  }
  return { f: null, name: null };
}

/** A value as its kind's input shows it. */
const shown = (v) => (Array.isArray(v) ? v.join(", ") : v === undefined ? "" : String(v));

/** The value typed, as JSON: lists split at commas, numbers for number facts. */
function typedValue(t, op, type) {
  if (op === "in" || op === "intersects") {
    return t
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => (type === "number" ? numberOf(s) : s));
  }
  if (type === "number") return numberOf(t) ?? "";
  if (type === "any") {
    const n = numberOf(t);
    if (typeof n === "number") return n;
    if (t === "true" || t === "false") return t === "true";
  }
  return t;
}

/**
 * The editor of condition `cond` at `path`. `set(next)` replaces it in its parent (and
 * redraws); `remove`, when given, takes it out. `ctx`: `{ facts, segments(), events(),
 * changed(), redraw() }`, facts being the core's list for this place.
 */
export function conditionEditor(cond, path, ctx, set, remove) {
  const kind = kindOf(cond);
  const box = el("fieldset", { className: `cond cond-${kind}`, dataset: { path } });
  const group = (k) => k === "all" || k === "any";
  // A group changed to the other kind keeps its conditions; made a group or negated, the
  // condition goes inside; anything else starts afresh.
  const change = (k) => {
    if (group(kind) && group(k)) return set({ [k]: cond[kind] });
    if (group(k) || k === "not") return set(fresh(k, ctx, cond));
    return set(fresh(k, ctx));
  };
  const pick = select(kind, KINDS, change, {
    "aria-label": "Kind of condition",
    dataset: { key: `${path}#kind` },
  });
  box.append(
    el(
      "legend",
      {},
      pick,
      remove
        ? button("Remove", remove, {
            className: "small",
            "aria-label": `Remove this ${KINDS.find(([k]) => k === kind)[1]}`,
          })
        : null,
    ),
  );
  box.append(el("span", { className: "f-err", role: "alert" }));
  const body = el("div", { className: "cond-body" });
  box.insertBefore(body, box.lastChild);
  if (group(kind)) groupBody(cond, kind, path, ctx, body);
  else if (kind === "not")
    body.append(
      conditionEditor(cond.not, `${path}.not`, ctx, (n) => {
        cond.not = n;
        ctx.redraw();
      }),
    );
  else if (kind === "segment") body.append(segmentRef(cond, path, ctx));
  else if (kind === "event") body.append(...eventTest(cond, path, ctx));
  else body.append(...factTest(cond, path, ctx));
  return box;
}

function groupBody(cond, kind, path, ctx, body) {
  const list = Array.isArray(cond[kind]) ? cond[kind] : [];
  cond[kind] = list;
  list.forEach((c, i) => {
    body.append(
      conditionEditor(
        c,
        `${path}.${kind}[${i}]`,
        ctx,
        (n) => {
          list[i] = n;
          ctx.redraw();
        },
        () => {
          list.splice(i, 1);
          ctx.redraw();
        },
      ),
    );
  });
  const add = (k, label) =>
    button(
      label,
      () => {
        list.push(fresh(k, ctx));
        ctx.redraw(`${path}.${kind}[${list.length - 1}]#kind`);
      },
      { className: "small" },
    );
  body.append(
    el(
      "div",
      { className: "cond-add" },
      add("fact", "+ fact test"),
      add("event", "+ event test"),
      add("segment", "+ segment"),
      add("any", "+ group"),
    ),
  );
}

function segmentRef(cond, path, ctx) {
  const id = `segs-${path}`;
  const i = text(
    cond.segment,
    (v) => {
      cond.segment = v;
      ctx.changed();
    },
    { list: id, dataset: { key: `${path}.segment` } },
  );
  return el("div", { className: "f-row" }, field("Segment", i, `${path}.segment`), datalist(id, ctx.segments()));
}

function eventTest(cond, path, ctx) {
  const id = `events-${path}`;
  const name = text(
    cond.event,
    (v) => {
      cond.event = v;
      ctx.changed();
    },
    { list: id, dataset: { key: `${path}.event` } },
  );
  const within = text(
    cond.within,
    (v) => {
      put(cond, "within", v.trim());
      ctx.changed();
    },
    { placeholder: "e.g. 7d", size: 8, dataset: { key: `${path}.within` } },
  );
  const count = (k) =>
    text(
      shown(cond[k]),
      (v) => {
        put(cond, k, numberOf(v));
        ctx.changed();
      },
      { inputMode: "numeric", size: 5, dataset: { key: `${path}.${k}` } },
    );
  return [
    el(
      "div",
      { className: "f-row" },
      field("Event", name, `${path}.event`),
      field("Within (duration)", within, `${path}.within`, { hint: "blank: ever" }),
      field("At least (times)", count("min"), `${path}.min`),
      field("At most (times)", count("max"), `${path}.max`, { hint: "0: never" }),
      datalist(id, [...new Set([...ctx.events(), ...COMMON_EVENTS])]),
    ),
  ];
}

function factTest(cond, path, ctx) {
  const { f, name } = factOf(cond.fact, ctx.facts);
  const type = f?.type ?? "any";
  const roots = [...new Set(ctx.facts.map((x) => x.path.split(".")[0]))];
  const factSel = el(
    "select",
    { dataset: { key: `${path}.fact` } },
    ...roots.map((r) =>
      el(
        "optgroup",
        { label: r },
        ...ctx.facts.filter((x) => x.path.startsWith(`${r}.`)).map((x) => new Option(`${x.path} (${x.type})`, x.path)),
      ),
    ),
  );
  if (!f) factSel.prepend(new Option(`${cond.fact ?? ""} (not known)`, cond.fact ?? ""));
  factSel.value = f ? f.path : (cond.fact ?? "");
  factSel.addEventListener("change", () => {
    const next = ctx.facts.find((x) => x.path === factSel.value);
    cond.fact = next.path.includes("*") ? next.path.replace("*", "") : next.path;
    // Only the operators the new kind takes; the value follows the kind.
    if (!next.ops.includes(cond.op)) cond.op = next.ops[0];
    if (cond.op !== "exists" && next.type !== type)
      cond.value = next.type === "number" ? 0 : next.type === "boolean" ? true : "";
    if (cond.op === "exists") cond.value = true;
    ctx.redraw(`${path}.fact`);
  });
  // With a name to give (`request.query.*`), the core's message on the fact goes next to it.
  const named = f?.path.includes("*");
  const parts = [field("Fact", factSel, named ? `${path}.fact#which` : `${path}.fact`)];
  if (named) {
    const stem = f.path.slice(0, -1);
    parts.push(
      field(
        `Name (${stem}…)`,
        text(
          name,
          (v) => {
            cond.fact = stem + v;
            ctx.changed();
          },
          { dataset: { key: `${path}.fact#name` }, size: 12 },
        ),
        `${path}.fact`,
      ),
    );
  }
  const ops = f ? f.ops : ctx.ops;
  const opSel = select(
    cond.op,
    ops.map((o) => [o, `${o} (${OP_WORDS[o] ?? o})`]),
    (o) => {
      const list = (x) => x === "in" || x === "intersects";
      if (list(o) && !Array.isArray(cond.value))
        cond.value = cond.value === undefined || cond.value === "" ? [] : [cond.value];
      else if (!list(o) && Array.isArray(cond.value)) cond.value = cond.value[0] ?? "";
      if (o === "exists") cond.value = true;
      else if (cond.op === "exists") cond.value = type === "number" ? 0 : "";
      cond.op = o;
      ctx.redraw(`${path}.op`);
    },
    { dataset: { key: `${path}.op` } },
  );
  parts.push(field("Operator", opSel, `${path}.op`));
  if ("value_from" in cond) {
    parts.push(
      field(
        "Compared with fact",
        text(
          cond.value_from,
          (v) => {
            cond.value_from = v;
            ctx.changed();
          },
          { dataset: { key: `${path}.value_from` } },
        ),
        `${path}.value_from`,
      ),
    );
  } else if (cond.op === "exists" || type === "boolean") {
    parts.push(
      field(
        cond.op === "exists" ? "Present?" : "Value",
        select(
          String(cond.value ?? true),
          [
            ["true", "true"],
            ["false", "false"],
          ],
          (v) => {
            cond.value = v === "true";
            ctx.changed();
          },
          { dataset: { key: `${path}.value` } },
        ),
        `${path}.value`,
      ),
    );
  } else {
    const listy = cond.op === "in" || cond.op === "intersects";
    const label = listy ? "Values (comma-separated)" : type === "number" ? "Value (number)" : "Value";
    const input = text(
      shown(cond.value),
      (v) => {
        cond.value = typedValue(v, cond.op, type);
        ctx.changed();
      },
      {
        dataset: { key: `${path}.value` },
        ...(type === "number" && !listy ? { inputMode: "decimal", size: 8 } : {}),
      },
    );
    parts.push(field(label, input, `${path}.value`));
  }
  return [el("div", { className: "f-row" }, ...parts)];
}
