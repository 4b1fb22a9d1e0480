// The Gift Shop: a storefront on the public API only (the ESM build in dist/). Hash routes: #/ home, #/product/ID,
// #/search/QUERY, #/cart, #/privacy. Everything updates live; nothing reloads the page. It runs one experiment
// (demo/experiments.json: the model against the baseline); `npm start` also runs the local gateway the outcomes go to
// (demo/sync.json, served by `npm start` with the gateway's address; without it nothing is sent).
import { createRecommender } from '/dist/edgereco.js';
import { histogram } from '/demo/perf.js';

const [products, trending, experiments, sync] = await Promise.all(['/demo/data/retail-products.json', '/demo/data/trending.json', '/demo/experiments.json', '/demo/sync.json'].map(async (url) => (await fetch(url)).json()));
const byId = new Map(products.map((p) => [p.id, p]));
// The store's own model, when one is deployed with the demo (demo/models.json names it).
const { retail: modelUrl } = await (await fetch('/demo/models.json')).json();
const reco = createRecommender({
  storeId: 'demo-retail',
  catalogUrl: '/demo/data/retail-products.json',
  experiments,
  ...(modelUrl ? { modelUrl } : {}),
  ...(sync.syncUrl ? { syncUrl: sync.syncUrl, syncKey: sync.syncKey } : {}),
});
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

/**
 * A product card. `list` ({ listId, attributionId, position }) when the card is in an edgereco list: its click and
 * add-to-cart carry the list's attribution id, which is what the experiment's outcomes are measured from.
 */
function productCard(id, reason, list = null) {
  const p = byId.get(id) ?? { id, title: id, category: '', price: 0 };
  const link = el('a', { href: `#/product/${encodeURIComponent(id)}`, textContent: p.title });
  if (list) link.addEventListener('click', () => void reco.track({ type: 'click', itemId: id, position: list.position, listId: list.listId, attributionId: list.attributionId }));
  const li = el('li', { className: 'card' },
    el('h3', {}, link),
    el('p', { className: 'meta', textContent: `${p.category} · ${money(p.price)}` }),
    reason ? el('p', { className: 'why', textContent: reason }) : null,
  );
  const actions = el('div', { className: 'actions' });
  actions.append(el('button', { type: 'button', textContent: 'Add to cart', ariaLabel: `Add to cart: ${p.title}`, onclick: () => addToCart(id, list?.attributionId) }));
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

/** An edgereco list as a section: its cards carry the list's attribution, and showing it records an impression. */
function listSection(title, listId, results) {
  if (results.length > 0) void reco.track({ type: 'impression', itemIds: results.map((r) => r.itemId), listId, attributionId: results[0].attributionId });
  return section(title, results.map((r, position) => productCard(r.itemId, r.reason, { listId, attributionId: r.attributionId, position })));
}

async function addToCart(id, attributionId) {
  await reco.track({ type: 'add_to_cart', itemId: id, quantity: 1, ...(attributionId ? { attributionId } : {}) });
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
      listSection('Recommended for you', 'home-recs', recs),
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
      listSection('Related', 'related', related),
      listSection('Frequently bought together', 'together', together),
      listSection('Recommended for you', 'product-recs', recs),
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
    const synced = data.sync;
    const sent = synced && synced.sent.length + synced.pending.length > 0
      ? `${synced.sent.length} privatized report(s) sent, ${synced.pending.length} waiting; ε spent today: ${synced.budget?.day === today ? synced.budget.spentToday : 0} of ${synced.policy.epsilonPerDay} (ε ${synced.policy.epsilonPerReport} per report).`
      : sync.syncUrl
        ? `Nothing has been sent yet: each finished day is reported by your next visit (or now, with the button below) (ε spent today: ${synced?.budget?.day === today ? synced.budget.spentToday : 0}).`
        : `Nothing has been sent: this demo has no sync configured, so nothing about you leaves this browser (ε spent today: ${synced?.budget?.day === today ? synced.budget.spentToday : 0}).`;
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
        el('dd', { textContent: protection.mustNotCollude.length ? protection.mustNotCollude.join(' and ') : 'n/a' }),
        // The secure mode, when the store turned it on (its priors name a task).
        ...(protection.secure
          ? [
              el('dt', { textContent: 'Your day\'s viewed products, split between two servers (central ε, δ)' }),
              el('dd', { textContent: `ε = ${protection.secure.centralEpsilon}, δ = ${protection.secure.delta} per day even against either server (at most ${protection.secure.maxItems} products a day), as long as the ${protection.secure.mustNotCollude.join(' and the ')} do not work together; with the other reports, at most ε = ${protection.secure.withOtherReports.epsilon} a day` }),
            ]
          : [])),
      ...experimentPanel(data),
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

/** What each outcome level means (demo/experiments.json has three revenue buckets). */
function levelName(experiment, level) {
  const names = ['active, no recommendation shown', 'saw a recommendation', 'clicked a recommendation', 'added one to the cart'];
  return level < names.length ? names[level] : `bought one, about £${experiment.revenueBuckets[level - names.length]}`;
}

const WHAT = { model: 'the model on this device picks your recommendations', baseline: 'a simpler ranking picks them (your recent items and popularity)', store: 'the shop’s own lists, re-ordered for you', off: 'the shop’s own lists' };

/**
 * "Your data": the shopper's group in each experiment, and every outcome report sent or waiting, read back: the
 * answer it gives (group and outcome) and how likely that answer is to be the true one.
 */
function experimentPanel(data) {
  const out = [el('h2', { textContent: 'Experiment' })];
  if (data.experiments.length === 0) return [...out, el('p', { textContent: 'This shop runs no experiment.' })];
  for (const a of data.experiments) {
    const experiment = experiments.find((e) => e.id === a.experiment);
    const arm = experiment?.arms.find((x) => x.name === a.arm);
    out.push(el('p', { className: 'arm', textContent: `You are in group “${a.arm}” of the shop’s experiment “${a.experiment}” since ${a.since.slice(0, 10)}: ${WHAT[arm?.recommender ?? 'model']}. Your browser drew the group at random; it is never sent as such.` }));
  }
  const reports = [...(data.sync?.sent.map((s) => ({ report: s.report, state: `sent on ${s.sentDay}` })) ?? []), ...(data.sync?.pending.map((report) => ({ report, state: 'waiting' })) ?? [])].filter((r) => r.report.kind === 'outcome');
  out.push(el('p', { textContent: reports.length ? `Outcome reports (${reports.length}): each is one scrambled answer for one day.` : 'No outcome report yet.' }));
  if (reports.length) {
    out.push(el('ul', { className: 'reports' }, reports.map(({ report, state }) => {
      const experiment = experiments.find((e) => e.id === report.exp);
      const levels = report.d / (experiment?.arms.length ?? 1);
      const arm = experiment?.arms[Math.floor(report.y / levels)]?.name ?? '?';
      const p = Math.exp(report.eps) / (Math.exp(report.eps) + report.d - 1);
      return el('li', { textContent: `${report.period} (${state}, ε ${report.eps}): answer ${report.y + 1} of ${report.d}, which reads “group ${arm}, ${experiment ? levelName(experiment, report.y % levels) : '?'}”. It is the true answer with probability ${Math.round(p * 100)}%, otherwise one of the other ${report.d - 1} drawn at random, so it says little about you on its own.` });
    })));
  }
  if (sync.syncUrl) {
    out.push(el('p', {}, el('button', { type: 'button', textContent: 'Report today now', onclick: async () => {
      const summary = await reco.syncNow();
      status(summary.message);
      render();
    } }), sync.dashboard ? ` The shop’s dashboard (its admin key needed): ${sync.dashboard}` : ''));
  }
  return out;
}

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
