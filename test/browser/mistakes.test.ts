import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { resolveGatewayConfig } from '../../gateway/config.js';
import { startGateway, type Gateway } from '../../gateway/server.js';
import { createFileSink } from '../../gateway/sinks/file-sink.js';
import { DEDICATED, baseUrl, launch, openSdkPage, resultsDir } from './chromium.js';

/**
 * The mistakes a store makes in its first ten minutes, each in real Chromium against the built SDK: every one must
 * end in the documented code and a message naming the cause, never in a silent `[]`.
 */
type W = Window & { sdk: typeof Sdk; seen: { kind: string; code: string; message: string; details: Record<string, unknown> }[] };

const GOOD = [
  { id: 'mug-red', title: 'Red mug', category: 'Kitchen > Mugs', price: 8, popularity: 30 },
  { id: 'mug-blue', title: 'Blue mug', category: 'Kitchen > Mugs', price: '19.99', popularity: 20 },
  { id: 'lamp', title: 'Desk lamp', category: 'Home > Lighting', price: 25, popularity: 10 },
];

let browser: Browser;
/** A page's console, by level (the SDK must not be silent, and must not log errors that are not errors). */
const consoles = new WeakMap<Page, { type: string; text: string }[]>();

async function open(): Promise<Page> {
  const context = await browser.newContext();
  const page = await openSdkPage(context);
  const lines: { type: string; text: string }[] = [];
  page.on('console', (m) => lines.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => lines.push({ type: 'pageerror', text: String(e) }));
  consoles.set(page, lines);
  return page;
}

const consoleOf = (page: Page): { type: string; text: string }[] => consoles.get(page) ?? [];

beforeAll(async () => {
  // A model bundle whose weights were cut short in the upload (the manifest is fine).
  const cut = `${resultsDir()}/mistakes/cut-model`;
  mkdirSync(cut, { recursive: true });
  copyFileSync('models/retail/manifest.json', `${cut}/manifest.json`);
  const weights = readFileSync('models/retail/weights.bin');
  writeFileSync(`${cut}/weights.bin`, weights.subarray(0, weights.length >> 1));
  // A manifest cut short, and a catalog file with one bad row.
  writeFileSync(`${resultsDir()}/mistakes/truncated.json`, readFileSync('models/retail/manifest.json', 'utf8').slice(0, 300));
  writeFileSync(`${resultsDir()}/mistakes/catalog.json`, JSON.stringify(GOOD));
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('a catalog row with "price": "19.99"', () => {
  it('names the row and field in a warning, and indexes the valid rows', async () => {
    for (const source of ['catalog', 'catalogUrl'] as const) {
      const page = await open();
      const result = await page.evaluate(
        async ({ source, rows }) => {
          const w = window as unknown as W;
          w.seen = [];
          const given = source === 'catalog' ? { catalog: rows } : { catalogUrl: '/test-results/mistakes/catalog.json' };
          const reco = w.sdk.createRecommender({ storeId: `bad-row-${source}`, storage: 'memory', ...given });
          reco.on('warning', (e) => w.seen.push({ kind: 'warning', code: e.code, message: e.message, details: e.details }));
          reco.on('error', (e) => w.seen.push({ kind: 'error', code: e.code, message: e.message, details: e.details }));
          const found = await reco.search('mug');
          const recs = await reco.recommend({ k: 5 });
          return { found: found.map((r) => r.itemId), recs: recs.map((r) => r.itemId), seen: w.seen };
        },
        { source, rows: GOOD as unknown as Sdk.CatalogItem[] },
      );
      expect(result.found).toEqual(['mug-red']);
      expect(result.recs.sort()).toEqual(['lamp', 'mug-red']);
      expect(result.seen.map((e) => `${e.kind} ${e.code}`)).toEqual(['warning INVALID_DATA']);
      const where = source === 'catalog' ? 'options.catalog' : `the catalog at ${baseUrl()}/test-results/mistakes/catalog.json`;
      expect(result.seen[0]!.message).toBe(
        `edgereco: ${where} has 1 invalid row of 3, left out: catalog[1].price must be a number ≥ 0 (got "19.99"), in item "mug-blue"; the 2 valid rows are indexed; fix the rows listed`,
      );
      expect(result.seen[0]!.details).toMatchObject({ skipped: 1, total: 3, problems: [{ row: 1, field: 'price', item: 'mug-blue' }] });
      expect(consoleOf(page).filter((l) => l.type === 'error')).toEqual([]);
      await page.context().close();
    }
  });

  it('with no valid row at all, recommend() and search() reject with INVALID_DATA, and with no listener the console says so', async () => {
    const page = await open();
    const result = await page.evaluate(async () => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'no-valid-row', storage: 'memory', catalog: [{ id: 'a', price: '1' }, { sku: 'b' }] as unknown as Sdk.CatalogItem[] });
      const out: { code: string; message: string }[] = [];
      for (const call of [() => reco.recommend(), () => reco.search('a')]) {
        await call().then(
          () => out.push({ code: 'resolved', message: '' }),
          (e: Sdk.EdgeRecoError) => out.push({ code: e.code, message: e.message }),
        );
      }
      return out;
    });
    expect(result.map((r) => r.code)).toEqual(['INVALID_DATA', 'INVALID_DATA']);
    expect(result[0]!.message).toBe(
      'edgereco: options.catalog has 2 invalid rows of 2, and no valid one: catalog[0].price must be a number ≥ 0 (got "1"), in item "a"; catalog[1].id must be a non-empty string (got undefined); nothing is indexed; fix the catalog',
    );
    await expect.poll(() => consoleOf(page).filter((l) => l.type === 'error').map((l) => l.text).join('\n')).toContain('options.catalog has 2 invalid rows of 2');
    await page.context().close();
  });
});

describe('a wrong modelUrl', () => {
  const cases = [
    { name: 'a 404', url: '/test-results/mistakes/missing/manifest.json', code: 'FETCH_FAILED', says: [': HTTP 404 Not Found, the body starts "not found: /test-results/mistakes/missing/manifest.json"; check options.modelUrl'] },
    { name: 'an HTML page instead of JSON', url: '/test/browser/pages/sdk.html', code: 'FETCH_FAILED', says: [': HTTP 200 OK, HTML instead of JSON ("<!doctype html>', "most likely the site's fallback page: the URL is wrong; check options.modelUrl"] },
    { name: 'a manifest cut short', url: '/test-results/mistakes/truncated.json', code: 'INVALID_BUNDLE', says: ['is not valid: manifest.json: it is not JSON, or cut short (300 bytes, SyntaxError'] },
    { name: 'weights cut short', url: '/test-results/mistakes/cut-model/manifest.json', code: 'INVALID_BUNDLE', says: ['is not valid: weights.bin fails its checksum (expected ', 'upload every file of the bundle again, unchanged'] },
  ];
  for (const c of cases) {
    it(`${c.name}: an error event with ${c.code} naming the URL and what came back; recommendations come from the baseline`, async () => {
      const page = await open();
      const result = await page.evaluate(async (modelUrl) => {
        const w = window as unknown as W;
        w.seen = [];
        const reco = w.sdk.createRecommender({ storeId: `bad-model-${modelUrl.length}`, storage: 'memory', modelUrl, backend: 'cpu', catalog: [{ id: 'a', popularity: 3 }, { id: 'b', popularity: 1 }] });
        reco.on('error', (e) => w.seen.push({ kind: 'error', code: e.code, message: e.message, details: e.details }));
        await reco.track({ type: 'view', itemId: 'a' });
        const recs = await reco.recommend({ k: 2 });
        return { sources: recs.map((r) => r.source), seen: w.seen };
      }, c.url);
      expect(result.sources.length).toBeGreaterThan(0);
      expect(new Set(result.sources)).toEqual(new Set(['baseline']));
      expect(result.seen).toHaveLength(1);
      const error = result.seen[0]!;
      expect(error.code).toBe(c.code);
      expect(error.message).toContain(`${baseUrl()}${c.url}`);
      for (const text of c.says) expect(error.message).toContain(text);
      if (c.code === 'FETCH_FAILED') expect(error.details).toMatchObject({ url: `${baseUrl()}${c.url}`, status: c.url.includes('missing') ? 404 : 200, option: 'modelUrl' });
      await page.context().close();
    });
  }
});

describe('weights cut short in transit, once', () => {
  it('are not cached: the model is off for that page with an error naming the cause, and the next page view loads it', async () => {
    const context = await browser.newContext(); // one profile: the same Cache Storage for both pages
    const first = await openSdkPage(context, DEDICATED);
    let cut = 0;
    // The first download of the weights answers 200 with half the body (a connection cut behind a proxy, say).
    await first.route('**/models/retail/weights.bin', async (route) => {
      if (cut++ > 0) return route.continue();
      const response = await route.fetch();
      const body = await response.body();
      await route.fulfill({ response, body: body.subarray(0, body.length >> 1), headers: { ...response.headers(), 'content-length': String(body.length >> 1) } });
    });
    const load = (page: Page) =>
      page.evaluate(async () => {
        const w = window as unknown as W;
        w.seen = [];
        const reco = w.sdk.createRecommender({ storeId: 'cut-once', storage: 'memory', modelUrl: '/models/retail/manifest.json', backend: 'wasm' });
        reco.on('error', (e) => w.seen.push({ kind: 'error', code: e.code, message: e.message, details: e.details }));
        const ready = await new Promise<Sdk.RecommenderEvents['ready']>((r) => reco.on('ready', r));
        await reco.track({ type: 'view', itemId: '85123A' });
        const recs = await reco.recommend({ k: 3 });
        const cache = await caches.open('edgereco-cut-once-models');
        const cached = (await cache.keys()).map((r) => new URL(r.url).pathname);
        return { recommender: ready.recommender, sources: recs.map((r) => r.source), seen: w.seen, cached };
      });
    const before = await load(first);
    expect(cut).toBe(1);
    expect(before.recommender).toBe('baseline');
    expect(new Set(before.sources)).toEqual(new Set(['baseline']));
    expect(before.seen.map((e) => e.code)).toEqual(['INVALID_BUNDLE']);
    const message = before.seen[0]!.message;
    expect(message).toContain(`the model bundle at ${baseUrl()}/models/retail/manifest.json is not valid: weights.bin fails its checksum`);
    expect(message).toMatch(/\(expected [0-9a-f]{64}, got [0-9a-f]{64}; 130272 bytes, cut short: its tensors need \d+\)/);
    expect(message).toContain('nothing of it was cached, so the next page view downloads it again');
    expect(before.seen[0]!.details).toMatchObject({ file: 'weights.bin' });
    expect(before.cached).toEqual([]); // neither the short weights nor the manifest of a bundle that failed
    await first.close();

    const next = await openSdkPage(context, DEDICATED);
    const after = await load(next);
    expect(after.seen).toEqual([]);
    expect(after.recommender).toBe('model');
    expect(after.sources[0]).toBe('model');
    expect(after.cached.sort()).toEqual(['/models/retail/manifest.json', '/models/retail/weights.bin']);
    await context.close();
  });

  it('a short copy an older SDK cached is dropped and downloaded again at once', async () => {
    const page = await open();
    const result = await page.evaluate(async () => {
      const w = window as unknown as W;
      const manifest = (await (await fetch('/models/retail/manifest.json')).json()) as { checksums: Record<string, string> };
      const cache = await caches.open('edgereco-poisoned-models');
      await cache.put(`${location.origin}/models/retail/weights.bin?sha256=${manifest.checksums['weights.bin']}`, new Response(new Uint8Array(1000)));
      w.seen = [];
      const reco = w.sdk.createRecommender({ storeId: 'poisoned', storage: 'memory', modelUrl: '/models/retail/manifest.json', backend: 'wasm' });
      reco.on('error', (e) => w.seen.push({ kind: 'error', code: e.code, message: e.message, details: e.details }));
      const ready = await new Promise<Sdk.RecommenderEvents['ready']>((r) => reco.on('ready', r));
      const key = (await cache.keys()).find((r) => r.url.includes('weights.bin'))!;
      return { recommender: ready.recommender, seen: w.seen, bytes: (await (await cache.match(key))!.arrayBuffer()).byteLength };
    });
    expect(result).toEqual({ recommender: 'model', seen: [], bytes: 260544 });
    await page.context().close();
  });
});

describe('a wrong catalogUrl', () => {
  it('an error event with FETCH_FAILED naming the URL, the status and what came back', async () => {
    const page = await open();
    const result = await page.evaluate(async () => {
      const w = window as unknown as W;
      w.seen = [];
      const reco = w.sdk.createRecommender({ storeId: 'bad-catalog-url', storage: 'memory', catalogUrl: '/catalog.json' });
      reco.on('error', (e) => w.seen.push({ kind: 'error', code: e.code, message: e.message, details: e.details }));
      await reco.recommend();
      return { seen: w.seen };
    });
    expect(result.seen.map((e) => e.code)).toEqual(['FETCH_FAILED']);
    expect(result.seen[0]!.message).toBe(`edgereco: could not load the catalog from ${baseUrl()}/catalog.json: HTTP 404 Not Found, the body starts "not found: /catalog.json"; check options.catalogUrl`);
    expect(result.seen[0]!.details).toMatchObject({ url: `${baseUrl()}/catalog.json`, status: 404, option: 'catalogUrl' });
    await page.context().close();
  });
});

describe('track()', () => {
  it('rejects with WORKER_FAILED when the worker never started, and keeps the event for the next page', async () => {
    const page = await open();
    const result = await page.evaluate(async () => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'no-worker', workerUrl: '/dist/no-such-worker.js' });
      reco.on('error', () => {});
      const outcome = await reco.track({ type: 'view', itemId: 'sku-1' }).then(
        (id) => ({ resolved: id, code: '', message: '' }),
        (e: Sdk.EdgeRecoError) => ({ resolved: null, code: e.code, message: e.message }),
      );
      const invalid = await reco.track({ type: 'view', itemId: 42 } as unknown as Sdk.TrackInput).then(
        () => 'resolved',
        (e: Sdk.EdgeRecoError) => e.code,
      );
      const kept = Object.keys(localStorage).filter((k) => k.startsWith('edgereco:no-worker:rescue:')).flatMap((k) => JSON.parse(localStorage.getItem(k)!) as { input: { itemId: unknown } }[]);
      return { outcome, invalid, kept: kept.map((e) => e.input.itemId) };
    });
    expect(result.outcome.resolved).toBeNull();
    expect(result.outcome.code).toBe('WORKER_FAILED');
    expect(result.outcome.message).toMatch(/^edgereco: the worker at \/dist\/no-such-worker\.js failed to load or crashed \(.*\); check options\.workerUrl and your Content-Security-Policy \(worker-src\)$/);
    expect(result.invalid).toBe('WORKER_FAILED'); // not validated (validation runs in the worker), and never resolved
    expect(result.kept).toEqual(['sku-1', 42]);
    await page.context().close();
  });

  it('an invalid event rejects with INVALID_EVENT naming the field', async () => {
    const page = await open();
    const result = await page.evaluate(async () => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'bad-event', storage: 'memory' });
      return reco.track({ type: 'view', itemId: '' }).then(
        () => ({ code: 'resolved', message: '' }),
        (e: Sdk.EdgeRecoError) => ({ code: e.code, message: e.message }),
      );
    });
    expect(result).toEqual({ code: 'INVALID_EVENT', message: 'edgereco: event.itemId must be a non-empty string (got "")' });
    await page.context().close();
  });
});

describe('debug: true', () => {
  it('logs the life cycle with the edgereco: prefix, and no console error', async () => {
    const page = await open();
    await page.evaluate(async (rows) => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'debug', debug: true, catalog: rows, modelUrl: '/models/retail/manifest.json', backend: 'wasm', syncUrl: 'http://127.0.0.1:9/', syncKey: 'pk_test_debug' });
      reco.on('warning', () => {});
      reco.on('error', () => {});
      await reco.recommend();
    }, GOOD as unknown as Sdk.CatalogItem[]);
    const model = `${baseUrl()}/models/retail/manifest.json`;
    const wanted = [
      'edgereco: catalog: 2 items indexed, 1 skipped (catalog[1].price must be a number ≥ 0 (got "19.99"), in item "mug-blue")',
      `edgereco: model bundle read from ${model} in `,
      'edgereco: model backend wasm (preference "wasm"; probe timings: wasm ',
      `edgereco: model loaded from ${model}: `,
      'edgereco: worker up: storage indexeddb, 0 events in the history, 2 catalog items, recommender model on wasm',
      "edgereco: sync: on, to http://127.0.0.1:9/topics/edgereco-reports; each finished UTC day is reported by the first page after it (checked every 300 s); today's reports are due after ",
    ];
    await expect.poll(() => wanted.filter((w) => !consoleOf(page).some((l) => l.type === 'info' && l.text.startsWith(w))), { timeout: 20_000 }).toEqual([]);
    expect(consoleOf(page).filter((l) => l.type === 'error')).toEqual([]);
    await page.context().close();
  });
});

describe('syncNow() against the real gateway on loopback (file sink)', () => {
  let gateway: Gateway;
  let reports = '';
  const KEY = 'pk_test_mistakes';
  beforeAll(async () => {
    reports = join(mkdtempSync(join(tmpdir(), 'edgereco-sync-now-')), 'reports.jsonl');
    const config = resolveGatewayConfig({ port: 0, sites: [{ id: 'shop', key: KEY, origins: [new URL(baseUrl()).origin] }], sink: { kind: 'file', path: reports } });
    gateway = await startGateway(config, { sink: await createFileSink(reports, config.topics), log: () => {} });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it("reports today so far within the day's ε budget, fires a sync event per accepted batch, and says when the budget is spent", async () => {
    const page = await open();
    const today = new Date().toISOString().slice(0, 10);
    const result = await page.evaluate(
      async ({ url, key }) => {
        const w = window as unknown as W;
        const reco = w.sdk.createRecommender({ storeId: 'sync-now', syncUrl: url, syncKey: key });
        const batches: Sdk.SyncBatch[] = [];
        reco.on('sync', (b) => batches.push(b));
        const problems: string[] = [];
        reco.on('error', (e) => problems.push(e.message));
        await reco.track({ type: 'view', itemId: 'mug-red' });
        await reco.track({ type: 'search', query: 'red mug', resultCount: 3 });
        const first = await reco.syncNow();
        const second = await reco.syncNow();
        const data = await reco.exportData();
        const off = await w.sdk.createRecommender({ storeId: 'no-sync', storage: 'memory' }).syncNow().then(
          () => 'resolved',
          (e: Sdk.EdgeRecoError) => `${e.code}: ${e.message}`,
        );
        return { first, second, batches, problems, sent: data.sync!.sent.map((s) => s.report.id), budget: data.sync!.budget, off };
      },
      { url: gateway.url, key: KEY },
    );
    expect(result.problems).toEqual([]);
    expect(result.first).toMatchObject({ status: 'done', period: today, built: 2, sent: 2, accepted: 2, rejected: 0, pending: 0, epsilonSpent: 4, epsilonLeftToday: 0 });
    expect(result.first.message).toBe(`edgereco: sync: built 2 report(s) of ${today} (ε 4); sent 2: 2 accepted, 0 rejected; ε 0 left today`);
    expect(result.batches).toEqual([{ accepted: 2, periods: [today], url: `${gateway.url}/topics/edgereco-reports` }]);
    expect(result.second).toMatchObject({ status: 'done', period: null, built: 0, sent: 0, accepted: 0, epsilonSpent: 0, epsilonLeftToday: 0 });
    expect(result.second.message).toBe(`edgereco: sync: today (${today}) was reported already; events tracked since are not reported (each day is reported once, within its ε 4); ε 0 left today`);
    expect(result.budget).toMatchObject({ day: today, spentToday: 4, reportsToday: 2 });
    // What the gateway wrote: exactly the two reports the page says were accepted, about today, at ε = 2 each.
    const lines = readFileSync(reports, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { site: string; value: { id: string; period: string; eps: number } });
    expect(lines.map((l) => l.value.id).sort()).toEqual([...result.sent].sort());
    for (const l of lines) expect(l).toMatchObject({ site: 'shop', value: { period: today, eps: 2 } });
    expect(result.off).toBe('NOT_AVAILABLE: edgereco: sync is not configured; pass options.syncUrl (the gateway) and options.syncKey to createRecommender()');
    await page.context().close();
  });

  it('the scheduled sync fires the same sync event for the finished day it sends', async () => {
    const page = await open();
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const batches = await page.evaluate(
      async ({ url, key }) => {
        const w = window as unknown as W;
        const first = w.sdk.createRecommender({ storeId: 'sync-scheduled' });
        await first.track({ type: 'view', itemId: 'lamp', ts: Date.now() - 86_400_000 }); // backfilled: yesterday
        await first.close();
        const reco = w.sdk.createRecommender({ storeId: 'sync-scheduled', syncUrl: url, syncKey: key });
        return new Promise<Sdk.SyncBatch[]>((resolve) => reco.on('sync', (b) => resolve([b])));
      },
      { url: gateway.url, key: KEY },
    );
    expect(batches).toEqual([{ accepted: 2, periods: [yesterday], url: `${gateway.url}/topics/edgereco-reports` }]);
    await page.context().close();
  });
});
