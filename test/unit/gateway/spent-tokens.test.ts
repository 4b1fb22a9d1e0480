import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpentTokens, type Fingerprint } from '../../../gateway/spent-tokens.js';

const fp = (n: number): Fingerprint => [Math.floor(n / 4_294_967_296) >>> 0, n >>> 0];

describe('spent tokens of one key: bounded memory, retries told from reuse', () => {
  it('tells a new token, the same report again, and a second report apart', () => {
    const spent = new SpentTokens(10);
    expect(spent.check(fp(1), fp(100))).toBe('new');
    spent.add(fp(1), fp(100));
    expect(spent.check(fp(1), fp(100))).toBe('replay');
    expect(spent.check(fp(1), fp(101))).toBe('spent');
    expect(spent.check(fp(2), fp(100))).toBe('new');
  });

  it('holds at most its capacity, and everything it took, across growth (property)', () => {
    fc.assert(
      // Nonces from 1: the nonce 0:0 marks an empty slot and by design shares 0:1's entry (2^-64 apart for random
      // nonces), so a draw holding both 0 and 1 counted one token twice (seed -1156213242 found it).
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 2 ** 40 }), { minLength: 1, maxLength: 12_000 }), fc.integer({ min: 1, max: 10_000 }), (nonces, capacity) => {
        const spent = new SpentTokens(capacity);
        const taken: number[] = [];
        for (const n of nonces) if (spent.add(fp(n), fp(n + 7))) taken.push(n);
        expect(taken.length).toBe(Math.min(capacity, nonces.length));
        expect(spent.size).toBe(taken.length);
        for (const n of taken) expect(spent.check(fp(n), fp(n + 7))).toBe('replay');
        for (const n of nonces.slice(taken.length)) expect(spent.check(fp(n), fp(n + 7))).toBe('new');
      }),
      { numRuns: 20 },
    );
  });
});
