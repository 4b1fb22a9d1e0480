// The demo storefront: plain JavaScript on the public API only (the ESM build in dist/).
import { createRecommender } from '/dist/edgereco.js';

const products = await (await fetch('/demo/data/retail-products.json')).json();
const byId = new Map(products.map((p) => [p.id, p]));
const reco = createRecommender({ storeId: 'demo-retail', catalogUrl: '/demo/data/retail-products.json' });
const $ = (id) => document.getElementById(id);
const price = (p) => `£${p.price.toFixed(2)}`;
reco.on('warning', (e) => ($('status').textContent = e.message));
reco.on('error', (e) => ($('status').textContent = e.message));

function card(product, extra = '', explainable = false) {
  const li = document.createElement('li');
  li.className = 'card';
  li.innerHTML = `<h3></h3><p class="meta"></p>${extra ? '<p class="why"></p>' : ''}<div class="actions"><button type="button" data-act="view">View</button><button type="button" data-act="cart">Add to cart</button>${explainable ? '<button type="button" data-act="why">Why this?</button>' : ''}</div>`;
  li.querySelector('h3').textContent = product.title;
  li.querySelector('.meta').textContent = `${product.category} · ${price(product)}`;
  if (extra) li.querySelector('.why').textContent = extra;
  li.querySelector('[data-act=view]').setAttribute('aria-label', `View ${product.title}`);
  li.querySelector('[data-act=cart]').setAttribute('aria-label', `Add ${product.title} to cart`);
  li.querySelector('[data-act=why]')?.setAttribute('aria-label', `Why is ${product.title} recommended?`);
  li.addEventListener('click', async (event) => {
    const act = event.target.closest('button')?.dataset.act;
    if (!act) return;
    if (act === 'why') {
      const { evidence } = await reco.explain(product.id);
      const list = li.querySelector('.evidence') ?? li.appendChild(Object.assign(document.createElement('ul'), { className: 'evidence' }));
      list.replaceChildren(...(evidence.length ? evidence : [{ text: 'Nothing in your history points to it yet: it is popular in the store.' }]).map((e) => Object.assign(document.createElement('li'), { textContent: e.text })));
      return;
    }
    await reco.track(act === 'view' ? { type: 'view', itemId: product.id } : { type: 'add_to_cart', itemId: product.id, quantity: 1 });
    $('status').textContent = `${act === 'view' ? 'Viewed' : 'Added'}: ${product.title}`;
    await renderRecs();
  });
  return li;
}

async function renderRecs() {
  const recs = await reco.recommend({ k: 8 });
  $('recs').replaceChildren(...recs.map((r) => card(byId.get(r.itemId) ?? { id: r.itemId, title: r.title ?? r.itemId, category: '', price: 0 }, r.reason, true)));
}

$('catalog').replaceChildren(...products.slice(0, 48).map((p) => card(p)));
$('q').addEventListener('input', async () => {
  const suggestions = await reco.suggest($('q').value);
  $('suggestions').replaceChildren(...suggestions.map((s) => Object.assign(document.createElement('option'), { value: s.text })));
});
$('search-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const query = $('q').value.trim();
  if (!query) return;
  const results = await reco.search(query, { k: 24 });
  await reco.track({ type: 'search', query, resultCount: results.length });
  $('results-section').hidden = false;
  $('results-title').textContent = results.length ? `Results for “${query}”` : `Nothing found for “${query}”`;
  $('results').replaceChildren(...results.map((r) => card(byId.get(r.itemId), r.reason)));
  await renderRecs();
});
$('export').addEventListener('click', async () => {
  $('data-section').hidden = false;
  $('data').textContent = JSON.stringify(await reco.exportData(), null, 1);
});
$('forget').addEventListener('click', async () => {
  await reco.forget();
  $('status').textContent = 'Forgotten: nothing about you is stored on this device.';
  $('data-section').hidden = true;
  await renderRecs();
});
const optLabel = () => ($('opt').textContent = reco.isOptedOut() ? 'Opt back in' : 'Opt out');
$('opt').addEventListener('click', async () => {
  await (reco.isOptedOut() ? reco.optIn() : reco.optOut());
  optLabel();
  $('status').textContent = reco.isOptedOut() ? 'Opted out: nothing new is recorded.' : 'Recording again.';
});
optLabel();
await renderRecs();
document.documentElement.dataset.ready = 'true';
