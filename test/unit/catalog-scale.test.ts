import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCatalog, validateEvent, type CatalogItem } from '../../src/core/index.js';
import { applyRules } from '../../src/worker/business-rules.js';
import { baselineRecommend, baselineRelated } from '../../src/worker/baseline-recommender.js';
import { boughtTogether } from '../../src/worker/bought-together.js';
import { CatalogIndex } from '../../src/worker/catalog-index.js';
import { CatalogSearch } from '../../src/worker/catalog-search.js';
import { explainItem } from '../../src/worker/explain-item.js';
import { History } from '../../src/worker/history.js';
import { PriorsSource } from '../../src/worker/priors-source.js';

/*
 * Stores of any size: the pieces the engine runs for recommend(), frequentlyBoughtTogether(), explain() and suggest(),
 * put together as engine.ts does, with catalogs and priors bundles of random sizes up to 1,000,000 (1,000,000 itself
 * always). Before the fix, CatalogIndex spread whole lists into Math.max and every call threw RangeError past about
 * 65,000 items; bought-together was quadratic in one item's priors pairs.
 */

const MAX = 1_000_000;
const K = 10;
const NOW = Date.UTC(2026, 11, 1, 12);

/** Item `i`: 150 leaf categories under 50 parents, 200 brands, popularity 0..999. */
const item = (i: number): CatalogItem => ({ id: `p${i}`, title: `Item ${i}`, category: `C${i % 50} > S${i % 3}`, brand: `B${i % 200}`, popularity: (i * 37) % 1000 });
/** A permutation of 0..MAX-1: the priors' trending items and bought-with partners, most popular first. */
const ranked = (j: number): string => `p${(j * 7919 + 12345) % MAX}`;

// Made once and sliced per run, so a run costs what the engine does, not the generation.
let catalog: CatalogItem[] | undefined;
const catalogOf = (n: number): CatalogItem[] => (catalog ??= Array.from({ length: MAX }, (_, i) => item(i))).slice(0, n);
/** The item other shoppers bought everything with (in every catalog: p0). */
const HUB = 'p0';
let priors: { items: { itemId: string; count: number }[]; pairs: { items: [string, string]; count: number }[]; queries: { query: string; count: number }[] } | undefined;

/** A priors bundle of `m` trending items, `m` pairs of the hub with others (strongest first), `m` popular queries. */
function priorsDoc(m: number) {
  priors ??= {
    items: Array.from({ length: MAX }, (_, j) => ({ itemId: ranked(j), count: MAX - j })),
    pairs: Array.from({ length: MAX }, (_, j) => ({ items: [HUB, ranked(j)] as [string, string], count: MAX - j })).filter((p) => p.items[1] !== HUB),
    queries: Array.from({ length: MAX }, (_, j) => ({ query: `mug ${j}`, count: MAX - j })),
  };
  return {
    format: 'edgereco-priors', version: 1, generated: '2026-11-30', periods: { from: '2026-11-01', to: '2026-11-30' },
    reports: { item: m, pair: m, query: m, duplicatesDropped: 0 }, threshold: { item: 1, pair: 1, query: 1 },
    items: priors.items.slice(0, m), pairs: priors.pairs.slice(0, m), queries: priors.queries.slice(0, m),
  };
}

let t = NOW - 3_600_000;
const ev = (input: Record<string, unknown>) => validateEvent({ ...input, ts: (t += 1000) }, undefined, NOW);
const history = (...events: Record<string, unknown>[]): History => {
  const h = new History(1000);
  h.add(events.map(ev));
  return h;
};

/** What the engine does for a store of `n` catalog items and a priors bundle of `m`: every answer checked. */
async function store(n: number, m: number): Promise<void> {
  const viewed = `p${n >> 1}`;
  const hub = HUB;
  /** What the shopper bought with the hub (none in a one-item store). */
  const mate = `p${n - 1}`;
  const checked = checkCatalog(catalogOf(n));
  expect(checked.items).toHaveLength(n);
  const source = PriorsSource.from(priorsDoc(m));
  const index = new CatalogIndex(checked.items, source.popularity());
  expect(index.size).toBe(n);
  const args = { k: K, filter: {}, attributionId: 'a' };

  // recommend() for a first visit: the most popular items (by the priors where they count, else the catalog) first.
  const known = n + m <= 2 * K ? new Set([...checked.items.map((x) => x.id), ...source.trending().map((x) => x.itemId)]).size : K;
  const first = applyRules(baselineRecommend(new History(10), index, args), index, {}, K);
  expect(first).toHaveLength(Math.min(K, known));
  expect(index.popularity(first[0]!.itemId)).toBe(n === 1 && m === 0 ? 0 : 1); // item p0 alone has popularity 0
  for (const r of first) {
    expect(r.score).toBeCloseTo(0.2 * index.popularity(r.itemId), 12);
    expect(r.reason).toMatch(index.isTrending(r.itemId) ? /^Trending with other shoppers/ : /^Popular in C|^From the catalog/);
  }
  for (let i = 1; i < first.length; i++) expect(first[i]!.score).toBeLessThanOrEqual(first[i - 1]!.score);

  // recommend() after a view: items like the viewed one (its category, its parent category or its brand) come first.
  const afterView = baselineRecommend(history({ type: 'view', itemId: viewed }), index, args);
  expect(afterView).toHaveLength(Math.min(K, known));
  if (n >= 1000) for (const r of afterView) expect(r.reason).toContain(`Because you viewed “Item ${n >> 1}”`);

  // frequentlyBoughtTogether([hub]): the shopper's own order first, then what other shoppers bought with it, in order.
  const bought = history({ type: 'purchase', lines: [{ itemId: hub, quantity: 1, price: 5, currency: 'EUR' }, { itemId: mate, quantity: 1, price: 5, currency: 'EUR' }] });
  const together = boughtTogether(bought, index, [hub], { ...args, k: K * 4 }, (id) => source.boughtWith(id));
  const pairs = source.boughtWith(hub).map((p) => p.itemId).filter((id) => id !== mate);
  if (n > 1) expect(together[0]).toMatchObject({ itemId: mate, source: 'baseline', reason: 'You bought it with “Item 0” once' });
  const fromPriors = together.filter((r) => r.source === 'priors');
  expect(fromPriors.map((r) => r.itemId)).toEqual(pairs.slice(0, K * 4 - (n > 1 ? 1 : 0)));
  for (const r of fromPriors) expect(r.reason).toBe('Often bought with “Item 0” by other shoppers, from what many shoppers bought together (privatized)');
  if (together.length < K) {
    // The engine tops a short list up with related items: as many as there are items left to show.
    const listed = new Set([hub, ...together.map((r) => r.itemId)]);
    const related = baselineRelated(bought, index, hub, { ...args, filter: { exclude: [...listed] } });
    const left = new Set([...checked.items.map((x) => x.id), ...source.trending().map((x) => x.itemId)].filter((id) => !listed.has(id) && id !== mate));
    expect(related).toHaveLength(Math.min(K, left.size));
  }

  // explain(): what the shopper did, what others bought with it, and trending, each checked against the data.
  const shopper = history({ type: 'view', itemId: hub }, { type: 'view', itemId: viewed });
  const own = explainItem(viewed, shopper, index, null, NOW, (id) => source.boughtWith(id));
  expect(own.evidence[0]).toMatchObject({ kind: 'history', text: expect.stringMatching(/^You viewed it /) });
  if (pairs.length > 0) {
    const partner = explainItem(pairs[0]!, shopper, index, null, NOW, (id) => source.boughtWith(id));
    expect(partner.evidence.map((e) => e.text)).toContain('Often bought with “Item 0” by other shoppers, from what many shoppers bought together (privatized)');
    expect(partner.evidence.map((e) => e.text)).toContain('Trending with other shoppers in this store, from what many shoppers viewed (privatized)');
  }

  // suggest(): the shopper's own query, then the store's popular ones, then catalog phrases. (The search index's own
  // scale belongs to src/search; here it indexes a slice, and the priors' queries are the full m.)
  const search = await CatalogSearch.build(catalogOf(Math.min(n, 300)));
  const typed = history({ type: 'search', query: 'mug red', resultCount: 3 });
  const suggestions = search.suggest('mug', typed, (prefix) => source.queriesStartingWith(prefix));
  expect(suggestions[0]).toEqual({ text: 'mug red', source: 'history' });
  expect(suggestions.slice(1).map((s) => s.text)).toEqual(Array.from({ length: Math.min(7, m) }, (_, j) => `mug ${j}`));
}

describe('a store of any size (catalog and priors up to 1,000,000 items)', () => {
  it('recommend(), frequentlyBoughtTogether(), explain() and suggest() answer correctly', { timeout: 120_000 }, async () => {
    const started = performance.now();
    await fc.assert(
      // numRuns counts the example: 1,000,000 of each, then random sizes (a run at 1,000,000 takes seconds).
      fc.asyncProperty(fc.integer({ min: 1, max: MAX }), fc.integer({ min: 0, max: MAX }), (n, m) => store(n, m)),
      { numRuns: 2, examples: [[MAX, MAX]] },
    );
    // Small stores still work the same way.
    await store(1, 0);
    await store(7, 3);
    console.log(`scale property: ${Math.round(performance.now() - started)} ms`);
  });
});
