// Applies a Plan to the DOM with the rules every Plan applier follows (src/plan.rs,
// tests/fixtures/rewrite/README.md), so the page looks as if the edge had rendered it:
//  1. each entry targets every element matching its selector (`css`, or
//     [data-sp-slot="<slot>"]); entries apply in Plan order, the last one to set a thing wins;
//  2. the element gets data-sp-offer, then data-sp-variant when the entry has one;
//  3. `html` replaces the element's children (void elements only get the attributes);
//  4. inserted HTML is not matched again: all targets are found before anything changes.
// Slots an app renders after the decision (single-page apps, docs/spa.md) are filled by
// fillSlots as they appear. A slot the app rendered with children of its own is the app's: it is
// marked (false in `original`) and no Plan changes it, so the framework's DOM stays its own.

const VOID = /^(AREA|BASE|BR|COL|EMBED|HR|IMG|INPUT|LINK|META|SOURCE|TRACK|WBR|PARAM|KEYGEN)$/i;
const SLOT = "[data-sp-slot]";
const MAX_ADDED = 200; // added nodes searched one by one per batch; past it, one query instead

/** The CSS selector of a Plan entry (same escaping as SlotPlan::selector in the core). */
export function selectorOf(entry) {
  return entry.css ?? `[data-sp-slot="${String(entry.slot).replace(/["\\]/g, "\\$&")}"]`;
}

// What a slot held before this page's SDK first changed it, to restore it when a later Plan no
// longer fills the slot (the edge's own rendering is the page we were given, and stays).
const original = new WeakMap();

/**
 * Applies `plan` inside `root` (a Document or Element). With `restore`, elements this
 * function changed before and that the new Plan no longer targets get back what they had.
 * Returns the elements changed. An entry whose selector the browser rejects is skipped.
 */
export function applyPlan(plan, root = document, { restore = false } = {}) {
  const entries = plan?.slots || [];
  const targets = entries.map((entry) => {
    try {
      return Array.from(root.querySelectorAll(selectorOf(entry)));
    } catch {
      return []; // an invalid selector: the edge refuses it too, the page stays as it is
    }
  });
  if (restore) {
    const now = new Set(targets.flat());
    for (const el of root.querySelectorAll("[data-sp-offer]")) {
      const was = original.get(el);
      if (was && !now.has(el)) {
        setOrRemove(el, "data-sp-offer", was.offer);
        setOrRemove(el, "data-sp-variant", was.variant);
        if (was.html !== null) el.innerHTML = was.html;
        original.delete(el);
      }
    }
  }
  const changed = [];
  entries.forEach((entry, i) => {
    for (const el of targets[i]) {
      if (original.get(el) === false) continue; // the app's
      if (!original.has(el)) {
        original.set(el, {
          offer: el.getAttribute("data-sp-offer"),
          variant: el.getAttribute("data-sp-variant"),
          html: VOID.test(el.tagName) ? null : el.innerHTML,
        });
      }
      el.setAttribute("data-sp-offer", entry.offer);
      if (entry.variant != null) el.setAttribute("data-sp-variant", entry.variant);
      if (entry.html != null && !VOID.test(el.tagName)) el.innerHTML = entry.html;
      changed.push(el);
    }
  });
  return changed;
}

function setOrRemove(el, name, value) {
  if (value === null) el.removeAttribute(name);
  else el.setAttribute(name, value);
}

/**
 * Fills the slots the SDK owns among those in the added nodes of `records` (MutationRecords;
 * all the document's when absent) from `plan` (none: a decision is on its way, or no consent).
 * The SDK owns a slot that was empty when first met, or that it filled; an added slot with
 * children is the app's and is marked so (`added`: the slots are new, as they are with `records`). Only
 * `data-sp-slot` entries apply here. Returns true when the page has a slot the SDK owns.
 */
export function fillSlots(records, plan, added = !!records) {
  let els = [];
  let n = 0;
  for (const r of records ?? []) {
    for (const x of r.addedNodes) {
      if (++n > MAX_ADDED) return fillSlots(null, plan, true);
      if (x.nodeType === 1) els.push(x, ...x.querySelectorAll(SLOT));
    }
  }
  if (!records) els = document.querySelectorAll(SLOT);
  let open = false;
  for (const el of els) {
    if (!el.matches(SLOT) || el.hasAttribute("data-sp-offer") || original.get(el) === false) continue;
    // Children of its own (whitespace aside): the app's, unless the SDK put them there.
    if ((el.firstElementChild || el.textContent.trim()) && !original.has(el)) {
      if (added) original.set(el, false);
      continue;
    }
    open = true;
    const entry = plan?.slots?.find((s) => s.slot === el.getAttribute("data-sp-slot"));
    // Inserted HTML is not matched again (rule 4).
    if (!entry || el.parentElement?.closest("[data-sp-offer]")) continue;
    if (!original.has(el)) original.set(el, { offer: null, variant: null, html: "" });
    el.setAttribute("data-sp-offer", entry.offer);
    if (entry.variant != null) el.setAttribute("data-sp-variant", entry.variant);
    if (entry.html != null && !VOID.test(el.tagName)) el.innerHTML = entry.html;
  }
  return open;
}

/** True when two Plans would render the same (offers, variants, html, in order). */
export function samePlan(a, b) {
  const key = (p) => JSON.stringify((p?.slots || []).map((s) => [s.slot, s.css, s.offer, s.variant, s.html]));
  return key(a) === key(b);
}
