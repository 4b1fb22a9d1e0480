import { checkEpsilon } from './epsilon.js';
import { fmix32 } from './item-key.js';
import { randomBelow, randomUint32, type RandomSource } from './random-source.js';

/**
 * Optimized local hashing (OLH; Wang, Blocki, Li, Jha, "Locally Differentially Private Protocols for Frequency
 * Estimation", USENIX Security 2017). The client hashes its value's key with a fresh random seed into g = round(e^ε) + 1
 * buckets and reports (seed, bucket) through g-ary randomized response. The server counts, for each candidate value,
 * the reports whose seed hashes it into the reported bucket ("support") and debiases. The client never needs the
 * domain, so the same oracle serves items, item pairs and free-text queries.
 */
export interface OlhParams {
  readonly epsilon: number;
  /** Number of hash buckets: round(e^ε) + 1, at least 2. */
  readonly g: number;
  /** Probability that the reported bucket is the true one: e^ε / (e^ε + g − 1). */
  readonly p: number;
  /** Probability that a report supports a value other than the client's: 1 / g. */
  readonly q: number;
}

/** One privatized report: the hash seed and the (randomized) bucket. */
export interface OlhReport {
  readonly seed: number;
  readonly value: number;
}

export function olhParams(epsilon: number): OlhParams {
  checkEpsilon(epsilon);
  const e = Math.exp(epsilon);
  const g = Math.max(2, Math.round(e) + 1);
  return { epsilon, g, p: e / (e + g - 1), q: 1 / g };
}

const TWO_POW_MINUS_32 = 2 ** -32;

/** The seeded hash of a 32-bit key into [0, g). */
export function olhHash(key: number, seed: number, g: number): number {
  return Math.floor(fmix32((key ^ seed) >>> 0) * g * TWO_POW_MINUS_32);
}

/** Privatizes one value (given by its 32-bit key, see `itemKey`). `random` must be a CSPRNG outside tests. */
export function olhPerturb(key: number, params: OlhParams, random: RandomSource): OlhReport {
  const seed = randomUint32(random);
  const bucket = olhHash(key, seed, params.g);
  if (random() < params.p) return { seed, value: bucket };
  // One of the other g − 1 buckets, uniformly.
  const other = randomBelow(random, params.g - 1);
  return { seed, value: other >= bucket ? other + 1 : other };
}

/** Whether a report supports the value with this key. */
export function olhSupports(report: OlhReport, key: number, g: number): boolean {
  return olhHash(key, report.seed, g) === report.value;
}

/** The unbiased count estimate from a support count over n reports. */
export function olhEstimate(support: number, n: number, params: OlhParams): number {
  return (support - n * params.q) / (params.p - params.q);
}

/** Variance of a count estimate over n reports, for a value with true count `count` (≈ n·q(1−q)/(p−q)² when rare). */
export function olhVariance(params: OlhParams, n: number, count = 0): number {
  const { p, q } = params;
  return (n * q * (1 - q) + count * (p * (1 - p) - q * (1 - q))) / (p - q) ** 2;
}

/** Accumulates reports and estimates the count of every candidate value (given by its key). O(reports × candidates). */
export interface OlhAggregator {
  add(report: OlhReport): void;
  readonly reports: number;
  /** The support count of each candidate, in the order of `keys`. */
  supports(): Uint32Array;
  /** The unbiased count estimate of each candidate, in the order of `keys`. */
  estimates(): Float64Array;
}

export function createOlhAggregator(params: OlhParams, keys: Uint32Array): OlhAggregator {
  const support = new Uint32Array(keys.length);
  // Int32 copies keep the hot loop in small integers (no boxed doubles); the hash is olhHash, inlined.
  const signedKeys = new Int32Array(keys.buffer.slice(keys.byteOffset, keys.byteOffset + keys.byteLength));
  const scale = params.g * TWO_POW_MINUS_32;
  let n = 0;
  return {
    add(report) {
      const seed = report.seed | 0;
      const value = report.value;
      for (let j = 0; j < signedKeys.length; j++) {
        let h = (signedKeys[j] as number) ^ seed;
        h ^= h >>> 16;
        h = Math.imul(h, 0x85ebca6b);
        h ^= h >>> 13;
        h = Math.imul(h, 0xc2b2ae35);
        h ^= h >>> 16;
        if (Math.floor((h >>> 0) * scale) === value) support[j]! += 1;
      }
      n += 1;
    },
    get reports() {
      return n;
    },
    supports: () => support.slice(),
    estimates: () => Float64Array.from(support, (s) => olhEstimate(s, n, params)),
  };
}
