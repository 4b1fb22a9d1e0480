/**
 * The central (ε, δ) of a sum of bounded contributions with discrete Gaussian noise added once (two-server secure
 * aggregation with central noise, as in DAP with Prio3 and DP). Bench-only: the product does not ship this mode
 * (DESIGN.md, "Private mode").
 *
 * Canonne, Kamath & Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020): adding independent
 * discrete Gaussian noise N_Z(0, σ²) to each coordinate of an integer vector whose L2 sensitivity is Δ satisfies
 * ρ-zero-concentrated DP with ρ = Δ² / (2σ²) + τ (Theorem 14; τ ≤ 10·d·e^(−π²σ²) is negligible for σ ≥ 2 and
 * ignored here), and ρ-zCDP implies (ε, δ)-DP for δ = inf over α > 1 of
 * e^((α − 1)(αρ − ε)) / (α − 1) · (1 − 1/α)^α (Corollary 13).
 */

/** The δ that ρ-zCDP gives at ε (Canonne, Kamath & Steinke, Corollary 13), minimized over α on a fine grid. */
export function zcdpDelta(rho: number, epsilon: number): number {
  let best = 1;
  // α from 1.0001 to ~10⁴, geometrically.
  for (let i = 0; i < 4000; i++) {
    const alpha = 1 + 1e-4 * 1.005 ** i;
    const log = (alpha - 1) * (alpha * rho - epsilon) - Math.log(alpha - 1) + alpha * Math.log(1 - 1 / alpha);
    best = Math.min(best, Math.exp(log));
  }
  return best;
}

/** The ε that ρ-zCDP gives at δ (bisection to 10⁻⁴). */
export function zcdpEpsilon(rho: number, delta: number): number {
  let lo = 0;
  let hi = rho + 2 * Math.sqrt(rho * Math.log(1 / delta)) + 1;
  while (hi - lo > 1e-4) {
    const mid = (lo + hi) / 2;
    if (zcdpDelta(rho, mid) <= delta) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The smallest σ (to 0.01) of discrete Gaussian noise that keeps an L2 sensitivity Δ within (ε, δ). */
export function gaussianSigma(sensitivity: number, epsilon: number, delta: number): number {
  let lo = 0.01;
  let hi = 100 * sensitivity;
  while (hi - lo > 0.01) {
    const mid = (lo + hi) / 2;
    if (zcdpEpsilon((sensitivity * sensitivity) / (2 * mid * mid), delta) <= epsilon) hi = mid;
    else lo = mid;
  }
  return Math.ceil(hi * 100) / 100;
}

/**
 * A sample of N(0, σ²) rounded to the nearest integer: the utility simulation's stand-in for N_Z(0, σ²) (its variance
 * differs from σ² by under 1/12 + e^(−2π²σ²)); the accounting above is the discrete Gaussian's.
 */
export function roundedGaussian(sigma: number, random: () => number): number {
  return Math.round(sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}
