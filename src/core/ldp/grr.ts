import { checkEpsilon } from './epsilon.js';
import { randomBelow, type RandomSource } from './random-source.js';

/**
 * Generalized (k-ary) randomized response over a small public domain [0, d): the client reports its value with
 * probability p = e^ε / (e^ε + d − 1), else one of the other d − 1 values uniformly (each with q = 1 / (e^ε + d − 1)).
 * ε-LDP for the whole value: p / q = e^ε. The server counts each value and debiases. For a domain smaller than about
 * 3e^ε + 2 (24 at ε = 2) its count variance is below OLH's (Wang et al., USENIX Security 2017), which is why
 * experiment outcomes (arm × outcome level, 14 values for two arms) use it (DESIGN.md, "Experiments").
 */
export interface GrrParams {
  readonly epsilon: number;
  /** Domain size. */
  readonly d: number;
  /** Probability of reporting the true value. */
  readonly p: number;
  /** Probability of reporting one given other value. */
  readonly q: number;
}

/** The most values a GRR report may have: past ~3e^ε + 2, OLH is the better oracle anyway. */
export const GRR_MAX_DOMAIN = 64;

export function grrParams(epsilon: number, d: number): GrrParams {
  checkEpsilon(epsilon);
  if (!Number.isInteger(d) || d < 2 || d > GRR_MAX_DOMAIN) throw new RangeError(`edgereco: a GRR domain has 2 to ${GRR_MAX_DOMAIN} values (got ${d})`);
  const e = Math.exp(epsilon);
  return { epsilon, d, p: e / (e + d - 1), q: 1 / (e + d - 1) };
}

/** Privatizes `value` ∈ [0, d). `random` must be a CSPRNG outside tests and simulations. */
export function grrPerturb(value: number, params: GrrParams, random: RandomSource): number {
  if (random() < params.p) return value;
  const other = randomBelow(random, params.d - 1);
  return other >= value ? other + 1 : other;
}

/** Unbiased estimates of how many clients hold each value, from the reported counts (n = their sum). */
export function grrEstimates(counts: ArrayLike<number>, params: GrrParams): Float64Array {
  let n = 0;
  for (let j = 0; j < counts.length; j++) n += counts[j]!;
  const out = new Float64Array(params.d);
  for (let j = 0; j < params.d; j++) out[j] = ((counts[j] ?? 0) - n * params.q) / (params.p - params.q);
  return out;
}

/**
 * The variance of Σ_j w_j ĉ_j (ĉ the estimates) that the randomization adds, given how many clients truly hold each
 * value (`truth`; plug in the estimates, clipped at 0). Exact for independent reports: each client's report is one
 * categorical draw, so the variance is the sum over clients of Var(w_y) / (p − q)².
 */
export function grrLinearVariance(weights: ArrayLike<number>, truth: ArrayLike<number>, params: GrrParams): number {
  const { p, q, d } = params;
  let sum = 0;
  let squares = 0;
  for (let j = 0; j < d; j++) {
    sum += weights[j]!;
    squares += weights[j]! * weights[j]!;
  }
  let variance = 0;
  for (let v = 0; v < d; v++) {
    const n = Math.max(0, truth[v] ?? 0);
    if (n === 0) continue;
    const w = weights[v]!;
    const mean = q * sum + (p - q) * w;
    variance += n * (q * squares + (p - q) * w * w - mean * mean);
  }
  return variance / (p - q) ** 2;
}
