import { createError, ERROR_CODES } from '../errors.js';

/**
 * A source of uniform random numbers in [0, 1). The privatizing side must use {@link cryptoRandom} (a predictable
 * generator would let anyone undo the noise); tests and simulations use {@link seededRandom} so runs repeat.
 */
export type RandomSource = () => number;

const TWO_POW_32 = 0x1_0000_0000;

/** A uniform unsigned 32-bit integer. */
export function randomUint32(random: RandomSource): number {
  return Math.floor(random() * TWO_POW_32) >>> 0;
}

/** A uniform integer in [0, n). */
export function randomBelow(random: RandomSource, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}

/**
 * Random numbers from the platform's CSPRNG (`crypto.getRandomValues`, in browsers, workers and Node 19+), drawn 256 at
 * a time. Read lazily, so importing this module touches no global.
 */
export function cryptoRandom(): RandomSource {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  if (!c?.getRandomValues) {
    throw createError(ERROR_CODES.NOT_AVAILABLE, { what: 'local differential privacy needs crypto.getRandomValues, which this platform lacks', fix: 'sync stays off' });
  }
  const getRandomValues = c.getRandomValues.bind(c);
  const buffer = new Uint32Array(256);
  let next = buffer.length;
  return () => {
    if (next === buffer.length) {
      getRandomValues(buffer);
      next = 0;
    }
    return (buffer[next++] as number) / TWO_POW_32;
  };
}

/** mulberry32: a small, fast, seeded generator for tests and benches. Not for privatizing real data. */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  };
}
