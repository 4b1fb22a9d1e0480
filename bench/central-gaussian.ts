/**
 * The central (ε, δ) of a sum of bounded contributions with discrete Gaussian noise added once (two-server secure
 * aggregation with central noise, as in DAP with Prio3 and DP): the accounting is the gateway's
 * (gateway/discrete-gaussian.ts); the utility simulation draws rounded Gaussians for speed (below).
 *
 * Canonne, Kamath & Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020): adding independent
 * discrete Gaussian noise N_Z(0, σ²) to each coordinate of an integer vector whose L2 sensitivity is Δ satisfies
 * ρ-zero-concentrated DP with ρ = Δ² / (2σ²) + τ (Theorem 14; τ ≤ 10·d·e^(−π²σ²) is negligible for σ ≥ 2 and
 * ignored here), and ρ-zCDP implies (ε, δ)-DP for δ = inf over α > 1 of
 * e^((α − 1)(αρ − ε)) / (α − 1) · (1 − 1/α)^α (Corollary 13).
 */

export { gaussianSigma, zcdpDelta, zcdpEpsilon } from '../gateway/discrete-gaussian.js';

/**
 * A sample of N(0, σ²) rounded to the nearest integer: the utility simulation's stand-in for N_Z(0, σ²) (its variance
 * differs from σ² by under 1/12 + e^(−2π²σ²)); the accounting above is the discrete Gaussian's.
 */
export function roundedGaussian(sigma: number, random: () => number): number {
  return Math.round(sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}
