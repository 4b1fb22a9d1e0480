import fc from 'fast-check';
import { seededRandom, type RandomSource } from '../../../src/core/ldp/index.js';

/** The tolerance of every unbiasedness check: |estimate − truth| ≤ Z · (analytic standard deviation). */
export const Z = 4.5;

/** fast-check settings shared by the LDP property tests: a fixed seed, so a run repeats exactly. */
export const FC = { seed: 20_261_127, numRuns: 25 } as const;

/** True counts of `clients` values over a domain of `d`, drawn from Zipf-like weights so that some values are heavy. */
export function drawValues(random: RandomSource, d: number, clients: number, skew: number): Int32Array {
  const weights = Array.from({ length: d }, (_, i) => 1 / (i + 1) ** skew);
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf: number[] = [];
  let acc = 0;
  for (const w of weights) cdf.push((acc += w / total));
  const values = new Int32Array(clients);
  for (let i = 0; i < clients; i++) {
    const u = random();
    let j = 0;
    while (j < d - 1 && (cdf[j] as number) < u) j++;
    values[i] = j;
  }
  return values;
}

export function countsOf(values: Int32Array, d: number): Float64Array {
  const counts = new Float64Array(d);
  for (const v of values) counts[v]! += 1;
  return counts;
}

/** The largest |estimate − truth| / sd over the domain. */
export function worstZ(estimates: Float64Array, counts: Float64Array, variance: (count: number) => number): number {
  let worst = 0;
  for (let j = 0; j < counts.length; j++) {
    const count = counts[j] as number;
    worst = Math.max(worst, Math.abs((estimates[j] as number) - count) / Math.sqrt(variance(count)));
  }
  return worst;
}

export const arbitrarySetup = (maxDomain: number) =>
  fc.record({
    epsilon: fc.double({ min: 0.5, max: 6, noNaN: true }),
    d: fc.integer({ min: 2, max: maxDomain }),
    skew: fc.double({ min: 0, max: 1.5, noNaN: true }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });

export { seededRandom };
