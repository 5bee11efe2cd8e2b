// (b) What a user writes by hand instead of Signpost: read the visitor's profile from KV,
// pick offers with if/else rules, rewrite the page with the runtime's HTMLRewriter.
// The same four rules as the example config's offers that the benchmark visitor can get (hero,
// banner, recommendations, and the retargeting ad), the same kind of content, one KV read per
// page, like Signpost warm.
const PRODUCTS = {
  tents: [
    ["tent-summit-2p", "Summit 2P tent", 349],
    ["tent-ultralight-1p", "Ultralight 1P tent", 289],
    ["tent-family-4p", "Family 4P tent", 429],
  ],
  packs: [
    ["pack-trail-45", "Trail 45 pack", 179],
    ["pack-day-22", "Day 22 pack", 89],
  ],
};

const NAMES = new Map(
  Object.values(PRODUCTS)
    .flat()
    .map(([id, name, price]) => [id, [name, price]]),
);

const escapeHtml = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function cookie(header, name) {
  const m = new RegExp(`(?:^|;\\s*)${name}=([^;]*)`).exec(header ?? "");
  return m ? m[1] : null;
}

class Slot {
  constructor(offer, html) {
    this.offer = offer;
    this.html = html;
  }
  element(el) {
    el.setAttribute("data-sp-offer", this.offer);
    el.setInnerContent(this.html, { html: true });
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    let vid = cookie(request.headers.get("cookie"), "sp_vid");
    const isNew = !vid;
    if (isNew) vid = crypto.randomUUID().replaceAll("-", "");
    const [profile, origin] = await Promise.all([
      isNew ? null : env.KV.get(`hw:${vid}`, { type: "json" }),
      fetch(env.ORIGIN + url.pathname + url.search, { headers: request.headers }),
    ]);
    const type = origin.headers.get("content-type") ?? "";
    if (origin.status !== 200 || !type.startsWith("text/html")) return origin;
    const p = profile ?? {
      visits: 1,
      cart: [],
      tier: "browsing",
      top_category: null,
      viewed: [],
      days_since_purchase: null,
    };
    const item = (id) => {
      const [name, price] = NAMES.get(id) ?? [id, 0];
      return `<li><a href="/products/${escapeHtml(id)}">${escapeHtml(name)}</a> $${price}</li>`;
    };

    let hero = null;
    if (p.cart.length > 0 && p.cart_idle_minutes >= 30) {
      hero = new Slot(
        "cart-reminder",
        `<h2>Still thinking it over?</h2><p>Your ${escapeHtml(p.cart[0])} is waiting.</p>`,
      );
    } else if (p.tier === "comparing") {
      // The example config's "guide" arm, the one the bench visitor is kept in.
      const category = escapeHtml(p.top_category ?? "gear");
      hero = new Slot(
        "compare-help",
        `<h1>Not sure which ${category} is right for you?</h1><a class="cta" href="/compare">Compare side by side</a>`,
      );
    }
    let banner = null;
    if (url.searchParams.get("utm_source") === "email" && url.searchParams.get("utm_campaign") === "spring-sale") {
      banner = new Slot("spring-email-landing", `Spring sale: 20% off for our subscribers.`);
    } else if (p.tier === "ready_to_buy") {
      banner = new Slot("ready-free-shipping", `Free shipping on your order today.`);
    }
    let recs = null;
    const picks = PRODUCTS[p.top_category] ?? [];
    if (picks.length > 0) {
      recs = new Slot("for-you", `<h2>Picked for you</h2><ul>${picks.map(([id]) => item(id)).join("")}</ul>`);
    }
    // Retargeting: what they looked at lately, unless they bought in the last 30 days.
    let ad = null;
    const recent = (p.viewed ?? []).slice(0, 2);
    const boughtLately = p.days_since_purchase != null && p.days_since_purchase < 30;
    if (recent.length > 0 && !boughtLately) {
      ad = new Slot("retargeting-ad", `<ul>${recent.map(item).join("")}</ul>`);
    }

    let rewriter = new HTMLRewriter();
    if (hero) rewriter = rewriter.on('[data-sp-slot="hero"]', hero);
    if (banner) rewriter = rewriter.on('[data-sp-slot="banner"]', banner);
    if (recs) rewriter = rewriter.on('[data-sp-slot="recommendations"]', recs);
    if (ad) rewriter = rewriter.on('[data-sp-slot="ad"]', ad);
    const response = new Response(origin.body, origin);
    response.headers.set("cache-control", "private, no-store");
    response.headers.delete("content-length");
    if (isNew) response.headers.append("set-cookie", `sp_vid=${vid}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly`);
    return rewriter.transform(response);
  },
};
