import { describe, expect, it } from 'vitest';
import { EdgeRecoError } from '../../../src/core/errors.js';
import type { FacetName, SearchFilters } from '../../../src/core/search-types.js';
import { countFacets, derivePriceRanges, nicePrice, validateFacets } from '../../../src/search/facets.js';
import { SearchIndex } from '../../../src/search/index.js';
import type { SearchItem } from '../../../src/search/search-item.js';

/** A seeded generator (mulberry32), so a failing catalog can be rebuilt. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['wireless', 'mouse', 'keyboard', 'cable', 'usb', 'laptop', 'bag', 'black', 'pro', 'mini'];
const BRANDS = ['Logitech', 'logitech', 'LOGITECH', 'Sony', 'Anker', 'sony'];
const CATEGORIES = ['Audio', 'Audio > Headphones', 'Audio > Speakers', 'Computers > Mice', 'Computers > Keyboards', 'Computers'];
const COLORS = ['Black', 'black', 'White', 'Red'];

function catalog(random: () => number, n: number): SearchItem[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const item: SearchItem = { id: `i${i}`, title: Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(WORDS)).join(' ') };
    if (random() < 0.9) item.brand = pick(BRANDS);
    if (random() < 0.9) item.category = pick(CATEGORIES);
    if (random() < 0.85) item.price = Math.round(random() * 30000) / 100;
    if (random() < 0.2) item.available = false;
    const attributes: Record<string, string | number | boolean> = {};
    if (random() < 0.7) attributes.color = pick(COLORS);
    if (random() < 0.5) attributes.bluetooth = random() < 0.5;
    if (random() < 0.5) attributes.watts = pick([5, 10, 20]);
    item.attributes = attributes;
    return item;
  });
}

function randomFilters(random: () => number): SearchFilters {
  const f: { -readonly [K in keyof SearchFilters]: SearchFilters[K] } = {};
  if (random() < 0.3) f.inStock = true;
  if (random() < 0.4) f.brand = random() < 0.5 ? 'sony' : ['LOGITECH', 'Anker'];
  if (random() < 0.3) f.category = random() < 0.5 ? 'Audio' : 'Computers > Mice';
  if (random() < 0.3) f.minPrice = Math.round(random() * 100);
  if (random() < 0.3) f.maxPrice = 100 + Math.round(random() * 150);
  const attributes: Record<string, string | number | boolean | string[]> = {};
  if (random() < 0.3) attributes.color = random() < 0.5 ? 'BLACK' : ['white', 'Red'];
  if (random() < 0.2) attributes.bluetooth = true;
  if (Object.keys(attributes).length > 0) f.attributes = attributes;
  return f;
}

type Check = (item: SearchItem) => boolean;

/** The filters, written out independently of search-filters.ts, keyed by the facet that owns each one. */
function bruteChecks(f: SearchFilters): { facet: string | undefined; check: Check }[] {
  const out: { facet: string | undefined; check: Check }[] = [];
  if (f.inStock) out.push({ facet: undefined, check: (i) => i.available !== false });
  if (f.brand !== undefined) {
    const bs = ([] as string[]).concat(f.brand).map((b) => b.toLowerCase());
    out.push({ facet: 'brand', check: (i) => i.brand !== undefined && bs.includes(i.brand.toLowerCase()) });
  }
  if (f.category !== undefined) {
    const c = f.category;
    out.push({ facet: 'category', check: (i) => i.category !== undefined && (i.category === c || i.category.startsWith(`${c} > `)) });
  }
  if (f.minPrice !== undefined || f.maxPrice !== undefined) {
    out.push({ facet: 'price', check: (i) => i.price !== undefined && i.price >= (f.minPrice ?? -Infinity) && i.price <= (f.maxPrice ?? Infinity) });
  }
  for (const [name, v] of Object.entries(f.attributes ?? {})) {
    const vs = ([] as unknown[]).concat(v).map((x) => String(x).toLowerCase());
    out.push({ facet: `attr:${name}`, check: (i) => i.attributes?.[name] !== undefined && vs.includes(String(i.attributes[name]).toLowerCase()) });
  }
  return out;
}

function bruteValues(items: SearchItem[], facet: FacetName, bounds: readonly number[]): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const item of items) {
    if (facet === 'brand' && item.brand !== undefined) add(item.brand.toLowerCase());
    else if (facet === 'category' && item.category !== undefined) {
      const parts = item.category.split(' > ');
      for (let n = 1; n <= parts.length; n++) add(parts.slice(0, n).join(' > ').toLowerCase());
    } else if (facet === 'price' && item.price !== undefined) {
      for (let r = bounds.length - 1; r >= 0; r--) {
        if (item.price >= bounds[r]!) {
          add(r === bounds.length - 1 ? `${bounds[r]}+` : `${bounds[r]}–${bounds[r + 1]}`);
          break;
        }
      }
    } else if (facet.startsWith('attr:')) {
      const v = item.attributes?.[facet.slice(5)];
      if (v !== undefined) add(String(v).toLowerCase());
    }
  }
  return counts;
}

describe('facets: exact against a brute-force count (property)', () => {
  it('counts every facet over the matching items with all filters but its own, and total over all filters', () => {
    const facets: FacetName[] = ['brand', 'category', 'price', 'attr:color', 'attr:bluetooth', 'attr:watts'];
    let checked = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const random = rng(seed);
      const items = catalog(random, 200);
      const index = new SearchIndex(items);
      const bounds = derivePriceRanges(items);
      const byId = new Map(items.map((i) => [i.id, i]));
      for (let q = 0; q < 15; q++) {
        const query = Array.from({ length: 1 + Math.floor(random() * 2) }, () => WORDS[Math.floor(random() * WORDS.length)]!).join(' ');
        const filters = randomFilters(random);
        const unfiltered = index.query(query, { k: items.length });
        const matched = unfiltered.hits.slice(0, unfiltered.total).map((h) => byId.get(h.id)!);
        const answer = index.query(query, { k: items.length, facets, filters });
        const checks = bruteChecks(filters);
        expect(answer.total, `seed ${seed} "${query}" ${JSON.stringify(filters)}`).toBe(matched.filter((i) => checks.every((c) => c.check(i))).length);
        for (const facet of facets) {
          const others = checks.filter((c) => c.facet !== facet);
          const expected = bruteValues(matched.filter((i) => others.every((c) => c.check(i))), facet, bounds);
          const got = new Map((answer.facets[facet] ?? []).map((v) => [v.value.toLowerCase(), v.count]));
          expect(got, `seed ${seed} "${query}" ${facet} ${JSON.stringify(filters)}`).toEqual(expected);
        }
        if (matched.length > 0) checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe('facets: values', () => {
  const items: SearchItem[] = [
    { id: 'a', title: 'x', brand: 'Sony', category: 'Audio > Headphones', price: 30, attributes: { color: 'Black', bluetooth: true, watts: 10 } },
    { id: 'b', title: 'x', brand: 'sony', category: 'Audio > Speakers', price: 60, attributes: { color: 'black' } },
    { id: 'c', title: 'x', brand: 'Sony', category: 'Audio', price: 250, attributes: { color: 'White', bluetooth: false } },
    { id: 'd', title: 'x', brand: 'Anker', attributes: { watts: 10 } },
  ];

  it('groups brands case-insensitively under the most common spelling, most frequent first', () => {
    expect(countFacets(items, undefined, ['brand'], []).brand).toEqual([
      { value: 'Sony', count: 3 },
      { value: 'Anker', count: 1 },
    ]);
  });

  it('counts every level of the category path', () => {
    expect(countFacets(items, undefined, ['category'], []).category).toEqual([
      { value: 'Audio', count: 3 },
      { value: 'Audio > Headphones', count: 1 },
      { value: 'Audio > Speakers', count: 1 },
    ]);
  });

  it('counts price ranges in order, with bounds to filter by; empty ranges and items without a price left out', () => {
    expect(countFacets(items, undefined, ['price'], [0, 25, 50, 100, 200]).price).toEqual([
      { value: '25–50', count: 1, min: 25, max: 50 },
      { value: '50–100', count: 1, min: 50, max: 100 },
      { value: '200+', count: 1, min: 200 },
    ]);
  });

  it('shows attribute numbers and flags as strings', () => {
    const f = countFacets(items, undefined, ['attr:bluetooth', 'attr:watts', 'attr:color'], []);
    expect(f['attr:bluetooth']).toEqual([{ value: 'false', count: 1 }, { value: 'true', count: 1 }]);
    expect(f['attr:watts']).toEqual([{ value: '10', count: 2 }]);
    expect(f['attr:color']).toEqual([{ value: 'Black', count: 2 }, { value: 'White', count: 1 }]);
  });

  it('a facet ignores its own filter: brand counts stay while a brand is chosen, the other facets narrow', () => {
    const f = countFacets(items, { brand: 'anker' }, ['brand', 'attr:watts'], []);
    expect(f.brand).toEqual([{ value: 'Sony', count: 3 }, { value: 'Anker', count: 1 }]);
    expect(f['attr:watts']).toEqual([{ value: '10', count: 1 }]);
  });

  it('a facet value fed back as a filter finds the items it counted', () => {
    const index = new SearchIndex(items.map((i) => ({ ...i, title: 'speaker' })));
    const answer = index.query('speaker', { facets: ['attr:bluetooth'] });
    const value = answer.facets['attr:bluetooth']!.find((v) => v.value === 'true')!;
    expect(index.query('speaker', { filters: { attributes: { bluetooth: value.value } } }).total).toBe(value.count);
  });
});

describe('facets: names and filters are checked', () => {
  const index = new SearchIndex([{ id: 'a', title: 'mouse' }]);
  const thrown = (fn: () => unknown): EdgeRecoError => {
    try {
      fn();
    } catch (e) {
      if (e instanceof EdgeRecoError) return e;
      throw e;
    }
    throw new Error('expected an EdgeRecoError');
  };

  it('refuses an unknown facet, naming it and the valid forms', () => {
    const e = thrown(() => index.query('mouse', { facets: ['brand', 'colour' as FacetName] }));
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.message).toContain('colour');
    expect(e.message).toContain('attr:NAME');
    expect(() => validateFacets(['attr:'])).toThrow(/attr:NAME/);
    expect(() => validateFacets(Array.from({ length: 11 }, () => 'brand'))).toThrow(/at most 10/);
  });

  it('refuses an unknown filter key, listing the known ones', () => {
    const e = thrown(() => index.query('mouse', { filters: { brnd: 'Sony' } as SearchFilters }));
    expect(e.message).toContain('filters.brnd');
    expect(e.message).toContain('attributes');
    expect(thrown(() => index.query('mouse', { filters: { attributes: { color: { a: 1 } } } as unknown as SearchFilters })).message).toContain('filters.attributes.color');
  });

  it('an attribute filter drops items without that attribute', () => {
    const i2 = new SearchIndex([{ id: 'a', title: 'mouse', attributes: { color: 'Black' } }, { id: 'b', title: 'mouse' }]);
    expect(i2.search('mouse', { filters: { attributes: { color: 'black' } } }).map((h) => h.id)).toEqual(['a']);
  });
});

describe('derivePriceRanges', () => {
  it('gives about five ranges with nice bounds from the price quantiles, and none without prices', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ id: `${i}`, price: (i * 37) % 500 }));
    const bounds = derivePriceRanges(items);
    expect(bounds[0]).toBe(0);
    expect(bounds.length).toBeGreaterThanOrEqual(4);
    expect(bounds.length).toBeLessThanOrEqual(5);
    for (const b of bounds.slice(1)) expect([1, 2, 2.5, 5]).toContain(b / 10 ** Math.floor(Math.log10(b)));
    expect(derivePriceRanges([{ id: 'x' }])).toEqual([]);
    expect(nicePrice(23.7)).toBe(25);
    expect(nicePrice(0.43)).toBe(0.5);
  });
});
