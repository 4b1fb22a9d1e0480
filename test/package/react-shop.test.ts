import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, launch, makeProject, openPage, packWorkspace, run, serveFolder, startServer, timed, tool, type OpenedPage } from './harness.js';

/**
 * @edgereco/react as a store gets it: the SDK and binding tarballs in a fresh Vite + React + TypeScript project,
 * type-checked against the shipped .d.ts, built by Vite, driven in Chromium; and the same packages rendered on the
 * server as Next.js or Remix would.
 */

/** React from the registry, at the versions this repository tests with. */
const devVersion = (name: string) => `^${(JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')) as { version: string }).version}`;
const REACT = Object.fromEntries(['react', 'react-dom', '@types/react', '@types/react-dom'].map((name) => [name, devVersion(name)]));

const CATALOG = [
  { id: 'sku-1', title: 'Blue ceramic mug', price: 12, category: 'mugs' },
  { id: 'sku-2', title: 'Red ceramic mug', price: 12, category: 'mugs' },
  { id: 'sku-3', title: 'Enamel camping mug', price: 9, category: 'mugs' },
  { id: 'sku-4', title: 'Stoneware dinner plate', price: 15, category: 'plates' },
  { id: 'sku-5', title: 'Porcelain side plate', price: 8, category: 'plates' },
  { id: 'sku-6', title: 'Oak serving board', price: 30, category: 'boards' },
];

const APP = `import { useState } from 'react';
import { useRecommendations, useRelated, useSearch, useSuggest, useTrack } from '@edgereco/react';
import type { Recommendation, Suggestion } from 'edgereco';

function List({ id, items }: { id: string; items: (Recommendation | Suggestion)[] }) {
  return <ul id={id}>{items.map((r) => <li key={'itemId' in r ? r.itemId : r.text}>{'itemId' in r ? r.itemId : r.text}</li>)}</ul>;
}

export function App() {
  const [query] = useState('ceramc');
  const recommended = useRecommendations({ k: 4 });
  const results = useSearch(query, { k: 5 });
  const suggestions = useSuggest('mu');
  const related = useRelated('sku-4', { k: 3 });
  const track = useTrack();
  const [tracked, setTracked] = useState('');
  const ready = !recommended.loading && !results.loading && !suggestions.loading && !related.loading;
  return (
    <main data-ready={String(ready)}>
      <List id="recommended" items={recommended.items} />
      <List id="results" items={results.items} />
      <List id="suggestions" items={suggestions.items} />
      <List id="related" items={related.items} />
      <button id="view" onClick={() => void track({ type: 'view', itemId: 'sku-4' }).then((id) => setTracked(id ?? 'null'))}>view</button>
      <p id="tracked">{tracked}</p>
      <p id="error">{[recommended, results, suggestions, related].map((s) => s.error?.message ?? '').join('')}</p>
    </main>
  );
}
`;

// StrictMode, as React's templates have it: in development every effect runs, is cleaned up and runs again, so the
// provider creates a recommender, closes it at once, and creates another.
const MAIN = `import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { EdgeRecoProvider } from '@edgereco/react';
import { App } from './app';
import catalog from './catalog.json';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <EdgeRecoProvider options={{ storeId: 'react-shop', catalog }}>
      <App />
    </EdgeRecoProvider>
  </StrictMode>,
);
`;

// Server-side rendering, as Next.js or Remix would: import both packages in Node and render the page to a string.
// A Worker or IndexedDB touched during import or render would be a bug: both are traps here.
const SSR = `globalThis.Worker = class { constructor() { throw new Error('a Worker was started on the server'); } };
Object.defineProperty(globalThis, 'indexedDB', { get() { throw new Error('IndexedDB was opened on the server'); } });
const sdk = await import('edgereco');
const binding = await import('@edgereco/react');
const { createElement: h } = await import('react');
const { renderToString } = await import('react-dom/server');
function Page() {
  const recommended = binding.useRecommendations({ k: 4 });
  const results = binding.useSearch('mug');
  const suggestions = binding.useSuggest('mu');
  const related = binding.useRelated('sku-1');
  binding.useTrack();
  const reco = binding.useRecommender();
  return h('p', null, [recommended, results, suggestions, related].map((s) => s.loading ? 'loading' : 'done').join(' ') + ' ' + String(reco));
}
const html = renderToString(h(binding.EdgeRecoProvider, { options: { storeId: 'ssr' } }, h(Page)));
console.log(JSON.stringify({ html, exports: Object.keys(sdk).sort() }));
`;

let dir: string;
let browser: Browser;
const tools = inject('shopTools');

beforeAll(async () => {
  const react = await timed('npm pack @edgereco/react', () => packWorkspace('src/react'));
  dir = await timed('react shop: install', () =>
    makeProject('react-shop', {
      tools,
      dependencies: { edgereco: inject('sdkTarball'), '@edgereco/react': react, ...REACT },
      files: {
        'index.html': '<!doctype html><meta charset="utf-8"><title>React shop</title><link rel="icon" href="data:,"><div id="root"></div><script type="module" src="/src/main.tsx"></script>\n',
        'src/app.tsx': APP,
        'src/main.tsx': MAIN,
        'src/catalog.json': JSON.stringify(CATALOG),
        'ssr.mjs': SSR,
        'tsconfig.json': JSON.stringify({
          compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', jsx: 'react-jsx', strict: true, noEmit: true, skipLibCheck: false, resolveJsonModule: true, lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: [] },
          include: ['src'],
        }),
      },
    }),
  );
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

/** What a shopper sees on the React shop: the four lists, then a tracked view changing the recommendations. */
async function expectShop(opened: OpenedPage): Promise<void> {
  const { page, errors } = opened;
  await page.waitForSelector('main[data-ready="true"]', { timeout: 60_000 });
  const list = (id: string) => page.$$eval(`#${id} li`, (lis) => lis.map((li) => li.textContent ?? ''));
  expect(await page.textContent('#error')).toBe('');
  expect((await list('recommended')).length).toBeGreaterThan(0);
  expect((await list('results'))[0]).toMatch(/^sku-[12]$/); // "ceramc": the two ceramic mugs
  expect(await list('suggestions')).toContain('mug');
  const related = await list('related');
  expect(related[0]).toBe('sku-5'); // the other plate
  expect(related).not.toContain('sku-4');
  // A view through useTrack(): it resolves with the event's id, and the lists ask again and show its effect.
  const before = await list('recommended');
  await page.click('#view');
  await page.waitForFunction(() => document.querySelector('#tracked')?.textContent !== '');
  expect(await page.textContent('#tracked')).not.toBe('null');
  await page.waitForFunction((b) => [...document.querySelectorAll('#recommended li')].map((li) => li.textContent).join() !== b, before.join());
  expect(errors).toEqual([]);
}

describe('@edgereco/react in a fresh Vite + React project', () => {
  it('type-checks against the shipped .d.ts (tsc, skipLibCheck off)', async () => {
    await timed('react shop: tsc', () => run(tool(tools, 'tsc'), ['--noEmit', '-p', '.'], { cwd: dir }));
  });

  it('renders on the server without a worker or IndexedDB, the hooks loading and the recommender null', async () => {
    const { stdout } = await run(process.execPath, ['ssr.mjs'], { cwd: dir });
    const { html, exports } = JSON.parse(stdout) as { html: string; exports: string[] };
    expect(html).toContain('loading loading loading loading null');
    expect(exports).toContain('createRecommender');
  });

  it('vite build: shows recommendations, search results for a typo, suggestions and related items in Chromium; track() refreshes the lists', async () => {
    await timed('react shop: vite build', () => run(tool(tools, 'vite'), ['build'], { cwd: dir }));
    const server = await serveFolder(join(dir, 'dist'));
    const opened = await openPage(browser, `${server.url}/`);
    try {
      await expectShop(opened);
    } finally {
      await opened.close();
      await server.close();
    }
  });

  it('vite dev, where StrictMode runs the provider\'s effect twice: the second recommender answers, no console errors', async () => {
    const port = await freePort();
    const dev = await startServer(tool(tools, 'vite'), ['--port', String(port), '--strictPort'], { cwd: dir, ready: /Local:\s+(http:\/\/\S+)/ });
    const opened = await openPage(browser, dev.url);
    try {
      await timed('react shop: vite dev page', () => expectShop(opened));
    } finally {
      await opened.close();
      await dev.stop();
    }
  });
});
