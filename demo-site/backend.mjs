#!/usr/bin/env node
// The demo store's "shop backend": what a real store's server does around Signpost, in plain
// Node (no packages). `make dev` runs it as the Worker's ORIGIN, so the Worker sits in front of
// it as it would in front of a real site:
//  - it serves the store's pages from demo-site/public (as Cloudflare's assets would: `/x` is
//    `x.html`, `/x/` is `x/index.html`, anything else 404.html);
//  - `POST /shop/checkout` places the order: it prices the cart from the catalog (never from
//    the page), then tells Signpost about the purchase through `POST /__signpost/ingest` with
//    the ingest token, which lives here and never reaches the browser. `purchase` is a trusted
//    event (examples/config.json), so this is the only way an order reaches a profile;
//  - `POST /shop/login` signs a demo customer in (no password: a demo) and answers the user id
//    with its signature (HMAC-SHA256 under SIGNPOST_IDENTITY_SECRET) for the page to pass to
//    `signpost.identify`; `POST /shop/logout` signs out (the page then calls `signpost.reset()`);
//    `GET /shop/me` says who is signed in.
// Orders address the profile by the signed-in user, else by the visitor's `sp_vid` cookie,
// which reaches this origin as any first-party cookie does.
//
//   node demo-site/backend.mjs [--listen http://127.0.0.1:8788] [--worker http://127.0.0.1:8787]
//
// Secrets: SIGNPOST_INGEST_TOKEN and SIGNPOST_IDENTITY_SECRET from the environment, else from
// .dev.vars (what `make dev` makes).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDevVars } from '../scripts/dev-vars.mjs';
import { STORE } from './src/content.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};
const USER = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const SESSION = 'shop_user'; // the shop's own login cookie (not Signpost's)
const MAX_BODY = 64 * 1024;

/** hex HMAC-SHA256 of `text` under `key`: what `signpost.identify` expects for a user id. */
export const sign = (key, text) => createHmac('sha256', key).update(text).digest('hex');

/**
 * Starts the backend. `worker`: the Worker's base URL (a string, or a function returning it,
 * for a Worker started after this). Returns `{ url, close }`.
 */
export async function startBackend({
  port = 0,
  host = '127.0.0.1',
  worker = 'http://127.0.0.1:8787',
  ingestToken,
  identitySecret,
  publicDir = join(HERE, 'public'),
  catalog = JSON.parse(readFileSync(join(ROOT, 'examples/catalog.json'), 'utf8')),
  log = () => {},
} = {}) {
  const prices = new Map(catalog.products.map((p) => [p.id, p.price]));
  const ctx = {
    workerUrl: typeof worker === 'function' ? worker : () => worker,
    ingestToken,
    identitySecret,
    prices,
    log,
  };
  const server = http.createServer((req, res) => {
    handle(ctx, publicDir, req, res).catch((e) => {
      log(`backend: ${req.method} ${req.url}: ${e.stack ?? e}`);
      if (!res.headersSent) send(res, 500, { error: 'the shop failed' });
      else res.end();
    });
  });
  server.listen(port, host);
  await once(server, 'listening');
  return { url: `http://${host}:${server.address().port}`, close: () => new Promise((ok) => server.close(ok)) };
}

async function handle(ctx, publicDir, req, res) {
  const url = new URL(req.url, 'http://shop');
  if (url.pathname.startsWith('/shop/')) return shop(ctx, url.pathname, req, res);
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
  const file = staticFile(publicDir, url.pathname);
  const found = file ?? join(publicDir, '404.html');
  const body = readFileSync(found);
  res.writeHead(file ? 200 : 404, {
    'content-type': TYPES[extname(found)] ?? 'application/octet-stream',
    'content-length': body.length,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The file a clean URL names (`/x` -> x.html or x/index.html), or null. */
function staticFile(dir, urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const rel = normalize(path).replace(/^[/\\]+/, '');
  if (rel.split(sep).includes('..')) return null;
  const base = join(dir, rel);
  const candidates = path.endsWith('/') ? [join(base, 'index.html')] : [base, `${base}.html`, join(base, 'index.html')];
  return candidates.find((f) => existsSync(f) && statSync(f).isFile()) ?? null;
}

async function shop(ctx, path, req, res) {
  const route = `${req.method} ${path}`;
  if (route === 'GET /shop/me') return send(res, 200, { user: signedIn(ctx, req) });
  if (req.method !== 'POST') return send(res, 405, { error: 'method not allowed' });
  const body = await readJson(req);
  if (body === undefined) return send(res, 400, { error: 'expected a JSON body' });
  if (path === '/shop/login') return login(ctx, body, res);
  if (path === '/shop/logout') {
    return send(res, 200, { user: null }, [`${SESSION}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`]);
  }
  if (path === '/shop/checkout') return checkout(ctx, req, body, res);
  return send(res, 404, { error: 'no such endpoint' });
}

// The demo's login: any well-formed name is a customer (a real shop checks a password). The
// answer carries what the page hands to signpost.identify.
function login(ctx, body, res) {
  const user = typeof body.user === 'string' ? body.user.trim().toLowerCase() : '';
  if (!USER.test(user)) {
    return send(res, 400, { error: "user: 1 to 64 letters, digits, '.', '_', '@' or '-'" });
  }
  if (!ctx.identitySecret) {
    return send(res, 503, { error: 'the shop has no SIGNPOST_IDENTITY_SECRET (run make dev)' });
  }
  const session = `${user}.${sign(ctx.identitySecret, `session:${user}`)}`;
  send(res, 200, { user, signature: sign(ctx.identitySecret, user) }, [
    `${SESSION}=${session}; Path=/; HttpOnly; SameSite=Lax`,
  ]);
}

/** The signed-in user, from the shop's own (signed) login cookie, or null. */
function signedIn(ctx, req) {
  const value = cookie(req, SESSION);
  const dot = value?.lastIndexOf('.') ?? -1;
  if (!ctx.identitySecret || dot < 1) return null;
  const user = value.slice(0, dot);
  const want = Buffer.from(sign(ctx.identitySecret, `session:${user}`));
  const got = Buffer.from(value.slice(dot + 1));
  return got.length === want.length && timingSafeEqual(got, want) ? user : null;
}

async function checkout(ctx, req, body, res) {
  const lines = Array.isArray(body.items) ? body.items : [];
  const items = [];
  let sub = 0;
  for (const l of lines) {
    const price = ctx.prices.get(l?.id);
    const qty = Number.isInteger(l?.qty) && l.qty > 0 && l.qty < 100 ? l.qty : 0;
    if (price === undefined || !qty)
      return send(res, 400, { error: `not an item of the catalog: ${JSON.stringify(l)}` });
    items.push(l.id);
    sub += price * qty;
  }
  if (!items.length) return send(res, 400, { error: 'the cart is empty' });
  const ship = sub >= STORE.freeShippingOver ? 0 : STORE.shippingFlat;
  const total = Math.round((sub + ship) * 100) / 100;
  // Also the event's id: the ingest counts an order once however often it is sent.
  const orderId = `TH-${randomBytes(5).toString('hex').toUpperCase()}`;
  // Whose profile: the signed-in customer's, else this browser's visitor.
  const user = signedIn(ctx, req);
  const visitor = cookie(req, 'sp_vid');
  const who = user ? { user } : visitor ? { visitor } : null;
  const event = { ...who, type: 'purchase', id: orderId, at: Date.now(), order_id: orderId, total, items };
  // The order stands whatever Signpost answers: personalization must never fail a sale.
  const signpost = who ? await ingest(ctx, event) : 'no visitor (no sp_vid cookie, no login)';
  send(res, 200, { order_id: orderId, total, items, signpost });
}

/** Posts one event to the Worker's ingest; the outcome as a word, or why it failed. */
async function ingest(ctx, event) {
  if (!ctx.ingestToken) return 'not sent: the shop has no SIGNPOST_INGEST_TOKEN (run make dev)';
  try {
    const r = await fetch(`${ctx.workerUrl()}/__signpost/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.ingestToken}` },
      body: JSON.stringify({ events: [event] }),
    });
    const answer = await r.json().catch(() => null);
    const result = answer?.results?.[0];
    if (r.ok && result) return result.error ? `${result.status}: ${result.error}` : result.status;
    const why = `ingest answered ${r.status}${answer?.error ? `: ${answer.error}` : ''}`;
    ctx.log(`backend: ${why}`);
    return why;
  } catch (e) {
    ctx.log(`backend: ingest failed: ${e.message}`);
    return `ingest failed: ${e.message}`;
  }
}

function cookie(req, name) {
  const m = new RegExp(`(?:^|;\\s*)${name}=([^;]*)`).exec(req.headers.cookie ?? '');
  return m ? m[1] : null;
}

async function readJson(req) {
  let size = 0;
  const chunks = [];
  for await (const c of req) {
    size += c.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(c);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

function send(res, status, json, cookies = []) {
  const body = JSON.stringify(json);
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
    ...(cookies.length ? { 'set-cookie': cookies } : {}),
  });
  res.end(body);
}

// ---- command line ----------------------------------------------------------------------------

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const listen = new URL(arg('listen', 'http://127.0.0.1:8788'));
  const vars = existsSync(join(ROOT, '.dev.vars')) ? parseDevVars(readFileSync(join(ROOT, '.dev.vars'), 'utf8')) : {};
  const secret = (name) => process.env[name] || vars[name];
  const backend = await startBackend({
    host: listen.hostname,
    port: Number(listen.port),
    worker: arg('worker', 'http://127.0.0.1:8787').replace(/\/$/, ''),
    ingestToken: secret('SIGNPOST_INGEST_TOKEN'),
    identitySecret: secret('SIGNPOST_IDENTITY_SECRET'),
    log: (line) => console.error(line),
  });
  console.log(`shop backend (the Worker's ORIGIN): ${backend.url}`);
}
