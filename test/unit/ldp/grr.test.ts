import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grrEstimates, grrLinearVariance, grrParams, grrPerturb, seededRandom } from '../../../src/core/ldp/index.js';
import { FC, Z, arbitrarySetup, countsOf, drawValues, worstZ } from './helpers.js';

function simulate(epsilon: number, d: number, values: Int32Array, seed: number) {
  const random = seededRandom(seed);
  const params = grrParams(epsilon, d);
  const reported = new Float64Array(d);
  for (const v of values) reported[grrPerturb(v, params, random)]! += 1;
  return { params, estimates: grrEstimates(reported, params) };
}

describe('randomized response over a small domain (GRR)', () => {
  it('keeps the true value with probability e^ε / (e^ε + d − 1): the likelihood ratio of any two values is e^ε', () => {
    const params = grrParams(2, 14);
    expect(params.p).toBeCloseTo(Math.exp(2) / (Math.exp(2) + 13), 12);
    expect(params.p / params.q).toBeCloseTo(Math.exp(2), 9);
    const random = seededRandom(5);
    const out = new Array<number>(14).fill(0);
    for (let i = 0; i < 70_000; i++) out[grrPerturb(3, params, random)]! += 1;
    expect(Math.abs(out[3]! - 70_000 * params.p)).toBeLessThan(Z * Math.sqrt(70_000 * params.p * (1 - params.p)));
    for (const [v, n] of out.entries()) if (v !== 3) expect(Math.abs(n - 70_000 * params.q)).toBeLessThan(Z * Math.sqrt(70_000 * params.q));
  });

  it('refuses a domain of one value or past 64, and an ε outside [0.1, 10]', () => {
    expect(() => grrParams(2, 1)).toThrow(RangeError);
    expect(() => grrParams(2, 65)).toThrow(RangeError);
    expect(() => grrParams(0, 4)).toThrow(/epsilon/);
  });

  it('estimates every count without bias, within the variance grrLinearVariance gives (property, seeded)', () => {
    fc.assert(
      fc.property(arbitrarySetup(30), ({ epsilon, d, skew, seed }) => {
        const values = drawValues(seededRandom(seed), d, 4000, skew);
        const counts = countsOf(values, d);
        const { params, estimates } = simulate(epsilon, d, values, seed + 1);
        const unit = (j: number) => Float64Array.from({ length: d }, (_, i) => (i === j ? 1 : 0));
        const variances = Array.from({ length: d }, (_, j) => grrLinearVariance(unit(j), counts, params));
        let k = 0;
        expect(worstZ(estimates, counts, () => variances[k++]!)).toBeLessThan(Z);
      }),
      FC,
    );
  });

  it('gives the variance of a linear statistic that simulation measures (200 runs, a difference of two cells)', () => {
    const d = 8;
    const values = drawValues(seededRandom(9), d, 2000, 1);
    const counts = countsOf(values, d);
    const params = grrParams(1.5, d);
    const w = Float64Array.from([1, 0, -1, 0, 0, 0, 0.5, 0]);
    const stats: number[] = [];
    for (let run = 0; run < 200; run++) {
      const { estimates } = simulate(1.5, d, values, 100 + run);
      stats.push(estimates.reduce((s, e, j) => s + w[j]! * e, 0));
    }
    const mean = stats.reduce((a, b) => a + b, 0) / stats.length;
    const empirical = stats.reduce((s, x) => s + (x - mean) ** 2, 0) / (stats.length - 1);
    const analytic = grrLinearVariance(w, counts, params);
    const truth = counts[0]! - counts[2]! + 0.5 * counts[6]!;
    expect(Math.abs(mean - truth)).toBeLessThan(Z * Math.sqrt(analytic / stats.length));
    // The sample variance of 200 draws is within ±30% of the truth with overwhelming probability.
    expect(empirical / analytic).toBeGreaterThan(0.7);
    expect(empirical / analytic).toBeLessThan(1.3);
  });
});
