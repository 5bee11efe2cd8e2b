#!/usr/bin/env node
// Generates the Trailhead Outfitters demo store into demo-site/public/ from examples/catalog.json.
//
//   node demo-site/build.mjs            # from anywhere; paths resolve from this file
//
// Plain Node (>= 20), no dependencies. Deterministic: the same catalog gives the same bytes.
// The output folder is wiped and rewritten on every run.

import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { heroSvg, logoMark, productSvg } from './src/art.mjs';
import {
  CATEGORIES,
  CATEGORY_ORDER,
  PRODUCTS,
  REVIEWS,
  SPEC_LABELS,
  STORE,
  WINTER_COLLECTION,
} from './src/content.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const CATALOG_PATH = join(ROOT, 'examples', 'catalog.json');
const OUT = join(HERE, 'public');

// ---------------------------------------------------------------- catalog

const catalog = JSON.parse(readFileSync(CATALOG_PATH, 'utf8'));
const currency = catalog.currency || 'USD';
const products = catalog.products.map((p) => ({ ...p, copy: PRODUCTS[p.id] || {} }));
const byId = new Map(products.map((p) => [p.id, p]));

for (const p of products) {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(p.id)) throw new Error(`product id not usable in a URL: ${p.id}`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(p.category)) throw new Error(`category not usable in a URL: ${p.category}`);
}

const categoryIds = [
  ...CATEGORY_ORDER.filter((c) => products.some((p) => p.category === c)),
  ...[...new Set(products.map((p) => p.category))].filter((c) => !CATEGORY_ORDER.includes(c)).sort(),
];

function category(id) {
  const known = CATEGORIES[id];
  if (known) return known;
  const title = id.charAt(0).toUpperCase() + id.slice(1);
  return {
    title,
    singular: 'item',
    heroTitle: title,
    heroText: `Our full range of ${id}, chosen and tested by our staff.`,
    slimHero: `Free returns for ${STORE.returnDays} days on all ${id}.`,
    slimCta: [`All ${id}`, `/category/${id}`],
    tone: 'forest',
  };
}

const inCategory = (c) => products.filter((p) => p.category === c);
const byPopularity = (list) => [...list].sort((a, b) => b.popularity - a.popularity || a.id.localeCompare(b.id));
const popular = byPopularity(products.filter((p) => p.in_stock)).slice(0, 4);

// ---------------------------------------------------------------- helpers

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s) => String(s).replace(/[&<>"']/g, (ch) => ESC[ch]);

const moneyFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency });
const money = (n) => moneyFormat.format(n);

const productUrl = (p) => p.url || `/products/${p.id}`;
const productImage = (p) => p.image || `/img/${p.id}.svg`;

function hashInt(s) {
  return createHash('sha256').update(s).digest().readUInt32BE(0);
}

/** A stable, plausible rating for a product: 4.1 to 4.9 stars, more reviews when popular. */
function rating(p) {
  const h = hashInt(`rating.${p.id}`);
  const own = REVIEWS.filter((r) => r.product === p.id);
  return { value: (41 + (h % 9)) / 10, count: 12 + p.popularity * 7 + (h % 37) + own.length };
}

function stars(value, count, { compact = false } = {}) {
  const label = `Rated ${value.toFixed(1)} out of 5${count ? ` from ${count} reviews` : ''}`;
  return `<span class="rating" title="${label}"><span class="stars" style="--r:${value.toFixed(1)}" aria-hidden="true">★★★★★</span><span class="sr">${label}</span>${
    count ? `<span class="rating-n" aria-hidden="true">${compact ? '' : value.toFixed(1) + ' '}(${count})</span>` : ''
  }</span>`;
}

function addButton(p, { size = '', label = 'Add to cart' } = {}) {
  if (!p.in_stock) return `<button class="btn ${size} btn-disabled" type="button" disabled>Sold out</button>`;
  return `<button class="btn ${size}" type="button" data-sp-track="add_to_cart" data-product-id="${esc(p.id)}" data-price="${esc(p.price)}" data-name="${esc(p.name)}">${label}</button>`;
}

function card(p) {
  const r = rating(p);
  const hay = [p.name, p.category, category(p.category).title, p.copy.summary || '', ...(p.copy.features || [])]
    .join(' ')
    .toLowerCase();
  return `<article class="card" data-search="${esc(hay)}">
<a class="card-img" href="${esc(productUrl(p))}"><img src="${esc(productImage(p))}" alt="${esc(p.name)}" width="400" height="300" loading="lazy">${p.in_stock ? '' : '<span class="badge">Sold out</span>'}</a>
<div class="card-body">
<p class="eyebrow">${esc(category(p.category).title)}</p>
<h3><a href="${esc(productUrl(p))}">${esc(p.name)}</a></h3>
${stars(r.value, r.count, { compact: true })}
<div class="card-foot"><span class="price">${money(p.price)}</span>${addButton(p, { size: 'btn-sm' })}</div>
</div>
</article>`;
}

/** A recommendation item: the same markup the offers' item template renders. */
const rec = (p) =>
  `<a class="rec" href="${esc(productUrl(p))}"><img src="${esc(productImage(p))}" alt=""><span>${esc(p.name)}</span> <b>${money(p.price)}</b></a>`;

const recommendations = () => `<section class="recs" data-sp-slot="recommendations">
<h2>Popular right now</h2>
${popular.map(rec).join('\n')}
</section>`;

function houseAd(cat) {
  if (cat === 'tents' || cat === 'jackets') {
    return `<aside class="ad" data-sp-slot="ad">
<p class="eyebrow">Trail guide</p>
<h3>Storm season is here</h3>
<p>Our ten-point checklist for pitching, packing and staying safe when the weather turns.</p>
<a class="cta cta-small" href="/guides/storm-safety">Read the checklist</a>
</aside>`;
  }
  return `<aside class="ad" data-sp-slot="ad">
<p class="eyebrow">Trailhead Rewards</p>
<h3>Earn 10% back on every trip</h3>
<p>Members get trail credit on every order, free returns and early access to new gear. Joining is free.</p>
<a class="cta cta-small" href="/about#rewards">Join for free</a>
</aside>`;
}

function crumbs(items) {
  const parts = items.map(([label, href], i) =>
    i === items.length - 1
      ? `<span aria-current="page">${esc(label)}</span>`
      : `<a href="${esc(href)}">${esc(label)}</a>`,
  );
  return `<nav class="crumbs" aria-label="Breadcrumb">${parts.join('<span class="sep" aria-hidden="true">/</span>')}</nav>`;
}

/** A JSON value safe inside <script>. */
const scriptJson = (value) =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

function catalogScript() {
  const items = products.map((p) => ({
    id: p.id,
    name: p.name,
    category: category(p.category).title,
    price: p.price,
    url: productUrl(p),
    image: productImage(p),
    in_stock: !!p.in_stock,
  }));
  return `<script type="application/json" id="store-catalog">${scriptJson({ currency, freeShippingOver: STORE.freeShippingOver, shippingFlat: STORE.shippingFlat, products: items })}</script>`;
}

// ---------------------------------------------------------------- icons

const ICON = {
  search:
    '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><circle cx="10.5" cy="10.5" r="6.5" fill="none" stroke="currentColor" stroke-width="2.2"/><path d="M15.5 15.5 L21 21" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"/></svg>',
  cart: '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path d="M3 4h2.4l2.2 10.2a1.6 1.6 0 0 0 1.6 1.3h8.3a1.6 1.6 0 0 0 1.5-1.2L21 8H6.4" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/><circle cx="9.5" cy="19.5" r="1.6" fill="currentColor"/><circle cx="17" cy="19.5" r="1.6" fill="currentColor"/></svg>',
  truck:
    '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true"><path d="M2 6h11v9H2zM13 9h4l3 3v3h-7z" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/><circle cx="6" cy="17" r="2" fill="#fff" stroke="currentColor" stroke-width="1.8"/><circle cx="17" cy="17" r="2" fill="#fff" stroke="currentColor" stroke-width="1.8"/></svg>',
  returns:
    '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true"><path d="M4 12a8 8 0 1 0 2.4-5.7" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/><path d="M4 3v4.5h4.5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/></svg>',
  tested:
    '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true"><path d="M3 19l6-10 4 6 2-3 6 7z" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/><circle cx="17" cy="6" r="2" fill="none" stroke="currentColor" stroke-width="1.8"/></svg>',
  chat: '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true"><path d="M4 5h16v10H9l-5 4z" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/></svg>',
};

// ---------------------------------------------------------------- layout

const NAV = [
  ...categoryIds.map((c) => [category(c).title, `/category/${c}`]),
  ['Compare tents', '/compare'],
  ['Winter', '/collections/winter'],
  ['About', '/about'],
  ['Account', '/account'],
];

function layout({ path, title, description, body, head = '', bodyClass = '' }) {
  const nav = NAV.map(
    ([label, href]) =>
      `<a href="${href}"${href === path || (path.startsWith(href + '/') && href !== '/') ? ' aria-current="page"' : ''}>${esc(label)}</a>`,
  ).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<meta name="description" content="${esc(description)}">
<link rel="icon" href="/img/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/css/store.css">
${head}</head>
<body${bodyClass ? ` class="${bodyClass}"` : ''}>
<a class="skip" href="#main">Skip to content</a>
<div class="banner" data-sp-slot="banner">Free returns for ${STORE.returnDays} days on everything. <a href="/about#returns">How returns work</a></div>
<header class="site-header">
<div class="wrap header-row">
<a class="logo" href="/" aria-label="${esc(STORE.name)} home">${logoMark(34)}<span class="logo-text">Trailhead <b>Outfitters</b></span></a>
<form class="header-search" action="/search" method="get" role="search">
<input type="search" name="q" placeholder="Search tents, boots, jackets…" aria-label="Search products" autocomplete="off">
<button type="submit" aria-label="Search">${ICON.search}</button>
</form>
<a class="cart-link" href="/cart">${ICON.cart}<span class="cart-label">Cart</span><span class="cart-count" data-cart-count hidden>0</span></a>
</div>
<nav class="main-nav" aria-label="Shop"><div class="wrap">${nav}</div></nav>
</header>
<main id="main">
${body}
</main>
${footer()}
<div class="toast" role="status" aria-live="polite" hidden></div>
<script src="/js/store.js" defer></script>
<script type="module" src="/sdk/auto.js"></script>
</body>
</html>
`;
}

function footer() {
  const shop = categoryIds.map((c) => `<li><a href="/category/${c}">${esc(category(c).title)}</a></li>`).join('');
  return `<footer class="site-footer">
<div class="wrap footer-grid">
<div class="footer-brand">
<a class="logo logo-footer" href="/">${logoMark(30)}<span class="logo-text">Trailhead <b>Outfitters</b></span></a>
<p>${esc(STORE.tagline)}. Independent, staff-owned and out on the trail most weekends.</p>
</div>
<div><h2>Shop</h2><ul>${shop}<li><a href="/collections/winter">Winter collection</a></li></ul></div>
<div><h2>Help</h2><ul><li><a href="/about#shipping">Shipping</a></li><li><a href="/about#returns">Returns</a></li><li><a href="/compare">Compare tents</a></li><li><a href="/guides/storm-safety">Storm safety</a></li></ul></div>
<div><h2>Company</h2><ul><li><a href="/about">About us</a></li><li><a href="/about#rewards">Rewards</a></li><li><a href="/reviews">Reviews</a></li><li><a href="/about#demo">About this demo</a></li></ul></div>
</div>
<div class="wrap footer-note">Trailhead Outfitters is a demo store for Signpost. Prices in ${esc(currency)}. No real orders are taken and nothing is charged.</div>
</footer>`;
}

const perks = () => `<ul class="perks">
<li>${ICON.truck}<span><b>Free shipping</b> on orders over ${money(STORE.freeShippingOver)}</span></li>
<li>${ICON.returns}<span><b>${STORE.returnDays}-day returns</b> even if it has been outside</span></li>
<li>${ICON.tested}<span><b>Staff tested</b> on real trails before we stock it</span></li>
<li>${ICON.chat}<span><b>Expert advice</b> from people who hike</span></li>
</ul>`;

// ---------------------------------------------------------------- pages

function homePage() {
  const tiles = categoryIds
    .map((c) => {
      const list = inCategory(c);
      const lead = byPopularity(list)[0];
      return `<a class="tile tone-${category(c).tone}" href="/category/${c}"><img src="${esc(productImage(lead))}" alt="" width="400" height="300" loading="lazy"><span class="tile-text"><b>${esc(category(c).title)}</b><span>${list.length} product${list.length === 1 ? '' : 's'}</span></span></a>`;
    })
    .join('\n');
  const winter = WINTER_COLLECTION.map((id) => byId.get(id))
    .filter(Boolean)
    .slice(0, 3);
  const quotes = REVIEWS.slice(0, 3)
    .map((r) => {
      const p = byId.get(r.product);
      return `<figure class="quote"><blockquote><p>“${esc(r.text)}”</p></blockquote>${stars(r.stars, 0)}<figcaption><b>${esc(r.author)}</b>, ${esc(r.place)}${p ? ` on <a href="${esc(productUrl(p))}">${esc(p.name)}</a>` : ''}</figcaption></figure>`;
    })
    .join('\n');
  const body = `<div class="wrap">
<section class="hero hero-home" data-sp-slot="hero">
<h1>Gear up for the trail ahead</h1>
<p>Tents, packs, boots and layers, chosen by people who spend their weekends outside. Free returns for ${STORE.returnDays} days.</p>
<a class="cta" href="/category/tents">Shop tents</a>
</section>
${perks()}
<section class="section">
<div class="section-head"><h2>Shop by category</h2><a href="/search">View all gear</a></div>
<div class="tiles">
${tiles}
</div>
</section>
${recommendations()}
<section class="section split">
<a class="feature tone-lake" href="/collections/winter">
<span class="feature-text"><span class="eyebrow">New season</span><b>The winter collection</b><span>Down, shells and four-season sleep systems for cold nights out.</span><span class="link">Shop winter</span></span>
<span class="feature-imgs">${winter.map((p) => `<img src="${esc(productImage(p))}" alt="" width="400" height="300" loading="lazy">`).join('')}</span>
</a>
<a class="feature tone-earth" href="/guides/storm-safety">
<span class="feature-text"><span class="eyebrow">Trail guide</span><b>Storm safety checklist</b><span>Ten things to check before you head out when the forecast turns.</span><span class="link">Read the guide</span></span>
</a>
</section>
<section class="section">
<div class="section-head"><h2>What hikers say</h2><a href="/reviews">All reviews</a></div>
<div class="quotes">
${quotes}
</div>
</section>
</div>`;
  return layout({
    path: '/',
    title: `${STORE.name}: tents, packs, boots and jackets`,
    description:
      'Outdoor gear tested on the trail: tents, backpacks, boots, jackets and camp accessories. Free returns for 60 days.',
    body,
  });
}

function categoryPage(c) {
  const meta = category(c);
  const list = byPopularity(inCategory(c));
  const side = categoryIds
    .map(
      (id) =>
        `<li><a href="/category/${id}"${id === c ? ' aria-current="page"' : ''}>${esc(category(id).title)}<span>${inCategory(id).length}</span></a></li>`,
    )
    .join('');
  const cta =
    meta.slimCta && meta.slimCta[1] !== `/category/${c}`
      ? `\n<a class="cta" href="${esc(meta.slimCta[1])}">${esc(meta.slimCta[0])}</a>`
      : '';
  const body = `<div class="wrap">
${crumbs([
  ['Home', '/'],
  [meta.title, `/category/${c}`],
])}
<section class="hero hero-category tone-${meta.tone}" data-sp-slot="hero">
<h1>${esc(meta.heroTitle)}</h1>
<p>${esc(meta.heroText)}</p>${cta}
</section>
<div class="with-side">
<div class="main-col">
<div class="toolbar"><h2>${esc(meta.title)}</h2><span>${list.length} product${list.length === 1 ? '' : 's'} · most popular first</span></div>
<div class="grid">
${list.map(card).join('\n')}
</div>
</div>
<div class="side-col">
<nav class="side-nav" aria-label="Categories"><h2>Categories</h2><ul>${side}</ul></nav>
${houseAd(c)}
</div>
</div>
</div>`;
  return layout({
    path: `/category/${c}`,
    title: `${meta.title} | ${STORE.name}`,
    description: meta.heroText,
    body,
  });
}

function productJsonLd(p) {
  const r = rating(p);
  const data = {
    '@context': 'https://schema.org',
    '@type': 'Product',
    name: p.name,
    sku: p.id,
    productID: p.id,
    image: productImage(p),
    description: p.copy.summary || `${p.name} from ${STORE.name}.`,
    category: category(p.category).title,
    brand: { '@type': 'Brand', name: STORE.name },
    url: productUrl(p),
    aggregateRating: {
      '@type': 'AggregateRating',
      ratingValue: r.value.toFixed(1),
      reviewCount: r.count,
      bestRating: '5',
      worstRating: '1',
    },
    offers: {
      '@type': 'Offer',
      url: productUrl(p),
      price: p.price.toFixed(2),
      priceCurrency: currency,
      availability: p.in_stock ? 'https://schema.org/InStock' : 'https://schema.org/OutOfStock',
      itemCondition: 'https://schema.org/NewCondition',
    },
  };
  return `<script type="application/ld+json">${scriptJson(data)}</script>\n`;
}

function productPage(p) {
  const meta = category(p.category);
  const r = rating(p);
  const copy = p.copy;
  const specs = Object.entries(copy.specs || {})
    .map(([k, v]) => `<tr><th scope="row">${esc(SPEC_LABELS[k] || k)}</th><td>${esc(v)}</td></tr>`)
    .join('');
  const pairs = (p.complements || []).map((id) => byId.get(id)).filter(Boolean);
  const reviews = REVIEWS.filter((x) => x.product === p.id);
  const slimCta = meta.slimCta
    ? `<a class="cta cta-small" href="${esc(meta.slimCta[1])}">${esc(meta.slimCta[0])}</a>`
    : '';
  const body = `<div class="wrap">
<section class="hero hero-slim tone-${meta.tone}" data-sp-slot="hero">
<p>${esc(meta.slimHero)}</p>
${slimCta}
</section>
${crumbs([
  ['Home', '/'],
  [meta.title, `/category/${p.category}`],
  [p.name, productUrl(p)],
])}
<div class="pdp">
<div class="pdp-media"><img src="${esc(productImage(p))}" alt="${esc(p.name)}" width="400" height="300"></div>
<div class="pdp-info">
<p class="eyebrow"><a href="/category/${esc(p.category)}">${esc(meta.title)}</a></p>
<h1>${esc(p.name)}</h1>
<a class="pdp-rating" href="#reviews">${stars(r.value, r.count)}</a>
<p class="pdp-price">${money(p.price)}</p>
${copy.summary ? `<p class="lead">${esc(copy.summary)}</p>` : ''}
<p class="stock ${p.in_stock ? 'in' : 'out'}">${p.in_stock ? 'In stock: ships in 1–2 business days' : 'Sold out: back soon'}</p>
<div class="buy">${addButton(p, { size: 'btn-lg' })}</div>
<ul class="mini-perks"><li>Free shipping over ${money(STORE.freeShippingOver)}</li><li>${STORE.returnDays}-day returns</li><li>Pay nothing today: this is a demo</li></ul>
${houseAd(p.category)}
</div>
</div>
<section class="pdp-details">
<div>
<h2>About the ${esc(p.name)}</h2>
<p>${esc(copy.description || `The ${p.name} is part of our ${meta.title.toLowerCase()} range, tested by our staff on real trails.`)}</p>
${copy.features ? `<ul class="features">${copy.features.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>` : ''}
</div>
${specs ? `<div><h2>Specs</h2><table class="specs"><tbody>${specs}</tbody></table></div>` : ''}
</section>
${pairs.length ? `<section class="section"><div class="section-head"><h2>Pairs well with</h2></div><div class="grid grid-4">${pairs.map(card).join('\n')}</div></section>` : ''}
<section class="section" id="reviews">
<div class="section-head"><h2>Reviews</h2><span>${stars(r.value, r.count)}</span></div>
${
  reviews.length
    ? `<div class="quotes">${reviews.map((x) => `<figure class="quote"><blockquote><p><b>${esc(x.title)}.</b> ${esc(x.text)}</p></blockquote>${stars(x.stars, 0)}<figcaption><b>${esc(x.author)}</b>, ${esc(x.place)}</figcaption></figure>`).join('')}</div>`
    : `<p class="muted">${r.count} hikers rated the ${esc(p.name)} ${r.value.toFixed(1)} out of 5. <a href="/reviews">Read reviews from our customers</a>.</p>`
}
</section>
${recommendations()}
</div>`;
  return layout({
    path: productUrl(p),
    title: `${p.name} | ${STORE.name}`,
    description: copy.summary || `${p.name}: ${money(p.price)} at ${STORE.name}.`,
    head: productJsonLd(p),
    body,
  });
}

function comparePage() {
  const tents = inCategory('tents');
  const top = byPopularity(tents)[0];
  const head = tents
    .map(
      (p) =>
        `<th scope="col"><a class="cmp-prod" href="${esc(productUrl(p))}">${p === top ? '<span class="badge badge-pick">Most popular</span>' : ''}<img src="${esc(productImage(p))}" alt="" width="400" height="300"><span>${esc(p.name)}</span></a></th>`,
    )
    .join('');
  const row = (label, cell) =>
    `<tr><th scope="row">${esc(label)}</th>${tents.map((p) => `<td>${cell(p)}</td>`).join('')}</tr>`;
  const keys = ['sleeps', 'weight', 'floor', 'peak', 'doors', 'seasons', 'packed', 'freestanding'];
  const rows = [
    row('Price', (p) => `<b class="price">${money(p.price)}</b>`),
    row('Rating', (p) => stars(rating(p).value, rating(p).count)),
    row('Best for', (p) => esc(p.copy.bestFor || '–')),
    ...keys.map((k) => row(SPEC_LABELS[k], (p) => esc(p.copy.specs?.[k] || '–'))),
    row('Availability', (p) =>
      p.in_stock ? '<span class="stock in">In stock</span>' : '<span class="stock out">Sold out</span>',
    ),
    `<tr class="cmp-buy"><th scope="row"><span class="sr">Buy</span></th>${tents.map((p) => `<td>${addButton(p, { size: 'btn-sm' })}</td>`).join('')}</tr>`,
  ];
  const body = `<div class="wrap">
${crumbs([
  ['Home', '/'],
  ['Tents', '/category/tents'],
  ['Compare', '/compare'],
])}
<section class="hero hero-category tone-forest" data-sp-slot="hero">
<h1>Compare our tents side by side</h1>
<p>Weight, space and weather protection for all ${tents.length} tents in one table. Still unsure? Our staff will help you choose.</p>
<a class="cta" href="/category/tents">Browse all tents</a>
</section>
<div class="compare-wrap" tabindex="0" role="region" aria-label="Tent comparison table">
<table class="compare">
<caption class="sr">Tent comparison</caption>
<thead><tr><th scope="col"><span class="sr">Feature</span></th>${head}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</div>
<p class="muted compare-note">Weights are trail weights: tent body, fly and poles, without stakes or stuff sacks.</p>
</div>`;
  return layout({
    path: '/compare',
    title: `Compare tents | ${STORE.name}`,
    description: 'Compare every tent we sell: capacity, weight, floor area, peak height, doors and price.',
    body,
  });
}

function searchPage() {
  const all = byPopularity(products);
  const body = `<div class="wrap">
${crumbs([
  ['Home', '/'],
  ['Search', '/search'],
])}
<section class="search-head">
<h1 data-search-title>All products</h1>
<form class="big-search" action="/search" method="get" role="search">
<input type="search" name="q" placeholder="Try “tent”, “waterproof” or “down”" aria-label="Search products" data-search-input>
<button class="btn" type="submit">Search</button>
</form>
<p class="muted" data-search-summary>${all.length} products</p>
</section>
<div class="grid" data-search-results>
${all.map(card).join('\n')}
</div>
<div class="empty" data-search-empty hidden>
<h2>No gear matches that search</h2>
<p>Check the spelling, try a broader word, or browse a category: ${categoryIds.map((c) => `<a href="/category/${c}">${esc(category(c).title)}</a>`).join(', ')}.</p>
</div>
</div>`;
  return layout({
    path: '/search',
    title: `Search | ${STORE.name}`,
    description: 'Search the Trailhead Outfitters catalog.',
    body,
  });
}

function cartPage() {
  const body = `<div class="wrap">
${crumbs([
  ['Home', '/'],
  ['Cart', '/cart'],
])}
<h1 class="page-title">Your cart</h1>
<div class="cart" data-cart-root>
<noscript><p class="notice">The cart needs JavaScript: it lives in your browser (localStorage) on this demo store.</p></noscript>
</div>
${recommendations()}
</div>
${catalogScript()}`;
  return layout({ path: '/cart', title: `Cart | ${STORE.name}`, description: 'Your shopping cart.', body });
}

function checkoutPage() {
  const body = `<div class="wrap">
${crumbs([
  ['Home', '/'],
  ['Cart', '/cart'],
  ['Checkout', '/checkout'],
])}
<h1 class="page-title">Checkout</h1>
<p class="notice"><b>Demo checkout.</b> This is a demonstration store: no payment details are asked for, nothing is charged and nothing ships. Placing an order empties your cart, and the shop's backend records a demo purchase with Signpost (server to server: a page cannot claim a purchase).</p>
<div class="checkout" data-checkout-root>
<form class="checkout-form" data-checkout-form>
<fieldset>
<legend>Contact</legend>
<label>Full name<input name="name" autocomplete="name" required></label>
<label>Email<input name="email" type="email" autocomplete="email" required placeholder="you@example.com"></label>
</fieldset>
<fieldset>
<legend>Shipping address</legend>
<label>Street address<input name="street" autocomplete="street-address" required></label>
<div class="row2"><label>City<input name="city" autocomplete="address-level2" required></label><label>ZIP code<input name="zip" autocomplete="postal-code" required inputmode="numeric"></label></div>
</fieldset>
<fieldset>
<legend>Payment</legend>
<label class="radio"><input type="radio" name="payment" value="demo" checked> Demo payment: nothing is charged</label>
</fieldset>
<button class="btn btn-lg" type="submit" data-place-order>Place demo order</button>
</form>
<aside class="summary" data-checkout-summary>
<h2>Order summary</h2>
<noscript><p>The order summary needs JavaScript.</p></noscript>
</aside>
</div>
</div>
${catalogScript()}`;
  return layout({
    path: '/checkout',
    title: `Checkout | ${STORE.name}`,
    description: 'Demo checkout: no payment is taken.',
    body,
  });
}

// The demo's sign-in: no password (any name is a customer), so the identity flow can be tried
// from two browsers. The shop's backend (backend.mjs) answers the signed user id that the page
// hands to signpost.identify; signing out calls signpost.reset().
function accountPage() {
  const body = `<div class="wrap">
${crumbs([
  ['Home', '/'],
  ['Account', '/account'],
])}
<h1 class="page-title">Your account</h1>
<p class="notice"><b>Demo sign-in.</b> No password: any name signs you in as that customer, in any browser. Sign in with the same name on a second browser and your cart and segments follow you there.</p>
<div class="checkout" data-account-root>
<form class="checkout-form" data-login-form>
<fieldset>
<legend>Sign in</legend>
<label>Customer name<input name="user" autocomplete="username" required maxlength="64" pattern="[A-Za-z0-9][A-Za-z0-9._@\\-]*" placeholder="ada"></label>
</fieldset>
<button class="btn btn-lg" type="submit">Sign in</button>
</form>
<div class="confirm" data-signed-in hidden>
<p class="eyebrow">Signed in</p>
<h2>Hello, <span data-account-name></span>.</h2>
<p><button class="btn" type="button" data-logout>Sign out</button></p>
</div>
<p class="notice" data-account-error hidden></p>
</div>
</div>`;
  return layout({
    path: '/account',
    title: `Account | ${STORE.name}`,
    description: 'Demo sign-in: no password.',
    body,
  });
}

function aboutPage() {
  const body = `<div class="wrap">
${crumbs([
  ['Home', '/'],
  ['About', '/about'],
])}
<section class="hero hero-category tone-earth" data-sp-slot="hero">
<h1>Outfitting hikers since the first trailhead</h1>
<p>We are a small, staff-owned outdoor shop. Everything we sell has been carried, pitched, worn and rained on by one of us first.</p>
<a class="cta" href="/reviews">Read our reviews</a>
</section>
<div class="prose-grid">
<section class="prose">
<h2>Our story</h2>
<p>Trailhead Outfitters started as a rental shelf of tents at the end of a gravel road. Hikers kept asking what we would take on our own trips, so we started selling only that. Today we stock a short list of gear across ${categoryIds.length} categories, each piece chosen after a season of real use.</p>
<h2 id="rewards">Trailhead Rewards</h2>
<p>Members earn 10% back in trail credit on every order, get free returns for ${STORE.returnDays} days and hear about new gear first. Joining is free and takes one email address.</p>
<h2 id="shipping">Shipping</h2>
<p>Orders over ${money(STORE.freeShippingOver)} ship free within the contiguous US; smaller orders ship for ${money(STORE.shippingFlat)}. Most orders leave our warehouse in one to two business days.</p>
<h2 id="returns">Returns</h2>
<p>Take it outside. If it does not work for you within ${STORE.returnDays} days, send it back for a full refund, even if it has been used on a trip. Return shipping is on us.</p>
</section>
<aside class="prose prose-side" id="demo">
<h2>About this demo</h2>
<p>This store is the demo site of <b>Signpost</b>, an edge personalization engine. A Worker in front of the site rewrites marked parts of each page for each visitor, from their own journey through the store.</p>
<p>Look for these slots as you browse:</p>
<ul>
<li><b>Banner</b>: the announcement bar at the top of every page.</li>
<li><b>Hero</b>: the large panel on the home, category, compare, about and winter collection pages, and the strip on product pages.</li>
<li><b>Recommendations</b>: “Popular right now” on the home, product and cart pages.</li>
<li><b>Ad</b>: the side box on category and product pages.</li>
</ul>
<p>Every slot has its own default content, so a visitor without personalization sees a complete page.</p>
</aside>
</div>
</div>`;
  return layout({
    path: '/about',
    title: `About us | ${STORE.name}`,
    description: 'Who we are, shipping, returns and rewards.',
    body,
  });
}

function stormGuidePage() {
  const items = [
    [
      'Check the forecast twice',
      'Look at the forecast the night before and again at the trailhead. Mountain weather changes fast; note when storms are expected to build.',
    ],
    [
      'Start early, turn around early',
      'Afternoon thunderstorms are common in summer. Plan to be off exposed ridges by noon, and agree on a turnaround time before you set out.',
    ],
    [
      'Pack a real rain shell',
      'A waterproof, breathable shell with a hood keeps you dry and warm when the temperature drops with the rain.',
    ],
    [
      'Bring an insulating layer',
      'Even in summer, a storm can drop the temperature by 20 degrees. A fleece or down layer in a dry bag is cheap insurance.',
    ],
    [
      'Pitch in the right place',
      'Avoid lone trees, ridge tops and dry creek beds. Look for a spot that drains, sheltered from the wind by terrain.',
    ],
    [
      'Guy out your tent',
      'Use every guy line and stake, with the narrow end of the tent into the wind. Tension the fly so it does not flap and pool water.',
    ],
    [
      'Know the lightning position',
      'If you are caught out, leave high ground, spread the group out, and crouch on your pack with feet together.',
    ],
    [
      'Keep light and a headlamp handy',
      'Storms make it dark early. Keep a charged headlamp in your hip-belt or lid pocket.',
    ],
    [
      'Keep water safe to drink',
      'Runoff after a storm carries silt and bacteria. Filter everything, even water that looks clear.',
    ],
    ['Tell someone your plan', 'Leave your route and expected return time with a friend, and stick to it.'],
  ];
  const related = ['jacket-stormshell', 'tent-summit-2p', 'acc-headlamp', 'acc-water-filter']
    .map((id) => byId.get(id))
    .filter(Boolean);
  const body = `<div class="wrap">
${crumbs([
  ['Home', '/'],
  ['Guides', '/guides/storm-safety'],
  ['Storm safety', '/guides/storm-safety'],
])}
<article class="article">
<header class="article-head">
<p class="eyebrow">Trail guide</p>
<h1>Storm safety checklist</h1>
<p class="lead">Ten things our staff check before heading out when the forecast turns. Print it, screenshot it, or keep it in your lid pocket.</p>
</header>
<ol class="checklist">
${items.map(([t, d]) => `<li><h2>${esc(t)}</h2><p>${esc(d)}</p></li>`).join('\n')}
</ol>
</article>
${related.length ? `<section class="section"><div class="section-head"><h2>Gear for stormy days</h2></div><div class="grid grid-4">${related.map(card).join('\n')}</div></section>` : ''}
</div>`;
  return layout({
    path: '/guides/storm-safety',
    title: `Storm safety checklist | ${STORE.name}`,
    description: 'Ten things to check before you head out when storms are forecast.',
    body,
  });
}

function winterPage() {
  const list = WINTER_COLLECTION.map((id) => byId.get(id)).filter(Boolean);
  const body = `<div class="wrap">
${crumbs([
  ['Home', '/'],
  ['Winter collection', '/collections/winter'],
])}
<section class="hero hero-category tone-lake" data-sp-slot="hero">
<h1>The winter collection</h1>
<p>Warm down, storm-proof shells and sleep systems for frosty nights. Picked by our staff for cold-weather trips.</p>
<a class="cta" href="/category/jackets">Shop all jackets</a>
</section>
<div class="toolbar"><h2>Winter picks</h2><span>${list.length} products</span></div>
<div class="grid grid-4">
${list.map(card).join('\n')}
</div>
</div>`;
  return layout({
    path: '/collections/winter',
    title: `Winter collection | ${STORE.name}`,
    description: 'Cold-weather gear: down, shells, warm sleeping bags and winter boots.',
    body,
  });
}

function reviewsPage() {
  const body = `<div class="wrap">
${crumbs([
  ['Home', '/'],
  ['Reviews', '/reviews'],
])}
<section class="search-head">
<h1>What ${STORE.reviewCount.toLocaleString('en-US')} hikers say</h1>
<p class="lead">Reviews from customers who took our gear outside. Average rating ${stars(4.7, 0)} 4.7 out of 5.</p>
</section>
<div class="review-list">
${REVIEWS.map((r) => {
  const p = byId.get(r.product);
  return `<article class="review">
${p ? `<a class="review-prod" href="${esc(productUrl(p))}"><img src="${esc(productImage(p))}" alt="" width="400" height="300" loading="lazy"><span>${esc(p.name)}</span></a>` : ''}
<div>${stars(r.stars, 0)}<h2>${esc(r.title)}</h2><p>${esc(r.text)}</p><p class="muted">${esc(r.author)}, ${esc(r.place)} · Verified buyer</p></div>
</article>`;
}).join('\n')}
</div>
</div>`;
  return layout({
    path: '/reviews',
    title: `Customer reviews | ${STORE.name}`,
    description: 'Reviews of our tents, packs, boots and jackets from real hikers.',
    body,
  });
}

function notFoundPage() {
  const body = `<div class="wrap">
<section class="empty empty-404">
<p class="eyebrow">404</p>
<h1>This trail does not go anywhere</h1>
<p>The page you were looking for has moved or never existed. Try a search, or head back to the trailhead.</p>
<form class="big-search" action="/search" method="get" role="search"><input type="search" name="q" placeholder="Search the store" aria-label="Search products"><button class="btn" type="submit">Search</button></form>
<p><a class="cta" href="/">Back to the home page</a></p>
</section>
${recommendations()}
</div>`;
  return layout({ path: '/404', title: `Page not found | ${STORE.name}`, description: 'Page not found.', body });
}

function favicon() {
  return logoMark(32).replace(' aria-hidden="true"', '') + '\n';
}

// ---------------------------------------------------------------- write

function write(rel, content) {
  const file = join(OUT, rel);
  if (!file.startsWith(OUT + sep)) throw new Error(`refusing to write outside ${OUT}: ${rel}`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

function imagePath(p) {
  const img = productImage(p);
  if (!/^\/img\/[a-z0-9][a-z0-9._-]*\.svg$/.test(img))
    throw new Error(`product ${p.id}: image must be /img/<name>.svg, got ${img}`);
  return img.slice(1);
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

write('index.html', homePage());
write('404.html', notFoundPage());
for (const c of categoryIds) write(`category/${c}.html`, categoryPage(c));
for (const p of products) write(`products/${p.id}.html`, productPage(p));
write('compare.html', comparePage());
write('search.html', searchPage());
write('cart.html', cartPage());
write('checkout.html', checkoutPage());
write('account.html', accountPage());
write('about.html', aboutPage());
write('guides/storm-safety.html', stormGuidePage());
write('collections/winter.html', winterPage());
write('reviews.html', reviewsPage());

for (const c of categoryIds) {
  inCategory(c).forEach((p, i) => {
    write(imagePath(p), productSvg(p, i));
  });
}
write('img/hero.svg', heroSvg());
write('img/favicon.svg', favicon());

mkdirSync(join(OUT, 'css'), { recursive: true });
mkdirSync(join(OUT, 'js'), { recursive: true });
copyFileSync(join(HERE, 'src', 'store.css'), join(OUT, 'css', 'store.css'));
copyFileSync(join(HERE, 'src', 'store.js'), join(OUT, 'js', 'store.js'));
copyFileSync(join(HERE, 'src', 'journey.js'), join(OUT, 'js', 'journey.js'));

console.log(`demo-site: wrote ${products.length} products in ${categoryIds.length} categories to ${OUT}`);
