import type { Plan, SlotPlan } from "./signpost.js";
export function selectorOf(entry: SlotPlan): string;
export function applyPlan(plan: Plan, root?: Document | Element, options?: { restore?: boolean; original?: WeakMap<Element, unknown> }): Element[];
export function samePlan(a: Plan | null, b: Plan | null): boolean;
