import { describe, expect, it } from 'vitest';
import { parseCatalogCsv } from '../../src/core/catalog-csv.js';
import { EdgeRecoError, type Recommendation } from '../../src/core/index.js';
import { parsePriors } from '../../src/core/priors.js';
import { applyRules } from '../../src/worker/business-rules.js';
import { CatalogIndex } from '../../src/worker/catalog-index.js';

describe('catalog CSV', () => {
  it('reads the columns it knows, attributes from attr: columns, and names the CSV line of a bad row', () => {
    const csv = 'id,title,category,brand,price,available,attr:colour\nm1,"Mug, red",Kitchen > Mugs,Acme,3.5,true,Red\nm2,Mug blue,Kitchen > Mugs,,4,0,\n';
    expect(parseCatalogCsv(csv).items).toEqual([
      { id: 'm1', title: 'Mug, red', category: 'Kitchen > Mugs', brand: 'Acme', price: 3.5, available: true, attributes: { colour: 'Red' } },
      { id: 'm2', title: 'Mug blue', category: 'Kitchen > Mugs', price: 4, available: false },
    ]);
    // A bad row is left out, named by row, field and CSV line; the good rows stay.
    const checked = parseCatalogCsv('id,price\na,1\n\nb,-2\nc,"1,5"\nd,2\n');
    expect(checked.items.map((i) => i.id)).toEqual(['a', 'd']);
    expect(checked.total).toBe(4);
    const [error, wide] = checked.skipped as [EdgeRecoError, EdgeRecoError];
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toBe('edgereco: catalog[1].price must be a number ≥ 0 (got -2), in item "b" (CSV line 4)');
    expect(error.details).toMatchObject({ row: 1, field: 'price', item: 'b', line: 4 });
    expect(wide.message).toMatch(/^edgereco: catalog\[2\]\.price must be a number ≥ 0 \(got NaN\)/);
    expect(() => parseCatalogCsv('sku,title\n')).toThrowError('needs a header with an "id" column');
    expect(() => parseCatalogCsv('id,colour\n')).toThrowError('unknown column "colour"');
  });
});

describe('priors bundle', () => {
  const ok = {
    format: 'edgereco-priors', version: 1, generated: '2026-11-27', periods: { from: '2026-11-20', to: '2026-11-26' },
    reports: { item: 900, pair: 400, query: 500, duplicatesDropped: 3 }, threshold: { item: 40, pair: 40, query: 40 },
    items: [{ itemId: 'a', count: 120 }], pairs: [{ items: ['a', 'b'], count: 60 }], queries: [{ query: 'mug', count: 80 }],
  };
  const kind = (candidates: number) => ({ candidates, window: { days: 7, from: '2026-11-20', to: '2026-11-26' }, epsilon: [2], reports: 900, sigma: 25.5, z: 5.4, threshold: 157.7 });
  const v2 = {
    ...ok, version: 2, threshold: { item: 157.7, pair: 157.7, query: 157.7 },
    publication: { rule: 'bonferroni-bernstein', alpha: 0.01, minCount: 20, candidates: 5000, falseDropRate: 0, kinds: { item: kind(1000), pair: kind(3000), query: kind(1000) } },
  };
  const v3 = {
    ...v2, version: 3,
    privacy: { mode: 'shuffled', localEpsilon: { item: 5.44, pair: 5.44, query: 5.44 }, reportsPerPeriod: 2, localEpsilonPerPeriod: 10.88, centralEpsilon: 1.994, delta: 1e-6, fewestReports: 15438, bound: 'FMT21', mustNotCollude: ['relay', 'gateway'] },
  };
  it('accepts the versioned formats the aggregator writes (4, and 1 to 3 from earlier aggregators) and refuses others', () => {
    // Before version 4 every entry came from private reports: it is read as such.
    const labelled = <T extends object>(bundle: T) => ({
      ...bundle,
      items: [{ itemId: 'a', count: 120, source: 'private-reports' }],
      pairs: [{ items: ['a', 'b'], count: 60, source: 'private-reports' }],
      queries: [{ query: 'mug', count: 80, source: 'private-reports' }],
    });
    expect(parsePriors(ok)).toEqual(labelled(ok));
    expect(parsePriors(v2)).toEqual(labelled(v2));
    expect(parsePriors(v3)).toEqual(labelled(v3));
    const v4 = { ...labelled(v3), version: 4 };
    expect(parsePriors(v4)).toEqual(v4);
    expect(() => parsePriors({ ...v3, privacy: { ...v3.privacy, centralEpsilon: null } })).toThrowError('privacy.centralEpsilon must be a finite number');
    expect(() => parsePriors({ ...v3, privacy: undefined })).toThrowError('privacy.mode must be "local" or "shuffled"');
    expect(() => parsePriors({ ...v2, publication: { ...v2.publication, rule: 'three-sigma' } })).toThrowError('publication.rule must be "bonferroni-bernstein"');
    expect(() => parsePriors({ ...ok, version: 6 })).toThrowError("priors bundle version 6 is not supported");
    expect(() => parsePriors({ ...ok, items: [{ itemId: 'a', count: 'x' }] })).toThrowError('items[0].count must be a finite number');
    expect(() => parsePriors({ ...ok, pairs: [{ items: ['a'], count: 1 }] })).toThrowError('pairs[0].items must be two item ids');
    expect(() => parsePriors([])).toThrowError('is not an edgereco priors bundle');
  });
});

describe('business rules', () => {
  const catalog = new CatalogIndex([
    { id: 'a1', brand: 'Acme', category: 'Kitchen' },
    { id: 'a2', brand: 'Acme', category: 'Kitchen' },
    { id: 'a3', brand: 'Acme', category: 'Garden' },
    { id: 'b1', brand: 'Bolt', category: 'Kitchen' },
    { id: 'c1', brand: 'Cora', category: 'Garden' },
  ]);
  const ranked: Recommendation[] = ['a1', 'a2', 'a3', 'b1', 'c1'].map((itemId, i) => ({ itemId, score: 5 - i, reason: '', source: 'model', attributionId: 'x' }));
  it('caps results per brand and per category, keeping the order otherwise', () => {
    expect(applyRules(ranked, catalog, { maxPerBrand: 1 }, 3).map((r) => r.itemId)).toEqual(['a1', 'b1', 'c1']);
    expect(applyRules(ranked, catalog, { maxPerCategory: 1 }, 3).map((r) => r.itemId)).toEqual(['a1', 'a3']);
    expect(applyRules(ranked, catalog, {}, 3).map((r) => r.itemId)).toEqual(['a1', 'a2', 'a3']);
  });
  it('boosts matching items by a factor', () => {
    expect(applyRules(ranked, catalog, { boosts: [{ brand: 'Cora', factor: 10 }] }, 2).map((r) => r.itemId)).toEqual(['c1', 'a1']);
    expect(applyRules(ranked, catalog, { boosts: [{ category: 'Garden', factor: 2 }] }, 2).map((r) => r.itemId)).toEqual(['a3', 'a1']);
  });
});
