// A small static server for the demo, the browser tests and the benchmarks: files under the repository root, on
// localhost (a secure context, so WebGPU, crypto.randomUUID and Cache Storage behave as on a real HTTPS store).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/**
 * Serves `root` on http://localhost:PORT. `routes` maps a URL path to a file path under root (e.g. '/' to the demo);
 * `isolated` adds the cross-origin isolation headers; `cors` lets other origins read the files (a CDN). Files carry a
 * weak ETag and a repeat request that sends it back gets a 304. Resolves with { url, close, bytesSent(), requested() }
 * (the paths asked for so far: a test sees its page's worker's requests here, a SharedWorker's too, which the page's own
 * request events do not show). A query `?slow-revalidation=MS` makes a revalidation of that URL (a request with
 * If-None-Match) wait MS first: a slow CDN, for tests.
 */
export function serve({ port = 0, root = ROOT, routes = {}, log = false, isolated = false, cors = false } = {}) {
  // Bytes of response bodies sent, for benchmarks that count what a page view downloads (304s send none).
  let bytesSent = 0;
  const requested = [];
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requested.push(url.pathname);
      let path = decodeURIComponent(url.pathname);
      if (routes[path]) path = routes[path];
      if (path.endsWith('/')) path += 'index.html';
      let file = normalize(join(root, path));
      if (!file.startsWith(root + sep)) {
        res.writeHead(403).end('forbidden');
        return;
      }
      let info = await stat(file).catch(() => null);
      let encoding = {};
      if (!info && (await stat(`${file}.gz`).catch(() => null))?.isFile()) {
        // X.json missing but X.json.gz there: serve it compressed, as a CDN would.
        info = await stat(`${file}.gz`);
        encoding = { 'content-encoding': 'gzip' };
        file = `${file}.gz`;
      }
      if (!info || !info.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
        return;
      }
      // A validator, as a CDN gives one: a repeat request with If-None-Match gets a 304 and no body.
      const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
      const slow = Number(url.searchParams.get('slow-revalidation') ?? 0);
      if (slow > 0 && req.headers['if-none-match']) await new Promise((resolveDelay) => setTimeout(resolveDelay, slow));
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag, 'cache-control': 'no-cache', ...(cors ? { 'access-control-allow-origin': '*' } : {}), ...(isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {}) }).end();
        return;
      }
      if (req.method !== 'HEAD') bytesSent += info.size;
      res.writeHead(200, {
        etag,
        'content-type': TYPES[extname(file.replace(/\.gz$/, ''))] ?? 'application/octet-stream',
        ...encoding,
        // The demo's service worker lives in /demo/ but keeps the whole demo (served from /) working offline.
        ...(path.endsWith('/sw.js') ? { 'service-worker-allowed': '/' } : {}),
        'content-length': info.size,
        'cache-control': 'no-cache',
        // Cross-origin isolation gives performance.now() 5 µs resolution instead of 100 µs (benchmarks only).
        ...(cors ? { 'access-control-allow-origin': '*' } : {}),
        ...(isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {}),
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
      if (log) console.log(req.method, path);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolvePromise({ url: `http://localhost:${actual}`, close: () => new Promise((r) => server.close(() => r())), bytesSent: () => bytesSent, requested: () => [...requested] });
    });
  });
}
