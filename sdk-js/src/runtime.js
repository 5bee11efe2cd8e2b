// Signpost browser SDK, lazy part: the core in wasm, the config and the visitor's profile, and
// the DOM applier. Loaded after the page is idle (or at the first event); never before paint.
// After each event it records the event into its copy of the profile, decides with the same
// core as the edge and applies the Plan to the DOM at once, in the same task.

import initWasm, { SignpostEngine, version } from "./signpost_wasm.js";
import { applyPlan, samePlan } from "./apply.js";

const PROFILE_KEY = "signpost.profile"; // client-only mode keeps the profile in localStorage
const VISITOR_KEY = "signpost.visitor";

/** Loads everything; resolves to the runtime once it can decide. */
export async function start(ctx) {
  const { options } = ctx;
  // Another release wrote the page: no core here, the edge's decisions are applied as they come.
  if (ctx.edgeOnly) return new Runtime(ctx, null, "", true);
  const edge = !!ctx.state?.plan;
  const get = (u) => fetch(u, { credentials: "same-origin" });
  const [, config, profileText] = await Promise.all([
    initWasm(options.wasmUrl ? { module_or_path: options.wasmUrl } : undefined).then(() =>
      document.documentElement.setAttribute("data-signpost", `ready ${version()}`),
    ),
    options.config ??
      get(options.configUrl ?? `${options.endpoint}/config`).then((r) => {
        if (!r.ok) throw new Error(`config: ${r.status}`);
        return r.json();
      }),
    edge && options.endpoint
      ? get(`${options.endpoint}/profile`).then((r) => (r.status === 200 ? r.text() : ""))
      : Promise.resolve(stored(PROFILE_KEY) ?? ""),
  ]);
  const engine = new SignpostEngine(
    JSON.stringify(config.config ?? config),
    config.catalog ? JSON.stringify(config.catalog) : undefined,
  );
  return new Runtime(ctx, engine, profileText, edge);
}

function stored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

class Runtime {
  constructor(ctx, engine, profile, edge) {
    this.ctx = ctx;
    this.engine = engine;
    this.profile = profile; // JSON text; "" for a visitor without one yet
    this.edge = edge;
    this.applied = ctx.current()?.plan ?? null;
    this.visitor = edge ? "" : stored(VISITOR_KEY) || this.newVisitor();
  }

  newVisitor() {
    const id = "v-" + crypto.getRandomValues(new Uint32Array(2)).join("");
    try {
      localStorage.setItem(VISITOR_KEY, id);
    } catch {
      /* private mode: a visitor for this page only */
    }
    return id;
  }

  // The request as the edge sees it, so request.* facts (device, language, referrer) and
  // consent are the same on both sides.
  request() {
    const s = this.ctx.state || {};
    const headers = [
      ["user-agent", navigator.userAgent],
      ["accept-language", (navigator.languages || [navigator.language]).join(",")],
      ["cookie", document.cookie],
    ];
    if (document.referrer) headers.push(["referer", document.referrer]);
    if (navigator.globalPrivacyControl) headers.push(["sec-gpc", "1"]);
    return JSON.stringify({ url: this.ctx.url(), headers, country: s.country ?? null, region: s.region ?? null });
  }

  save() {
    if (this.edge) return; // the edge keeps the profile
    try {
      localStorage.setItem(PROFILE_KEY, this.profile);
    } catch {
      /* full or private: kept in memory */
    }
  }

  // Decides for the current page and applies the result; returns the decision.
  decideNow() {
    if (!this.engine) return this.ctx.current();
    const d = JSON.parse(this.engine.decide(this.profile, this.request(), undefined, Date.now()));
    this.show(d, "local");
    return d;
  }

  show(d, source) {
    if (!this.ctx.granted() || !d.plan) return;
    if (!samePlan(d.plan, this.applied)) {
      applyPlan(d.plan, document, { restore: true });
      this.applied = d.plan;
      this.ctx.observe();
    }
    this.ctx.publish({ source, plan: d.plan, tier: d.tier, score: d.score, segments: d.segments, holdout: d.holdout });
  }

  /** An event from the page: record it, decide, update the slots. */
  onEvent(event) {
    if (!this.engine) return;
    try {
      this.profile = this.engine.record(this.visitor, this.profile, JSON.stringify([event]), Date.now());
      this.save();
      this.decideNow();
    } catch (e) {
      this.ctx.emit("error", e);
    }
  }

  /** The edge answered a batch: its Plan wins (it sees the whole session); a difference
   *  means our copy of the profile is behind, so it is fetched again, as it is when `fresh`
   *  (identify or reset: the page now reads another profile). */
  onEdgeDecision(d, fresh) {
    const differs = fresh || !samePlan(d.plan, this.applied);
    this.show(d, "edge");
    if (differs && this.edge && this.engine) {
      fetch(`${this.ctx.options.endpoint}/profile`, { credentials: "same-origin" })
        .then((r) => (r.status === 200 ? r.text() : null))
        .then(
          (t) => {
            if (t) this.profile = t;
          },
          () => {},
        );
    }
  }

  /** Client-only mode: this page view is recorded and decided here, as the edge would. With
   *  `apply` false (the slots were already revealed) the decision is not shown, so nothing is
   *  counted as served. */
  clientOnly(apply) {
    const out = JSON.parse(
      this.engine.on_request(this.visitor, this.profile, this.request(), undefined, Date.now(), apply),
    );
    this.profile = JSON.stringify(out.profile);
    this.save();
    if (apply) this.show(out.decision, "page");
    return out.decision;
  }
}
