// Keeps the demo working offline after the first load: same-origin GETs are served from the network when it answers
// and from the cache when it does not (the catalog, the SDK, the model bundle, the pages).
const CACHE = 'edgereco-demo-shell';

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(['/demo/index.html', '/demo/style.css', '/demo/app.js', '/demo/perf.js', '/demo/data/retail-products.json', '/dist/edgereco.js', '/dist/cdn/edgereco-0.1.0/edgereco.worker.js'])).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((c) => c.put(request, copy));
        }
        return response;
      })
      .catch(async () => (await caches.match(request)) ?? (request.mode === 'navigate' ? caches.match('/demo/index.html') : Response.error())),
  );
});
