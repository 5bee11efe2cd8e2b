// Picking where an offer goes on a page of the site: the page as the Worker serves it (the
// admin preview of the live config, scripts off) in a frame of the editor's own origin; a
// click on an element offers its slot (`data-sp-slot`) or a CSS selector that matches exactly
// that one element on the page.
import { button, el, field, text } from "./dom.js";

/** The pick panel; `use({slot} | {selector})` is called with the marketer's choice. */
export function pickPanel(ctx, use) {
  const url = text(
    ctx.state.pickUrl ?? "/",
    (v) => {
      ctx.state.pickUrl = v;
    },
    { list: "pages", size: 24, dataset: { key: "pick#url" } },
  );
  const frame = el("iframe", {
    className: "pick-frame",
    title: "Click the place for the offer",
    sandbox: "allow-same-origin",
  });
  const note = el("p", {
    className: "muted",
    role: "status",
    textContent: "Load a page, then click where the offer goes.",
  });
  const choices = el("div", { className: "f-row pick-choices" });
  const slots = el("div", { className: "f-row pick-slots" });
  const load = async () => {
    note.textContent = "loading…";
    const r = await ctx.api("preview", { method: "POST", body: JSON.stringify({ url: url.value || "/" }) });
    if (!r.ok || !r.data.html) {
      note.textContent = r.data?.error ?? "That URL is not an HTML page of the site.";
      return;
    }
    frame.addEventListener("load", () => arm(frame.contentDocument), { once: true });
    frame.srcdoc = r.data.html;
  };
  const offer = (target) => {
    const doc = target.ownerDocument;
    const parts = [];
    const slot = target.closest("[data-sp-slot]");
    if (slot)
      parts.push(
        button(`Use slot “${slot.dataset.spSlot}”`, () => use({ slot: slot.dataset.spSlot }), {
          className: "primary",
          dataset: { key: "pick#slot" },
        }),
      );
    const sel = selectorOf(target, doc);
    if (sel)
      parts.push(
        button(`Use selector ${sel}`, () => use({ selector: sel }), {
          dataset: { key: "pick#selector", selector: sel },
        }),
      );
    else parts.push(el("span", { className: "muted", textContent: "No selector matches only this element." }));
    choices.replaceChildren(el("span", { textContent: `<${target.tagName.toLowerCase()}>: ` }), ...parts);
    note.textContent = sel ? `The selector matches exactly this element on ${url.value || "/"}.` : "";
    choices.querySelector("button")?.focus();
  };
  const arm = (doc) => {
    if (!doc) {
      note.textContent = "The page could not be opened here.";
      return;
    }
    doc.head?.append(
      Object.assign(doc.createElement("style"), {
        textContent: "[data-sp-pick-hover]{outline:2px solid #1f6f54 !important;outline-offset:2px;cursor:crosshair}",
      }),
    );
    let hover = null;
    doc.addEventListener("mouseover", (e) => {
      hover?.removeAttribute("data-sp-pick-hover");
      hover = e.target;
      hover.setAttribute?.("data-sp-pick-hover", "");
    });
    doc.addEventListener(
      "click",
      (e) => {
        e.preventDefault();
        e.stopPropagation();
        hover?.removeAttribute("data-sp-pick-hover");
        offer(e.target);
      },
      true,
    );
    doc.addEventListener("submit", (e) => e.preventDefault(), true);
    // The slots of the page, as buttons too: picking without a mouse.
    slots.replaceChildren(
      el("span", { className: "muted", textContent: "Slots on this page:" }),
      ...[...doc.querySelectorAll("[data-sp-slot]")].map((s) =>
        button(s.dataset.spSlot, () => offer(s), { className: "small" }),
      ),
    );
    note.textContent = "Click where the offer goes.";
  };
  return el(
    "div",
    { className: "pick" },
    el(
      "div",
      { className: "f-row" },
      field("Page", url, "pick#url"),
      button("Load page", load, { dataset: { key: "pick#load" } }),
    ),
    note,
    slots,
    frame,
    choices,
  );
}

const plain = /^[A-Za-z][\w-]*$/;

/** A selector for `target` that matches it and nothing else in `doc`: an id, a distinctive
 *  attribute, else the shortest chain of tags, classes and positions (`>` only: a rewriter
 *  at the edge streams the page and cannot look at earlier siblings). Null when none. */
export function selectorOf(target, doc) {
  const only = (s) => {
    try {
      const m = doc.querySelectorAll(s);
      return m.length === 1 && m[0] === target;
    } catch {
      return false;
    }
  };
  const tag = target.tagName.toLowerCase();
  if (target.id && only(`#${CSS.escape(target.id)}`)) return `#${CSS.escape(target.id)}`;
  for (const a of ["data-sp-slot", "data-testid", "name", "aria-label", "href"]) {
    const v = target.getAttribute(a);
    if (v && !/["\\\n]/.test(v) && only(`${tag}[${a}="${v}"]`)) return `${tag}[${a}="${v}"]`;
  }
  const chain = [];
  for (let e = target; e && e.nodeType === 1 && e !== doc.documentElement; e = e.parentElement) {
    const t = e.tagName.toLowerCase();
    if (e !== target && e.id && plain.test(e.id)) {
      const s = [`#${e.id}`, ...chain].join(" > ");
      if (only(s)) return s;
    }
    let part = t;
    const cls = [...e.classList].filter((c) => plain.test(c) && !c.startsWith("sp-")).slice(0, 2);
    if (cls.length) part += `.${cls.join(".")}`;
    const same = e.parentElement ? [...e.parentElement.children].filter((c) => c.tagName === e.tagName) : [];
    if (same.length > 1) part += `:nth-of-type(${same.indexOf(e) + 1})`;
    chain.unshift(part);
    const s = chain.join(" > ");
    if (only(s)) return s;
  }
  const full = chain.join(" > ");
  return only(full) ? full : null;
}
