import { describe, expect, it } from 'vitest';
import { EdgeRecoError } from '../../../src/core/errors.js';
import type { SynonymRule } from '../../../src/core/search-types.js';
import { SearchIndex } from '../../../src/search/index.js';

const CATALOG = [
  { id: 'tv1', title: 'Samsung 55 inch QLED TV', brand: 'Samsung', category: 'Displays', price: 900 },
  { id: 'tv2', title: 'LG OLED Television 65 inch', brand: 'LG', category: 'Displays', price: 1500 },
  { id: 'tv3', title: 'Philips Ambilight Television 50 inch', brand: 'Philips', category: 'Displays', price: 600 },
  { id: 'ph1', title: 'Leather cell phone case', brand: 'Spigen', category: 'Accessories', price: 20 },
  { id: 'ph2', title: 'Silicone mobile phone case', brand: 'OtterBox', category: 'Accessories', price: 25 },
  { id: 'ph3', title: 'Mobile charger 20W', brand: 'Anker', category: 'Accessories', price: 15 },
  { id: 'nb1', title: 'Lenovo IdeaPad notebook 15.6', brand: 'Lenovo', category: 'Computers', price: 500 },
  { id: 'lp1', title: 'Dell Inspiron laptop 14', brand: 'Dell', category: 'Computers', price: 700 },
  { id: 'zh1', title: '手机壳', brand: '小米', category: '手机配件', price: 10 },
  { id: 'zh2', title: '保护套', brand: '华为', category: '手机配件', price: 12 },
];

const RULES: SynonymRule[] = [
  { words: ['tv', 'television'] },
  { words: ['cell phone', 'mobile phone'] },
  { from: 'laptop', to: ['notebook'] },
  { words: ['手机壳', '保护套'] },
];
const index = new SearchIndex(CATALOG, { synonyms: RULES });
const plain = new SearchIndex(CATALOG);
// Only the items matching every word (AND_THEN_OR fills the rest of `k` with partial matches).
const ids = (i: SearchIndex, q: string, filters?: object) => {
  const answer = i.query(q, { k: 20, ...(filters ? { filters } : {}) });
  return answer.hits.slice(0, answer.total).map((h) => h.id).sort();
};

describe('Synonyms through SearchIndex', () => {
  it('two-way: "tv" finds the televisions and "television" finds the TV', () => {
    expect(ids(plain, 'tv')).toEqual(['tv1']);
    expect(ids(index, 'tv')).toEqual(['tv1', 'tv2', 'tv3']);
    expect(ids(index, 'television')).toEqual(['tv1', 'tv2', 'tv3']);
  });

  it('one-way: "laptop" also finds notebooks, "notebook" does not find laptops', () => {
    expect(ids(index, 'laptop')).toEqual(['lp1', 'nb1']);
    expect(ids(index, 'notebook')).toEqual(['nb1']);
  });

  it('multi-word: "cell phone case" finds the mobile phone case, and not the mobile charger', () => {
    expect(ids(plain, 'cell phone case')).toEqual(['ph1']);
    expect(ids(index, 'cell phone case')).toEqual(['ph1', 'ph2']);
    expect(ids(index, 'mobile phone case')).toEqual(['ph1', 'ph2']);
  });

  it('with a filter: the synonym widens the matches and the filter applies to them', () => {
    expect(ids(index, 'television', { brand: 'Samsung' })).toEqual(['tv1']);
    expect(ids(index, 'tv', { maxPrice: 1000 })).toEqual(['tv1', 'tv3']);
    expect(index.query('tv', { filters: { maxPrice: 1000 } }).total).toBe(2);
  });

  it('prefix still completes the last word after a synonym, and only the last word', () => {
    expect(ids(index, 'tv sams')).toEqual(['tv1']);
    expect(ids(index, 'tv phil')).toEqual(['tv3']);
    // The shopper is still typing "mob" only when it comes last.
    expect(ids(index, 'cell phone mob')).toEqual(['ph2']);
    expect(ids(index, 'mob cell phone')).toEqual([]);
    expect(ids(index, 'television lg ole')).toEqual(['tv2']);
  });

  it('Chinese: 手机壳 ⇄ 保护套 finds the item with only the other word', () => {
    expect(ids(index, '手机壳')).toEqual(['zh1', 'zh2']);
    expect(ids(index, '保护套')).toEqual(['zh1', 'zh2']);
  });

  it('leaves a query without synonyms as typed', () => {
    expect(ids(index, 'ideapad')).toEqual(ids(plain, 'ideapad'));
  });

  it('rejects a malformed rule, naming it', () => {
    for (const bad of [{ words: ['tv'] }, { from: '', to: ['x'] }, { from: 'a', to: [] }, { to: ['x'] }, { words: ['!!', 'tv'] }]) {
      let error: unknown;
      try {
        new SearchIndex(CATALOG, { synonyms: [RULES[0]!, bad as SynonymRule] });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(EdgeRecoError);
      expect(String((error as Error).message)).toContain('search.synonyms[1]');
    }
  });
});
