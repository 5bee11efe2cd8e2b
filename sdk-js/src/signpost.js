// Signpost browser SDK, start-up part: the only code that runs before first paint. It reads
// the decision the edge injected (#signpost-state) and changes nothing visible, because the
// edge already rendered it. The wasm core loads lazily, after the page is idle.

let state = null;
let core = null;

/** The decision the edge made for this page, or null on a page not behind the Worker. */
export function edgeState() {
  if (state === null) {
    const el = typeof document !== "undefined" && document.getElementById("signpost-state");
    try {
      state = el ? JSON.parse(el.textContent) : null;
    } catch {
      state = null; // a damaged state must never break the page
    }
  }
  return state;
}

/** Loads the wasm core once; resolves to the bindings module. */
export function loadCore() {
  core ??= import("./signpost_wasm.js").then(async (m) => {
    await m.default();
    return m;
  });
  return core;
}

/** Starts the SDK: reads the edge state now, loads the core when the page is idle. */
export function init() {
  edgeState();
  const later = globalThis.requestIdleCallback ?? ((fn) => setTimeout(fn, 1));
  later(() =>
    loadCore().then(
      (m) => document.documentElement.setAttribute("data-signpost", `ready ${m.version()}`),
      () => document.documentElement.setAttribute("data-signpost", "unavailable"),
    ),
  );
}

if (typeof document !== "undefined") init();
