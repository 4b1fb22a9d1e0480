import { describe, expect, it } from 'vitest';
import { EdgeRecoError } from '../../../src/core/errors.js';
import type { PinRule } from '../../../src/core/search-types.js';
import { SearchIndex } from '../../../src/search/index.js';
import { PINNED_REASON, Pins } from '../../../src/search/pins.js';

interface Hit {
  itemId: string;
  reason: string;
}

const catalog = [
  { id: 'h1', title: 'Wireless headphones', brand: 'Sony', category: 'Audio > Headphones', price: 90 },
  { id: 'h2', title: 'Wired headphones', brand: 'Sony', category: 'Audio > Headphones', price: 20 },
  { id: 'h3', title: 'Headphones stand', brand: 'Anker', category: 'Accessories', price: 15 },
  { id: 'h4', title: 'Kids headphones', brand: 'JBL', category: 'Audio > Headphones', price: 30, available: false },
  { id: 's1', title: 'Bluetooth speaker', brand: 'JBL', category: 'Audio > Speakers', price: 60 },
];
const index = new SearchIndex(catalog);

/** What the worker does: the ranked search results, then the store's pins with the index for filters and missing items. */
function search(pins: Pins, query: string, filters: Parameters<SearchIndex['passes']>[1], order?: readonly string[]): string[] {
  const ids = order ?? index.query(query, { k: 20, ...(filters ? { filters } : {}) }).hits.map((h) => h.id);
  const ranked: Hit[] = ids.map((itemId) => ({ itemId, reason: 'search' }));
  const make = (id: string): Hit | undefined => (index.get(id) ? { itemId: id, reason: 'made' } : undefined);
  return pins.apply(ranked, { query, category: filters?.category }, (id) => index.passes(id, filters), make).map((h) => h.itemId);
}

describe('Pins', () => {
  const rules: PinRule[] = [
    { query: '  HEADPHONES ', pin: [{ id: 'h3', position: 0 }, { id: 's1', position: 2 }], bury: ['h1'] },
    { category: 'Audio > Headphones', pin: [{ id: 'h2', position: 0 }] },
  ];
  const pins = new Pins(rules);

  it('puts a pinned item at its position whatever order the results came in', () => {
    for (const order of [['h1', 'h2', 'h3', 'h4'], ['h3', 'h4', 'h2', 'h1'], ['h2', 'h1']]) {
      const out = search(pins, 'headphones', undefined, order);
      expect(out[0]).toBe('h3');
      expect(out[2]).toBe('s1'); // not a search match: built with make()
      expect(out.filter((id) => id === 'h3')).toHaveLength(1);
    }
  });

  it('matches the query after width, case and space folding', () => {
    expect(search(pins, 'ｈｅａｄｐｈｏｎｅｓ', undefined, ['h1', 'h2'])[0]).toBe('h3');
    expect(search(pins, 'headphone stand', undefined, ['h1', 'h2'])).toEqual(['h1', 'h2']);
  });

  it('leaves out a pinned item that fails the active filters', () => {
    const out = search(pins, 'headphones', { category: 'Audio' });
    expect(out).not.toContain('h3');
    expect(out).toContain('s1');
    const pricey = search(pins, 'headphones', { minPrice: 50 });
    expect(pricey).not.toContain('h3');
    expect(pricey).toContain('s1');
  });

  it('moves buried items to the end, keeping their order', () => {
    const out = search(new Pins([{ query: 'headphones', bury: ['h1', 'h2'] }]), 'headphones', undefined, ['h1', 'h2', 'h3', 'h4']);
    expect(out).toEqual(['h3', 'h4', 'h1', 'h2']);
  });

  it('applies a category rule to that category listing (blank query) only', () => {
    expect(search(pins, '', { category: 'Audio > Headphones' }, ['h1', 'h4', 'h2'])).toEqual(['h2', 'h1', 'h4']);
    expect(search(pins, '', { category: 'Audio' }, ['h1', 'h2'])).toEqual(['h1', 'h2']);
    expect(search(pins, 'wired', { category: 'Audio > Headphones' }, ['h1', 'h2'])).toEqual(['h1', 'h2']);
  });

  it('clamps a position past the end, skips unknown items, and says the store pinned it', () => {
    const p = new Pins([{ query: 'x', pin: [{ id: 'h2', position: 50 }, { id: 'nope', position: 0 }] }]);
    const ranked: Hit[] = [{ itemId: 'h1', reason: 'search' }];
    const out = p.apply(ranked, { query: 'x', category: undefined }, () => true, (id) => (id === 'h2' ? { itemId: id, reason: 'made' } : undefined));
    expect(out).toEqual([{ itemId: 'h1', reason: 'search' }, { itemId: 'h2', reason: PINNED_REASON }]);
  });

  it('refuses bad rules, naming the field', () => {
    const bad = (rule: unknown): string => {
      try {
        new Pins([rule as PinRule]);
      } catch (e) {
        if (e instanceof EdgeRecoError) return e.message;
      }
      return 'accepted';
    };
    expect(bad({ pin: [{ id: 'a', position: 0 }] })).toContain('search.pins[0]');
    expect(bad({ query: 'x', pin: [{ id: 'a', position: 1.5 }] })).toContain('search.pins[0].pin[0].position');
    expect(bad({ query: 'x', pin: [{ id: '', position: 1 }] })).toContain('search.pins[0].pin[0].id');
    expect(bad({ query: 'x', bury: [3] })).toContain('search.pins[0].bury[0]');
    expect(bad({ query: 'x', pinned: [] })).toContain('search.pins[0].pinned');
    expect(bad({ category: 'Audio', bury: ['a'] })).toBe('accepted');
  });
});
