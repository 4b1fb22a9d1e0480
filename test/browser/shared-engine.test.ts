import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { launch, openSdkPage, resultsDir, watchErrors } from './chromium.js';

/**
 * What the package starts in Chromium (148+: SharedWorker's extendedLifetime): one engine for the store's pages and
 * tabs with the same options. A page that connects joins the running engine (it does not start it again), hears the
 * warnings reported before it came, and a page's close() lets only that page go; a page that joins after the catalog
 * changed, or while the model is off because its download failed, gets the engine started afresh, as a new page view
 * with its own worker would.
 */
type W = Window & { sdk: typeof Sdk; reco: Sdk.Recommender; heard: string[] };

const DIR = `${resultsDir()}/shared-engine`;
const BASE = '/test-results/shared-engine';

let browser: Browser;
beforeAll(async () => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(`${DIR}/model`, { recursive: true });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** A page of the store; its debug lines and warnings are kept. */
async function storePage(context: BrowserContext, options: Record<string, unknown>): Promise<{ page: Page; lines: string[]; errors: string[] }> {
  const page = await openSdkPage(context);
  const errors = watchErrors(page);
  const lines: string[] = [];
  page.on('console', (m) => m.text().startsWith('edgereco:') && lines.push(m.text()));
  await page.evaluate((options) => {
    const w = window as unknown as W;
    w.heard = [];
    w.reco = w.sdk.createRecommender({ debug: true, ...options } as Sdk.RecommenderOptions);
    w.reco.on('warning', (error) => w.heard.push(error.message));
    w.reco.on('error', (error) => w.heard.push(error.message));
  }, options);
  return { page, lines, errors };
}

const recommend = (page: Page) =>
  page.evaluate(async () => {
    const list = await (window as unknown as W).reco.recommend({ k: 5 });
    return { ids: list.map((r) => r.itemId), sources: list.map((r) => r.source), reasons: list.map((r) => r.reason) };
  });

describe('one engine for the pages of a store (SharedWorker)', () => {
  it('a second page joins the running engine, hears its earlier warnings, and outlives the first page closing', async () => {
    const context = await browser.newContext();
    // A catalog row that is not valid: a warning at start-up, which a page joining later must hear too.
    const options = { storeId: 'shared-engine', catalog: [{ id: 'a', title: 'Lamp', category: 'Home' }, { id: 'b', title: 'Mug', category: 'Home' }, { id: 'c', title: 7 }] };
    const first = await storePage(context, options);
    await first.page.evaluate(() => (window as unknown as W).reco.track({ type: 'view', itemId: 'a' }));
    await recommend(first.page);
    await first.page.waitForFunction(() => (window as unknown as W).heard.length > 0);

    const second = await storePage(context, options);
    const seen = await recommend(second.page);
    // The first page's event is in the engine the second page asks.
    expect(seen.ids[0]).toBe('b');
    expect(seen.reasons[0]).toContain('Because you viewed “Lamp”');
    // Joined, not started again: the catalog was read once, by the first page's start.
    expect(first.lines.filter((l) => l.includes('catalog: 2 items indexed'))).toHaveLength(1);
    expect(second.lines.some((l) => l.includes('items indexed'))).toBe(false);
    await second.page.waitForFunction(() => (window as unknown as W).heard.length > 0);
    expect(await second.page.evaluate(() => (window as unknown as W).heard[0])).toContain('catalog[2].title');

    // The first page closes its recommender and goes: the engine keeps answering the second.
    await first.page.evaluate(() => (window as unknown as W).reco.close());
    await first.page.close();
    const after = await second.page.evaluate(async () => {
      const w = window as unknown as W;
      await w.reco.track({ type: 'view', itemId: 'b' });
      return (await w.reco.related('a', { k: 5 })).map((r) => r.itemId);
    });
    expect(after[0]).toBe('b');
    expect(first.errors).toEqual([]);
    expect(second.errors).toEqual([]);
    await context.close();
  });

  it("with storage: 'memory' nothing outlives the page: each page has its own engine", async () => {
    const context = await browser.newContext();
    const options = { storeId: 'shared-engine-memory', storage: 'memory', catalog: [{ id: 'a', title: 'Lamp', category: 'Home' }, { id: 'b', title: 'Mug', category: 'Home' }] };
    const first = await storePage(context, options);
    await first.page.evaluate(() => (window as unknown as W).reco.track({ type: 'view', itemId: 'a' }));
    expect((await recommend(first.page)).reasons[0]).toContain('Because you viewed “Lamp”');
    const second = await storePage(context, options);
    expect((await recommend(second.page)).reasons.some((r) => r.includes('Lamp'))).toBe(false);
    await expect.poll(() => second.lines.some((l) => l.includes('catalog: 2 items indexed'))).toBe(true); // started, not joined
    await context.close();
  });

  it('a page that joins after the catalog changed, or while the model is off, gets the engine started afresh', async () => {
    const context = await browser.newContext();
    const catalog = (titles: string[]) => writeFileSync(`${DIR}/catalog.json`, JSON.stringify({ format: 'edgereco-catalog', version: 1, items: titles.map((title, i) => ({ id: ['85123A', '71053', '84406B', '84029G'][i], title })) }));
    catalog(['Heart holder', 'Metal lantern', 'Cream cupid', 'Union jack']);
    // The model's weights are not there yet: the first page's model fails to load.
    copyFileSync('models/retail/manifest.json', `${DIR}/model/manifest.json`);
    const options = { storeId: 'shared-engine-refresh', catalogUrl: `${BASE}/catalog.json`, modelUrl: `${BASE}/model/manifest.json`, backend: 'wasm' };
    const first = await storePage(context, options);
    await first.page.evaluate(() => (window as unknown as W).reco.track({ type: 'view', itemId: '85123A' }));
    expect((await recommend(first.page)).sources[0]).toBe('baseline');
    await first.page.waitForFunction(() => (window as unknown as W).heard.some((m) => m.includes('weights.bin')));

    // The store uploads the weights and renames an item; the shopper goes on to the next page in the same tab.
    copyFileSync('models/retail/weights.bin', `${DIR}/model/weights.bin`);
    catalog(['Heart holder', 'Metal lantern', 'Cream cupid', 'Union jack flag']);
    const next = await storePage(context, options);
    await next.page.evaluate(() => new Promise((resolve) => (window as unknown as W).reco.on('ready', resolve)));
    await expect.poll(() => next.lines.some((l) => /a page joined: starting again \(the model is off/.test(l))).toBe(true);
    const list = await recommend(next.page);
    expect(list.sources[0]).toBe('model');
    const titles = await next.page.evaluate(async () => (await (window as unknown as W).reco.search('union', { k: 3 })).map((h) => h.title));
    expect(titles).toEqual(['Union jack flag']);

    // Nothing changed since: a third page is answered by the running engine, not a new start.
    const third = await storePage(context, options);
    await third.page.evaluate(() => new Promise((resolve) => (window as unknown as W).reco.on('ready', resolve)));
    expect((await recommend(third.page)).sources[0]).toBe('model');
    expect(third.lines.some((l) => l.includes('starting again'))).toBe(false);
    expect(third.lines.some((l) => l.includes('model bundle read'))).toBe(false);
    // The debug line comes through the DevTools protocol's console events, which may reach the test after 'ready'.
    await expect.poll(() => third.lines.some((l) => /a page joined: the catalog, priors and model checked unchanged in \d+ ms/.test(l))).toBe(true);

    // The manifest written again, the same bundle (a new ETag, the same checksums): read, found unchanged, joined.
    const manifest = JSON.parse(readFileSync('models/retail/manifest.json', 'utf8')) as { weightsFile: string; checksums: Record<string, string> };
    writeFileSync(`${DIR}/model/manifest.json`, JSON.stringify(manifest, null, 1));
    const fourth = await storePage(context, options);
    await fourth.page.evaluate(() => new Promise((resolve) => (window as unknown as W).reco.on('ready', resolve)));
    await expect.poll(() => fourth.lines.some((l) => l.includes('checked unchanged'))).toBe(true);
    expect(fourth.lines.some((l) => l.includes('starting again'))).toBe(false);

    // A new bundle at the same URL (its weights' checksum changed): the next page starts the engine again.
    writeFileSync(`${DIR}/model/manifest.json`, JSON.stringify({ ...manifest, checksums: { ...manifest.checksums, [manifest.weightsFile]: '0'.repeat(64) } }));
    const fifth = await storePage(context, options);
    await expect.poll(() => fifth.lines.some((l) => /a page joined: starting again \(a new model bundle\)/.test(l)), { timeout: 20_000 }).toBe(true);
    await context.close();
  });

  it('a joining page is answered by the running engine while the files are checked; a change found then starts it again, keeping what the page tracked', async () => {
    mkdirSync(`${DIR}/slow/model`, { recursive: true });
    const catalog = (titles: string[]) => writeFileSync(`${DIR}/slow/catalog.json`, JSON.stringify({ format: 'edgereco-catalog', version: 1, items: titles.map((title, i) => ({ id: ['85123A', '71053', '84406B', '84029G'][i], title })) }));
    catalog(['Heart holder', 'Metal lantern', 'Cream cupid', 'Union jack']);
    copyFileSync('models/retail/manifest.json', `${DIR}/slow/model/manifest.json`);
    copyFileSync('models/retail/weights.bin', `${DIR}/slow/model/weights.bin`);
    const context = await browser.newContext();
    const options = { storeId: 'shared-engine-early', catalogUrl: `${BASE}/slow/catalog.json?slow-revalidation=3000`, modelUrl: `${BASE}/slow/model/manifest.json`, backend: 'wasm' };
    const first = await storePage(context, options);
    await first.page.evaluate(() => new Promise((resolve) => (window as unknown as W).reco.on('ready', resolve)));
    await first.page.evaluate(() => (window as unknown as W).reco.track({ type: 'view', itemId: '85123A' }));
    expect((await recommend(first.page)).sources[0]).toBe('model');

    // The store renames an item; its CDN is slow to answer the catalog's revalidation (3 s: `slow-revalidation`).
    catalog(['Heart holder', 'Metal lantern', 'Cream cupid', 'Union jack flag']);
    const next = await storePage(context, options);
    const answered = await next.page.evaluate(async () => {
      const w = window as unknown as W;
      const t = performance.now();
      await w.reco.track({ type: 'view', itemId: '71053' });
      const list = await w.reco.recommend({ k: 5 });
      return { ms: performance.now() - t, source: list[0]?.source };
    });
    // Answered by the running engine (its model) before the check came back…
    expect(answered.source).toBe('model');
    expect(answered.ms).toBeLessThan(2500);
    expect(next.lines.some((l) => l.includes('starting again'))).toBe(false);
    // …which then finds the change and starts the engine again: the page's `ready` waits for that one.
    await next.page.evaluate(() => new Promise((resolve) => (window as unknown as W).reco.on('ready', resolve)));
    await expect.poll(() => next.lines.some((l) => /a page joined: starting again \(.*catalog\.json\?slow-revalidation=3000 changed\)/.test(l))).toBe(true);
    const titles = await next.page.evaluate(async () => (await (window as unknown as W).reco.search('union', { k: 3 })).map((h) => h.title));
    expect(titles).toEqual(['Union jack flag']);
    // Nothing the page tracked while the old engine answered was lost in the restart.
    const viewed = await next.page.evaluate(async () => (await (window as unknown as W).reco.exportData()).events.map((e) => ('itemId' in e ? e.itemId : null)));
    expect(viewed).toEqual(['85123A', '71053']);
    expect(next.errors).toEqual([]);
    await context.close();
  });
});
