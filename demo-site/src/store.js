// Trailhead Outfitters demo store: the cart (kept in localStorage), search filtering and the
// pretend checkout and sign-in, which talk to the shop's backend (demo-site/backend.mjs).
// Independent of the Signpost SDK: the store works when the SDK is missing. The SDK tracks
// clicks on [data-sp-track] elements by itself; this file only hands it the signed-in customer
// (identify) and the sign-out (reset). Purchases reach Signpost from the backend, never from here.
(function () {
  'use strict';

  var KEY = 'trailhead.cart.v1';
  var SDK = '/sdk/signpost.js';

  function $(sel, root) {
    return (root || document).querySelector(sel);
  }
  function $all(sel, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(sel));
  }

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  var data = null;
  function catalog() {
    if (data) return data;
    var el = document.getElementById('store-catalog');
    try {
      data = el ? JSON.parse(el.textContent) : null;
    } catch (_e) {
      data = null;
    }
    return data;
  }
  function product(id) {
    var c = catalog();
    if (!c) return null;
    for (var i = 0; i < c.products.length; i++) if (c.products[i].id === id) return c.products[i];
    return null;
  }
  var fmt = null;
  function money(n) {
    if (!fmt) {
      var c = catalog();
      fmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: (c && c.currency) || 'USD' });
    }
    return fmt.format(n);
  }

  // ------------------------------------------------------------------ cart storage

  function readCart() {
    try {
      var v = JSON.parse(localStorage.getItem(KEY) || '[]');
      if (!Array.isArray(v)) return [];
      return v.filter(function (x) {
        return x && typeof x.id === 'string' && typeof x.qty === 'number' && x.qty > 0 && x.qty < 100;
      });
    } catch (_e) {
      return [];
    }
  }
  function writeCart(items) {
    try {
      localStorage.setItem(KEY, JSON.stringify(items));
    } catch (_e) {
      /* private mode: the cart lives for this page only */
    }
    showCount(items);
  }
  function addToCart(id, price, name) {
    var items = readCart();
    var line = items.filter(function (x) {
      return x.id === id;
    })[0];
    if (line) line.qty += 1;
    else items.push({ id: id, qty: 1, price: Number(price) || 0, name: name || id });
    writeCart(items);
  }
  function setQty(id, qty) {
    var items = readCart()
      .map(function (x) {
        if (x.id === id) x.qty = qty;
        return x;
      })
      .filter(function (x) {
        return x.qty > 0;
      });
    writeCart(items);
  }
  function showCount(items) {
    var n = (items || readCart()).reduce(function (s, x) {
      return s + x.qty;
    }, 0);
    $all('[data-cart-count]').forEach(function (el) {
      el.textContent = String(n);
      el.hidden = n === 0;
    });
  }

  // ------------------------------------------------------------------ toast

  var toastTimer = 0;
  function toast(html) {
    var el = $('.toast');
    if (!el) return;
    el.innerHTML = html;
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () {
      el.hidden = true;
    }, 3200);
  }

  // ------------------------------------------------------------------ add to cart

  document.addEventListener('click', function (ev) {
    var btn = ev.target.closest && ev.target.closest('[data-sp-track="add_to_cart"]');
    if (!btn || btn.disabled) return;
    var id = btn.getAttribute('data-product-id');
    if (!id) return;
    addToCart(id, btn.getAttribute('data-price'), btn.getAttribute('data-name'));
    if (!btn.hasAttribute('data-label')) btn.setAttribute('data-label', btn.textContent);
    btn.classList.add('btn-done');
    btn.textContent = 'Added ✓';
    clearTimeout(btn._spDone);
    btn._spDone = setTimeout(function () {
      btn.classList.remove('btn-done');
      btn.textContent = btn.getAttribute('data-label');
    }, 1400);
    toast('<b>' + esc(btn.getAttribute('data-name') || 'Item') + '</b> is in your cart. <a href="/cart">View cart</a>');
  });

  // ------------------------------------------------------------------ cart page

  function totals(items) {
    var c = catalog() || {};
    var sub = items.reduce(function (s, x) {
      return s + x.qty * x.price;
    }, 0);
    var free = c.freeShippingOver || 99;
    var ship = sub === 0 || sub >= free ? 0 : c.shippingFlat || 8.95;
    return { sub: sub, ship: ship, total: sub + ship, free: free };
  }

  // Subtotal, shipping and total, as the cart page and the checkout's summary show them.
  function totalsList(t) {
    return (
      '<dl><dt>Subtotal</dt><dd>' +
      money(t.sub) +
      '</dd><dt>Shipping</dt><dd>' +
      (t.ship ? money(t.ship) : 'Free') +
      '</dd>' +
      '<dt class="total">Total</dt><dd class="total">' +
      money(t.total) +
      '</dd></dl>'
    );
  }

  function lines(items) {
    // Prices come from the catalog when it knows the product; the stored price is a fallback.
    return items.map(function (x) {
      var p = product(x.id) || {};
      return {
        id: x.id,
        qty: x.qty,
        price: typeof p.price === 'number' ? p.price : x.price,
        name: p.name || x.name || x.id,
        url: p.url || '/products/' + x.id,
        image: p.image || '/img/' + x.id + '.svg',
        category: p.category || '',
      };
    });
  }

  function renderCart(root) {
    var items = lines(readCart());
    if (!items.length) {
      root.innerHTML =
        '<div class="empty"><h2>Your cart is empty</h2><p>Find something for your next trip.</p>' +
        '<p><a class="cta" href="/category/tents">Shop tents</a> <a class="cta cta-ghost" href="/search">Browse all gear</a></p></div>';
      return;
    }
    var t = totals(items);
    var rows = items
      .map(function (x) {
        return (
          '<li class="cart-line">' +
          '<a href="' +
          esc(x.url) +
          '"><img src="' +
          esc(x.image) +
          '" alt="" width="400" height="300"></a>' +
          '<div class="cart-line-info"><p class="eyebrow">' +
          esc(x.category) +
          '</p><a class="cart-line-name" href="' +
          esc(x.url) +
          '">' +
          esc(x.name) +
          '</a>' +
          '<p class="muted">' +
          money(x.price) +
          ' each</p></div>' +
          '<div class="qty" role="group" aria-label="Quantity of ' +
          esc(x.name) +
          '">' +
          '<button type="button" data-qty="-1" data-id="' +
          esc(x.id) +
          '" aria-label="One less">−</button><span>' +
          x.qty +
          '</span>' +
          '<button type="button" data-qty="1" data-id="' +
          esc(x.id) +
          '" aria-label="One more">+</button></div>' +
          '<b class="cart-line-total">' +
          money(x.qty * x.price) +
          '</b>' +
          '<button class="link-btn" type="button" data-remove data-sp-track="remove_from_cart" data-product-id="' +
          esc(x.id) +
          '" data-price="' +
          esc(x.price) +
          '">Remove</button>' +
          '</li>'
        );
      })
      .join('');
    var left = t.free - t.sub;
    root.innerHTML =
      '<ul class="cart-lines">' +
      rows +
      '</ul>' +
      '<aside class="summary"><h2>Summary</h2>' +
      totalsList(t) +
      (left > 0
        ? '<p class="muted">Add ' + money(left) + ' more for free shipping.</p>'
        : '<p class="muted">Your order ships free.</p>') +
      '<a class="btn btn-lg btn-block" href="/checkout">Go to checkout</a>' +
      '<p class="muted small">Demo store: checkout takes no payment.</p></aside>';
  }

  function initCart() {
    var root = $('[data-cart-root]');
    if (!root) return;
    renderCart(root);
    root.addEventListener('click', function (ev) {
      var b = ev.target.closest('button');
      if (!b) return;
      var items = readCart();
      if (b.hasAttribute('data-remove')) {
        setQty(b.getAttribute('data-product-id'), 0);
      } else if (b.hasAttribute('data-qty')) {
        var id = b.getAttribute('data-id');
        var line = items.filter(function (x) {
          return x.id === id;
        })[0];
        if (line) setQty(id, Math.min(99, line.qty + Number(b.getAttribute('data-qty'))));
      } else {
        return;
      }
      // Re-render after the SDK's own click listeners have seen the button.
      setTimeout(function () {
        renderCart(root);
      }, 0);
    });
  }

  // ------------------------------------------------------------------ checkout

  function renderSummary(el, items) {
    var t = totals(items);
    el.innerHTML =
      '<h2>Order summary</h2>' +
      (items.length
        ? '<ul class="summary-lines">' +
          items
            .map(function (x) {
              return (
                '<li><img src="' +
                esc(x.image) +
                '" alt="" width="400" height="300"><span>' +
                esc(x.name) +
                (x.qty > 1 ? ' × ' + x.qty : '') +
                '</span><b>' +
                money(x.qty * x.price) +
                '</b></li>'
              );
            })
            .join('') +
          '</ul>' +
          totalsList(t)
        : '<p>Your cart is empty. <a href="/search">Find some gear</a> first.</p>');
  }

  // The order goes to the shop's backend (demo-site/backend.mjs), which prices it from the
  // catalog and tells Signpost about the purchase server to server, with a token the page never
  // sees: `purchase` is a trusted event, refused when a page posts it. Resolves to the order, or
  // null when there is no backend (a plain static server).
  function post(path, body) {
    return fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(
      function (r) {
        return r.json().then(
          function (j) {
            return r.ok ? j : Promise.reject(new Error(j.error || 'HTTP ' + r.status));
          },
          function () {
            return Promise.reject(new Error('HTTP ' + r.status));
          },
        );
      },
      function () {
        return Promise.reject(new Error('the shop backend is not reachable'));
      },
    );
  }

  // The SDK's API, when it loaded (a missing SDK, a 404, is fine): `fn(sdk)`.
  function withSdk(fn) {
    try {
      return import(SDK).then(fn, function () {});
    } catch (_e) {
      return Promise.resolve(); /* no dynamic import */
    }
  }

  function initCheckout() {
    var root = $('[data-checkout-root]');
    if (!root) return;
    var summary = $('[data-checkout-summary]', root);
    var form = $('[data-checkout-form]', root);
    var button = $('[data-place-order]', form);
    var items = lines(readCart());
    renderSummary(summary, items);
    if (!items.length) button.disabled = true;
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var current = lines(readCart());
      if (!current.length || button.disabled) return;
      button.disabled = true;
      var name = (form.elements.name.value || '').trim().split(/\s+/)[0];
      post('/shop/checkout', {
        items: current.map(function (x) {
          return { id: x.id, qty: x.qty };
        }),
      }).then(
        function (order) {
          writeCart([]);
          root.innerHTML =
            '<div class="confirm" data-order="' +
            esc(order.order_id) +
            '"><p class="eyebrow">Demo order ' +
            esc(order.order_id) +
            '</p>' +
            '<h2>Thanks' +
            (name ? ', ' + esc(name) : '') +
            '! Your demo order is placed.</h2>' +
            '<p>' +
            current.length +
            ' item' +
            (current.length === 1 ? '' : 's') +
            ', ' +
            money(order.total) +
            '. Nothing was charged and nothing will ship: this is a demonstration store.</p>' +
            '<p class="muted small">The shop told Signpost about it: ' +
            esc(order.signpost) +
            '</p>' +
            '<p><a class="cta" href="/">Back to the store</a></p></div>';
        },
        function (e) {
          button.disabled = false;
          toast('The order was not placed: ' + esc(e.message) + '. <code>make dev</code> runs the shop backend.');
        },
      );
    });
  }

  // ------------------------------------------------------------------ account (demo sign-in)

  function initAccount() {
    var root = $('[data-account-root]');
    if (!root) return;
    var form = $('[data-login-form]', root);
    var done = $('[data-signed-in]', root);
    var error = $('[data-account-error]', root);
    function show(user) {
      form.hidden = !!user;
      done.hidden = !user;
      $('[data-account-name]', root).textContent = user || '';
    }
    function fail(e) {
      error.textContent = 'Could not sign in: ' + e.message + '.';
      error.hidden = false;
    }
    fetch('/shop/me', { credentials: 'same-origin' })
      .then(function (r) {
        return r.ok ? r.json() : { user: null };
      })
      .then(
        function (me) {
          show(me.user);
        },
        function () {
          show(null);
        },
      );
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      error.hidden = true;
      // The backend answers the user id and its signature, as a real site renders them into its
      // pages after a login; the SDK merges this visitor into the customer's profile.
      post('/shop/login', { user: form.elements.user.value }).then(function (login) {
        return withSdk(function (sdk) {
          return sdk.identify(login.user, { signature: login.signature });
        }).then(function () {
          show(login.user);
        });
      }, fail);
    });
    $('[data-logout]', root).addEventListener('click', function () {
      post('/shop/logout', {})
        .then(function () {
          return withSdk(function (sdk) {
            return sdk.reset();
          });
        })
        .then(function () {
          show(null);
        }, fail);
    });
  }

  // ------------------------------------------------------------------ search

  function initSearch() {
    var results = $('[data-search-results]');
    if (!results) return;
    var q = (new URLSearchParams(location.search).get('q') || '').trim();
    var input = $('[data-search-input]');
    if (input) input.value = q;
    $all('.header-search input[name=q]').forEach(function (el) {
      el.value = q;
    });
    var words = q
      .toLowerCase()
      .split(/\s+/)
      .filter(Boolean)
      .map(function (w) {
        return w.length > 3 ? w.replace(/(es|s)$/, '') : w;
      });
    var cards = $all('.card', results);
    var shown = 0;
    cards.forEach(function (c) {
      var hay = c.getAttribute('data-search') || '';
      var ok = words.every(function (w) {
        return hay.indexOf(w) !== -1;
      });
      c.hidden = !ok;
      if (ok) shown++;
    });
    var title = $('[data-search-title]');
    var summary = $('[data-search-summary]');
    if (q) {
      if (title) title.textContent = 'Results for “' + q + '”';
      if (summary) summary.textContent = shown + ' product' + (shown === 1 ? '' : 's') + ' found';
      document.title = 'Search: ' + q + ' | Trailhead Outfitters';
    }
    var empty = $('[data-search-empty]');
    if (empty) empty.hidden = shown !== 0;
  }

  // The journey panel (a demo feature, off by default): the "Journey" button or ?sp-panel
  // (?sp-panel=0 turns it off) loads /js/journey.js, which is no part of the SDK.
  var PANEL = 'signpost.panel';
  var panel = null;
  function panelWanted() {
    var m = /[?&]sp-panel(?:=([^&]*))?/.exec(location.search);
    try {
      if (m) localStorage.setItem(PANEL, m[1] === '0' ? '0' : '1');
      return localStorage.getItem(PANEL) === '1';
    } catch (_e) {
      return !!m && m[1] !== '0';
    }
  }
  function setPanel(on) {
    try {
      localStorage.setItem(PANEL, on ? '1' : '0');
    } catch (_e) {
      /* private mode: this page only */
    }
    var btn = $('[data-sp-panel-toggle]');
    if (btn) {
      btn.setAttribute('aria-pressed', String(on));
      btn.hidden = on;
    }
    if (on) {
      panel = panel || import('/js/journey.js');
      panel
        .then(function (m) {
          m.open();
        })
        .catch(function () {
          /* the store works without it */
        });
    } else if (panel) {
      panel.then(function (m) {
        m.close();
      });
    }
  }
  function initPanel() {
    var btn = document.createElement('button');
    btn.type = 'button';
    btn.className = 'journey-toggle';
    btn.setAttribute('data-sp-panel-toggle', '');
    btn.setAttribute('aria-pressed', 'false');
    btn.title = 'Watch Signpost personalize this store as you browse';
    btn.textContent = 'Journey';
    btn.addEventListener('click', function () {
      setPanel(true);
    });
    document.body.appendChild(btn);
    window.addEventListener('sp-panel', function (ev) {
      setPanel(!!ev.detail);
    });
    if (panelWanted()) setPanel(true);
  }

  function init() {
    showCount();
    initCart();
    initCheckout();
    initAccount();
    initSearch();
    initPanel();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();

  // Another tab changed the cart.
  window.addEventListener('storage', function (ev) {
    if (ev.key === KEY) showCount();
  });
})();
