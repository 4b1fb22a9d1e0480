import { checkEpsilon } from './epsilon.js';
import { fmix32 } from './item-key.js';
import { randomBelow, type RandomSource } from './random-source.js';

/**
 * Optimized local hashing (OLH; Wang, Blocki, Li, Jha, "Locally Differentially Private Protocols for Frequency
 * Estimation", USENIX Security 2017). The client hashes its value's key with a hash function drawn from a public
 * family into g = round(e^ε) + 1 buckets and reports (seed, bucket) through g-ary randomized response. The server
 * counts, for each candidate value, the reports whose hash puts it into the reported bucket ("support") and debiases.
 * The client never needs the domain, so the same oracle serves items, item pairs and free-text queries.
 *
 * The family is finite (report version 2): `seeds` functions, so the server keeps one count per (seed, bucket), a
 * fixed-size array it fills in O(1) per report and merges by addition (see olh-sketch.ts). ε-LDP holds for any fixed
 * hash function, so a public, finite family costs no privacy; it adds a small hash-collision term to the estimate's
 * error, which shrinks with seeds × (g − 1) (DESIGN.md, "Privacy and sync").
 */
export interface OlhParams {
  readonly epsilon: number;
  /** Number of hash buckets: round(e^ε) + 1, at least 2. */
  readonly g: number;
  /** Probability that the reported bucket is the true one: e^ε / (e^ε + g − 1). */
  readonly p: number;
  /** Probability that a report supports a value other than the client's: 1 / g. */
  readonly q: number;
  /** Size of the public hash family: the client draws its seed from [0, seeds). See {@link olhSeedCount}. */
  readonly seeds: number;
}

/** One privatized report: the index of the hash function in the family and the (randomized) bucket. */
export interface OlhReport {
  readonly seed: number;
  readonly value: number;
}

/** Cells of the server's array per report kind and period that {@link olhSeedCount} aims at: seeds × g ≈ 2^16. */
export const OLH_SKETCH_CELLS = 65_536;

/**
 * The family size for g buckets: 2^16 / (g rounded up to a power of two), at least 64. 8,192 seeds at ε = 2 (g = 8),
 * 16,384 at ε = 1, 1,024 at ε = 4, 64 at ε = 8; the server's array per kind and period then holds 57,000–190,000
 * counts. Part of the report format's definition: SDK and gateway must agree on it.
 */
export function olhSeedCount(g: number): number {
  return Math.max(64, OLH_SKETCH_CELLS / 2 ** Math.ceil(Math.log2(g)));
}

export function olhParams(epsilon: number): OlhParams {
  checkEpsilon(epsilon);
  const e = Math.exp(epsilon);
  const g = Math.max(2, Math.round(e) + 1);
  return { epsilon, g, p: e / (e + g - 1), q: 1 / g, seeds: olhSeedCount(g) };
}

/** The 32-bit hash seed of the family's function number `index` (a fixed, public expansion of the index). */
export function olhSeed(index: number): number {
  return fmix32((Math.imul(index + 1, 0x9e3779b9) ^ 0x7f4a7c15) >>> 0);
}

const TWO_POW_MINUS_32 = 2 ** -32;

/** The hash of a 32-bit key into [0, g) under a 32-bit hash seed (see {@link olhSeed}). */
export function olhHash(key: number, seed: number, g: number): number {
  return Math.floor(fmix32((key ^ seed) >>> 0) * g * TWO_POW_MINUS_32);
}

/** Privatizes one value (given by its 32-bit key, see `itemKey`). `random` must be a CSPRNG outside tests. */
export function olhPerturb(key: number, params: OlhParams, random: RandomSource): OlhReport {
  const seed = randomBelow(random, params.seeds);
  const bucket = olhHash(key, olhSeed(seed), params.g);
  if (random() < params.p) return { seed, value: bucket };
  // One of the other g − 1 buckets, uniformly.
  const other = randomBelow(random, params.g - 1);
  return { seed, value: other >= bucket ? other + 1 : other };
}

/** Whether a report supports the value with this key. */
export function olhSupports(report: OlhReport, key: number, g: number): boolean {
  return olhHash(key, olhSeed(report.seed), g) === report.value;
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
