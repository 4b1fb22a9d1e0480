import { olhEstimate, olhSeed, type OlhParams } from './olh.js';

const TWO_POW_MINUS_32 = 2 ** -32;

/**
 * The server's state of OLH reports of one kind and period: one count per (seed, bucket), `seeds × g` of them. Adding
 * a report is O(1) whatever the number of candidates; two sketches of the same parameters merge by adding their
 * counts (partitions, consumers, periods of a window), so the result does not depend on who counted what, or in
 * which order. Estimating a candidate costs `seeds` hash evaluations, once per priors bundle.
 */
export class OlhSketch {
  /** counts[seed · g + bucket]. */
  readonly counts: Uint32Array;
  /** Reports added (and merged in). */
  reports = 0;

  constructor(readonly params: OlhParams, counts?: Uint32Array) {
    const size = params.seeds * params.g;
    if (counts && counts.length !== size) throw new RangeError(`edgereco: an OLH sketch at ε = ${params.epsilon} has ${size} counts (got ${counts.length})`);
    this.counts = counts ?? new Uint32Array(size);
  }

  /** Adds one report; `seed` and `value` must be in range (checkAggregateReport sees to it). */
  add(seed: number, value: number): void {
    this.counts[seed * this.params.g + value]! += 1;
    this.reports += 1;
  }

  /** Whether `other` can be merged into this one: the same ε, buckets and family. */
  compatible(other: OlhSketch): boolean {
    return other.params.epsilon === this.params.epsilon && other.params.g === this.params.g && other.params.seeds === this.params.seeds;
  }

  /** Adds another sketch of the same parameters into this one. */
  merge(other: OlhSketch): void {
    if (!this.compatible(other)) throw new RangeError(`edgereco: cannot merge an OLH sketch at ε = ${other.params.epsilon} into one at ε = ${this.params.epsilon}`);
    const a = this.counts;
    const b = other.counts;
    for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
    this.reports += other.reports;
  }

  /** The support count of each candidate key: the reports whose function hashes it into the reported bucket. */
  supports(keys: Uint32Array): Float64Array {
    const { g, seeds } = this.params;
    const support = new Float64Array(keys.length);
    const sums = new Uint32Array(keys.length);
    // Int32 copies keep the hot loop in small integers; the hash is olhHash, inlined. Seed-major, so a seed's g counts
    // stay in cache while every key is hashed.
    const signed = new Int32Array(keys.buffer.slice(keys.byteOffset, keys.byteOffset + keys.byteLength));
    const scale = g * TWO_POW_MINUS_32;
    const counts = this.counts;
    for (let s = 0; s < seeds; s++) {
      const row = s * g;
      let empty = true;
      for (let b = 0; b < g; b++) if (counts[row + b] !== 0) empty = false;
      if (empty) continue;
      const seed = olhSeed(s) | 0;
      for (let j = 0; j < signed.length; j++) {
        let h = (signed[j] as number) ^ seed;
        h ^= h >>> 16;
        h = Math.imul(h, 0x85ebca6b);
        h ^= h >>> 13;
        h = Math.imul(h, 0xc2b2ae35);
        h ^= h >>> 16;
        // (h >>> 0) · scale is in [0, g): truncating is flooring.
        sums[j]! += counts[row + (((h >>> 0) * scale) | 0)]!;
      }
    }
    for (let j = 0; j < sums.length; j++) support[j] = sums[j]!;
    return support;
  }

  /** The unbiased count estimate of each candidate key. */
  estimates(keys: Uint32Array): Float64Array {
    return this.supports(keys).map((s) => olhEstimate(s, this.reports, this.params));
  }
}
