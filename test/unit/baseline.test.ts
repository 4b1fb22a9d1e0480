import { describe, expect, it } from 'vitest';
import { validateEvent, type CatalogItem } from '../../src/core/index.js';
import { baselineRecommend, baselineRelated } from '../../src/worker/baseline-recommender.js';
import { CatalogIndex } from '../../src/worker/catalog-index.js';
import { History } from '../../src/worker/history.js';

const CATALOG: CatalogItem[] = [
  { id: 'mug-1', title: 'Red mug', category: 'Kitchen > Mugs', popularity: 50 },
  { id: 'mug-2', title: 'Blue mug', category: 'Kitchen > Mugs', popularity: 5 },
  { id: 'mug-3', title: 'Green mug', category: 'Kitchen > Mugs', popularity: 1, available: false },
  { id: 'lamp-1', title: 'Desk lamp', category: 'Home > Lighting', popularity: 80 },
  { id: 'lamp-2', title: 'Floor lamp', category: 'Home > Lighting', popularity: 60 },
  { id: 'card-1', title: 'Birthday card', category: 'Stationery', popularity: 100 },
];

let t = Date.UTC(2026, 10, 1);
const ev = (input: Record<string, unknown>) => validateEvent({ ...input, ts: (t += 1000) }, undefined, t + 10_000);
const args = (k = 3) => ({ k, filter: {}, attributionId: 'a-1' });

describe('baseline recommender', () => {
  it('with no history ranks by catalog popularity and says it is the baseline', () => {
    const recs = baselineRecommend(new History(100), new CatalogIndex(CATALOG), args());
    expect(recs.map((r) => r.itemId)).toEqual(['card-1', 'lamp-1', 'lamp-2']);
    for (const r of recs) {
      expect(r.source).toBe('baseline');
      expect(r.reason).toContain('no model loaded');
      expect(r.attributionId).toBe('a-1');
    }
  });

  it('a view changes the next recommendation toward what was viewed', () => {
    const history = new History(100);
    const catalog = new CatalogIndex(CATALOG);
    const before = baselineRecommend(history, catalog, args(2)).map((r) => r.itemId);
    history.add([ev({ type: 'view', itemId: 'mug-2' })]);
    const after = baselineRecommend(history, catalog, args(2));
    expect(after.map((r) => r.itemId)).not.toEqual(before);
    expect(after[0]!.itemId).toBe('mug-1');
    expect(after[0]!.reason).toContain('Because you viewed “Blue mug”');
  });

  it('applies filters before the top-k, so k items come back when k qualify', () => {
    const history = new History(100);
    history.add([ev({ type: 'purchase', lines: [{ itemId: 'card-1', quantity: 1, price: 2, currency: 'GBP' }] })]);
    const recs = baselineRecommend(history, new CatalogIndex(CATALOG), { k: 2, filter: { category: 'Kitchen', inStock: true }, attributionId: 'x' });
    expect(recs.map((r) => r.itemId)).toEqual(['mug-1', 'mug-2']);
    const all = baselineRecommend(history, new CatalogIndex(CATALOG), { k: 10, filter: {}, attributionId: 'x' });
    expect(all.map((r) => r.itemId)).not.toContain('card-1'); // purchased: excluded by default
    expect(all).toHaveLength(5);
  });

  it('related() answers for an item never seen, from its category, and from co-occurrence once seen together', () => {
    const history = new History(100);
    const catalog = new CatalogIndex(CATALOG);
    expect(baselineRelated(history, catalog, 'lamp-1', args(1))[0]).toMatchObject({ itemId: 'lamp-2', reason: expect.stringContaining('Also in Home > Lighting, like “Desk lamp”') });
    history.add([ev({ type: 'view', itemId: 'lamp-1' }), ev({ type: 'view', itemId: 'card-1' }), ev({ type: 'view', itemId: 'lamp-1' }), ev({ type: 'view', itemId: 'card-1' })]);
    const related = baselineRelated(history, catalog, 'card-1', args(1));
    expect(related[0]).toMatchObject({ itemId: 'lamp-1', reason: expect.stringContaining('Seen together with “Birthday card”') });
  });

  it('history deduplicates events that arrive twice (own tab, database, other tab)', () => {
    const history = new History(100);
    const e = ev({ type: 'view', itemId: 'mug-1' });
    expect(history.add([e])).toBe(1);
    expect(history.add([e, { ...e }])).toBe(0);
    expect(history.size).toBe(1);
  });
});

describe('frequently bought together (local orders)', () => {
  it('reports only real co-purchases, strongest first', async () => {
    const { boughtTogether } = await import('../../src/worker/bought-together.js');
    const history = new History(100);
    const line = (itemId: string) => ({ itemId, quantity: 1, price: 2, currency: 'GBP' });
    history.add([
      ev({ type: 'purchase', lines: [line('mug-1'), line('card-1'), line('lamp-1')] }),
      ev({ type: 'purchase', lines: [line('mug-1'), line('card-1')] }),
      ev({ type: 'view', itemId: 'lamp-2' }),
    ]);
    const recs = boughtTogether(history, new CatalogIndex(CATALOG), ['mug-1'], { k: 5, filter: {}, attributionId: 'x' });
    expect(recs.map((r) => [r.itemId, r.reason])).toEqual([
      ['card-1', 'You bought it with “Red mug” 2 times'],
      ['lamp-1', 'You bought it with “Red mug” once'],
    ]);
  });
});
