// The forms' building blocks: elements, labelled fields with a place for the core's message,
// and the map from the core's issue paths (`offers[3].when.all[1].op`) to those places.

/** An element with properties (and `dataset`) set, and children appended. */
export function el(tag, props = {}, ...kids) {
  const { dataset, ...rest } = props;
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(rest)) {
    // ARIA and `list` are attributes only (no property to assign).
    if (k.includes("-") || k === "list") e.setAttribute(k, String(v));
    else e[k] = v;
  }
  if (dataset) Object.assign(e.dataset, dataset);
  e.append(...kids.filter((k) => k !== null && k !== undefined && k !== false));
  return e;
}

/** A control with its label and, after it, where the core's message for `path` goes. `key`
 *  names the control so focus survives a redraw. */
export function field(label, control, path, { hint = "", wide = false } = {}) {
  control.dataset.key = control.dataset.key || path;
  const err = el("span", { className: "f-err", role: "alert" });
  const box = el(
    "div",
    { className: wide ? "f f-wide" : "f", dataset: { path } },
    el("label", {}, el("span", { className: "f-label", textContent: label }), control),
    hint ? el("span", { className: "f-hint", textContent: hint }) : null,
    err,
  );
  return box;
}

/** A text input; `onValue(text)` on every change. */
export function text(value, onValue, props = {}) {
  const i = el("input", { type: "text", value: value ?? "", autocomplete: "off", spellcheck: false, ...props });
  i.addEventListener("input", () => onValue(i.value));
  return i;
}

/** A text input that renames `name`, a key of `map`, when its change is committed: in place
 *  (the key keeps its position, its value is untouched); a name already taken or blank is not
 *  taken. `renamed(to)` is called after. */
export function renameInput(map, name, renamed, props = {}) {
  const input = text(name, () => {}, props);
  input.addEventListener("change", () => {
    const to = input.value.trim();
    if (!to || to === name || to in map) return;
    const entries = Object.entries(map).map(([k, v]) => [k === name ? to : k, v]);
    for (const k of Object.keys(map)) delete map[k];
    Object.assign(map, Object.fromEntries(entries));
    renamed(to);
  });
  return input;
}

/** A select of `[value, label]` pairs (or plain values); the current value is kept as an
 *  option even when it is not one of them, so what the JSON says is shown, and judged. */
export function select(value, options, onValue, props = {}) {
  const pairs = options.map((o) => (Array.isArray(o) ? o : [o, o]));
  if (value !== undefined && value !== null && !pairs.some(([v]) => v === String(value)))
    pairs.unshift([String(value), `${value} (not known)`]);
  const s = el("select", props, ...pairs.map(([v, l]) => new Option(l, v)));
  s.value = value ?? pairs[0]?.[0] ?? "";
  s.addEventListener("change", () => onValue(s.value));
  return s;
}

/** A datalist of `values`, attached to an input by id. */
export function datalist(id, values) {
  return el("datalist", { id }, ...values.map((v) => new Option(v, v)));
}

/** A number as typed: a number when it reads as one, else the text itself, so the core says
 *  what is wrong with it; empty is `undefined` (the field is left out). */
export function numberOf(t) {
  const s = t.trim();
  if (s === "") return undefined;
  return /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : s;
}

/** A button. */
export function button(label, onClick, props = {}) {
  const b = el("button", { type: "button", textContent: label, ...props });
  b.addEventListener("click", onClick);
  return b;
}

/** Sets `obj[key]` to `value`, or removes the key when `value` is undefined or "". */
export function put(obj, key, value) {
  if (value === undefined || value === "") delete obj[key];
  else obj[key] = value;
}

/** The core's issues next to their fields: each goes to the field whose path is the issue's,
 *  or the nearest enclosing one shown. Returns how many found a place. */
export function showIssues(root, issues) {
  for (const e of root.querySelectorAll(".f-err")) e.textContent = "";
  for (const e of root.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
  let placed = 0;
  for (const issue of issues) {
    if (issue.source === "catalog") continue;
    let p = issue.path;
    while (p) {
      const boxes = root.querySelectorAll(`[data-path="${CSS.escape(p)}"]`);
      const err = [...boxes].map((b) => b.querySelector(":scope > .f-err")).find(Boolean);
      if (err) {
        err.textContent = err.textContent ? `${err.textContent} · ${issue.message}` : issue.message;
        err.parentElement
          .querySelector(":scope > label input, :scope > label select, :scope > label textarea")
          ?.setAttribute("aria-invalid", "true");
        placed++;
        break;
      }
      p = p.replace(/(\[\d+\]|\.[^.[\]]*)$/, "");
    }
  }
  return placed;
}
