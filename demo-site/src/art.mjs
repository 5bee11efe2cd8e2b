// Product illustrations as small, self-contained SVG files (no outside requests).
// Each category has its own shape; colours vary per product, deterministically.

const PALETTE = [
  '#2f6b4f', // forest
  '#d9822b', // orange
  '#3a6ea5', // blue
  '#b83b3b', // red
  '#7a5ea8', // purple
  '#c9a227', // mustard
  '#2a8c8c', // teal
  '#6b7a2f', // olive
  '#a4502f', // rust
  '#35485e', // slate
  '#d1495b', // raspberry
  '#4aa3c8', // sky
];

const CATEGORY_OFFSET = { tents: 0, backpacks: 1, boots: 8, jackets: 3, accessories: 6 };

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function rgbToHex(rgb) {
  return (
    '#' +
    rgb
      .map((v) =>
        Math.max(0, Math.min(255, Math.round(v)))
          .toString(16)
          .padStart(2, '0'),
      )
      .join('')
  );
}

/** Mix colour `a` towards `b` by `t` (0..1). */
export function mix(a, b, t) {
  const x = hexToRgb(a);
  const y = hexToRgb(b);
  return rgbToHex(x.map((v, i) => v + (y[i] - v) * t));
}

const lighten = (c, t) => mix(c, '#ffffff', t);
const darken = (c, t) => mix(c, '#000000', t);

/** Colours for a product: its index within its category picks from the palette. */
export function productColors(category, indexInCategory) {
  const offset = CATEGORY_OFFSET[category] ?? 5;
  const main = PALETTE[(offset + indexInCategory * 5) % PALETTE.length];
  const accent = PALETTE[(offset + indexInCategory * 5 + 7) % PALETTE.length];
  return { main, accent, bg: lighten(main, 0.87), dark: darken(main, 0.35), light: lighten(main, 0.35) };
}

function svg(body, c, label) {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300" width="400" height="300" role="img" aria-label="${label}">
<rect width="400" height="300" fill="${c.bg}"/>
<circle cx="300" cy="70" r="120" fill="${lighten(c.main, 0.8)}"/>
<circle cx="70" cy="270" r="90" fill="${lighten(c.main, 0.82)}"/>
<ellipse cx="200" cy="258" rx="165" ry="13" fill="${darken(c.bg, 0.14)}" opacity="0.55"/>
${body}
</svg>
`;
}

function tent(p, c) {
  const id = p.id;
  const kind = /1p|solo|ultralight/.test(id)
    ? 'wedge'
    : /6p|family|cabin/.test(id)
      ? 'cabin'
      : /4p|basecamp/.test(id)
        ? 'wide'
        : 'dome';
  const d = c.dark;
  if (kind === 'wedge') {
    return `
<path d="M150 108 L40 250" stroke="${d}" stroke-width="1.5"/>
<path d="M56 252 L150 104 L352 252 Z" fill="${c.main}"/>
<path d="M150 104 L352 252 L250 252 Z" fill="${darken(c.main, 0.12)}"/>
<path d="M150 104 L118 252 L182 252 Z" fill="${d}"/>
<path d="M150 104 L150 252" stroke="${c.accent}" stroke-width="5" stroke-linecap="round"/>
<path d="M150 96 L150 104" stroke="#333" stroke-width="4" stroke-linecap="round"/>
<path d="M352 252 L372 246" stroke="${d}" stroke-width="2"/>`;
  }
  if (kind === 'cabin') {
    return `
<path d="M66 252 L84 128 L200 84 L316 128 L334 252 Z" fill="${c.main}"/>
<path d="M200 84 L316 128 L334 252 L200 252 Z" fill="${darken(c.main, 0.1)}"/>
<path d="M84 128 L200 84 L316 128 L300 140 L200 104 L100 140 Z" fill="${c.accent}"/>
<path d="M158 252 L164 150 Q200 130 236 150 L242 252 Z" fill="${d}"/>
<path d="M200 136 L200 252" stroke="${lighten(d, 0.3)}" stroke-width="2" stroke-dasharray="5 4"/>
<rect x="98" y="160" width="44" height="34" rx="6" fill="${lighten(c.main, 0.55)}"/>
<rect x="258" y="160" width="44" height="34" rx="6" fill="${lighten(c.main, 0.45)}"/>
<path d="M120 160 V194 M98 177 H142 M280 160 V194 M258 177 H302" stroke="${c.main}" stroke-width="2"/>
<path d="M84 128 L40 252 M316 128 L362 252" stroke="${d}" stroke-width="1.5"/>`;
  }
  const wide = kind === 'wide';
  const l = wide ? 48 : 72;
  const r = wide ? 316 : 328;
  const top = wide ? 92 : 80;
  const mid = (l + r) / 2;
  return `
<path d="M${l + 22} ${top + 40} L${l - 24} 252 M${r - 22} ${top + 40} L${r + 22} 252" stroke="${d}" stroke-width="1.5"/>
${wide ? `<path d="M${r - 30} ${top + 34} Q${r + 40} ${top + 70} 372 252 L${r - 6} 252 Z" fill="${darken(c.main, 0.18)}"/>` : ''}
<path d="M${l} 252 C${l + 20} ${top + 50}, ${mid - 60} ${top}, ${mid} ${top} C${mid + 60} ${top}, ${r - 20} ${top + 50}, ${r} 252 Z" fill="${c.main}"/>
<path d="M${mid} ${top} C${mid + 60} ${top}, ${r - 20} ${top + 50}, ${r} 252 L${mid + 40} 252 C${mid + 40} ${top + 60}, ${mid + 20} ${top + 10}, ${mid} ${top} Z" fill="${darken(c.main, 0.12)}"/>
<path d="M${l + 16} 252 Q${mid} ${top - 90} ${r - 16} 252" fill="none" stroke="${c.accent}" stroke-width="5"/>
<path d="M${mid} ${top + 34} C${mid - 26} ${top + 70}, ${mid - 36} 210, ${mid - 38} 252 L${mid + 38} 252 C${mid + 36} 210, ${mid + 26} ${top + 70}, ${mid} ${top + 34} Z" fill="${d}"/>
<path d="M${mid} ${top + 34} L${mid} 252" stroke="${lighten(d, 0.3)}" stroke-width="2" stroke-dasharray="5 4"/>
<circle cx="${mid}" cy="${top + 2}" r="5" fill="${c.accent}"/>`;
}

function backpack(p, c) {
  const m = /(\d+)\s*L/i.exec(p.name);
  const litres = m ? Number(m[1]) : 30;
  const s = Math.max(0.72, Math.min(1.08, 0.72 + ((litres - 15) / 55) * 0.36));
  const d = c.dark;
  return `
<g transform="translate(200 254) scale(${s.toFixed(3)}) translate(-200 -254)">
<path d="M150 80 Q120 130 128 210" fill="none" stroke="${d}" stroke-width="12" stroke-linecap="round"/>
<path d="M250 80 Q280 130 272 210" fill="none" stroke="${d}" stroke-width="12" stroke-linecap="round"/>
<rect x="104" y="196" width="40" height="26" rx="10" fill="${d}"/>
<rect x="256" y="196" width="40" height="26" rx="10" fill="${d}"/>
<rect x="132" y="66" width="136" height="188" rx="40" fill="${c.main}"/>
<rect x="122" y="150" width="22" height="80" rx="9" fill="${lighten(c.main, 0.25)}"/>
<rect x="256" y="150" width="22" height="80" rx="9" fill="${lighten(c.main, 0.25)}"/>
<path d="M138 100 Q138 58 200 56 Q262 58 262 100 Q200 114 138 100 Z" fill="${darken(c.main, 0.2)}"/>
<path d="M186 58 Q200 36 214 58" fill="none" stroke="${d}" stroke-width="5" stroke-linecap="round"/>
<rect x="154" y="150" width="92" height="88" rx="24" fill="${c.accent}"/>
<path d="M164 168 Q200 160 236 168" fill="none" stroke="${darken(c.accent, 0.3)}" stroke-width="3" stroke-linecap="round"/>
<path d="M132 124 H268" stroke="${d}" stroke-width="6"/>
<rect x="190" y="117" width="20" height="14" rx="3" fill="#2b2b2b"/>
<circle cx="232" cy="200" r="4" fill="${lighten(c.accent, 0.6)}"/>
</g>`;
}

function boot(p, c) {
  const id = p.id;
  const kind = /runner|shoe/.test(id) ? 'runner' : /low/.test(id) ? 'low' : /alpine|gtx|high/.test(id) ? 'high' : 'mid';
  const top = { high: 62, mid: 86, low: 138, runner: 146 }[kind];
  const d = c.dark;
  const back = kind === 'runner' || kind === 'low' ? 100 : 108;
  const body = `M${back} ${top} C${back - 4} ${top + 60}, 92 196, 92 236 L338 236 C342 206, 322 190, 288 178 C254 166, 222 160, 206 ${Math.max(top + 26, 150)} L196 ${top + 4} Z`;
  const laces = [];
  const n = kind === 'high' ? 6 : kind === 'mid' ? 5 : 3;
  for (let i = 0; i < n; i++) {
    const t = (i + 0.5) / n;
    const y = top + 16 + t * (150 - top - 16);
    const x = 196 + ((y - top) / (150 - top)) * 10 - 9;
    laces.push(
      `<path d="M${(x - 11).toFixed(1)} ${(y - 5).toFixed(1)} L${(x + 8).toFixed(1)} ${(y + 3).toFixed(1)}" stroke="${lighten(c.accent, 0.5)}" stroke-width="4" stroke-linecap="round"/>`,
    );
  }
  const stripe =
    kind === 'runner'
      ? `<path d="M140 214 C190 200, 236 176, 292 184" fill="none" stroke="${c.accent}" stroke-width="10" stroke-linecap="round"/>`
      : `<path d="M262 172 C300 180, 334 194, 338 226 L300 226 C296 206, 284 194, 262 184 Z" fill="${darken(c.main, 0.22)}"/>
<path d="M${back + 2} ${top + 70} C150 ${top + 90}, 170 200, 140 222" fill="none" stroke="${darken(c.main, 0.18)}" stroke-width="4"/>`;
  return `
<path d="${body}" fill="${c.main}"/>
${stripe}
<path d="M${back - 2} ${top} L198 ${top + 4}" stroke="${d}" stroke-width="9" stroke-linecap="round"/>
${laces.join('\n')}
<path d="M84 232 L344 232 Q352 244 340 256 L92 256 Q78 246 84 232 Z" fill="#2f2a26"/>
<path d="M96 256 V262 M126 256 V262 M156 256 V262 M186 256 V262 M216 256 V262 M246 256 V262 M276 256 V262 M306 256 V262" stroke="#2f2a26" stroke-width="9"/>
<path d="M90 236 L340 236" stroke="${kind === 'runner' ? lighten(c.accent, 0.7) : '#d8c8a8'}" stroke-width="5"/>`;
}

function jacket(p, c) {
  const id = p.id;
  const hood = /hood|storm|shell|softshell/.test(id) && !/fleece/.test(id);
  const down = /down|puffer|ember/.test(id);
  const halfZip = /fleece/.test(id);
  const d = c.dark;
  const bodyPath =
    'M160 66 L240 66 L288 84 Q304 90 310 108 L338 214 L306 226 L282 142 L282 254 L118 254 L118 142 L94 226 L62 214 L90 108 Q96 90 112 84 Z';
  const baffles = down
    ? `<g clip-path="url(#body)" stroke="${darken(c.main, 0.2)}" stroke-width="3" fill="none">${[104, 134, 164, 194, 224].map((y) => `<path d="M40 ${y} Q200 ${y + 8} 360 ${y}"/>`).join('')}</g>`
    : '';
  const grid = halfZip
    ? `<g clip-path="url(#body)" stroke="${lighten(c.main, 0.18)}" stroke-width="2">${[120, 150, 180, 210, 240].map((y) => `<path d="M40 ${y} H360"/>`).join('')}${[140, 170, 230, 260].map((x) => `<path d="M${x} 60 V260"/>`).join('')}</g>`
    : '';
  return `
<defs><clipPath id="body"><path d="${bodyPath}"/></clipPath></defs>
${hood ? `<path d="M156 76 Q156 22 200 20 Q244 22 244 76 Z" fill="${darken(c.main, 0.15)}"/><path d="M172 70 Q174 38 200 36 Q226 38 228 70 Z" fill="${darken(c.main, 0.45)}"/>` : ''}
<path d="${bodyPath}" fill="${c.main}"/>
${baffles}${grid}
<path d="M160 66 Q200 ${hood ? 92 : 100} 240 66" fill="${darken(c.main, 0.2)}"/>
<path d="M200 ${hood ? 80 : 84} V${halfZip ? 140 : 254}" stroke="${c.accent}" stroke-width="5"/>
<circle cx="200" cy="${halfZip ? 140 : 104}" r="5" fill="${c.accent}"/>
<path d="M136 190 L160 214 M264 190 L240 214" stroke="${d}" stroke-width="4" stroke-linecap="round"/>
<path d="M62 214 L94 226 L90 238 L58 226 Z M338 214 L306 226 L310 238 L342 226 Z" fill="${d}"/>
<path d="M118 246 H282 V254 H118 Z" fill="${d}"/>`;
}

function accessory(p, c) {
  const id = p.id;
  const d = c.dark;
  if (/headlamp|lamp/.test(id)) {
    return `
<path d="M230 150 L372 96 L372 214 Z" fill="#fff4b8" opacity="0.8"/>
<ellipse cx="170" cy="150" rx="110" ry="62" fill="none" stroke="${d}" stroke-width="16"/>
<ellipse cx="170" cy="150" rx="110" ry="62" fill="none" stroke="${c.main}" stroke-width="10" stroke-dasharray="14 6"/>
<rect x="190" y="110" width="70" height="80" rx="18" fill="${c.accent}"/>
<circle cx="240" cy="150" r="26" fill="#f7f2df" stroke="${darken(c.accent, 0.3)}" stroke-width="6"/>
<circle cx="240" cy="150" r="12" fill="#ffe680"/>
<rect x="200" y="100" width="24" height="12" rx="4" fill="${darken(c.accent, 0.3)}"/>`;
  }
  if (/pole/.test(id)) {
    const pole = (x1, y1, x2, y2) => `
<path d="M${x1} ${y1} L${x2} ${y2}" stroke="#3a3a3a" stroke-width="7" stroke-linecap="round"/>
<path d="M${x1} ${y1} L${(x1 + x2) / 2} ${(y1 + y2) / 2}" stroke="${c.main}" stroke-width="9" stroke-linecap="round"/>
<path d="M${x1} ${y1} L${x1 + (x2 - x1) * 0.16} ${y1 + (y2 - y1) * 0.16}" stroke="#b8875a" stroke-width="16" stroke-linecap="round"/>
<ellipse cx="${x1 + (x2 - x1) * 0.93}" cy="${y1 + (y2 - y1) * 0.93}" rx="16" ry="6" fill="${c.accent}"/>`;
    return (
      pole(150, 44, 230, 256) +
      pole(250, 40, 190, 258) +
      `<path d="M140 40 Q120 80 150 100" fill="none" stroke="${d}" stroke-width="3"/>`
    );
  }
  if (/filter|water/.test(id)) {
    return `
<rect x="150" y="100" width="100" height="156" rx="26" fill="${lighten(c.main, 0.4)}" opacity="0.9"/>
<rect x="150" y="150" width="100" height="106" rx="26" fill="${c.main}" opacity="0.85"/>
<rect x="172" y="62" width="56" height="44" rx="10" fill="${c.accent}"/>
<rect x="184" y="30" width="32" height="38" rx="8" fill="${d}"/>
<path d="M172 76 H228 M172 90 H228" stroke="${darken(c.accent, 0.3)}" stroke-width="3"/>
<path d="M290 120 Q300 140 290 150 Q280 140 290 120 Z M316 160 Q326 180 316 190 Q306 180 316 160 Z M98 140 Q108 160 98 170 Q88 160 98 140 Z" fill="${c.main}"/>
<path d="M168 170 Q200 160 232 170" stroke="#ffffff" stroke-width="4" fill="none" opacity="0.6"/>`;
  }
  if (/stove/.test(id)) {
    return `
<path d="M160 256 L186 196 M240 256 L214 196 M200 256 V196" stroke="#4a4a4a" stroke-width="7" stroke-linecap="round"/>
<ellipse cx="200" cy="238" rx="48" ry="18" fill="${c.accent}"/>
<path d="M200 150 Q184 176 192 192 Q200 176 200 192 Q208 176 208 192 Q216 176 200 150 Z" fill="#f5a623"/>
<path d="M200 166 Q194 180 198 190 Q206 180 200 166 Z" fill="#ffe680"/>
<rect x="132" y="84" width="136" height="70" rx="12" fill="${c.main}"/>
<rect x="126" y="78" width="148" height="16" rx="8" fill="${d}"/>
<path d="M268 110 H330" stroke="${d}" stroke-width="9" stroke-linecap="round"/>
<path d="M176 70 Q180 50 172 36 M206 70 Q210 50 202 36" stroke="${lighten(c.main, 0.5)}" stroke-width="4" fill="none" stroke-linecap="round"/>`;
  }
  if (/pad/.test(id)) {
    return `
<path d="M110 200 L330 140 L352 176 L132 236 Z" fill="${c.main}"/>
<g stroke="${darken(c.main, 0.2)}" stroke-width="3">${[0.2, 0.35, 0.5, 0.65, 0.8].map((t) => `<path d="M${110 + 220 * t} ${200 - 60 * t} L${132 + 220 * t} ${236 - 60 * t}"/>`).join('')}</g>
<ellipse cx="110" cy="214" rx="38" ry="40" fill="${darken(c.main, 0.12)}"/>
<ellipse cx="110" cy="214" rx="26" ry="28" fill="${c.main}"/>
<path d="M110 214 m-14 0 a14 15 0 1 0 28 0 a10 11 0 1 0 -20 0" fill="none" stroke="${darken(c.main, 0.3)}" stroke-width="3"/>
<rect x="334" y="150" width="16" height="12" rx="3" fill="${c.accent}"/>`;
  }
  if (/bag/.test(id)) {
    return `
<path d="M70 160 Q70 104 130 100 L300 116 Q350 124 350 160 Q350 196 300 204 L130 220 Q70 216 70 160 Z" fill="${c.main}"/>
<g stroke="${darken(c.main, 0.2)}" stroke-width="3" fill="none">${[160, 200, 240, 280, 316].map((x) => `<path d="M${x} ${104 + (x - 130) * 0.08} Q${x + 8} 160 ${x} ${216 - (x - 130) * 0.08}"/>`).join('')}</g>
<ellipse cx="104" cy="160" rx="30" ry="38" fill="${darken(c.main, 0.2)}"/>
<ellipse cx="106" cy="160" rx="18" ry="24" fill="${darken(c.main, 0.5)}"/>
<path d="M132 102 Q200 88 300 116" stroke="${c.accent}" stroke-width="6" fill="none"/>`;
  }
  return `
<circle cx="200" cy="156" r="90" fill="${c.main}"/>
<circle cx="200" cy="156" r="70" fill="#fbf8f0"/>
<path d="M200 96 L214 156 L200 216 L186 156 Z" fill="${c.accent}"/>
<path d="M200 156 L214 156 L200 216 L186 156 Z" fill="${d}"/>
<circle cx="200" cy="156" r="6" fill="#333"/>`;
}

const DRAW = { tents: tent, backpacks: backpack, boots: boot, jackets: jacket, accessories: accessory };

/** The SVG for one catalog product. */
export function productSvg(product, indexInCategory) {
  const c = productColors(product.category, indexInCategory);
  const draw = DRAW[product.category] || accessory;
  return svg(draw(product, c), c, escapeAttr(product.name));
}

function escapeAttr(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

/** The layered mountain landscape behind heroes (transparent background). */
export function heroSvg() {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1200 400" width="1200" height="400" preserveAspectRatio="xMaxYMax slice">
<circle cx="930" cy="120" r="56" fill="#ffd58a" opacity="0.9"/>
<path d="M0 300 L150 190 L260 250 L420 120 L560 230 L700 140 L860 250 L1000 150 L1200 270 L1200 400 L0 400 Z" fill="#ffffff" opacity="0.10"/>
<path d="M380 400 L560 200 L640 260 L780 150 L940 290 L1040 220 L1200 320 L1200 400 Z" fill="#ffffff" opacity="0.14"/>
<path d="M760 155 L780 150 L800 168 L786 166 L776 178 L768 166 Z" fill="#ffffff" opacity="0.55"/>
<path d="M600 400 L740 300 L820 340 L940 270 L1080 350 L1200 310 L1200 400 Z" fill="#000000" opacity="0.16"/>
<g fill="#000000" opacity="0.22">
<path d="M1000 400 L1018 330 L1036 400 Z M1010 360 L1018 310 L1026 360 Z"/>
<path d="M1050 400 L1074 310 L1098 400 Z M1062 350 L1074 290 L1086 350 Z"/>
<path d="M1110 400 L1126 345 L1142 400 Z M1118 370 L1126 330 L1134 370 Z"/>
<path d="M940 400 L954 350 L968 400 Z"/>
</g>
</svg>
`;
}

/** The store's mark: a mountain in a rounded square. */
export function logoMark(size = 32) {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="${size}" height="${size}" aria-hidden="true"><rect width="32" height="32" rx="8" fill="#1f4d3a"/><path d="M4 25 L13 11 L18 18 L21 14 L28 25 Z" fill="#f3ead8"/><path d="M13 11 L15.6 15 L13.6 14.2 L11.8 15.6 Z" fill="#1f4d3a" opacity="0.35"/><circle cx="23" cy="8.5" r="2.6" fill="#e9893a"/></svg>`;
}
