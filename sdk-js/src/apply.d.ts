import type { Plan, SlotPlan } from "./signpost.js";
export function selectorOf(entry: SlotPlan): string;
export function applyPlan(plan: Plan, root?: Document | Element, options?: { restore?: boolean }): Element[];
/** Fills the slots the SDK owns among the nodes `records` added (all the page's when null) from
 *  `plan`; true when the page has a slot the SDK owns. Single-page apps: docs/spa.md. */
export function fillSlots(records: MutationRecord[] | null | undefined, plan: Plan | null | undefined | false): boolean;
export function samePlan(a: Plan | null, b: Plan | null): boolean;
