import { mkdirSync, writeFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { launch, openSdkPage, resultsDir, watchErrors } from './chromium.js';

/**
 * A big store in real Chromium: 200,000 products (catalogUrl) and a priors bundle of 100,000 trending items
 * (priorsUrl). Before the fix the worker spread both lists into Math.max and every call rejected (RangeError:
 * Maximum call stack size exceeded).
 */
type W = Window & { sdk: typeof Sdk };

const ITEMS = 200_000;
const TRENDING = 100_000;
const ranked = (j: number): string => `p${(j * 7919 + 12345) % ITEMS}`;

let browser: Browser;

beforeAll(async () => {
  const dir = `${resultsDir()}/scale`;
  mkdirSync(dir, { recursive: true });
  const items = Array.from({ length: ITEMS }, (_, i) => ({ id: `p${i}`, title: `${i % 2 ? 'Mug' : 'Lamp'} ${i}`, category: `C${i % 50} > S${i % 3}`, brand: `B${i % 200}`, price: 5 + (i % 40) }));
  writeFileSync(`${dir}/catalog.json`, JSON.stringify({ format: 'edgereco-catalog', version: 1, items }));
  const priors = {
    format: 'edgereco-priors', version: 1, generated: '2026-11-30', periods: { from: '2026-11-01', to: '2026-11-30' },
    reports: { item: TRENDING, pair: TRENDING, query: 10, duplicatesDropped: 0 }, threshold: { item: 1, pair: 1, query: 1 },
    items: Array.from({ length: TRENDING }, (_, j) => ({ itemId: ranked(j), count: TRENDING - j })),
    // One item other shoppers bought with 100,000 others.
    pairs: Array.from({ length: TRENDING }, (_, j) => ({ items: ['p0', ranked(j + 1)], count: TRENDING - j })),
    queries: Array.from({ length: 10 }, (_, j) => ({ query: `mug ${j}`, count: 100 - j })),
  };
  writeFileSync(`${dir}/priors.json`, JSON.stringify(priors));
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('a store of 200,000 products with a priors bundle of 100,000 items', () => {
  it('recommend(), suggest(), frequentlyBoughtTogether() and explain() answer', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const errors = watchErrors(page);
    const result = await page.evaluate(async () => {
      const w = window as unknown as W;
      const problems: string[] = [];
      // The search index of 200,000 items takes seconds to build on a busy 2-core machine: suggest() waits for it.
      const reco = w.sdk.createRecommender({ storeId: 'scale', storage: 'memory', catalogUrl: '/test-results/scale/catalog.json', priorsUrl: '/test-results/scale/priors.json', timeoutMs: 120_000 });
      reco.on('error', (e) => problems.push(`${e.code}: ${e.message}`));
      reco.on('warning', (e) => problems.push(`${e.code}: ${e.message}`));
      const settle = <T,>(p: Promise<T>) => p.then((value) => ({ value, error: null }), (e: Sdk.EdgeRecoError) => ({ value: null, error: `${e.code}: ${e.message}` }));
      const first = await settle(reco.recommend({ k: 5 }));
      const track = (input: Sdk.TrackInput) => reco.track(input).catch((e: Sdk.EdgeRecoError) => void problems.push(`track: ${e.code}: ${e.message}`));
      await track({ type: 'view', itemId: 'p100' });
      const afterView = await settle(reco.recommend({ k: 5 }));
      const together = await settle(reco.frequentlyBoughtTogether(['p0'], { k: 5 }));
      const explained = await settle(reco.explain('p12345'));
      await track({ type: 'search', query: 'mug red', resultCount: 3 });
      const suggested = await settle(reco.suggest('mu'));
      return { first, afterView, together, explained, suggested, problems };
    });
    const failed = (['first', 'afterView', 'together', 'explained', 'suggested'] as const).map((call) => result[call].error && `${call}: ${result[call].error}`);
    expect([...result.problems, ...failed.filter(Boolean)]).toEqual([]);
    // A first visit: the store's trending items (priors), most popular first.
    expect(result.first.value!.map((r) => r.itemId)).toEqual([ranked(0), ranked(1), ranked(2), ranked(3), ranked(4)]);
    expect(result.first.value![0]!.reason).toMatch(/^Trending with other shoppers in this store/);
    // After a view: items like it, saying so.
    expect(result.afterView.value).toHaveLength(5);
    for (const r of result.afterView.value!) expect(r.reason).toContain('Because you viewed “Lamp 100”');
    // Bought together: what other shoppers bought with p0, strongest first.
    expect(result.together.value!.map((r) => [r.itemId, r.source])).toEqual([1, 2, 3, 4, 5].map((j) => [ranked(j), 'priors']));
    expect(result.together.value![0]!.reason).toBe('Often bought with “Lamp 0” by other shoppers, from what many shoppers bought together (privatized)');
    // explain(): the evidence the priors give.
    expect(result.explained.value!.evidence.map((e) => e.text)).toContain('Trending with other shoppers in this store, from what many shoppers viewed (privatized)');
    // suggest(): the shopper's own query, the store's popular queries, then catalog words.
    const suggestions = result.suggested.value!;
    expect(suggestions[0]).toEqual({ text: 'mug red', source: 'history' });
    expect(suggestions.slice(1, 8).map((s) => s.text)).toEqual(['mug 0', 'mug 1', 'mug 2', 'mug 3', 'mug 4', 'mug 5', 'mug 6']);
    expect(errors).toEqual([]);
    await context.close();
  });
});
