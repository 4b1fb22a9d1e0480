// The electronics store: the public API only, a catalog and no behaviour data. Images are off by default (a privacy-
// first demo does not contact a third-party host without asking), and a placeholder stands in whenever one is missing.
import { createRecommender } from '/dist/edgereco.js';

const reco = createRecommender({ storeId: 'demo-electronics', catalogUrl: '/demo/data/icecat/catalog.json' });
const $ = (id) => document.getElementById(id);
const PLACEHOLDER = 'data:image/svg+xml,' + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 3"><rect width="4" height="3" fill="#eee"/></svg>');
reco.on('error', (e) => ($('status').textContent = e.message));

function card(item, onPick) {
  const li = document.createElement('li');
  li.className = 'card';
  li.innerHTML = '<img alt="" width="160" height="120" /><h3></h3><p class="meta"></p><p class="why"></p><div class="actions"><button type="button">Related items</button></div>';
  const img = li.querySelector('img');
  img.src = $('images').checked && item.image ? item.image : PLACEHOLDER;
  img.addEventListener('error', () => (img.src = PLACEHOLDER), { once: true });
  li.querySelector('h3').textContent = item.title ?? item.itemId;
  li.querySelector('.meta').textContent = item.meta ?? '';
  li.querySelector('.why').textContent = item.reason;
  li.querySelector('button').setAttribute('aria-label', `Related items: ${item.title ?? item.itemId}`);
  li.querySelector('button').addEventListener('click', () => onPick(item));
  return li;
}

async function showRelated(item) {
  const related = await reco.related(item.itemId, { k: 8 });
  $('related-section').hidden = false;
  $('related-title').textContent = `Related to “${item.title}”`;
  $('related').replaceChildren(...related.map((r) => card(r, showRelated)));
}

$('q').addEventListener('input', async () => {
  const suggestions = await reco.suggest($('q').value);
  $('suggestions').replaceChildren(...suggestions.map((s) => Object.assign(document.createElement('option'), { value: s.text })));
});
$('search-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const query = $('q').value.trim();
  if (!query) return;
  const results = await reco.search(query, { k: 12 });
  $('results-title').textContent = results.length ? `Results for “${query}”` : `Nothing found for “${query}”`;
  $('results').replaceChildren(...results.map((r) => card(r, showRelated)));
});
document.documentElement.dataset.ready = 'true';
