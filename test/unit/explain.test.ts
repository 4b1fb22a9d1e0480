import { describe, expect, it } from 'vitest';
import { validateEvent, type CatalogItem } from '../../src/core/index.js';
import { CatalogIndex } from '../../src/worker/catalog-index.js';
import { explainItem } from '../../src/worker/explain-item.js';
import { History } from '../../src/worker/history.js';

const CATALOG: CatalogItem[] = [
  { id: 'a', title: 'Red mug', category: 'Kitchen', popularity: 100 },
  { id: 'b', title: 'Blue mug', category: 'Kitchen', popularity: 10 },
  { id: 'c', title: 'Desk lamp', category: 'Lighting', popularity: 1 },
  { id: 'd', title: 'Card', category: 'Stationery' },
];
const NOW = Date.UTC(2026, 10, 27, 12);
let t = NOW - 3_600_000;
const ev = (input: Record<string, unknown>) => validateEvent({ ...input, ts: (t += 60_000) }, undefined, NOW);

describe('explain()', () => {
  it('states only evidence that is in the log or the catalog', () => {
    const history = new History(100);
    history.add([ev({ type: 'view', itemId: 'b' }), ev({ type: 'view', itemId: 'c' }), ev({ type: 'add_to_cart', itemId: 'a' })]);
    const catalog = new CatalogIndex(CATALOG);
    const a = explainItem('a', history, catalog, null, NOW);
    expect(a.evidence.map((e) => e.kind)).toEqual(['history', 'together', 'together', 'category', 'popular']);
    expect(a.evidence[0]!.text).toBe('You added it to your cart 57 minutes ago');
    expect(a.evidence.find((e) => e.kind === 'category')!.text).toBe('In Kitchen, like “Blue mug” you viewed');
    // An item nothing points to: no made-up reasons.
    expect(explainItem('d', new History(10), catalog, null, NOW).evidence).toEqual([]);
    // Popularity is only claimed for popular items.
    expect(explainItem('c', new History(10), catalog, null, NOW).evidence).toEqual([]);
  });
});
