import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../../../src/sync/backoff.js';

describe('backoffDelay', () => {
  it('doubles per attempt between half and all of base·2^attempt, and caps at maxMs', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(DEFAULT_BACKOFF.maxMs, DEFAULT_BACKOFF.baseMs * 2 ** attempt);
      expect(backoffDelay(attempt, () => 0)).toBe(ceiling / 2);
      expect(backoffDelay(attempt, () => 0.999999)).toBeLessThanOrEqual(ceiling);
      expect(backoffDelay(attempt, () => 0.999999)).toBeGreaterThan(ceiling * 0.99);
    }
    expect(backoffDelay(1_000, () => 0.5)).toBe(Math.round(DEFAULT_BACKOFF.maxMs * 0.75));
    expect(backoffDelay(-3, () => 0)).toBe(500);
  });

  it('spreads browsers: the jitter is uniform over the upper half', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = Array.from({ length: 4000 }, () => backoffDelay(3, random, { baseMs: 1000, maxMs: 60_000 }));
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(4000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(8000);
    expect(mean).toBeGreaterThan(5900);
    expect(mean).toBeLessThan(6100);
    expect(new Set(delays).size).toBeGreaterThan(1000);
  });
});
