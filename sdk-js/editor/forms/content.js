// What an offer shows: the choice between fixed content, variants of an experiment and
// recommended products; content templates with their rendering beside them; variants with
// their weights added up as they are typed.
import { button, el, field, numberOf, put, text } from "./dom.js";

/** What the offer shows: fixed content, variants of an experiment, or recommendations. */
export function bodyChoice(offer, path, ctx) {
  return () => {
    const now = offer.variants !== undefined ? "variants" : offer.recommend !== undefined ? "recommend" : "content";
    const choose = (to) => {
      const content = offer.content ?? offer.variants?.find((v) => v.content)?.content ?? "";
      delete offer.content;
      delete offer.variants;
      delete offer.recommend;
      delete offer.experiment;
      if (to === "content") offer.content = content;
      if (to === "variants") {
        offer.experiment = Object.keys(ctx.cfg.experiments ?? {})[0] ?? "";
        offer.variants = [
          { id: "a", weight: 50, content },
          { id: "control", weight: 50, control: true },
        ];
      }
      if (to === "recommend") offer.recommend = { strategy: "similar", count: 4 };
      ctx.redraw(`${path}#body-${to}`);
    };
    const radios = [
      ["content", "Fixed content"],
      ["variants", "Variants (an experiment)"],
      ["recommend", "Recommended products"],
    ].map(([v, l]) => {
      const r = el("input", {
        type: "radio",
        name: `${path}-body`,
        value: v,
        checked: v === now,
        dataset: { key: `${path}#body-${v}` },
      });
      r.addEventListener("change", () => choose(v));
      return el("label", {}, r, ` ${l}`);
    });
    const box = el(
      "div",
      { className: "f-group" },
      el("fieldset", { className: "f-radios" }, el("legend", { textContent: "It shows" }), ...radios),
    );
    if (now === "content") box.append(contentField(offer, "content", `${path}.content`, ctx));
    return box;
  };
}

/** A content template with its rendering beside it (the page's styles, no scripts; the
 *  `{{ facts }}` are filled per visitor, so they are shown marked). */
export function contentField(obj, key, path, ctx) {
  const area = el("textarea", { rows: 3, spellcheck: false, value: obj[key] ?? "" });
  // Same origin (the page can read it, its styles load) but no scripts: the content only shows.
  const frame = el("iframe", { className: "f-render", title: `Rendered ${path}`, sandbox: "allow-same-origin" });
  const render = () => {
    const html = String(obj[key] ?? "").replace(
      /\{\{\s*([^}]*?)\s*\}\}/g,
      (_, f) => `<mark title="filled per visitor">${f.replace(/</g, "&lt;")}</mark>`,
    );
    frame.srcdoc = `<!doctype html><link rel="stylesheet" href="${location.origin}/css/store.css"><body style="margin:8px">${html}</body>`;
  };
  area.addEventListener("input", () => {
    obj[key] = area.value;
    ctx.changed();
    render();
  });
  render();
  return el(
    "div",
    { className: "f-content" },
    field("Content (HTML, {{ fact }} fills in)", area, path, { wide: true }),
    frame,
  );
}

export function variantsTable(offer, path, ctx) {
  const list = Array.isArray(offer.variants) ? offer.variants : [];
  const sum = el("p", { className: "f-sum", role: "status" });
  const total = () => {
    const ws = list.map((v) => (typeof v.weight === "number" ? v.weight : 0));
    const all = ws.reduce((a, b) => a + b, 0);
    const shares = list.map((v, k) => `${v.id}: ${all ? Math.round((ws[k] / all) * 1000) / 10 : 0}%`).join(", ");
    sum.className = all === 100 ? "f-sum ok" : "f-sum warn";
    sum.textContent =
      all === 100
        ? `Weights add up to 100 (${shares}).`
        : `Weights add up to ${all}, not 100: each variant gets its share (${shares}).`;
  };
  const rows = list.map((v, k) => {
    const vp = `${path}.variants[${k}]`;
    const control = el("input", { type: "checkbox", checked: v.control === true });
    const content = v.control ? null : contentField(v, "content", `${vp}.content`, ctx);
    control.addEventListener("change", () => {
      put(v, "control", control.checked ? true : undefined);
      if (control.checked) delete v.content;
      else v.content = v.content ?? "";
      ctx.redraw(`${vp}.control`);
    });
    control.dataset.key = `${vp}.control`;
    return el(
      "div",
      { className: "f-variant", dataset: { path: vp } },
      el(
        "div",
        { className: "f-row" },
        field(
          "Variant id",
          text(
            v.id,
            (x) => {
              v.id = x.trim();
              ctx.changed();
            },
            { size: 10 },
          ),
          `${vp}.id`,
        ),
        field(
          "Weight",
          text(
            v.weight === undefined ? "" : String(v.weight),
            (x) => {
              put(v, "weight", numberOf(x));
              ctx.changed();
              total();
            },
            { inputMode: "decimal", size: 5 },
          ),
          `${vp}.weight`,
        ),
        el(
          "div",
          { className: "f f-check", dataset: { path: `${vp}.control` } },
          el("label", {}, control, " Control (the page as it is)"),
          el("span", { className: "f-err", role: "alert" }),
        ),
        button(
          "Remove variant",
          () => {
            list.splice(k, 1);
            ctx.redraw();
          },
          { className: "small" },
        ),
      ),
      content,
      el("span", { className: "f-err", role: "alert" }),
    );
  });
  total();
  const add = button(
    "Add variant",
    () => {
      list.push({ id: `v${list.length + 1}`, weight: 0, content: "" });
      ctx.redraw(`${path}.variants[${list.length - 1}].id`);
    },
    { className: "small" },
  );
  return el(
    "div",
    { className: "f-group", dataset: { path: `${path}.variants` } },
    el("h4", { textContent: "Variants" }),
    ...rows,
    sum,
    add,
    el("span", { className: "f-err", role: "alert" }),
  );
}
