// The demo storefront: plain JavaScript on the public API only (the ESM build in dist/).
import { createRecommender } from '/dist/edgereco.js';

const products = await (await fetch('/demo/data/retail-products.json')).json();
const byId = new Map(products.map((p) => [p.id, p]));
const reco = createRecommender({ storeId: 'demo-retail', catalogUrl: '/demo/data/retail-products.json' });
const $ = (id) => document.getElementById(id);
const price = (p) => `£${p.price.toFixed(2)}`;
reco.on('warning', (e) => ($('status').textContent = e.message));
reco.on('error', (e) => ($('status').textContent = e.message));

function card(product, extra = '') {
  const li = document.createElement('li');
  li.className = 'card';
  li.innerHTML = `<h3></h3><p class="meta"></p>${extra ? '<p class="why"></p>' : ''}<div class="actions"><button type="button" data-act="view">View</button><button type="button" data-act="cart">Add to cart</button></div>`;
  li.querySelector('h3').textContent = product.title;
  li.querySelector('.meta').textContent = `${product.category} · ${price(product)}`;
  if (extra) li.querySelector('.why').textContent = extra;
  li.querySelector('[data-act=view]').setAttribute('aria-label', `View ${product.title}`);
  li.querySelector('[data-act=cart]').setAttribute('aria-label', `Add ${product.title} to cart`);
  li.addEventListener('click', async (event) => {
    const act = event.target.closest('button')?.dataset.act;
    if (!act) return;
    await reco.track(act === 'view' ? { type: 'view', itemId: product.id } : { type: 'add_to_cart', itemId: product.id, quantity: 1 });
    $('status').textContent = `${act === 'view' ? 'Viewed' : 'Added'}: ${product.title}`;
    await renderRecs();
  });
  return li;
}

async function renderRecs() {
  const recs = await reco.recommend({ k: 8 });
  $('recs').replaceChildren(...recs.map((r) => card(byId.get(r.itemId) ?? { id: r.itemId, title: r.title ?? r.itemId, category: '', price: 0 }, r.reason)));
}

$('catalog').replaceChildren(...products.slice(0, 48).map((p) => card(p)));
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
