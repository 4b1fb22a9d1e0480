import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createOlhAggregator, itemKey, olhHash, olhParams, olhPerturb, olhVariance, seededRandom,
} from '../../../src/core/ldp/index.js';
import { EdgeRecoError } from '../../../src/core/errors.js';
import { FC, Z, arbitrarySetup, countsOf, drawValues, worstZ } from './helpers.js';

const CLIENTS = 4000;

function simulate(epsilon: number, d: number, skew: number, seed: number, clients = CLIENTS) {
  const random = seededRandom(seed);
  const params = olhParams(epsilon);
  const keys = Uint32Array.from({ length: d }, (_, j) => itemKey(`item-${j}`));
  const values = drawValues(random, d, clients, skew);
  const aggregator = createOlhAggregator(params, keys);
  for (const v of values) aggregator.add(olhPerturb(keys[v] as number, params, random));
  return { params, counts: countsOf(values, d), estimates: aggregator.estimates(), supports: aggregator.supports() };
}

describe('optimized local hashing', () => {
  it('picks g = round(e^ε) + 1 buckets and keeps the true bucket with probability e^ε / (e^ε + g − 1)', () => {
    const params = olhParams(2);
    expect(params.g).toBe(8);
    expect(params.p).toBeCloseTo(Math.exp(2) / (Math.exp(2) + 7), 12);
    expect(olhParams(0.1).g).toBe(2);
  });

  it('refuses an ε outside [0.1, 10] with a typed error', () => {
    for (const bad of [0, -1, 11, Number.NaN, Infinity]) expect(() => olhParams(bad)).toThrow(EdgeRecoError);
  });

  it('hashes into [0, g), uniformly over seeds', () => {
    const random = seededRandom(1);
    const g = 8;
    const hits = new Array<number>(g).fill(0);
    for (let i = 0; i < 80_000; i++) hits[olhHash(itemKey('sku-1'), Math.floor(random() * 2 ** 32), g)]! += 1;
    for (const h of hits) expect(Math.abs(h - 10_000)).toBeLessThan(Z * Math.sqrt(10_000 * (7 / 8)));
  });

  it(`estimates every count without bias: each estimate within ${Z} standard deviations of the truth`, () => {
    fc.assert(
      fc.property(arbitrarySetup(40), ({ epsilon, d, skew, seed }) => {
        const { params, counts, estimates } = simulate(epsilon, d, skew, seed);
        expect(worstZ(estimates, counts, (c) => olhVariance(params, CLIENTS, c))).toBeLessThan(Z);
      }),
      FC,
    );
  });

  it('the mean of repeated estimates converges to the true count, and its spread matches the analytic variance', () => {
    const runs = 300;
    const d = 6;
    const clients = 300;
    const sum = new Float64Array(d);
    const sumSq = new Float64Array(d);
    let counts: Float64Array = new Float64Array(d);
    let params = olhParams(1.5);
    for (let r = 0; r < runs; r++) {
      // Same true values every run (seed 7), fresh noise (seed 1000 + r).
      const values = drawValues(seededRandom(7), d, clients, 1);
      counts = countsOf(values, d);
      const random = seededRandom(1000 + r);
      params = olhParams(1.5);
      const keys = Uint32Array.from({ length: d }, (_, j) => itemKey(`item-${j}`));
      const aggregator = createOlhAggregator(params, keys);
      for (const v of values) aggregator.add(olhPerturb(keys[v] as number, params, random));
      aggregator.estimates().forEach((e, j) => {
        sum[j]! += e;
        sumSq[j]! += e * e;
      });
    }
    for (let j = 0; j < d; j++) {
      const mean = (sum[j] as number) / runs;
      const variance = (sumSq[j] as number) / runs - mean * mean;
      const analytic = olhVariance(params, clients, counts[j]);
      expect(Math.abs(mean - (counts[j] as number))).toBeLessThan(Z * Math.sqrt(analytic / runs));
      expect(variance / analytic).toBeGreaterThan(0.7);
      expect(variance / analytic).toBeLessThan(1.4);
    }
  });

  it('the same check catches a biased estimator (raw support counts), so it can fail', () => {
    const { counts, supports, params } = simulate(2, 20, 1, 42);
    const naive = Float64Array.from(supports);
    expect(worstZ(naive, counts, (c) => olhVariance(params, CLIENTS, c))).toBeGreaterThan(Z);
  });
});
