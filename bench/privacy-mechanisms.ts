/**
 * The frequency oracles the privacy bench compares (issue 16, item 4: an aggregator whose work per report is O(1)):
 *
 * - `olh-sketch`: the SDK's OLH (report v2): seeds from a public family of `seeds` functions, the server's state a
 *   fixed `seeds × g` array (src/core/ldp/olh-sketch.ts). O(1) per report, mergeable.
 * - `olh`: OLH as report v1 sent it, a fresh random 32-bit seed per report; the server tests every report against
 *   every candidate, O(reports × candidates). The reference.
 * - `hcms`: Apple's Hadamard count-mean sketch ("Learning with Privacy at Scale", 2017): the client picks one of k
 *   hash functions and one of m Hadamard coefficients of its one-hot row, and sends that ±1 coefficient through
 *   binary randomized response; the server adds k·c_ε·bit into a k × m array and applies a Hadamard transform per row.
 *   O(1) per report, mergeable, one bit per report.
 *
 * Each returns the unbiased count estimate of every candidate key from the keys the simulated clients privatize.
 */
import { olhHash, olhParams, olhPerturb, OlhSketch, randomBelow, randomUint32, type RandomSource } from '../src/core/ldp/index.js';

export const MECHANISMS = ['olh-sketch', 'olh', 'hcms'] as const;
export type Mechanism = (typeof MECHANISMS)[number];

/** k × m of the Hadamard count-mean sketch: 64 × 1,024 = 65,536 cells, the OLH sketch's size at ε = 2. */
export const HCMS_SHAPE = { k: 64, m: 1024 } as const;

export function estimateWith(mechanism: Mechanism, epsilon: number, candidates: Uint32Array, reported: Uint32Array, random: RandomSource): Float64Array {
  if (mechanism === 'olh-sketch') return olhSketch(epsilon, candidates, reported, random);
  if (mechanism === 'olh') return olhRandomSeeds(epsilon, candidates, reported, random);
  return hcms(epsilon, candidates, reported, random);
}

function olhSketch(epsilon: number, candidates: Uint32Array, reported: Uint32Array, random: RandomSource): Float64Array {
  const params = olhParams(epsilon);
  const sketch = new OlhSketch(params);
  for (const key of reported) {
    const { seed, value } = olhPerturb(key, params, random);
    sketch.add(seed, value);
  }
  return sketch.estimates(candidates);
}

function olhRandomSeeds(epsilon: number, candidates: Uint32Array, reported: Uint32Array, random: RandomSource): Float64Array {
  const { g, p, q } = olhParams(epsilon);
  const seeds = new Int32Array(reported.length);
  const values = new Int32Array(reported.length);
  reported.forEach((key, i) => {
    const seed = randomUint32(random);
    const bucket = olhHash(key, seed, g);
    seeds[i] = seed | 0;
    if (random() < p) values[i] = bucket;
    else {
      const other = randomBelow(random, g - 1);
      values[i] = other >= bucket ? other + 1 : other;
    }
  });
  const support = new Float64Array(candidates.length);
  const scale = g * 2 ** -32;
  const keys = Int32Array.from(candidates, (k) => k | 0);
  for (let i = 0; i < seeds.length; i++) {
    const seed = seeds[i]!;
    const value = values[i]!;
    for (let j = 0; j < keys.length; j++) {
      let h = keys[j]! ^ seed;
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      if (Math.floor((h >>> 0) * scale) === value) support[j]! += 1;
    }
  }
  const n = reported.length;
  return support.map((s) => (s - n * q) / (p - q));
}

function popcountParity(x: number): number {
  let v = x;
  v ^= v >>> 16;
  v ^= v >>> 8;
  v ^= v >>> 4;
  v ^= v >>> 2;
  v ^= v >>> 1;
  return v & 1;
}

function hcms(epsilon: number, candidates: Uint32Array, reported: Uint32Array, random: RandomSource): Float64Array {
  const { k, m } = HCMS_SHAPE;
  const e = Math.exp(epsilon);
  const c = (e + 1) / (e - 1);
  const keep = e / (e + 1);
  const hashSeed = (j: number) => Math.imul(j + 1, 0x9e3779b9) >>> 0;
  const sketch = new Float64Array(k * m);
  for (const key of reported) {
    const j = randomBelow(random, k);
    const l = randomBelow(random, m);
    const h = olhHash(key, hashSeed(j), m);
    const coefficient = popcountParity(l & h) === 0 ? 1 : -1;
    const bit = random() < keep ? coefficient : -coefficient;
    sketch[j * m + l]! += k * c * bit;
  }
  // Fast Walsh–Hadamard transform of each row: row[h] = Σ_l row[l] · (−1)^popcount(l & h).
  for (let j = 0; j < k; j++) {
    const base = j * m;
    for (let len = 1; len < m; len <<= 1) {
      for (let i = 0; i < m; i += len << 1) {
        for (let t = i; t < i + len; t++) {
          const a = sketch[base + t]!;
          const b = sketch[base + t + len]!;
          sketch[base + t] = a + b;
          sketch[base + t + len] = a - b;
        }
      }
    }
  }
  const n = reported.length;
  return Float64Array.from(candidates, (key) => {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += sketch[j * m + olhHash(key, hashSeed(j), m)]!;
    return (m / (m - 1)) * (sum / k - n / m);
  });
}
