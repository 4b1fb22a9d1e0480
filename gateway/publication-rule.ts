import { olhVariance, type OlhParams } from '../src/core/ldp/olh.js';

/**
 * The publication rule (priors bundle `publication.rule` "bonferroni-bernstein"). An entry is false when its true
 * count is below `minCount`. A bundle estimates m candidates in all; each is published only when its estimate is at
 * least `minCount + margin`, where the margin bounds the estimate's noise above its truth with probability 1 − α/m.
 * By the union bound (Bonferroni) the chance that any published entry is false is at most α, and so is the expected
 * number of false entries. (The earlier rule, max(20, 3σ) per candidate with no correction for their number, let
 * about 32 of 23,715 noise items through on the Games simulation.)
 *
 * The margin comes from Bernstein's inequality, not a normal quantile: an estimate is a sum of independent
 * per-report terms, each within `bound` of its mean, with variance `variance`, so
 *   P(noise ≥ t) ≤ exp(−t² / (2·variance + 2·bound·t/3)),
 * which holds at any number of reports (a normal approximation understates the binomial tail when reports are few).
 */
export interface EstimateNoise {
  /** Variance of an estimate at a true count of `minCount`. */
  variance: number;
  /** The most one report can move an estimate above its mean. */
  bound: number;
}

/** The t with P(noise ≥ t) ≤ α / m by Bernstein's inequality: b·L/3 + √((b·L/3)² + 2·v·L), L = ln(m / α). */
export function publicationMargin(noise: EstimateNoise, candidates: number, alpha: number): number {
  if (candidates <= 0) return 0;
  const L = Math.log(candidates / alpha);
  const a = (noise.bound * L) / 3;
  return a + Math.sqrt(a * a + 2 * noise.variance * L);
}

/**
 * The noise of a kind's estimates, summed over its report groups (one per ε; one in practice), at a true count of
 * `minCount`. `collisionVariance` is the hash-family term (see priors-build.ts).
 */
export function estimateNoise(groups: readonly { params: OlhParams; reports: number }[], minCount: number, collisionVariance = 0): EstimateNoise {
  let variance = collisionVariance;
  let bound = 0;
  for (const { params, reports } of groups) {
    variance += Math.max(olhVariance(params, reports, 0), olhVariance(params, reports, minCount));
    bound = Math.max(bound, 1 / (params.p - params.q));
  }
  return { variance, bound };
}
