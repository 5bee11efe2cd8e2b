// An offer's schedule in the config's timezone (the core reads a time without an offset as
// local to `timezone`), and the status the offers list shows from it.
import { el, field, put, text } from "./dom.js";

/** Now in `tz` as the config writes local times (`2026-12-05T07:16:00`). */
export function localNow(tz) {
  try {
    const f = new Intl.DateTimeFormat("sv-SE", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    return { local: f.format(new Date()).replace(" ", "T"), ms: Date.now() };
  } catch {
    return { local: new Date().toISOString().slice(0, 19), ms: Date.now() };
  }
}

/** Whether the time `t` (local, or with an offset) is after now. */
function after(t, now) {
  if (/[zZ]$|[+-]\d\d:?\d\d$/.test(t)) return Date.parse(t) > now.ms;
  const pad = (s) => (s.length === 10 ? `${s}T00:00:00` : s.length === 16 ? `${s}:00` : s);
  return pad(t) > now.local;
}

/** live, scheduled or ended, and capped when it has a cap. */
export function status(offer, now) {
  const s = offer.schedule ?? {};
  let word = "live";
  if (typeof s.start === "string" && after(s.start, now)) word = "scheduled";
  else if (typeof s.end === "string" && !after(s.end, now)) word = "ended";
  const c = offer.cap;
  return c && typeof c === "object" ? `${word} · capped ${c.max ?? "?"} per ${c.per ?? "?"}` : word;
}

const LOCAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/;

/** Start and end: date-time inputs in the config's timezone (a time written with an offset
 *  keeps a text input, so it is not rewritten). */
export function scheduleFields(offer, path, ctx) {
  const tz = ctx.cfg.timezone || "UTC";
  const s = offer.schedule && typeof offer.schedule === "object" ? offer.schedule : {};
  const sync = () => {
    if (Object.keys(s).length) offer.schedule = s;
    else delete offer.schedule;
    ctx.changed();
  };
  const input = (key) => {
    const v = s[key];
    const picker = v === undefined || (typeof v === "string" && LOCAL.test(v));
    const i = picker
      ? el("input", { type: "datetime-local", value: v ?? "", step: /:\d\d:\d\d$/.test(v ?? "") ? 1 : 60 })
      : text(String(v), () => {});
    i.addEventListener(picker ? "change" : "input", () => {
      put(s, key, i.value);
      sync();
    });
    if (picker)
      i.addEventListener("input", () => {
        put(s, key, i.value);
        sync();
      });
    return field(key === "start" ? "Starts" : "Ends", i, `${path}.schedule.${key}`);
  };
  return el(
    "div",
    { className: "f-group", dataset: { path: `${path}.schedule` } },
    el("h4", { textContent: `When (times in ${tz})` }),
    el("div", { className: "f-row" }, input("start"), input("end")),
    el("span", { className: "f-err", role: "alert" }),
  );
}
