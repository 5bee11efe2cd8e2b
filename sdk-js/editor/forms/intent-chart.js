// What the intent settings do, drawn: the score of a sample journey (each signal's event
// once, two minutes apart, then nothing) minute by minute, with the tiers' thresholds. The
// score is the core's (the editor wasm's engine records and decides), so the half-life,
// caps and repeats are exactly what visitors get.
import { el } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const svg = (tag, attrs = {}, text = "") => {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text) e.textContent = text;
  return e;
};

const MIN = 60_000;

/** The score minute by minute for the sample journey, or null when the draft does not
 *  compile. */
function journey(core, cfg) {
  let engine;
  try {
    engine = new core.SignpostEngine(JSON.stringify(cfg));
  } catch {
    return null;
  }
  try {
    const kinds = [...new Set((cfg.intent?.signals ?? []).map((s) => s.event).filter((e) => typeof e === "string"))];
    const t0 = Date.UTC(2026, 0, 5, 15, 0);
    const quiet = 90;
    const end = kinds.length * 2 + quiet;
    let profile = "";
    const points = [];
    for (let m = 0, k = 0; m <= end; m++) {
      const now = t0 + m * MIN;
      if (m % 2 === 0 && k < kinds.length) {
        const ev = [{ type: kinds[k], id: `sample-${k}`, at: now }];
        profile = engine.record("sample-visitor", profile, JSON.stringify(ev), now);
        k++;
      }
      const d = JSON.parse(engine.decide(profile, "/", undefined, now));
      points.push({
        m,
        score: d.score ?? 0,
        tier: d.tier ?? "",
        event: m % 2 === 0 && m / 2 < kinds.length ? kinds[m / 2] : "",
      });
    }
    return points;
  } catch {
    return null;
  } finally {
    engine.free?.();
  }
}

/** The chart of the sample journey's score, with a text summary for screen readers. */
export function intentChart(core, cfg) {
  const points = journey(core, cfg);
  if (!points) return el("p", { className: "muted", textContent: "The score chart shows once the draft is valid." });
  const tiers = (cfg.intent?.tiers ?? []).filter((t) => typeof t.min_score === "number");
  const top = Math.max(1, ...points.map((p) => p.score), ...tiers.map((t) => t.min_score)) * 1.1;
  const [W, H, l, r, t, b] = [640, 200, 40, 10, 10, 24];
  const x = (m) => l + (m / points.at(-1).m) * (W - l - r);
  const y = (v) => H - b - (v / top) * (H - t - b);
  const peak = points.reduce((a, p) => (p.score > a.score ? p : a), points[0]);
  const summary = `Sample journey: ${points
    .filter((p) => p.event)
    .map((p) => p.event)
    .join(
      ", ",
    )}, two minutes apart; the score peaks at ${peak.score.toFixed(1)} at minute ${peak.m} and is ${points.at(-1).score.toFixed(1)} after ${points.at(-1).m} minutes.`;
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": summary });
  for (const tier of tiers) {
    chart.append(
      svg("line", {
        x1: l,
        x2: W - r,
        y1: y(tier.min_score),
        y2: y(tier.min_score),
        class: "grid",
        "stroke-dasharray": "4 3",
      }),
      svg("text", { x: W - r - 4, y: y(tier.min_score) - 3, "text-anchor": "end" }, `${tier.name} ≥ ${tier.min_score}`),
    );
  }
  chart.append(
    svg("line", { x1: l, x2: W - r, y1: y(0), y2: y(0), class: "grid" }),
    svg("text", { x: l - 6, y: y(0) + 4, "text-anchor": "end" }, "0"),
    svg("text", { x: l - 6, y: y(peak.score) + 4, "text-anchor": "end" }, peak.score.toFixed(0)),
    svg("text", { x: x(0), y: H - 6 }, "minute 0"),
    svg("text", { x: W - r, y: H - 6, "text-anchor": "end" }, `minute ${points.at(-1).m}`),
    svg("polyline", {
      points: points.map((p) => `${x(p.m)},${y(p.score)}`).join(" "),
      fill: "none",
      stroke: "#1f6f54",
      "stroke-width": 2,
    }),
  );
  return el("figure", { className: "f-chart" }, chart, el("figcaption", { className: "muted", textContent: summary }));
}
