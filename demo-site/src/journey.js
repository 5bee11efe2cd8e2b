// The journey panel of the demo store: the visitor's tier and score over time, their segments,
// and why each slot shows what it shows, so a person watches personalization happen while
// clicking around. Loaded by store.js only when switched on (the "Journey" button, or
// ?sp-panel in the URL); it is no part of the SDK's start-up. It reads the decision the edge
// injected (#signpost-state), listens to the SDK's later decisions (after add to cart, ...),
// and reads the public config (/__signpost/config) to say each offer's condition in words.
const HISTORY = 'signpost.journey.v1';
const MAX = 40;

const esc = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const path = () => location.pathname + location.search;
const round = (n) => Math.round((Number(n) || 0) * 10) / 10;

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(HISTORY)) || [];
  } catch {
    return [];
  }
}
function save(list) {
  try {
    sessionStorage.setItem(HISTORY, JSON.stringify(list.slice(-MAX)));
  } catch {
    /* full or off: the panel still shows this page */
  }
}

/** One point of the journey, from a decision of the edge or of the SDK. */
function point(d, source) {
  return {
    at: Date.now(),
    path: path(),
    source,
    tier: d.tier || '',
    score: round(d.score),
    segments: d.segments || [],
    slots: Object.fromEntries(
      (d.plan?.slots || []).map((s) => [s.slot, s.variant ? `${s.offer} / ${s.variant}` : s.offer]),
    ),
  };
}

/** A condition of the config in words (`session.tier eq "ready_to_buy"`, `in segment x`). */
function words(c) {
  if (!c || typeof c !== 'object') return '';
  if (c.all) return c.all.map(words).join(' and ');
  if (c.any) return '(' + c.any.map(words).join(' or ') + ')';
  if (c.not) return 'not ' + words(c.not);
  if (c.segment) return `in segment ${c.segment}`;
  if (c.event) {
    const n = c.count ? ` ${c.count.op || ''} ${c.count.value ?? ''}`.replace(/\s+/g, ' ') : '';
    return `${c.event} event${n}${c.within ? ` within ${c.within}` : ''}`;
  }
  if (c.fact) return `${c.fact} ${c.op}${c.value === undefined ? '' : ' ' + JSON.stringify(c.value)}`;
  return JSON.stringify(c);
}

const CSS = `
.sp-journey{position:fixed;right:16px;bottom:16px;z-index:9999;width:360px;max-height:calc(100vh - 32px);overflow:auto;
 background:#101a26;color:#e7eef6;border-radius:14px;box-shadow:0 14px 40px rgba(8,20,35,.35);font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.sp-journey *{box-sizing:border-box}
.sp-journey header{display:flex;align-items:center;gap:8px;padding:12px 14px;border-bottom:1px solid #243345;position:sticky;top:0;background:#101a26}
.sp-journey header b{font-size:14px;flex:1}
.sp-journey header span{color:#8ea3b8;font-size:12px}
.sp-journey button{background:#1d2b3b;color:#cfe0f0;border:0;border-radius:6px;padding:3px 8px;font:inherit;cursor:pointer}
.sp-journey section{padding:12px 14px;border-bottom:1px solid #1d2b3b}
.sp-journey h3{margin:0 0 8px;font-size:11px;text-transform:uppercase;letter-spacing:.7px;color:#8ea3b8;font-weight:600}
.sp-journey .now{display:flex;align-items:baseline;gap:12px}
.sp-journey .tier{font-size:20px;font-weight:700;color:#fff}
.sp-journey .score{color:#8fd1b4;font-weight:600;white-space:nowrap}
.sp-journey .src{margin-left:auto;color:#8ea3b8;font-size:12px}
.sp-journey svg{display:block;width:100%;height:86px;margin-top:8px}
.sp-journey .chips{display:flex;flex-wrap:wrap;gap:6px}
.sp-journey .chip{background:#1f3a2f;color:#9be2c0;border-radius:99px;padding:2px 9px;font-size:12px}
.sp-journey .chip.none{background:#1d2b3b;color:#8ea3b8}
.sp-journey .slot{padding:7px 0;border-top:1px solid #1d2b3b}
.sp-journey .slot:first-of-type{border-top:0;padding-top:0}
.sp-journey .slot b{color:#fff}
.sp-journey .slot code{color:#ffd58a;font:12px ui-monospace,Menlo,Consolas,monospace}
.sp-journey .slot p{margin:3px 0 0;color:#b6c6d6}
.sp-journey ol{margin:0;padding:0;list-style:none}
.sp-journey li{display:grid;grid-template-columns:1fr auto;gap:2px 8px;padding:5px 0;border-top:1px solid #1d2b3b}
.sp-journey li:first-child{border-top:0}
.sp-journey li .p{color:#fff;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.sp-journey li .t{color:#8fd1b4;text-align:right}
.sp-journey li .c{grid-column:1/3;color:#ffd58a;font-size:12px}
`;

let root = null;
let config = null;
let latest = null;
let listening = false;

function chart(list, tiers) {
  const pts = list.slice(-20);
  if (pts.length === 0) return '';
  const w = 330,
    h = 86,
    pad = 6;
  // Headroom above the highest point, so the tier labels stay clear of the line.
  const top = 1.25 * Math.max(10, ...pts.map((p) => p.score), ...tiers.map((t) => t.min_score));
  const x = (i) => pad + (pts.length === 1 ? (w - 2 * pad) / 2 : (i * (w - 2 * pad)) / (pts.length - 1));
  const y = (v) => h - pad - (Math.max(0, v) / top) * (h - 2 * pad);
  const lines = tiers
    .filter((t) => t.min_score > 0)
    .map(
      (t) =>
        `<line x1="0" x2="${w}" y1="${y(t.min_score)}" y2="${y(t.min_score)}" stroke="#2b3d52" stroke-dasharray="3 3"/><text x="${w - 2}" y="${y(t.min_score) - 3}" fill="#6f859b" font-size="9" text-anchor="end">${esc(t.name)}</text>`,
    )
    .join('');
  const poly = pts.map((p, i) => `${x(i)},${y(p.score)}`).join(' ');
  const dots = pts
    .map(
      (p, i) =>
        `<circle cx="${x(i)}" cy="${y(p.score)}" r="3.2" fill="${p.source === 'edge' ? '#8fd1b4' : '#ffd58a'}"><title>${esc(p.path)}: ${esc(p.tier || 'no tier')} ${p.score}</title></circle>`,
    )
    .join('');
  return `<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="Intent score over the journey">${lines}<polyline points="${poly}" fill="none" stroke="#8fd1b4" stroke-width="2"/>${dots}</svg>`;
}

function render() {
  if (!root || !latest) return;
  const list = load();
  const offers = new Map((config?.offers || []).map((o) => [o.id, o]));
  const tiers = config?.intent?.tiers || [];
  const slotNames = [
    ...new Set([...document.querySelectorAll('[data-sp-slot]')].map((el) => el.getAttribute('data-sp-slot'))),
  ];
  const plan = new Map((latest.plan?.slots || []).map((s) => [s.slot, s]));
  const slots = [...new Set([...slotNames, ...plan.keys()])].map((name) => {
    const s = plan.get(name);
    if (!s)
      return `<div class="slot" data-slot="${esc(name)}"><b>${esc(name)}</b>: the page's own content<p>No offer for this slot qualifies yet.</p></div>`;
    const o = offers.get(s.offer);
    const cond = o?.when ? `Because ${esc(words(o.when))}.` : 'It has no condition.';
    return `<div class="slot" data-slot="${esc(name)}"><b>${esc(name)}</b>: <code>${esc(s.offer)}${s.variant ? ' / ' + esc(s.variant) : ''}</code><p>${cond} ${o ? `Priority ${esc(o.priority ?? 0)}, the highest that qualifies.` : esc(s.why || '')}</p></div>`;
  });
  const segs = latest.segments?.length
    ? latest.segments.map((s) => `<span class="chip">${esc(s)}</span>`).join('')
    : '<span class="chip none">none yet</span>';
  let prev = null;
  const steps = list
    .map((p) => {
      const changed = prev
        ? Object.keys({ ...p.slots, ...prev.slots })
            .filter((k) => p.slots[k] !== prev.slots[k])
            .map((k) => `${k} → ${p.slots[k] || 'default'}`)
        : [];
      prev = p;
      return `<li><span class="p">${esc(p.source === 'edge' ? p.path : `${p.path} (in page)`)}</span><span class="t">${esc(p.tier || 'no tier')} · ${p.score}</span>${changed.length ? `<span class="c">${esc(changed.join(', '))}</span>` : ''}</li>`;
    })
    .reverse()
    .slice(0, 8)
    .join('');
  root.innerHTML = `<header><b>Your journey</b><span>config v${esc(latest.config_version ?? '?')}</span><button type="button" data-sp-panel-reset title="Start the chart again">Clear</button><button type="button" data-sp-panel-close aria-label="Close the journey panel">✕</button></header>
<section><h3>Intent now</h3><div class="now"><span class="tier" data-sp-panel-tier>${esc(latest.tier || 'no tier')}</span><span class="score">score <span data-sp-panel-score>${round(latest.score)}</span></span><span class="src">${latest.source === 'edge' ? 'decided at the edge' : 'decided in the page'}${latest.holdout ? ' · holdout' : ''}</span></div>${chart(list, tiers)}</section>
<section><h3>Segments</h3><div class="chips" data-sp-panel-segments>${segs}</div></section>
<section><h3>Why each slot shows what it shows</h3>${slots.join('')}</section>
<section><h3>Steps</h3><ol>${steps}</ol></section>`;
}

function record(d, source) {
  latest = { ...d, source, config_version: d.config_version ?? latest?.config_version };
  const list = load();
  const p = point(d, source);
  const last = list[list.length - 1];
  // The SDK repeats the edge's decision when it starts: one point per change is enough.
  if (
    !(
      last &&
      last.path === p.path &&
      last.score === p.score &&
      last.tier === p.tier &&
      JSON.stringify(last.slots) === JSON.stringify(p.slots) &&
      p.at - last.at < 5000
    )
  ) {
    list.push(p);
    save(list);
  }
  render();
}

export function open() {
  if (root) return;
  const style = document.createElement('style');
  style.id = 'sp-journey-style';
  style.textContent = CSS;
  document.head.append(style);
  root = document.createElement('aside');
  root.className = 'sp-journey';
  root.setAttribute('aria-label', 'Signpost journey panel');
  document.body.append(root);
  root.addEventListener('click', (e) => {
    if (e.target.closest('[data-sp-panel-close]')) window.dispatchEvent(new CustomEvent('sp-panel', { detail: false }));
    if (e.target.closest('[data-sp-panel-reset]')) {
      save([]);
      record(latest, latest.source);
    }
  });
  let edge = null;
  try {
    edge = JSON.parse(document.getElementById('signpost-state')?.textContent || 'null');
  } catch {
    edge = null;
  }
  if (edge) record(edge, 'edge');
  else {
    latest = { tier: '', score: 0, segments: [], plan: { slots: [] }, source: 'edge' };
    render();
    root.querySelector('.src').textContent = 'this page was not personalized (no Signpost state)';
  }
  if (listening) return;
  listening = true;
  fetch('/__signpost/config')
    .then((r) => (r.ok ? r.json() : null))
    .then((c) => {
      config = c?.config || null;
      render();
    })
    .catch(() => {});
  import('/sdk/signpost.js')
    .then((sp) =>
      sp.on('decision', (d) => {
        if (d && d.source !== 'edge') record(d, 'page');
      }),
    )
    .catch(() => {
      /* no SDK: the edge's decision is all there is */
    });
}

export function close() {
  root?.remove();
  document.getElementById('sp-journey-style')?.remove();
  root = null;
}
