import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  closedFormLimit, largestLocalEpsilon, logGamma, shuffleDelta, shuffledEpsilon, shuffledEpsilonClosedForm,
} from '../../../src/core/ldp/shuffle-amplification.js';

const DELTA = 1e-6;

describe('privacy amplification by shuffling (Feldman, McMillan & Talwar, FOCS 2021)', () => {
  it('ln Γ matches factorials', () => {
    let logFactorial = 0;
    for (let k = 1; k <= 170; k++) {
      logFactorial += Math.log(k);
      expect(logGamma(k + 1)).toBeCloseTo(logFactorial, 8);
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });

  it('one report alone is not amplified: δ(ε) is randomized response at ε0, (e^ε0 − e^ε)/(e^ε0 + 1)', () => {
    for (const [e0, e] of [[3, 1], [2, 0], [6, 5.5], [0.5, 0.2]] as const) {
      expect(shuffleDelta(1, e0, e)).toBeCloseTo((Math.exp(e0) - Math.exp(e)) / (Math.exp(e0) + 1), 12);
    }
    expect(shuffledEpsilon(1, 4, DELTA)).toBeCloseTo(4, 3);
  });

  it('two reports: one other sender, a clone with probability e^−ε0, gives the exact mixture', () => {
    const e0 = 2;
    const e = 1;
    const a = Math.exp(e0) / (Math.exp(e0) + 1);
    const pClone = Math.exp(-e0);
    const alone = a - Math.exp(e) * (1 - a);
    // With one clone, P = (a/2, 1/2, (1−a)/2), Q = ((1−a)/2, 1/2, a/2) over the clone count A + Δ ∈ {0, 1, 2}.
    const withClone = Math.max(0, a / 2 - (Math.exp(e) * (1 - a)) / 2) + Math.max(0, 0.5 - Math.exp(e) * 0.5);
    expect(shuffleDelta(2, e0, e)).toBeCloseTo((1 - pClone) * alone + pClone * withClone, 12);
  });

  it('the closed form holds only up to log(n / (16 log(2/δ))): about 4.89 at n = 30,983, δ = 10⁻⁶', () => {
    expect(closedFormLimit(30_983, DELTA)).toBeCloseTo(4.894, 3);
    expect(shuffledEpsilonClosedForm(30_983, 4.8, DELTA)).not.toBeNull();
    expect(shuffledEpsilonClosedForm(30_983, 5, DELTA)).toBeNull();
  });

  it('the numerical bound is never above the closed form where the closed form holds, nor above ε0', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5_000, max: 200_000 }), fc.double({ min: 0.5, max: 1, noNaN: true }), (n, share) => {
        const e0 = share * closedFormLimit(n, DELTA);
        const closed = shuffledEpsilonClosedForm(n, e0, DELTA)!;
        const numeric = shuffledEpsilon(n, e0, DELTA);
        expect(numeric).toBeLessThanOrEqual(closed + 1e-4);
        expect(numeric).toBeLessThanOrEqual(e0);
      }),
      { numRuns: 12, seed: 16 },
    );
  });

  it('more senders amplify more, a larger ε0 less, and δ falls as ε grows', () => {
    const at = (n: number, e0: number) => shuffledEpsilon(n, e0, DELTA);
    expect(at(10_000, 5)).toBeGreaterThan(at(30_000, 5));
    expect(at(30_000, 5)).toBeGreaterThan(at(300_000, 5));
    expect(at(30_983, 4)).toBeLessThan(at(30_983, 5));
    expect(at(30_983, 5)).toBeLessThan(at(30_983, 6));
    let previous = 1;
    for (const e of [0.1, 0.5, 1, 2, 3]) {
      const d = shuffleDelta(30_983, 6, e);
      expect(d).toBeLessThanOrEqual(previous);
      previous = d;
    }
  });

  it('the Games figures: ε0 = 6.74 keeps one report per shopper within ε = 2; ε0 = 8 is not amplified (too few clones)', () => {
    expect(largestLocalEpsilon(30_983, 2, DELTA)).toBeCloseTo(6.74, 2);
    expect(shuffledEpsilon(30_983, 6.74, DELTA)).toBeLessThanOrEqual(2);
    expect(shuffledEpsilon(30_983, 8, DELTA)).toBeGreaterThan(7.9);
  });
});
