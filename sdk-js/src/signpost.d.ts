// Types of the Signpost browser SDK (./signpost.js).

/** One slot's winner, as the core's `SlotPlan` serializes. */
export interface SlotPlan {
  slot: string;
  css?: string;
  offer: string;
  variant?: string;
  /** Absent: the page's own content stays (a control variant). */
  html?: string;
  items?: string[];
  why?: string;
}

/** What a page should show, slot by slot. */
export interface Plan {
  slots: SlotPlan[];
}

export interface Decision {
  /** "edge": rendered or answered by the Worker; "local": decided in the page after an event;
   *  "page": client-only mode (no Worker). */
  source: "edge" | "local" | "page";
  plan: Plan;
  tier: string;
  score: number;
  segments: string[];
  holdout: boolean;
}

/** The state the Worker injects as `<script type="application/json" id="signpost-state">`. */
export interface EdgeState {
  v?: number;
  plan: Plan;
  tier?: string;
  score?: number;
  segments?: string[];
  holdout?: boolean;
  config_version?: string;
  /** The Signpost release of the Worker that wrote it; one other than `version` makes the SDK
   *  decide nothing itself (the edge's decisions are shown). */
  writer?: string;
  [key: string]: unknown;
}

export interface InitOptions {
  /** Base path of the Worker's endpoints (default "/__signpost"); null sends nothing. */
  endpoint?: string | null;
  /** URL of the public config `{version, config, catalog}` (default `<endpoint>/config`). */
  configUrl?: string | null;
  /** The config itself, `{config, catalog}`, instead of fetching it. */
  config?: { config: unknown; catalog?: unknown } | null;
  /** URL of signpost_wasm_bg.wasm (default: next to the SDK's files). */
  wasmUrl?: string | URL;
  /** Batch window in ms (default 1000). */
  flushMs?: number;
  /** Attempts of a failed batch before it is dropped (default 6). */
  retries?: number;
  /** Page views (history API), `data-sp-track` clicks, offer impressions and clicks (default true). */
  autoTrack?: boolean;
  /** Decide in the page after events, and client-only mode (default true). */
  personalize?: boolean;
  /** Client-only mode (a page not behind the Worker): the longest time slots stay hidden while
   *  the page decides, in ms (default 100). Once they are revealed with the page's own content,
   *  a decision that arrives later is not applied (content never changes under the visitor's
   *  eyes; the page view is still recorded, with no impression); the next navigation or event
   *  decides again and applies. */
  hideMs?: number;
  /** Consent cookie name, as in the config's `consent.cookie` (default "sp_consent"). */
  consentCookie?: string;
  /** Initial consent; default: the consent cookie, else not when Global Privacy Control is on. */
  consent?: boolean;
}

export type EventProps = Record<string, unknown>;

export interface EventMap {
  decision: Decision;
  consent: boolean;
  error: Error;
}

export function init(options?: InitOptions): void;
/** Queues an event; returns its id, or null when dropped (no consent, invalid name, > 4 KB). */
export function track(type: string, props?: EventProps): string | null;
/** What the site's backend computed for `identify(userId, options)`. */
export interface IdentifyOptions {
  /** Hex HMAC-SHA256 of the user id under `SIGNPOST_IDENTITY_SECRET`, rendered into the page by
   *  the site's backend (never computed in the browser: the secret stays on the server). */
  signature: string;
}
/** The visitor is the site's user `userId` (after a login): the edge merges the anonymous
 *  profile into the user's, sets its cookies and answers the decision for the user, which is
 *  applied. Resolves to true when accepted; false when refused (a bad signature: the reason is
 *  logged with `console.error` and sent to "error" handlers, and nothing on the page changes),
 *  without consent, or without an endpoint. Never rejects. */
export function identify(userId: string, options: IdentifyOptions): Promise<boolean>;
/** Traits of the visitor (an `identify` event): they become `profile.traits.*`. Returns the
 *  event's id, or null when dropped. */
export function identify(traits: Record<string, unknown>): string | null;
/** Logout: the edge starts a fresh anonymous visitor and answers its decision, which is
 *  applied. Resolves to true when done; never rejects. */
export function reset(): Promise<boolean>;
/** Decides in the page with the wasm core, applies the Plan, resolves to the decision (with a
 *  page from another release of the Worker, see `EdgeState.writer`: the edge's last one). */
export function decide(): Promise<Decision>;
export function on<K extends keyof EventMap>(type: K, fn: (detail: EventMap[K]) => void): () => void;
export function consent(granted: boolean): void;
/** Erases the visitor's data at the edge; resolves to true when done. */
export function forget(): Promise<boolean>;
/** Sends queued events now. */
export function flush(): Promise<void>;
/** The last decision applied or received, or null. */
/** Stops watching the page for slots the app adds and for offers' impressions (teardown). */
export function stop(): void;
export function decision(): Decision | null;
export function edgeState(): EdgeState | null;
/** The Signpost release this SDK belongs to. */
export const version: string;
