import { describe, expect, it } from 'vitest';
import { buildPriors } from '../../../gateway/priors-build.js';
import { bundlePrivacy } from '../../../gateway/privacy-accounting.js';
import { itemKey, olhParams, olhPerturb, OlhSketch, seededRandom, utcDay } from '../../../src/core/ldp/index.js';
import { shuffledEpsilon } from '../../../src/core/ldp/shuffle-amplification.js';

const NOW = Date.UTC(2026, 10, 27, 12);

function day(period: string, epsilon: number, counts: { item: number; pair: number; query: number }) {
  const params = olhParams(epsilon);
  const random = seededRandom(7);
  const sketches = (['item', 'pair', 'query'] as const).map((kind) => {
    const sketch = new OlhSketch(params);
    for (let i = 0; i < counts[kind]; i++) {
      const r = olhPerturb(itemKey(`v${i % 50}`), params, random);
      sketch.add(r.seed, r.value);
    }
    return { kind, sketch };
  });
  return { period, duplicates: 0, falseDropRate: 0, sketches };
}

describe('the privacy figures of a priors bundle', () => {
  it('states the local ε alone when reports may come straight to the gateway', () => {
    const bundle = buildPriors([day(utcDay(NOW), 2, { item: 3000, pair: 1500, query: 1500 })], { items: ['v1'] }, {}, NOW);
    expect(bundle.version).toBe(4);
    expect(bundle.privacy).toEqual({ mode: 'local', localEpsilon: { item: 2, pair: 2, query: 2 }, reportsPerPeriod: 2, localEpsilonPerPeriod: 4, centralEpsilon: null, delta: null, fewestReports: null, bound: null, mustNotCollude: [] });
  });

  it('through the relay: the central ε of the worst period, the item report among its kind plus the larger of pair and query', () => {
    const periods = [day(utcDay(NOW), 5, { item: 4000, pair: 2100, query: 1900 }), day(utcDay(NOW - 86_400_000), 5, { item: 3000, pair: 1500, query: 1400 })];
    const bundle = buildPriors(periods, { items: ['v1'] }, { transport: 'relay', epsilon: { item: 5, pair: 5, query: 5 } }, NOW);
    const expected = shuffledEpsilon(3000, 5, 5e-7) + shuffledEpsilon(1400, 5, 5e-7);
    expect(bundle.privacy!.mode).toBe('shuffled');
    expect(bundle.privacy!.centralEpsilon).toBeCloseTo(expected, 2);
    expect(bundle.privacy!.centralEpsilon).toBeLessThan(10);
    expect(bundle.privacy!.fewestReports).toBe(1400);
    expect(bundle.privacy!.delta).toBe(1e-6);
    expect(bundle.privacy!.mustNotCollude).toEqual(['relay', 'gateway']);
  });

  it("an experiment's outcome reports count as the period's second report, among their own (smaller) crowd", () => {
    const eps = { item: 2, pair: 2, query: 2 };
    const without = bundlePrivacy([{ counts: { item: 30000, pair: 15000, query: 15000 } }], eps, 'relay');
    const withOutcomes = bundlePrivacy([{ counts: { item: 30000, pair: 15000, query: 15000 }, outcomes: 300 }], eps, 'relay', 1e-6, 2);
    expect(withOutcomes.centralEpsilon).toBeCloseTo(shuffledEpsilon(30000, 2, 5e-7) + shuffledEpsilon(300, 2, 5e-7), 2);
    expect(withOutcomes.centralEpsilon!).toBeGreaterThan(without.centralEpsilon!);
    expect(withOutcomes.fewestReports).toBe(300);
  });

  it('a crowd of one hides nothing: the central figure is then the local one', () => {
    const privacy = bundlePrivacy([{ counts: { item: 1, pair: 1, query: 0 } }], { item: 5, pair: 5, query: 5 }, 'relay');
    expect(privacy.centralEpsilon).toBe(10);
    expect(privacy.localEpsilonPerPeriod).toBe(10);
  });
});
