import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { copyInto, freePort, launch, makeProject, openPage, run, serveFolder, startServer, timed, tool } from './harness.js';
import { askShop, ITEM, shopMain, type ShopAnswers } from './shop-page.js';

/**
 * The SDK as a store gets it: the packed tarball (and nothing else from this repository) installed into fresh shops,
 * each built by its own bundler with the README's quick start as written, then driven in Chromium. The store's data
 * is the demo's catalog and the models/retail bundle, copied into the shop's public folder.
 */

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const CDN = `edgereco-${VERSION}`;

let browser: Browser;
const tarball = inject('sdkTarball');
const tools = inject('shopTools');

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** The store's own data, where its pages ask for it (`/catalog.json`, `/models/retail/manifest.json`). */
function storeData(publicDir: string): void {
  copyInto('demo/data/retail-products.json', join(publicDir, 'catalog.json'));
  for (const file of ['manifest.json', 'weights.bin']) copyInto(`models/retail/${file}`, join(publicDir, 'models/retail', file));
}

const page = (script: string): string =>
  `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8" /><link rel="icon" href="data:," /><title>shop</title></head>\n<body>\n  <h1>A shop</h1>\n  ${script}\n</body>\n</html>\n`;

/** What a shopper would notice, for a shop with the retail model configured. */
function expectWorking(answers: ShopAnswers, errors: string[]): void {
  expect(errors).toEqual([]);
  expect(answers.ready.recommender).toBe('model');
  expect(answers.ready.catalogSize).toBe(600);
  // The .wasm files were found (a bundler that lost them leaves only the CPU backend, with the reason here).
  expect(answers.backend?.skipped.wasm).toBeUndefined();
  expect(answers.recommend.length).toBeGreaterThan(0);
  expect(answers.recommend.every((r) => r.source === 'model')).toBe(true);
  expect(answers.search[0]?.title).toMatch(/cakestand/i);
  expect(answers.suggest.map((s) => s.text)).toContain('cakestand');
  expect(answers.related.length).toBeGreaterThan(0);
  expect(answers.related[0]!.source).toBe('model');
  expect(answers.related.map((r) => r.itemId)).not.toContain(ITEM.id);
}

async function visit(url: string): Promise<void> {
  const opened = await openPage(browser, url);
  try {
    expectWorking(await askShop(opened.page), opened.errors);
  } finally {
    await opened.close();
  }
}

describe('a Vite + TypeScript shop', () => {
  let shop: string;
  beforeAll(async () => {
    shop = await timed('vite shop: install', () =>
      makeProject('vite-shop', {
        tools,
        dependencies: { edgereco: tarball },
        files: {
          'index.html': page('<script type="module" src="/src/main.ts"></script>'),
          'src/main.ts': shopMain({ model: true, typescript: true }),
          'tsconfig.json': JSON.stringify({
            compilerOptions: { target: 'es2022', module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'], strict: true, noEmit: true, skipLibCheck: false, types: [] },
            include: ['src'],
          }),
        },
      }),
    );
    storeData(join(shop, 'public'));
  });

  it('type-checks against the shipped types (tsc --noEmit)', async () => {
    await timed('vite shop: tsc', () => run(tool(tools, 'tsc'), ['--noEmit', '-p', '.'], { cwd: shop }));
  });

  it('vite build emits the worker and both .wasm files, and vite preview serves a working shop', async () => {
    await timed('vite shop: vite build', () => run(tool(tools, 'vite'), ['build'], { cwd: shop }));
    const assets = readdirSync(join(shop, 'dist/assets'));
    expect(assets.some((f) => /^edgereco\.worker-.*\.js$/.test(f))).toBe(true);
    expect(assets.filter((f) => f.endsWith('.wasm'))).toHaveLength(2);
    const port = await freePort();
    const preview = await startServer(tool(tools, 'vite'), ['preview', '--port', String(port), '--strictPort'], { cwd: shop, ready: /Local:\s+(http:\/\/\S+)/ });
    try {
      await timed('vite shop: preview page', () => visit(preview.url));
    } finally {
      await preview.stop();
    }
  });

  it('vite dev serves a working shop (the worker found although the package is pre-bundled)', async () => {
    const port = await freePort();
    const dev = await startServer(tool(tools, 'vite'), ['--port', String(port), '--strictPort'], { cwd: shop, ready: /Local:\s+(http:\/\/\S+)/ });
    try {
      await timed('vite shop: dev page', () => visit(dev.url));
      expect(dev.output()).not.toMatch(/error/i);
    } finally {
      await dev.stop();
    }
  });
});

describe('a webpack 5 shop', () => {
  it('webpack --mode production bundles the worker and its .wasm, and the shop works', async () => {
    const shop = await timed('webpack shop: install', () =>
      makeProject('webpack-shop', {
        tools,
        dependencies: { edgereco: tarball },
        files: { 'src/index.js': shopMain({ model: true, typescript: false }), 'dist/index.html': page('<script src="/main.js"></script>') },
      }),
    );
    storeData(join(shop, 'dist'));
    await timed('webpack shop: webpack', () => run(tool(tools, 'webpack'), ['--mode', 'production'], { cwd: shop }));
    const out = readdirSync(join(shop, 'dist'));
    expect(out.filter((f) => f.endsWith('.wasm'))).toHaveLength(2);
    const server = await serveFolder(join(shop, 'dist'));
    try {
      await timed('webpack shop: page', () => visit(`${server.url}/`));
    } finally {
      await server.close();
    }
  });
});

describe('an esbuild shop', () => {
  it("works with the README's one-line recipe (copy the CDN folder next to the bundle)", async () => {
    const shop = await timed('esbuild shop: install', () =>
      makeProject('esbuild-shop', {
        tools,
        dependencies: { edgereco: tarball },
        files: { 'src/main.ts': shopMain({ model: true, typescript: true }), 'public/index.html': page('<script type="module" src="/build/main.js"></script>') },
      }),
    );
    storeData(join(shop, 'public'));
    await timed('esbuild shop: esbuild', () => run(tool(tools, 'esbuild'), ['src/main.ts', '--bundle', '--format=esm', '--outdir=public/build'], { cwd: shop }));
    // The recipe, as README.md gives it: `cp -r node_modules/edgereco/dist/cdn public/build/`.
    await run('cp', ['-r', 'node_modules/edgereco/dist/cdn', 'public/build/'], { cwd: shop });
    const server = await serveFolder(join(shop, 'public'));
    try {
      await timed('esbuild shop: page', () => visit(`${server.url}/`));
    } finally {
      await server.close();
    }
  });
});

describe('a plain HTML page with the script tag and the CDN folder', () => {
  let site: string;
  beforeAll(async () => {
    // The folder a store uploads: the one in the installed package, as it is.
    const project = await makeProject('cdn-files', { tools, dependencies: { edgereco: tarball } });
    site = join(project, 'site');
    const folder = join(project, 'node_modules/edgereco/dist/cdn', CDN);
    expect(readdirSync(folder).sort()).toEqual(['edgereco.embed.js', 'edgereco.worker.js', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm']);
    cpSync(folder, join(site, CDN), { recursive: true });
    storeData(site);
  });

  const snippet = (src: string): string => `<script>
    window.edgereco = window.edgereco || [];
    edgereco.push(['init', { storeId: 'my-shop', catalogUrl: '/catalog.json', modelUrl: '/models/retail/manifest.json' }]);
    edgereco.push(['on', 'ready', function (info) { window.ready = info; }]);
    edgereco.push(['on', 'backend', function (info) { window.backend = info; }]);
    edgereco.push(['on', 'error', function (error) { window.failed = String(error); console.error(error); }]);
  </script>
  <script async src="${src}"></script>`;

  it('served from the store itself', async () => {
    const server = await serveFolder(site);
    try {
      writeFileSync(join(site, 'index.html'), page(snippet(`/${CDN}/edgereco.embed.js`)));
      await timed('cdn page: same origin', () => visit(`${server.url}/`));
    } finally {
      await server.close();
    }
  });

  it('served from a CDN on another origin (with CORS, as public CDNs send)', async () => {
    const cdn = await serveFolder(site, { cors: true });
    const store = await serveFolder(site);
    try {
      // The store at http://localhost:A, the CDN at http://127.0.0.1:B: two origins.
      const cdnUrl = cdn.url.replace('localhost', '127.0.0.1');
      writeFileSync(join(site, 'cross.html'), page(snippet(`${cdnUrl}/${CDN}/edgereco.embed.js`)));
      await timed('cdn page: other origin', () => visit(`${store.url}/cross.html`));
    } finally {
      await cdn.close();
      await store.close();
    }
  });

});
