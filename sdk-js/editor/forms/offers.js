// The offers: a list (slot, priority, status, search) and the form of one offer, its fields
// in the order of the core's grammar (`offers[]` in src/config/grammar.rs). Fields the editor
// has no special input for get a plain one from their shape, so a new grammar row shows up.
import { audienceLine } from "./audience.js";
import { conditionEditor, fresh } from "./conditions.js";
import { button, datalist, el, field, numberOf, put, select, text } from "./dom.js";
import { objectFields } from "./objects.js";
import { pickPanel } from "./pick.js";
import { bodyChoice, variantsTable } from "./content.js";
import { localNow, scheduleFields, status } from "./schedule.js";

/** The offers section: the list, and the open offer's form. */
export function offersSection(ctx) {
  const cfg = ctx.cfg;
  const offers = Array.isArray(cfg.offers) ? cfg.offers : [];
  const grammar = ctx.grammar.config.fields.find((f) => f.name === "offers").shape.object;
  const open = ctx.state.offer;
  const box = el("div", { className: "offers" });
  box.append(offerList(offers, ctx));
  if (open !== null && offers[open]) box.append(offerForm(offers[open], open, grammar, ctx));
  return box;
}

function offerList(offers, ctx) {
  const tz = ctx.cfg.timezone || "UTC";
  const now = localNow(tz);
  const search = text(
    ctx.state.search,
    (v) => {
      ctx.state.search = v;
      filter();
    },
    {
      type: "search",
      placeholder: "id, slot, selector or content",
      dataset: { key: "offers#search" },
    },
  );
  const rows = offers.map((o, i) => {
    const edit = button(
      "",
      () => {
        ctx.state.offer = i;
        ctx.redraw(`offers[${i}].id`);
      },
      { className: "link", dataset: { key: `offers#open${i}` } },
    );
    const [where, priority, state] = [el("td"), el("td"), el("span", { className: "status" })];
    const tr = el(
      "tr",
      { className: ctx.state.offer === i ? "open" : "" },
      el("td", {}, edit),
      where,
      priority,
      el("td", {}, state),
    );
    // Filled again after each change in the form, so the list says what the offer now is.
    const fill = () => {
      edit.textContent = String(o.id ?? `(offer ${i + 1})`);
      edit.setAttribute("aria-label", `Edit offer ${o.id ?? i + 1}`);
      where.textContent = o.slot ? `slot ${o.slot}` : o.selector ? `selector ${o.selector}` : "(nowhere yet)";
      priority.textContent = String(o.priority ?? 0);
      state.textContent = status(o, now);
      tr.dataset.find = JSON.stringify([o.id, o.slot, o.selector, o.content]).toLowerCase();
    };
    fill();
    ctx.watch(fill);
    return tr;
  });
  const filter = () => {
    const q = ctx.state.search.trim().toLowerCase();
    for (const r of rows) r.hidden = q !== "" && !r.dataset.find.includes(q);
  };
  filter();
  const add = button(
    "New offer",
    () => {
      ctx.cfg.offers = offers;
      const taken = new Set(offers.map((o) => o.id));
      let n = offers.length + 1;
      while (taken.has(`offer-${n}`)) n++;
      offers.push({ id: `offer-${n}` });
      ctx.state.offer = offers.length - 1;
      ctx.redraw(`offers[${offers.length - 1}].id`);
    },
    { className: "primary", dataset: { key: "offers#new" } },
  );
  return el(
    "div",
    { className: "f-list" },
    el("div", { className: "f-row" }, field("Search offers", search, "offers#search"), add),
    el(
      "table",
      { className: "f-table" },
      el(
        "thead",
        {},
        el("tr", {}, ...["Offer", "Where", "Priority", "Status"].map((h) => el("th", { textContent: h }))),
      ),
      el("tbody", {}, ...rows),
    ),
  );
}

function offerForm(offer, i, grammar, ctx) {
  const path = `offers[${i}]`;
  const close = button("Close", () => {
    ctx.state.offer = null;
    ctx.redraw(`offers#open${i}`);
  });
  const del = button("Delete offer", () => {
    if (!confirm(`Delete offer ${offer.id}?`)) return;
    ctx.cfg.offers.splice(i, 1);
    ctx.state.offer = null;
    ctx.redraw("offers#new");
  });
  const form = el(
    "section",
    { className: "f-form", "aria-label": `Offer ${offer.id}`, dataset: { path } },
    el("h3", {}, el("span", { textContent: `Offer ${offer.id ?? ""}` }), close, del),
    el("span", { className: "f-err", role: "alert" }),
  );
  const widgets = offerWidgets(offer, path, ctx);
  form.append(...objectFields(offer, grammar, path, ctx, widgets));
  return form;
}

/** The offer's fields that get their own inputs; the rest follow their shape. */
function offerWidgets(offer, path, ctx) {
  const changed = ctx.changed;
  const where = () => {
    const slot = text(
      offer.slot,
      (v) => {
        put(offer, "slot", v.trim());
        changed();
      },
      { list: "slot-names", size: 14 },
    );
    const sel = text(
      offer.selector,
      (v) => {
        put(offer, "selector", v.trim());
        changed();
      },
      { size: 28 },
    );
    const panel = el("div", { className: "pick-box" });
    const toggle = button(
      "Pick on the page",
      () => {
        if (panel.firstChild) {
          panel.replaceChildren();
          toggle.setAttribute("aria-expanded", "false");
          return;
        }
        toggle.setAttribute("aria-expanded", "true");
        panel.append(
          pickPanel(ctx, (choice) => {
            delete offer.slot;
            delete offer.selector;
            Object.assign(offer, choice);
            ctx.redraw(`${path}.${Object.keys(choice)[0]}`);
          }),
        );
      },
      { "aria-expanded": "false", dataset: { key: `${path}#pick` } },
    );
    const slots = [...new Set((ctx.cfg.offers ?? []).map((o) => o.slot).filter(Boolean))];
    return el(
      "div",
      { className: "f-group" },
      el(
        "div",
        { className: "f-row" },
        field("Slot", slot, `${path}.slot`, { hint: "a data-sp-slot name" }),
        el("span", { className: "muted", textContent: "or" }),
        field("CSS selector", sel, `${path}.selector`),
        toggle,
        datalist("slot-names", slots),
      ),
      panel,
    );
  };
  const experiments = Object.keys(ctx.cfg.experiments ?? {});
  const body = bodyChoice(offer, path, ctx);
  return {
    id: () =>
      field(
        "Offer id",
        text(
          offer.id,
          (v) => {
            offer.id = v.trim();
            changed();
          },
          { size: 22 },
        ),
        `${path}.id`,
        { hint: "names it in reports" },
      ),
    slot: where,
    selector: () => null,
    priority: () =>
      field(
        "Priority",
        text(
          offer.priority === undefined ? "" : String(offer.priority),
          (v) => {
            put(offer, "priority", numberOf(v));
            changed();
          },
          { inputMode: "numeric", size: 6 },
        ),
        `${path}.priority`,
        { hint: "higher wins a slot" },
      ),
    when: () => {
      const box = el(
        "div",
        { className: "f-group", dataset: { path: `${path}.when` } },
        el("h4", { textContent: "Who sees it" }),
      );
      if (offer.when === undefined) {
        box.append(
          el("p", { className: "muted", textContent: "Every visitor." }),
          button(
            "Add a condition",
            () => {
              offer.when = fresh("all", ctx.cond);
              ctx.redraw(`${path}.when#kind`);
            },
            { dataset: { key: `${path}.when#add` } },
          ),
        );
      } else {
        box.append(
          conditionEditor(
            offer.when,
            `${path}.when`,
            ctx.cond,
            (n) => {
              offer.when = n;
              ctx.redraw();
            },
            () => {
              delete offer.when;
              ctx.redraw(`${path}.when#add`);
            },
          ),
        );
      }
      if (typeof offer.id === "string" && offer.id) box.append(audienceLine(ctx, { offer: offer.id }));
      return box;
    },
    schedule: () => scheduleFields(offer, path, ctx),
    cap: () => {
      const cap = offer.cap ?? {};
      const sync = () => {
        if (Object.keys(cap).length) offer.cap = cap;
        else delete offer.cap;
        changed();
      };
      return el(
        "div",
        { className: "f-group", dataset: { path: `${path}.cap` } },
        el("h4", { textContent: "How often one visitor sees it" }),
        el(
          "div",
          { className: "f-row" },
          field(
            "At most (times)",
            text(
              cap.max === undefined ? "" : String(cap.max),
              (v) => {
                put(cap, "max", numberOf(v));
                sync();
              },
              { inputMode: "numeric", size: 5 },
            ),
            `${path}.cap.max`,
          ),
          field(
            "Per",
            text(
              cap.per,
              (v) => {
                put(cap, "per", v.trim());
                sync();
              },
              { list: "cap-windows", size: 10 },
            ),
            `${path}.cap.per`,
            { hint: "session, lifetime or a duration (7d)" },
          ),
          datalist("cap-windows", ["session", "lifetime", "1d", "7d", "30d"]),
        ),
        el("span", { className: "f-err", role: "alert" }),
      );
    },
    content: body,
    experiment: () =>
      offer.variants === undefined && offer.experiment === undefined
        ? null
        : field(
            "Experiment",
            select(offer.experiment ?? "", [["", "(choose)"], ...experiments], (v) => {
              put(offer, "experiment", v);
              changed();
            }),
            `${path}.experiment`,
          ),
    variants: () => (offer.variants === undefined ? null : variantsTable(offer, path, ctx)),
    recommend: () => (offer.recommend === undefined ? null : undefined),
    goal: () =>
      field(
        "Goal event",
        text(
          offer.goal,
          (v) => {
            put(offer, "goal", v.trim());
            changed();
          },
          { list: "goal-events", size: 14 },
        ),
        `${path}.goal`,
        { hint: "what counts as a conversion" },
      ),
    edge_only: () => {
      const c = el("input", { type: "checkbox", checked: offer.edge_only === true });
      c.addEventListener("change", () => {
        put(offer, "edge_only", c.checked ? true : undefined);
        changed();
      });
      return el(
        "div",
        { className: "f f-check", dataset: { path: `${path}.edge_only` } },
        el("label", {}, c, " Only at the edge (never applied by the page's SDK)"),
        el("span", { className: "f-err", role: "alert" }),
      );
    },
  };
}
