// The segments: named conditions (`segments.<name>`), each edited in the condition builder.
import { audienceLine } from "./audience.js";
import { conditionEditor, fresh } from "./conditions.js";
import { button, el, field, renameInput } from "./dom.js";

export function segmentsSection(ctx) {
  const cfg = ctx.cfg;
  const segs = cfg.segments && typeof cfg.segments === "object" ? cfg.segments : {};
  const names = Object.keys(segs);
  const open = ctx.state.segment;
  const list = el(
    "ul",
    { className: "f-names" },
    ...names.map((n) =>
      el(
        "li",
        { className: n === open ? "open" : "" },
        button(
          n,
          () => {
            ctx.state.segment = n;
            ctx.redraw(`segments.${n}#name`);
          },
          { className: "link", "aria-label": `Edit segment ${n}`, dataset: { key: `segments#open-${n}` } },
        ),
      ),
    ),
  );
  const add = button(
    "New segment",
    () => {
      cfg.segments = segs;
      let n = names.length + 1;
      while (`segment_${n}` in segs) n++;
      segs[`segment_${n}`] = fresh("fact", ctx.cond);
      ctx.state.segment = `segment_${n}`;
      ctx.redraw(`segments.segment_${n}#name`);
    },
    { className: "primary", dataset: { key: "segments#new" } },
  );
  const box = el("div", { className: "segments" }, el("div", { className: "f-row" }, add), list);
  if (open !== null && open in segs) box.append(segmentForm(segs, open, ctx));
  return box;
}

function segmentForm(segs, name, ctx) {
  const path = `segments.${name}`;
  // Renaming keeps the segment's place among the others (and its condition as it is); the
  // offers and segments that use the old name are the core's to point out.
  const rename = renameInput(
    segs,
    name,
    (to) => {
      ctx.state.segment = to;
      ctx.redraw(`segments.${to}#name`);
    },
    { dataset: { key: `${path}#name` }, size: 20 },
  );
  const del = button("Delete segment", () => {
    if (!confirm(`Delete segment ${name}?`)) return;
    delete segs[name];
    ctx.state.segment = null;
    ctx.redraw("segments#new");
  });
  return el(
    "section",
    { className: "f-form", "aria-label": `Segment ${name}`, dataset: { path } },
    el("h3", {}, el("span", { textContent: `Segment ${name}` }), del),
    el("span", { className: "f-err", role: "alert" }),
    field("Name (renaming does not update its uses)", rename, `${path}#name`),
    conditionEditor(segs[name], path, ctx.cond, (n) => {
      segs[name] = n;
      ctx.redraw();
    }),
    audienceLine(ctx, { segment: name }),
  );
}
