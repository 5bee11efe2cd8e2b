// Fields of any object of the config, from the core's grammar: the editor's own inputs where
// it has them, else one that follows the field's shape (a value typed as JSON or text, a
// condition in the builder, a nested object's fields, a list of objects as one form each, a
// map of names). Keys the grammar does not know stay in the object untouched, and are named.
import { conditionEditor, fresh } from "./conditions.js";
import { button, el, field, put, renameInput, text } from "./dom.js";

const words = (name) => name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

/** A value as typed: JSON when it reads as JSON (numbers, true, lists), else the text. */
function typed(t) {
  const s = t.trim();
  if (s === "") return undefined;
  if (/^[[{"\d-]|^(true|false|null)$/.test(s)) {
    try {
      return JSON.parse(s);
    } catch {}
  }
  return t;
}
const shown = (v) => (v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v));

/** The inputs for `obj`'s fields per `grammar` (`{fields: [{name, required, shape}]}`) at
 *  `path`. `widgets[name]()` gives a field's own input (null: none here; undefined: the
 *  generic one). `others`: whether to name the keys the grammar does not list. */
export function objectFields(obj, grammar, path, ctx, widgets = {}, { others = true } = {}) {
  const out = [];
  for (const f of grammar.fields) {
    const own = widgets[f.name]?.();
    if (own === null) continue;
    if (own !== undefined) {
      out.push(own);
      continue;
    }
    out.push(generic(obj, f, path ? `${path}.${f.name}` : f.name, ctx));
  }
  const known = new Set(grammar.fields.map((f) => f.name));
  const extra = Object.keys(obj).filter((k) => !known.has(k));
  if (others && extra.length)
    out.push(el("p", { className: "muted", textContent: `Also in the JSON, kept as written: ${extra.join(", ")}.` }));
  return out;
}

function generic(obj, f, path, ctx) {
  const label = `${words(f.name)}${f.required ? " *" : ""}`;
  const kind = f.shape.kind;
  if (kind === "list") return listField(obj, f, label, path, ctx);
  if (kind === "names" && f.shape.of.kind !== "value") return namesField(obj, f, label, path, ctx);
  if (kind === "condition") {
    const box = el("div", { className: "f-group", dataset: { path } }, el("h4", { textContent: label }));
    if (obj[f.name] === undefined)
      box.append(
        button(`Add ${f.name} condition`, () => {
          obj[f.name] = fresh("all", ctx.condFor(path));
          ctx.redraw(`${path}#kind`);
        }),
      );
    else
      box.append(
        conditionEditor(
          obj[f.name],
          path,
          ctx.condFor(path),
          (n) => {
            obj[f.name] = n;
            ctx.redraw();
          },
          () => {
            delete obj[f.name];
            ctx.redraw();
          },
        ),
      );
    return box;
  }
  if (kind === "object") {
    const sub = obj[f.name] && typeof obj[f.name] === "object" ? obj[f.name] : {};
    const child = {
      ...ctx,
      changed: () => {
        if (Object.keys(sub).length) obj[f.name] = sub;
        else delete obj[f.name];
        ctx.changed();
      },
    };
    return el(
      "fieldset",
      { className: "f-group", dataset: { path } },
      el("legend", { textContent: label }),
      ...objectFields(sub, f.shape.object, path, child),
      el("span", { className: "f-err", role: "alert" }),
    );
  }
  if (kind === "value") {
    return field(
      label,
      text(shown(obj[f.name]), (v) => {
        put(obj, f.name, typed(v));
        ctx.changed();
      }),
      path,
    );
  }
  // Lists and named maps: JSON, checked as it is typed.
  const area = el("textarea", {
    rows: 4,
    spellcheck: false,
    value: obj[f.name] === undefined ? "" : JSON.stringify(obj[f.name], null, 2),
  });
  const box = field(`${label} (JSON)`, area, path, { wide: true });
  area.addEventListener("input", () => {
    const err = box.querySelector(".f-err");
    if (area.value.trim() === "") {
      delete obj[f.name];
      ctx.changed();
      return;
    }
    try {
      obj[f.name] = JSON.parse(area.value);
      ctx.changed();
    } catch (e) {
      err.textContent = `not JSON yet: ${e.message}`;
    }
  });
  return box;
}

/** A list of objects (`track`, `intent.signals`, `actions`): a form per item, known by its key
 *  field; items are added and removed here. */
function listField(obj, f, label, path, ctx) {
  const list = Array.isArray(obj[f.name]) ? obj[f.name] : [];
  const keyName = f.shape.key;
  const items = list.map((item, i) => {
    const ip = `${path}[${i}]`;
    const remove = button(
      "Remove",
      () => {
        list.splice(i, 1);
        if (!list.length) delete obj[f.name];
        ctx.redraw(`${path}#add`);
      },
      { className: "small", "aria-label": `Remove ${f.name} ${item?.[keyName] ?? i + 1}` },
    );
    return el(
      "fieldset",
      { className: "f-item", dataset: { path: ip } },
      el("legend", {}, `${keyName} ${item?.[keyName] ?? "(new)"} `, remove),
      ...(item && typeof item === "object" ? objectFields(item, f.shape.object, ip, ctx) : []),
      el("span", { className: "f-err", role: "alert" }),
    );
  });
  const add = button(
    `Add to ${f.name}`,
    () => {
      obj[f.name] = list;
      list.push({});
      ctx.redraw(`${path}[${list.length - 1}].${f.shape.object.fields[0].name}`);
    },
    { className: "small", dataset: { key: `${path}#add` } },
  );
  return el(
    "fieldset",
    { className: "f-group", dataset: { path } },
    el("legend", { textContent: label }),
    ...items,
    add,
    el("span", { className: "f-err", role: "alert" }),
  );
}

/** A map of names the marketer chooses (`experiments`, `destinations`): per name its fields
 *  (or its condition); names are added, renamed (in place) and removed here. */
function namesField(obj, f, label, path, ctx) {
  const map = obj[f.name] && typeof obj[f.name] === "object" ? obj[f.name] : {};
  const of = f.shape.of;
  const entries = Object.keys(map).map((name) => {
    const np = `${path}.${name}`;
    const rename = renameInput(map, name, (to) => ctx.redraw(`${path}.${to}#name`), {
      size: 18,
      dataset: { key: `${np}#name` },
    });
    const remove = button(
      "Remove",
      () => {
        delete map[name];
        if (!Object.keys(map).length) delete obj[f.name];
        ctx.redraw(`${path}#add`);
      },
      { className: "small", "aria-label": `Remove ${name}` },
    );
    const value = map[name];
    const body =
      of.kind === "object" && value && typeof value === "object"
        ? objectFields(value, of.object, np, ctx)
        : of.kind === "condition"
          ? [
              conditionEditor(value, np, ctx.condFor(np), (n) => {
                map[name] = n;
                ctx.redraw();
              }),
            ]
          : [];
    return el(
      "fieldset",
      { className: "f-item", dataset: { path: np } },
      el("legend", {}, field("Name", rename, `${np}#name`), remove),
      ...body,
      el("span", { className: "f-err", role: "alert" }),
    );
  });
  const add = button(
    `Add to ${f.name}`,
    () => {
      obj[f.name] = map;
      let n = Object.keys(map).length + 1;
      while (`${f.name}_${n}` in map) n++;
      map[`${f.name}_${n}`] = of.kind === "condition" ? fresh("fact", ctx.condFor(path)) : {};
      ctx.redraw(`${path}.${f.name}_${n}#name`);
    },
    { className: "small", dataset: { key: `${path}#add` } },
  );
  return el(
    "fieldset",
    { className: "f-group", dataset: { path } },
    el("legend", { textContent: label }),
    ...entries,
    add,
    el("span", { className: "f-err", role: "alert" }),
  );
}
