import { describe, expect, it } from 'vitest';
import { ReportAggregator } from '../../../gateway/aggregator.js';
import { itemKey, olhParams, olhPerturb, seededRandom, type AggregateReport } from '../../../src/core/ldp/index.js';

function report(item: string, eps: number, random: () => number, n: number, period = '2026-11-26'): AggregateReport {
  const params = olhParams(eps);
  const { seed, value } = olhPerturb(itemKey(item), params, random);
  return { v: 1, id: `report-${String(n).padStart(10, '0')}`, period, kind: 'item', eps, mech: 'olh', g: params.g, seed, y: value };
}

describe('ReportAggregator', () => {
  it('counts a report id once, and sums unbiased estimates across ε values', () => {
    const random = seededRandom(3);
    const agg = new ReportAggregator();
    let n = 0;
    const reports: AggregateReport[] = [];
    for (let i = 0; i < 3000; i++) reports.push(report(i % 3 === 0 ? 'a' : i % 3 === 1 ? 'b' : `rare-${i}`, i % 2 === 0 ? 2 : 4, random, n++, i < 10 ? '2026-11-20' : '2026-11-26'));
    for (const r of reports) expect(agg.add(r)).toBe(true);
    for (const r of reports.slice(0, 500)) expect(agg.add(r)).toBe(false);
    expect(agg.duplicatesDropped).toBe(500);
    const bundle = agg.estimate({ items: ['a', 'b', 'c'] }, { minCount: 20, z: 3 }, Date.UTC(2026, 10, 27));
    expect(bundle.reports).toEqual({ item: 3000, pair: 0, query: 0, duplicatesDropped: 500 });
    expect(bundle.periods).toEqual({ from: '2026-11-20', to: '2026-11-26' });
    expect(bundle.generated).toBe('2026-11-27');
    const byId = new Map(bundle.items.map((i) => [i.itemId, i.count]));
    expect(byId.has('c')).toBe(false); // true count 0: below the support threshold
    for (const id of ['a', 'b']) expect(Math.abs(byId.get(id)! - 1000)).toBeLessThan(3 * bundle.threshold.item);
    expect(bundle.pairs).toEqual([]);
    expect(bundle.queries).toEqual([]);
  });
});
