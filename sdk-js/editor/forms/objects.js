// Fields of any object of the config, from the core's grammar: the editor's own inputs where
// it has them, else one that follows the field's shape (a value typed as JSON or text, a
// condition in the builder, a nested object's fields, a list as JSON). Keys the grammar does
// not know stay in the object untouched, and are named.
import { conditionEditor, fresh } from "./conditions.js";
import { button, el, field, put, text } from "./dom.js";

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
 *  generic one). */
export function objectFields(obj, grammar, path, ctx, widgets = {}) {
  const out = [];
  for (const f of grammar.fields) {
    const own = widgets[f.name]?.();
    if (own === null) continue;
    if (own !== undefined) {
      out.push(own);
      continue;
    }
    out.push(generic(obj, f, `${path}.${f.name}`, ctx));
  }
  const known = new Set(grammar.fields.map((f) => f.name));
  const extra = Object.keys(obj).filter((k) => !known.has(k));
  if (extra.length)
    out.push(el("p", { className: "muted", textContent: `Also in the JSON, kept as written: ${extra.join(", ")}.` }));
  return out;
}

function generic(obj, f, path, ctx) {
  const label = `${words(f.name)}${f.required ? " *" : ""}`;
  const kind = f.shape.kind;
  if (kind === "condition") {
    const box = el("div", { className: "f-group", dataset: { path } }, el("h4", { textContent: label }));
    if (obj[f.name] === undefined)
      box.append(
        button(`Add ${f.name} condition`, () => {
          obj[f.name] = fresh("all", ctx.cond);
          ctx.redraw(`${path}#kind`);
        }),
      );
    else
      box.append(
        conditionEditor(
          obj[f.name],
          path,
          ctx.cond,
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
