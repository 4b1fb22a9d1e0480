import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createHadamardAggregator, hadamardEntry, hadamardParams, hadamardPerturb, hadamardVariance, seededRandom,
  walshHadamardTransform,
} from '../../../src/core/ldp/index.js';
import { EdgeRecoError } from '../../../src/core/errors.js';
import { FC, Z, arbitrarySetup, countsOf, drawValues, worstZ } from './helpers.js';

const CLIENTS = 20_000;

describe('Hadamard randomized response', () => {
  it('pads the domain to a power of two and refuses bad sizes and indexes', () => {
    expect(hadamardParams(2, 1000).size).toBe(1024);
    expect(hadamardParams(2, 1024).size).toBe(1024);
    expect(() => hadamardParams(2, 1)).toThrow(EdgeRecoError);
    expect(() => hadamardPerturb(1000, hadamardParams(2, 1000), seededRandom(1))).toThrow(EdgeRecoError);
  });

  it('the fast transform equals multiplying by the Hadamard matrix', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 16, maxLength: 16 }), (xs) => {
        const data = Float64Array.from(xs);
        walshHadamardTransform(data);
        for (let row = 0; row < 16; row++) {
          let expected = 0;
          for (let col = 0; col < 16; col++) expected += hadamardEntry(row, col) * (xs[col] as number);
          expect(data[row]).toBe(expected);
        }
      }),
      FC,
    );
  });

  it(`estimates every count without bias: each estimate within ${Z} standard deviations of the truth`, () => {
    fc.assert(
      fc.property(arbitrarySetup(200), ({ epsilon, d, skew, seed }) => {
        const random = seededRandom(seed);
        const params = hadamardParams(epsilon, d);
        const values = drawValues(random, d, CLIENTS, skew);
        const aggregator = createHadamardAggregator(params);
        for (const v of values) aggregator.add(hadamardPerturb(v, params, random));
        const counts = countsOf(values, d);
        expect(worstZ(aggregator.estimates(), counts, (c) => hadamardVariance(params, CLIENTS, c))).toBeLessThan(Z);
      }),
      FC,
    );
  });

  it('the same check catches a biased estimator (ε mis-stated by the client), so it can fail', () => {
    const random = seededRandom(3);
    const values = drawValues(random, 50, CLIENTS, 1);
    const told = hadamardParams(2, 50);
    const used = hadamardParams(3, 50);
    const aggregator = createHadamardAggregator(told);
    for (const v of values) aggregator.add(hadamardPerturb(v, used, random));
    expect(worstZ(aggregator.estimates(), countsOf(values, 50), (c) => hadamardVariance(told, CLIENTS, c))).toBeGreaterThan(Z);
  });
});
