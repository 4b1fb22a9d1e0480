import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  itemKey, olhHash, olhParams, olhPerturb, olhSeed, olhSupports, olhVariance, OlhSketch, seededRandom, type OlhReport,
} from '../../../src/core/ldp/index.js';
import { EdgeRecoError } from '../../../src/core/errors.js';
import { FC, Z, arbitrarySetup, countsOf, drawValues, worstZ } from './helpers.js';

const CLIENTS = 4000;

function simulate(epsilon: number, d: number, skew: number, seed: number, clients = CLIENTS) {
  const random = seededRandom(seed);
  const params = olhParams(epsilon);
  const keys = Uint32Array.from({ length: d }, (_, j) => itemKey(`item-${j}`));
  const values = drawValues(random, d, clients, skew);
  const sketch = new OlhSketch(params);
  const reports: OlhReport[] = [];
  for (const v of values) {
    const report = olhPerturb(keys[v] as number, params, random);
    reports.push(report);
    sketch.add(report.seed, report.value);
  }
  return { params, keys, reports, sketch, counts: countsOf(values, d), estimates: sketch.estimates(keys), supports: sketch.supports(keys) };
}

describe('optimized local hashing over a public family of seeds', () => {
  it('picks g = round(e^ε) + 1 buckets, keeps the true bucket with probability e^ε / (e^ε + g − 1), and 8,192 seeds at ε = 2', () => {
    const params = olhParams(2);
    expect(params.g).toBe(8);
    expect(params.p).toBeCloseTo(Math.exp(2) / (Math.exp(2) + 7), 12);
    expect(params.seeds).toBe(8192);
    expect(olhParams(0.1).g).toBe(2);
    // The server's array stays near 2^16 counts whatever ε, never below 64 seeds.
    for (const eps of [0.1, 1, 2, 4, 8, 10]) {
      const { g, seeds } = olhParams(eps);
      expect(seeds).toBeGreaterThanOrEqual(64);
      if (seeds > 64) expect(seeds * g).toBeLessThanOrEqual(65_536);
    }
  });

  it('refuses an ε outside [0.1, 10] with a typed error', () => {
    for (const bad of [0, -1, 11, Number.NaN, Infinity]) expect(() => olhParams(bad)).toThrow(EdgeRecoError);
  });

  it('hashes into [0, g), uniformly over the family, and draws seeds uniformly from it', () => {
    const g = 8;
    const hits = new Array<number>(g).fill(0);
    for (let s = 0; s < 80_000; s++) hits[olhHash(itemKey('sku-1'), olhSeed(s), g)]! += 1;
    for (const h of hits) expect(Math.abs(h - 10_000)).toBeLessThan(Z * Math.sqrt(10_000 * (7 / 8)));
    const random = seededRandom(3);
    const params = olhParams(2);
    const halves = [0, 0];
    for (let i = 0; i < 20_000; i++) {
      const { seed } = olhPerturb(itemKey('sku-1'), params, random);
      expect(seed).toBeGreaterThanOrEqual(0);
      expect(seed).toBeLessThan(params.seeds);
      halves[seed < params.seeds / 2 ? 0 : 1]! += 1;
    }
    expect(Math.abs(halves[0]! - 10_000)).toBeLessThan(Z * Math.sqrt(5_000));
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

  it('the sketch counts what testing each report against each candidate counts (its O(1) fold loses nothing)', () => {
    const { keys, reports, supports, params } = simulate(2, 30, 1, 11, 2000);
    keys.forEach((key, j) => expect(supports[j]).toBe(reports.filter((r) => olhSupports(r, key, params.g)).length));
  });

  it('merges by addition: any split of the reports into sketches, merged in any order, gives the same counts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 2, max: 5 }), (seed, parts) => {
        const { params, reports, sketch } = simulate(2, 20, 1, seed, 600);
        const split = Array.from({ length: parts }, () => new OlhSketch(params));
        const random = seededRandom(seed + 1);
        for (const r of reports) split[Math.floor(random() * parts)]!.add(r.seed, r.value);
        const merged = new OlhSketch(params);
        for (const part of split.reverse()) merged.merge(part);
        expect(merged.reports).toBe(reports.length);
        expect(Buffer.from(merged.counts.buffer).equals(Buffer.from(sketch.counts.buffer))).toBe(true);
      }),
      { seed: 5, numRuns: 20 },
    );
    expect(() => new OlhSketch(olhParams(2)).merge(new OlhSketch(olhParams(4)))).toThrow(/cannot merge an OLH sketch at ε = 4 into one at ε = 2/);
  });

  it('the mean of repeated estimates converges to the true count, and its spread matches the analytic variance', () => {
    const runs = 300;
    const d = 6;
    const clients = 300;
    const sum = new Float64Array(d);
    const sumSq = new Float64Array(d);
    const params = olhParams(1.5);
    const keys = Uint32Array.from({ length: d }, (_, j) => itemKey(`item-${j}`));
    // Same true values every run (seed 7), fresh noise (seed 1000 + r).
    const values = drawValues(seededRandom(7), d, clients, 1);
    const counts = countsOf(values, d);
    for (let r = 0; r < runs; r++) {
      const random = seededRandom(1000 + r);
      const sketch = new OlhSketch(params);
      for (const v of values) {
        const { seed, value } = olhPerturb(keys[v] as number, params, random);
        sketch.add(seed, value);
      }
      sketch.estimates(keys).forEach((e, j) => {
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
    expect(worstZ(supports, counts, (c) => olhVariance(params, CLIENTS, c))).toBeGreaterThan(Z);
  });
});
