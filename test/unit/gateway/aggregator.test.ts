import { describe, expect, it } from 'vitest';
import { ReportAggregator } from '../../../gateway/aggregator.js';
import { resolveReportPolicy } from '../../../gateway/report-policy.js';
import {
  itemKey, olhParams, olhPerturb, olhVariance, OlhSketch, pairKey, queryKey, randomUint32, seededRandom, type OlhWireReport, type RandomSource, type ReportKind,
} from '../../../src/core/ldp/index.js';

const NOW = Date.UTC(2026, 10, 27, 12);
const DAY = 86_400_000;
const day = (ago: number) => new Date(NOW - ago * DAY).toISOString().slice(0, 10);

function report(kind: ReportKind, key: number, eps: number, random: RandomSource, n: number, period = day(1)): OlhWireReport {
  const params = olhParams(eps);
  const { seed, value } = olhPerturb(key, params, random);
  return { v: 2, id: `report-${String(n).padStart(10, '0')}`, period, kind, eps, mech: 'olh', g: params.g, seed, y: value };
}

describe('ReportAggregator (fold into per-period sketches, publication rule)', () => {
  it('counts a report id once per period, estimates without bias, and publishes what is really popular', () => {
    const random = seededRandom(3);
    const agg = new ReportAggregator(resolveReportPolicy({ epsilon: 4 }), () => NOW);
    const reports = Array.from({ length: 3000 }, (_, i) => report('item', itemKey(i % 3 === 0 ? 'a' : i % 3 === 1 ? 'b' : `rare-${i}`), 4, random, i, i < 10 ? day(6) : day(1)));
    for (const r of reports) expect(agg.add(r)).toBe('counted');
    for (const r of reports.slice(0, 500)) expect(agg.add(r)).toBe('duplicate');
    const bundle = agg.estimate({ items: ['a', 'b', 'c'] });
    expect(bundle.reports).toEqual({ item: 3000, pair: 0, query: 0, duplicatesDropped: 500 });
    expect(bundle.periods).toEqual({ from: day(6), to: day(1) });
    expect(bundle.generated).toBe(day(0));
    expect(bundle.items.map((i) => i.itemId).sort()).toEqual(['a', 'b']); // c: true count 0
    const sd = Math.sqrt(olhVariance(olhParams(4), 3000, 1000));
    for (const { count } of bundle.items) expect(Math.abs(count - 1000)).toBeLessThan(4.5 * sd);
    // The rule and what it was applied with are in the bundle.
    expect(bundle.publication).toMatchObject({ rule: 'bonferroni-bernstein', alpha: 0.01, minCount: 20, candidates: 3 + 3 });
    expect(bundle.publication!.kinds.item).toMatchObject({ candidates: 3, epsilon: [4], reports: 3000, window: { days: 7, from: day(6), to: day(1) } });
    expect(bundle.threshold.item).toBe(bundle.publication!.kinds.item.threshold);
    expect(bundle.threshold.item).toBeGreaterThan(20 + 3 * bundle.publication!.kinds.item.sigma);
  });

  it('never counts a report of another ε than the site\'s, or of a period outside the window', () => {
    const random = seededRandom(4);
    const agg = new ReportAggregator(resolveReportPolicy({ epsilon: 2, retentionDays: 30 }), () => NOW);
    // 18 reports at ε = 0.1 were enough to publish an item nobody viewed when the aggregator trusted each report's ε.
    for (let i = 0; i < 18; i++) expect(agg.add(report('item', itemKey('ghost'), 0.1, random, i))).toBe('refused');
    expect(agg.add(report('item', itemKey('ghost'), 2, random, 100, '2000-01-01'))).toBe('refused');
    expect(agg.add(report('item', itemKey('ghost'), 2, random, 101, day(31)))).toBe('refused');
    expect(agg.add(report('item', itemKey('ghost'), 2, random, 102, day(-1)))).toBe('refused');
    expect(agg.add(report('item', itemKey('ghost'), 2, random, 103, day(30)))).toBe('counted');
    expect(agg.add({ ...report('item', itemKey('ghost'), 2, random, 104), mech: 'hadamard' })).toBe('invalid');
    expect(agg.counts).toMatchObject({ counted: 1, refused: 21, invalid: 1 });
  });

  it('merges the last 7 days for trending items and the last 30 for popular queries', () => {
    const random = seededRandom(5);
    const agg = new ReportAggregator(resolveReportPolicy({ epsilon: 4 }), () => NOW);
    let n = 0;
    for (let i = 0; i < 1500; i++) agg.add(report('item', itemKey('old-hit'), 4, random, n++, day(10)));
    for (let i = 0; i < 1500; i++) agg.add(report('query', queryKey('old query'), 4, random, n++, day(10)));
    for (let i = 0; i < 1500; i++) agg.add(report('item', itemKey('new-hit'), 4, random, n++, day(2)));
    const bundle = agg.estimate({ items: ['old-hit', 'new-hit'], queries: ['old query'] });
    expect(bundle.items.map((i) => i.itemId)).toEqual(['new-hit']);
    expect(bundle.queries.map((q) => q.query)).toEqual(['old query']);
    expect(bundle.publication!.kinds.item.window).toEqual({ days: 7, from: day(2), to: day(2) });
    expect(bundle.publication!.kinds.query.window).toEqual({ days: 30, from: day(10), to: day(10) });
  });

  it('with no honest signal at all (every shopper reports a random value), 20 seeded runs publish 0 entries in total', () => {
    // A reduced Games-like population (bench/publication.ts runs the full one): 5,000 shoppers in a day, each with an item
    // report (a random catalog item) and a coin-flipped pair (a random key) or query (a random dictionary query) report,
    // at the site's ε = 2, against 5,000 items, the 4,950 pairs of the top 100 and 2,000 queries. No candidate's
    // expected count comes near 20 (items 1, queries 1.25), so every published entry would be false.
    const ITEMS = Array.from({ length: 5000 }, (_, i) => `sku-${i}`);
    const QUERIES = Array.from({ length: 2000 }, (_, i) => `query ${i}`);
    const itemKeys = Uint32Array.from(ITEMS, itemKey);
    let published = 0;
    let oldRule = 0;
    for (let run = 0; run < 20; run++) {
      const random = seededRandom(20_261_127 + run);
      const agg = new ReportAggregator(undefined, () => NOW);
      const params = olhParams(2);
      const itemSketch = new OlhSketch(params);
      let n = 0;
      for (let shopper = 0; shopper < 5_000; shopper++) {
        const item = report('item', itemKeys[Math.floor(random() * ITEMS.length)]!, 2, random, n++);
        expect(agg.add(item)).toBe('counted');
        itemSketch.add(item.seed, item.y);
        const second = random() < 0.5
          ? report('pair', randomUint32(random), 2, random, n++)
          : report('query', queryKey(QUERIES[Math.floor(random() * QUERIES.length)]!), 2, random, n++);
        agg.add(second);
      }
      const bundle = agg.estimate({ items: ITEMS, queries: QUERIES });
      published += bundle.items.length + bundle.pairs.length + bundle.queries.length;
      // The rule this replaces (each candidate on its own: max(20, 3σ)) on the same reports.
      const sigma = Math.sqrt(olhVariance(params, itemSketch.reports));
      oldRule += itemSketch.estimates(itemKeys).filter((e) => e >= Math.max(20, 3 * sigma)).length;
      expect(bundle.publication!.candidates).toBe(5000 + 4950 + 2000);
    }
    expect(published).toBe(0);
    expect(oldRule).toBeGreaterThan(20); // several per run: what the publication rule is there to stop
  }, 60_000);

  it('the pairs and queries of the bundle: candidates among the top items, and the store\'s query list', () => {
    const random = seededRandom(6);
    const agg = new ReportAggregator(resolveReportPolicy({ epsilon: 4 }), () => NOW);
    let n = 0;
    for (let i = 0; i < 2000; i++) agg.add(report('item', itemKey(i % 2 ? 'mug' : 'cup'), 4, random, n++));
    for (let i = 0; i < 1000; i++) agg.add(report('pair', i < 700 ? pairKey('mug', 'cup') : randomUint32(random), 4, random, n++));
    for (let i = 0; i < 1000; i++) agg.add(report('query', i < 600 ? queryKey('Red  Mug ') : randomUint32(random), 4, random, n++));
    const bundle = agg.estimate({ items: ['mug', 'cup', 'plate'], queries: ['red mug', 'blue cup'] });
    expect(bundle.pairs.map((p) => p.items)).toEqual([['cup', 'mug']]);
    expect(bundle.queries.map((q) => q.query)).toEqual(['red mug']);
  });
});
