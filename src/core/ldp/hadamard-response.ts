import { EdgeRecoError, ERROR_CODES, describeValue } from '../errors.js';
import { checkEpsilon } from './epsilon.js';
import { randomBelow, type RandomSource } from './random-source.js';

/**
 * Hadamard randomized response (one bit of a Hadamard codeword; Apple's "Hadamard count mean sketch" with a single
 * hash, and HRR in Cormode, Kulkarni, Srivastava, "Marginal release under local differential privacy", 2018). The
 * domain is indexed 0..d−1 (e.g. the item vocabulary of a model bundle) and padded to K, a power of two. The client
 * samples a column l of the K×K Hadamard matrix H, takes the bit H[v][l] ∈ {−1, +1} of its value's row, and keeps it
 * with probability e^ε / (e^ε + 1). Reports are one bit plus an index; the server sums the bits per column and
 * recovers every count at once with one fast Walsh–Hadamard transform, O(K log K).
 */
export interface HadamardParams {
  readonly epsilon: number;
  /** Size d of the indexed domain. */
  readonly domainSize: number;
  /** K: the smallest power of two ≥ d. */
  readonly size: number;
  /** Probability of reporting the true bit: e^ε / (e^ε + 1). */
  readonly p: number;
}

/** One privatized report: a column of H and the (randomized) bit there, 1 for +1 and 0 for −1. */
export interface HadamardReport {
  readonly column: number;
  readonly bit: 0 | 1;
}

/** The largest indexed domain: 2^24 values (a 128 MiB transform on the server). */
export const HADAMARD_MAX_SIZE = 2 ** 24;

export function hadamardParams(epsilon: number, domainSize: number): HadamardParams {
  checkEpsilon(epsilon);
  if (!Number.isInteger(domainSize) || domainSize < 2 || domainSize > HADAMARD_MAX_SIZE) {
    throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: domainSize must be an integer from 2 to ${HADAMARD_MAX_SIZE} (got ${describeValue(domainSize)})`, { details: { field: 'domainSize' } });
  }
  const e = Math.exp(epsilon);
  return { epsilon, domainSize, size: 2 ** Math.ceil(Math.log2(domainSize)), p: e / (e + 1) };
}

/** H[row][column] of the Sylvester Hadamard matrix, as +1 / −1: (−1)^popcount(row & column). */
export function hadamardEntry(row: number, column: number): 1 | -1 {
  let x = (row & column) >>> 0;
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1 ? -1 : 1;
}

/** Privatizes one value given by its index in [0, d). `random` must be a CSPRNG outside tests. */
export function hadamardPerturb(index: number, params: HadamardParams, random: RandomSource): HadamardReport {
  if (!Number.isInteger(index) || index < 0 || index >= params.domainSize) {
    throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: index must be an integer in [0, ${params.domainSize}) (got ${describeValue(index)})`, { details: { field: 'index' } });
  }
  const column = randomBelow(random, params.size);
  const truth = hadamardEntry(index, column) === 1;
  const keep = random() < params.p;
  return { column, bit: truth === keep ? 1 : 0 };
}

/** Variance of a count estimate over n reports, for a value with true count `count`: n · ((e^ε + 1) / (e^ε − 1))² − count. */
export function hadamardVariance(params: HadamardParams, n: number, count = 0): number {
  const c = 2 * params.p - 1;
  return n / (c * c) - count;
}

/** In-place fast Walsh–Hadamard transform (unnormalized); `data.length` must be a power of two. */
export function walshHadamardTransform(data: Float64Array): void {
  for (let h = 1; h < data.length; h *= 2) {
    for (let i = 0; i < data.length; i += 2 * h) {
      for (let j = i; j < i + h; j++) {
        const a = data[j] as number;
        const b = data[j + h] as number;
        data[j] = a + b;
        data[j + h] = a - b;
      }
    }
  }
}

export interface HadamardAggregator {
  add(report: HadamardReport): void;
  readonly reports: number;
  /** The unbiased count estimate of every index in [0, d). */
  estimates(): Float64Array;
}

export function createHadamardAggregator(params: HadamardParams): HadamardAggregator {
  const sums = new Float64Array(params.size);
  let n = 0;
  return {
    add(report) {
      sums[report.column]! += report.bit === 1 ? 1 : -1;
      n += 1;
    },
    get reports() {
      return n;
    },
    estimates() {
      const z = sums.slice();
      walshHadamardTransform(z);
      const scale = 1 / (2 * params.p - 1);
      return Float64Array.from(z.subarray(0, params.domainSize), (x) => x * scale);
    },
  };
}
