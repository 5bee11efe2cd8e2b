// Audience sizes beside a segment or an offer's condition: how many visitors of the last 7 days
// it holds (POST admin/audience, docs/worker.md), asked for the draft as it stands a moment
// after the last change, so the figure follows the condition being built.
import { el } from "./dom.js";

const WAIT_MS = 400;

/** A live line for `what` (`{ segment }` or `{ offer }`), asked again at each change. */
export function audienceLine(ctx, what) {
  const line = el("p", { className: "f-audience muted", role: "status", "aria-live": "polite" });
  line.textContent = "Audience: counting…";
  let timer = 0;
  const ask = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const body = JSON.stringify({ config: JSON.stringify(ctx.cfg), ...what });
      const r = await ctx.api("audience", { method: "POST", body }).catch(() => null);
      if (!line.isConnected) return;
      line.textContent = r?.ok
        ? describe(r.data)
        : r?.status === 400 && /config is invalid/.test(r.data?.error)
          ? "Audience: counted once the draft checks"
          : `Audience: not available (${r?.data?.error ?? "no answer"})`;
    }, WAIT_MS);
  };
  ask();
  ctx.watch(ask);
  return line;
}

/** The answer in words: the figure, over what, and how it was found. */
export function describe(a) {
  const days = `the last ${a.window_days} days`;
  const n = (x) => x.toLocaleString("en");
  if (a.members != null && a.visitors)
    return `Audience: ${n(a.members)} of ${n(a.visitors)} visitors in ${days} (measured)`;
  const pct = a.share == null ? "" : `${Math.round(a.share * 100)}% of ${n(a.sample.active)}`;
  if (a.estimate != null && a.visitors) {
    return `Audience: about ${n(a.estimate)} of ${n(a.visitors)} visitors in ${days} (${pct} recent profiles sampled)`;
  }
  if (a.share != null) {
    const why = a.visitors == null ? "measurement is off" : "no visits measured yet";
    return `Audience: ${pct} profiles seen in ${days} (sampled; ${why})`;
  }
  return `Audience: no visitor seen in ${days} to judge by`;
}
