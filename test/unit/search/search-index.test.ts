import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { EdgeRecoError } from '../../../src/core/errors.js';
import { SearchIndex } from '../../../src/search/index.js';

const FIXTURE: unknown[] = JSON.parse(readFileSync(new URL('../../fixtures/search/products.json', import.meta.url), 'utf8'));
const ids = (index: SearchIndex, query: string, k = 5) => index.search(query, { k }).map((h) => h.id);

function thrown(fn: () => unknown): EdgeRecoError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EdgeRecoError) return error;
    throw error;
  }
  throw new Error('expected an EdgeRecoError');
}

describe('SearchIndex: retrieval', () => {
  const index = new SearchIndex(FIXTURE);

  it('tolerates typos: "wireles mouse" finds the wireless mice first', () => {
    expect(new Set(ids(index, 'wireles mouse', 2))).toEqual(new Set(['m1', 'm2']));
    expect(ids(index, 'wireless mouse', 2)).toEqual(ids(index, 'wireles mouse', 2));
    expect(ids(index, 'keybaord', 2).sort()).toEqual(['k1', 'k2']);
  });

  it('never corrects model numbers or words the catalog knows', () => {
    expect(ids(index, 'tn-2110')).toEqual(['p2']);
    expect(ids(index, 'tn2110')).toEqual(['p2']);
    expect(ids(index, '2100')).toEqual([]);
    // "cable" is a catalog word, so it is taken as typed and does not match "table"; the unknown "cabke" is corrected.
    expect(ids(index, 'cable', 10)).not.toContain('f1');
    expect(ids(index, 'cabke', 10).sort()).toEqual(['c1', 'c2', 'c3']);
  });

  it('matches the last term as a prefix, as the shopper types', () => {
    expect(ids(index, 'headph', 1)).toEqual(['h1']);
    expect(ids(index, 'logit', 5).sort()).toEqual(['k1', 'm1']);
    expect(ids(index, 'wireless keyb', 1)).toEqual(['k1']);
  });

  it('folds plurals and solid compounds: "batteries" finds "battery", "wifi" finds "Wi-Fi"', () => {
    expect(ids(index, 'batteries', 5).sort()).toEqual(['b1', 'b2']);
    expect(ids(index, 'wifi', 5).sort()).toEqual(['p1', 'w1']);
  });

  it('weighs fields by their boosts: a title match outranks a description match, unless description is boosted', () => {
    expect(ids(index, 'laptop', 1)).toEqual(['l2']); // "Laptop Bag" (title) before "Notebook … Laptop with" (description)
    const descriptionFirst = new SearchIndex(FIXTURE, { boost: { title: 0.1, description: 10 } });
    expect(ids(descriptionFirst, 'laptop', 1)).not.toEqual(['l2']);
    const brandOnly = new SearchIndex(FIXTURE, { boost: { title: 0, brand: 1, category: 0, attributes: 0, description: 0 } });
    expect(ids(brandOnly, 'brother', 5).sort()).toEqual(['p1', 'p2']);
  });

  it('filters by stock, brand, category and price', () => {
    expect(index.search('mouse', { k: 10, filters: { brand: 'logitech' } }).map((h) => h.id)).toEqual(['m1']);
    expect(index.search('cable', { k: 10, filters: { category: 'Cables & adapters' } })).toHaveLength(3);
    expect(index.search('mouse', { k: 10, filters: { maxPrice: 10 } }).map((h) => h.id).sort()).toEqual(['m3', 'x1']);
    expect(thrown(() => index.search('mouse', { filters: { minPrice: Number.NaN } })).message).toContain('filters.minPrice');
  });

  it('returns nothing for a blank query and refuses a bad k', () => {
    expect(index.search('   ')).toEqual([]);
    expect(thrown(() => index.search('mouse', { k: 0 })).code).toBe('INVALID_OPTION');
  });
});

describe('SearchIndex: incremental updates', () => {
  it('builds in slices without blocking, with the same results as a one-shot build', async () => {
    const index = await SearchIndex.create(FIXTURE, {}, 0);
    expect(index.size).toBe(FIXTURE.length);
    expect(ids(index, 'wireles mouse')).toEqual(ids(new SearchIndex(FIXTURE), 'wireles mouse'));
    expect(index.suggest('wir')[0]?.text).toBe('wireless');
  });

  it('adds, replaces and removes items without a rebuild', () => {
    const index = new SearchIndex(FIXTURE);
    expect(ids(index, 'trackball')).toEqual([]);
    index.add([{ id: 't9', title: 'Kensington Orbit Trackball', category: 'Input devices > Mice', brand: 'Kensington' }]);
    expect(ids(index, 'trackball')).toEqual(['t9']);
    expect(index.size).toBe(FIXTURE.length + 1);

    index.add([{ id: 't9', title: 'Kensington Orbit Vertical Mouse', category: 'Input devices > Mice', brand: 'Kensington' }]);
    expect(ids(index, 'trackball')).toEqual([]);
    expect(ids(index, 'vertical mouse', 1)).toEqual(['t9']);
    expect(index.size).toBe(FIXTURE.length + 1);

    expect(index.remove(['t9', 'm1', 'nope'])).toBe(2);
    expect(ids(index, 'vertical', 5)).toEqual([]);
    expect(ids(index, 'wireless mouse', 5)).not.toContain('m1');
    expect(index.get('m1')).toBeUndefined();
  });

  it('changes price and stock in place; filters see it at once', () => {
    const index = new SearchIndex(FIXTURE);
    expect(index.search('mouse', { k: 10, filters: { inStock: true } }).map((h) => h.id)).toContain('m3');
    index.update('m3', { available: false, price: 99 });
    expect(index.search('mouse', { k: 10, filters: { inStock: true } }).map((h) => h.id)).not.toContain('m3');
    expect(index.search('mouse', { k: 10, filters: { minPrice: 50 } }).map((h) => h.id)).toEqual(['m3']);
    expect(index.get('m3')?.price).toBe(99);
    expect(thrown(() => index.update('zzz', { price: 1 })).message).toContain('"zzz"');
    expect(thrown(() => index.update('m3', { price: -1 })).details.field).toBe('price');
  });
});

describe('SearchIndex: catalog validation', () => {
  it('names the offending row and field', () => {
    const rows = [{ id: 'a', title: 'ok' }, { id: 'b', title: 'fine' }, { id: 'c', price: 'cheap' }];
    const error = thrown(() => new SearchIndex(rows));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toMatch(/^edgereco: catalog\[2\]\.price must be a number/);
    expect(error.details).toMatchObject({ row: 2, field: 'price' });
  });

  it('checks description and attributes too', () => {
    expect(thrown(() => new SearchIndex([{ id: 'a' }, { id: 'b', description: 7 }])).message).toContain('catalog[1].description must be a string');
    const bad = thrown(() => new SearchIndex([{ id: 'a', attributes: { colour: ['red', 'blue'] } }]));
    expect(bad.message).toContain('catalog[0].attributes.colour must be a string, number or boolean (got an array of 2)');
    expect(thrown(() => new SearchIndex([{ id: 'a' }, { id: 'a' }])).message).toContain('catalog[1].id must be unique');
  });

  it('validates rows given to add() and leaves the index as it was', () => {
    const index = new SearchIndex(FIXTURE);
    expect(thrown(() => index.add([{ id: 'n1', title: 'New' }, { title: 'no id' }])).message).toContain('catalog[1].id');
    expect(index.get('n1')).toBeUndefined();
  });

  it('refuses bad options by name', () => {
    expect(thrown(() => new SearchIndex([], { boost: { colour: 2 } as never })).message).toContain('search.boost.colour');
    expect(thrown(() => new SearchIndex([], { combineWith: 'XOR' as never })).details.field).toBe('search.combineWith');
  });
});

describe('SearchIndex: AND, then OR to fill up to k (the default), in one search', () => {
  // The Icecat catalog: many items share words, so AND matches, OR fill, ties and filters all occur.
  const items = JSON.parse(gunzipSync(readFileSync(new URL('../../../demo/data/icecat/catalog.json.gz', import.meta.url))).toString()).items.slice(0, 4000);
  const both = new SearchIndex(items);
  const and = new SearchIndex(items, { combineWith: 'AND' });
  const or = new SearchIndex(items, { combineWith: 'OR' });

  it.each(['usb cable', 'toner cartridge black', 'wireless mouse', 'laptop bag 15', 'hp', 'ink cartridge cyan magenta', 'qqq cable'])('%s: the AND matches in order, then the OR matches, as two searches give them', (query) => {
    for (const request of [{ k: 20 }, { k: 200 }, { k: 50, filters: { maxPrice: 100 } }, { k: 30, facets: ['brand' as const] }]) {
      const answer = both.query(query, request);
      const strict = and.query(query, request);
      const loose = or.query(query, { ...request, k: 10_000 });
      const strictIds = strict.hits.map((h) => h.id);
      const fill = loose.hits.map((h) => h.id).filter((id) => !strictIds.includes(id));
      expect(answer.hits.map((h) => h.id)).toEqual([...strictIds, ...fill].slice(0, request.k));
      expect(answer.hits.map((h) => h.score)).toEqual(expect.arrayContaining(strict.hits.map((h) => h.score)));
      expect(answer.total).toBe(strict.total);
      expect(answer.facets).toEqual(strict.facets);
    }
  });
});

describe('SearchIndex: a word every item holds (a single-brand store)', () => {
  // 1,500 items, every one "Acme …": the brand in every title. Words of every frequency (a number: one item; "vintage":
  // six; "large": one in seven; a colour: one in five), so that the items matching some of the words rank as they did.
  const colors = ['red', 'blue', 'green', 'black', 'white'];
  const types = ['mug', 'lamp', 'chair', 'desk', 'shelf', 'rug'];
  const items = Array.from({ length: 1500 }, (_, i) => ({ id: `a${i}`, title: `Acme ${colors[i % 5]} ${types[Math.floor(i / 5) % 6]}${i % 7 === 0 ? ' large' : ''}${i % 250 === 3 ? ' vintage' : ''} ${i}`, brand: 'Acme' }));
  const index = new SearchIndex(items);

  it.each(['acme red mug', 'acme mug 17', 'acme large red', 'red acme mug', 'acme zzz mug', 'acme red mug large', 'acme blue lamp large 35', 'acme vintage red mug', 'acme vintage large red', 'acme acme vintage red mug', 'acme vintage mug acme'])('%s: the same items in the same order as the search that reads every item', (query) => {
    // k past the fill the word is kept for: the search with every word, as before.
    const all = index.query(query, { k: 1_001 });
    const byScore = new Map(all.hits.map((h) => [h.id, h.score]));
    for (const k of [5, 20, 300]) {
      const answer = index.query(query, { k });
      expect(answer.total).toBe(all.total);
      const got = answer.hits.map((h) => h.id);
      expect(got).toHaveLength(Math.min(k, all.hits.length));
      // The items matching every word, in the same order; then the fill ranked by the same scores (ties may swap).
      expect(got.slice(0, Math.min(k, all.total))).toEqual(all.hits.slice(0, Math.min(k, all.total)).map((h) => h.id));
      const scores = got.map((id) => byScore.get(id) ?? 0);
      scores.forEach((s, i) => i > 0 && expect(s).toBeLessThanOrEqual(scores[i - 1]! * (1 + 1e-6) + 1e-9));
      const expectedScores = all.hits.slice(0, got.length).map((h) => h.score);
      scores.forEach((s, i) => expect(s).toBeCloseTo(expectedScores[i]!, 6));
    }
  });
});
