import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { launch, openSdkPage, watchErrors } from './chromium.js';

type W = Window & { sdk: typeof Sdk; reco: Sdk.Recommender };
/** The committed Icecat electronics catalog (19,406 products), served gzipped. */
const CATALOG = '/demo/data/icecat/catalog.json';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('on-device search over the Icecat catalog', () => {
  it('finds items despite a typo, suggests the shopper’s own past query first, and answers related() for an unseen item', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const errors = watchErrors(page);
    const result = await page.evaluate(async (catalogUrl) => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'search', catalogUrl });
      const typo = await reco.search('wireles mouse', { k: 10 });
      const before = await reco.suggest('head');
      await reco.track({ type: 'search', query: 'headphones noise cancelling', resultCount: 12 });
      const after = await reco.suggest('head');
      const related = await reco.related(typo[0]!.itemId, { k: 5 });
      // explain(): after viewing two mice, the evidence for the first names what is in the log, and only that.
      await reco.track({ type: 'view', itemId: typo[0]!.itemId });
      await reco.track({ type: 'view', itemId: typo[1]!.itemId });
      const explained = await reco.explain(typo[0]!.itemId);
      const viewed = [typo[0]!.title, typo[1]!.title];
      return { typo: typo.map((r) => `${r.title} | ${r.reason}`), before, after, related: related.map((r) => r.reason), explained, viewed };
    }, CATALOG);
    const mice = result.typo.filter((t) => /mouse|mice/i.test(t.split(' | ')[0]!));
    expect(mice.length).toBeGreaterThanOrEqual(8);
    expect(result.typo.every((t) => t.includes('Matches “wireles mouse”'))).toBe(true);
    expect(result.before[0]?.source).toBe('catalog');
    expect(result.after[0]).toEqual({ text: 'headphones noise cancelling', source: 'history' });
    expect(result.related).toHaveLength(5);
    expect(result.explained.evidence.map((e) => e.kind).slice(0, 2)).toEqual(['history', 'together']);
    expect(result.explained.evidence[0]!.text).toMatch(/^You viewed it /);
    for (const e of result.explained.evidence) {
      const quoted = [...e.text.matchAll(/“([^”]*)”/g)].map((m) => m[1]);
      for (const name of quoted) expect(result.viewed).toContain(name);
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('applies catalog changes without a rebuild: a new product is found, one out of stock is filtered, a removed one is gone', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const result = await page.evaluate(async (catalogUrl) => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'catalog-updates', catalogUrl });
      const ids = (rs: Sdk.Recommendation[]) => rs.map((r) => r.itemId);
      const mice = ids(await reco.search('wireless mouse', { k: 3 }));
      const size = await reco.updateCatalog({
        upsert: [{ id: 'new-1', title: 'Quokka Wireless Mouse Pro', category: 'Computers > Mice', brand: 'Quokka', price: 30 }],
        patch: [{ id: mice[0]!, available: false }],
        remove: [mice[1]!],
      });
      const inStock = ids(await reco.search('wireless mouse', { k: 50, filters: { inStock: true } }));
      const quokka = ids(await reco.search('quokka', { k: 3 }));
      const bad = await reco.updateCatalog({ patch: [{ id: 'no-such-item', price: 1 }] }).then(() => 'resolved', (e: Sdk.EdgeRecoError) => e.code);
      return { mice, size, inStock, quokka, bad };
    }, CATALOG);
    expect(result.size).toBe(19406); // one added, one removed
    expect(result.quokka).toEqual(['new-1']);
    expect(result.inStock).not.toContain(result.mice[0]);
    expect(result.inStock).not.toContain(result.mice[1]);
    expect(result.bad).toBe('INVALID_OPTION');
    await context.close();
  });
});
