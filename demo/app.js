// The Gift Shop: a storefront on the public API only (the ESM build in dist/). Hash routes: #/ home, #/product/ID,
// #/search/QUERY, #/cart, #/privacy. Everything updates live; nothing reloads the page.
import { createRecommender } from '/dist/edgereco.js';
import { histogram } from '/demo/perf.js';

const [products, trending] = await Promise.all(['/demo/data/retail-products.json', '/demo/data/trending.json'].map(async (url) => (await fetch(url)).json()));
const byId = new Map(products.map((p) => [p.id, p]));
// The store's own model, when one is deployed with the demo (demo/models.json names it).
const { retail: modelUrl } = await (await fetch('/demo/models.json')).json();
const reco = createRecommender({ storeId: 'demo-retail', catalogUrl: '/demo/data/retail-products.json', ...(modelUrl ? { modelUrl } : {}) });
const $ = (id) => document.getElementById(id);
/** A DOM element with properties and children (null children are skipped). */
function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}
const money = (p) => `£${(p ?? 0).toFixed(2)}`;
const status = (text) => ($('status').textContent = text);
reco.on('warning', (e) => status(e.message));
reco.on('error', (e) => status(e.message));
reco.on('ready', (info) => ($('backend').textContent = info.backend ?? 'none: no model deployed, baseline ranking'));
reco.on('backend', (info) => ($('backend').textContent = `${info.backend}${info.reason ? ` (after: ${info.reason})` : ''}`));

// Every recommend() goes through here so the performance panel sees it.
const latencies = [];
async function recommend(options) {
  const t0 = performance.now();
  const items = await reco.recommend(options);
  latencies.push(performance.now() - t0);
  $('perf-count').textContent = String(latencies.length);
  histogram($('histogram'), latencies);
  return items;
}

// The cart lives in the page (localStorage); edgereco records the events.
const cart = new Map(JSON.parse(localStorage.getItem('demo-cart') ?? '[]'));
function saveCart() {
  localStorage.setItem('demo-cart', JSON.stringify([...cart]));
  $('cart-link').textContent = `Cart (${[...cart.values()].reduce((a, b) => a + b, 0)})`;
}

function productCard(id, reason) {
  const p = byId.get(id) ?? { id, title: id, category: '', price: 0 };
  const li = el('li', { className: 'card' },
    el('h3', {}, el('a', { href: `#/product/${encodeURIComponent(id)}`, textContent: p.title })),
    el('p', { className: 'meta', textContent: `${p.category} · ${money(p.price)}` }),
    reason ? el('p', { className: 'why', textContent: reason }) : null,
  );
  const actions = el('div', { className: 'actions' });
  actions.append(el('button', { type: 'button', textContent: 'Add to cart', ariaLabel: `Add to cart: ${p.title}`, onclick: () => addToCart(id) }));
  if (reason) {
    actions.append(el('button', {
      type: 'button', textContent: 'Why this?', ariaLabel: `Why this? ${p.title}`,
      onclick: async () => {
        const { evidence } = await reco.explain(id);
        const list = li.querySelector('.evidence') ?? li.appendChild(el('ul', { className: 'evidence' }));
        list.replaceChildren(...(evidence.length ? evidence : [{ text: 'Nothing in your history points to it yet.' }]).map((e) => el('li', { textContent: e.text })));
      },
    }));
  }
  li.append(actions);
  return li;
}

function section(title, items) {
  const id = `s-${title.replace(/\W+/g, '-').toLowerCase()}`;
  const node = el('section', {}, el('h2', { id, textContent: title }), items.length ? el('ol', { className: 'grid' }, items) : el('p', { textContent: 'Nothing yet.' }));
  node.setAttribute('aria-labelledby', id);
  return node;
}

async function addToCart(id) {
  await reco.track({ type: 'add_to_cart', itemId: id, quantity: 1 });
  cart.set(id, (cart.get(id) ?? 0) + 1);
  saveCart();
  status(`Added to your cart: ${byId.get(id)?.title ?? id}`);
  if (location.hash === '' || location.hash === '#/') render();
}

async function recentlyViewed() {
  const { events } = await reco.exportData();
  const seen = [];
  for (let i = events.length - 1; i >= 0 && seen.length < 6; i--) if (events[i].type === 'view' && !seen.includes(events[i].itemId)) seen.push(events[i].itemId);
  return seen;
}

const views = {
  async home() {
    const [recs, recent] = await Promise.all([recommend({ k: 8 }), recentlyViewed()]);
    return [
      section('Recommended for you', recs.map((r) => productCard(r.itemId, r.reason))),
      section('Trending', trending.items.map((t) => productCard(t.id, `In ${t.invoices} orders between ${trending.from} and ${trending.to} (the shop’s own sales)`))),
      section('Recently viewed', recent.map((id) => productCard(id, null))),
    ];
  },
  async product(id) {
    const p = byId.get(id);
    if (!p) return [el('p', { textContent: 'No such product.' })];
    await reco.track({ type: 'view', itemId: id });
    const [related, together, recs] = await Promise.all([reco.related(id, { k: 4 }), reco.frequentlyBoughtTogether([id], { k: 4 }), recommend({ k: 4, context: { itemId: id } })]);
    return [
      el('article', { className: 'product' },
        el('h1', { textContent: p.title }),
        el('p', { className: 'meta', textContent: `${p.category} · ${money(p.price)}` }),
        el('button', { type: 'button', textContent: 'Add to cart', onclick: () => addToCart(id) })),
      section('Related', related.map((r) => productCard(r.itemId, r.reason))),
      section('Frequently bought together', together.map((r) => productCard(r.itemId, r.reason))),
      section('Recommended for you', recs.map((r) => productCard(r.itemId, r.reason))),
    ];
  },
  async search(query) {
    const results = await reco.search(query, { k: 24 });
    await reco.track({ type: 'search', query, resultCount: results.length });
    return [section(results.length ? `Results for “${query}”` : `Nothing found for “${query}”`, results.map((r) => productCard(r.itemId, r.reason)))];
  },
  async cart() {
    const lines = [...cart].map(([id, quantity]) => ({ id, quantity, p: byId.get(id) }));
    const total = lines.reduce((sum, l) => sum + l.quantity * (l.p?.price ?? 0), 0);
    const list = el('ul', { className: 'cart' }, lines.map((l) => el('li', {},
      `${l.p?.title ?? l.id} × ${l.quantity} · ${money(l.quantity * (l.p?.price ?? 0))} `,
      el('button', { type: 'button', textContent: 'Remove', ariaLabel: `Remove ${l.p?.title ?? l.id}`, onclick: async () => {
        await reco.track({ type: 'remove_from_cart', itemId: l.id, quantity: l.quantity });
        cart.delete(l.id);
        saveCart();
        render();
      } }))));
    const checkout = el('button', { type: 'button', textContent: 'Buy now', disabled: lines.length === 0, onclick: async () => {
      await reco.track({ type: 'purchase', lines: lines.map((l) => ({ itemId: l.id, quantity: l.quantity, price: l.p?.price ?? 0, currency: 'GBP' })) });
      cart.clear();
      saveCart();
      status('Thank you for your order (a demo: nothing was charged).');
      location.hash = '#/';
    } });
    return [el('h1', { textContent: 'Your cart' }), lines.length ? list : el('p', { textContent: 'Your cart is empty.' }), el('p', { textContent: `Total: ${money(total)}` }), checkout];
  },
  async privacy() {
    const [data, protection] = await Promise.all([reco.exportData(), reco.privacy()]);
    const counts = {};
    for (const e of data.events) counts[e.type] = (counts[e.type] ?? 0) + 1;
    const today = new Date().toISOString().slice(0, 10);
    const sync = data.sync;
    const sent = sync && sync.sent.length + sync.pending.length > 0
      ? `${sync.sent.length} privatized report(s) sent, ${sync.pending.length} waiting; ε spent today: ${sync.budget?.day === today ? sync.budget.spentToday : 0} of ${sync.policy.epsilonPerDay} (ε ${sync.policy.epsilonPerReport} per report).`
      : `Nothing has been sent: this demo has no sync configured, so nothing about you leaves this browser (ε spent today: ${sync?.budget?.day === today ? sync.budget.spentToday : 0}).`;
    const download = el('a', { textContent: 'Export everything (JSON)', download: 'edgereco-export.json', href: URL.createObjectURL(new Blob([JSON.stringify(data, null, 1)], { type: 'application/json' })) });
    return [
      el('h1', { textContent: 'Your data' }),
      el('p', { textContent: `Stored in this browser (${data.storage}): ${data.events.length} events — ${Object.entries(counts).map(([t, n]) => `${n} ${t}`).join(', ') || 'none'}.` }),
      el('p', { textContent: `What was sent: ${sent}` }),
      el('h2', { textContent: 'What protects you' }),
      el('p', { id: 'privacy-summary', textContent: protection.summary }),
      el('dl', { className: 'privacy-figures' },
        el('dt', { textContent: 'Scrambling on this device (local ε)' }),
        el('dd', { textContent: protection.localEpsilon ? `${protection.localEpsilon.perReport} per report, at most ${protection.localEpsilon.perDay} per day` : 'nothing is sent' }),
        el('dt', { textContent: 'What the store saw of your day (central ε, δ)' }),
        el('dd', { textContent: protection.centralEpsilon === null ? 'not claimed: without a relay the local ε is the whole guarantee' : `ε = ${protection.centralEpsilon}, δ = ${protection.delta} (from the store's priors of ${protection.source?.bundleGenerated})` }),
        el('dt', { textContent: 'Who must not work together for that to hold' }),
        el('dd', { textContent: protection.mustNotCollude.length ? protection.mustNotCollude.join(' and ') : 'n/a' })),
      el('p', {}, download),
      el('p', {},
        el('button', { type: 'button', textContent: 'Forget me', onclick: async () => {
          await reco.forget();
          localStorage.removeItem('demo-cart');
          cart.clear();
          saveCart();
          status('Forgotten: nothing about you is stored on this device.');
          render();
        } }),
        ' ',
        el('button', { type: 'button', textContent: reco.isOptedOut() ? 'Opt back in' : 'Opt out', onclick: async () => {
          await (reco.isOptedOut() ? reco.optIn() : reco.optOut());
          status(reco.isOptedOut() ? 'Opted out: nothing new is recorded.' : 'Recording again.');
          render();
        } })),
    ];
  },
};

let rendering = 0;
async function render() {
  const ticket = ++rendering;
  const [, route, arg] = /^#\/([a-z]*)\/?(.*)$/.exec(location.hash) ?? [];
  const view = { '': views.home, product: views.product, search: views.search, cart: views.cart, privacy: views.privacy }[route ?? ''] ?? views.home;
  const nodes = await view(decodeURIComponent(arg ?? ''));
  if (ticket !== rendering) return; // a newer route won
  $('view').replaceChildren(...nodes);
  // For the benchmark: when the first recommendations were on screen, since navigation start.
  document.documentElement.dataset.firstRecsMs ??= String(Math.round(performance.now()));
  document.documentElement.dataset.ready = 'true';
}

$('q').addEventListener('input', async () => {
  const suggestions = await reco.suggest($('q').value);
  $('suggestions').replaceChildren(...suggestions.map((s) => el('option', { value: s.text })));
});
$('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const query = $('q').value.trim();
  if (query) location.hash = `#/search/${encodeURIComponent(query)}`;
});
window.addEventListener('hashchange', () => void render().then(() => $('view').focus()));
saveCart();
await render();
if ('serviceWorker' in navigator) navigator.serviceWorker.register('/demo/sw.js', { scope: '/' }).catch(() => {});
