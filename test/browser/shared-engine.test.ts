import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { launch, openSdkPage, watchErrors } from './chromium.js';

/**
 * The worker file started as a SharedWorker kept across navigations (extendedLifetime), as `npm run bench` scale
 * measures it: one engine for the store's pages and tabs. Each page that connects joins the running engine (it does
 * not start it again), hears the warnings reported before it came, and a page's close() lets only that page go.
 */
type W = Window & { sdk: typeof Sdk; reco: Sdk.Recommender; heard: string[]; Worker: typeof Worker };

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** A page of the store whose recommender runs in the shared engine; its debug lines and events are kept. */
async function sharedPage(context: BrowserContext): Promise<{ page: Page; lines: string[]; errors: string[] }> {
  const page = await openSdkPage(context);
  const errors = watchErrors(page);
  const lines: string[] = [];
  page.on('console', (m) => m.text().startsWith('edgereco:') && lines.push(m.text()));
  await page.evaluate(() => {
    const w = window as unknown as W;
    w.Worker = function (url: string | URL, options?: WorkerOptions) {
      const shared = new SharedWorker(url, { ...options, name: 'edgereco-shared-test', extendedLifetime: true } as WorkerOptions);
      shared.port.start();
      return Object.assign(shared.port, { terminate: () => shared.port.close() });
    } as unknown as typeof Worker;
    w.heard = [];
    // A catalog row that is not valid: a warning at start-up, which a page joining later must hear too.
    const catalog = [{ id: 'a', title: 'Lamp', category: 'Home' }, { id: 'b', title: 'Mug', category: 'Home' }, { id: 'c', title: 7 }];
    w.reco = w.sdk.createRecommender({ storeId: 'shared-engine', catalog: catalog as Sdk.CatalogItem[], debug: true });
    w.reco.on('warning', (error) => w.heard.push(error.message));
  });
  return { page, lines, errors };
}

describe('one engine for the pages of a store (SharedWorker)', () => {
  it('a second page joins the running engine, hears its earlier warnings, and outlives the first page closing', async () => {
    const context = await browser.newContext();
    const first = await sharedPage(context);
    await first.page.evaluate(async () => {
      const w = window as unknown as W;
      await w.reco.track({ type: 'view', itemId: 'a' });
      await w.reco.recommend();
    });
    await first.page.waitForFunction(() => (window as unknown as W).heard.length > 0);

    const second = await sharedPage(context);
    const seen = await second.page.evaluate(async () => {
      const w = window as unknown as W;
      const list = await w.reco.recommend({ k: 5 });
      return { ids: list.map((r) => r.itemId), sources: list.map((r) => r.source), reasons: list.map((r) => r.reason) };
    });
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
});
