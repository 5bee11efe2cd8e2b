// Funnels (`funnels.<name>`: the ordered event names the report follows), as rows of a name and
// its steps, instead of JSON: the steps are typed in order, separated by commas, with the
// config's own events suggested.
import { button, el, field, renameInput, text } from "./dom.js";

const steps = (t) =>
  t
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** The funnels of `cfg` (the forms' widget for the `funnels` field). */
export function funnelsField(ctx) {
  const cfg = ctx.cfg;
  const funnels = cfg.funnels && typeof cfg.funnels === "object" ? cfg.funnels : {};
  const box = el(
    "fieldset",
    { className: "f-group", dataset: { path: "funnels" } },
    el("legend", { textContent: "Funnels" }),
  );
  const keep = () => {
    if (Object.keys(funnels).length) cfg.funnels = funnels;
    else delete cfg.funnels;
  };
  for (const name of Object.keys(funnels)) {
    const path = `funnels.${name}`;
    const rename = renameInput(funnels, name, (to) => ctx.redraw(`funnels.${to}#name`), {
      size: 16,
      dataset: { key: `${path}#name` },
    });
    const list = Array.isArray(funnels[name]) ? funnels[name].join(", ") : JSON.stringify(funnels[name]);
    const order = text(
      list,
      (v) => {
        funnels[name] = steps(v);
        ctx.changed();
      },
      { size: 48, list: "goal-events", dataset: { key: path } },
    );
    const remove = button(
      "Remove",
      () => {
        delete funnels[name];
        keep();
        ctx.redraw("funnels#add");
      },
      { "aria-label": `Remove funnel ${name}` },
    );
    box.append(
      el(
        "div",
        { className: "f-row", dataset: { path } },
        field("Funnel", rename, `${path}#name`),
        field("Steps, in order (events, comma-separated)", order, path, { wide: true }),
        remove,
      ),
    );
  }
  box.append(
    button(
      "Add funnel",
      () => {
        let n = Object.keys(funnels).length + 1;
        while (`funnel_${n}` in funnels) n++;
        funnels[`funnel_${n}`] = ["page_view", "purchase"];
        keep();
        ctx.redraw(`funnels.funnel_${n}`);
      },
      { dataset: { key: "funnels#add" } },
    ),
    el("span", { className: "f-err", role: "alert" }),
  );
  return box;
}
