import { randomBytes } from 'node:crypto';

/**
 * Exact sampling of the discrete Gaussian N_Z(0, σ²), the noise each aggregator of the secure mode adds to its share
 * of a period's sums (gateway/secure-aggregation.ts). Canonne, Kamath & Steinke, "The Discrete Gaussian for
 * Differential Privacy" (NeurIPS 2020), Algorithms 1–3, in exact rational arithmetic (BigInt) over the operating
 * system's cryptographic randomness (`node:crypto`): no floating point touches a decision, so the samples have exactly
 * the distribution the accounting assumes (floating-point samplers leak through their rounding; Mironov, CCS 2012).
 * No maintained npm package samples it (searched 2026-12-07: none); OpenDP's is Rust and Python.
 *
 * σ² is given as a fraction `num / den` of positive integers.
 */

/** A uniform integer in [0, n), by rejection from the bytes n needs. */
function uniformBelow(n: bigint): bigint {
  if (n <= 0n) throw new RangeError('uniformBelow: n must be positive');
  const bits = n.toString(2).length;
  const bytes = Math.ceil(bits / 8);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const r = BigInt(`0x${randomBytes(bytes).toString('hex')}`) & mask;
    if (r < n) return r;
  }
}

/** Bernoulli(p) for a rational p = num / den in [0, 1]. */
function bernoulli(num: bigint, den: bigint): boolean {
  return uniformBelow(den) < num;
}

/** Bernoulli(exp(−γ)) for a rational γ = num / den ≥ 0 (Algorithm 1). */
function bernoulliExp(num: bigint, den: bigint): boolean {
  while (num > den) {
    // exp(−γ) = exp(−1)^⌊γ⌋ · exp(−(γ − ⌊γ⌋)): one Bernoulli(exp(−1)) per whole unit.
    if (!bernoulliExpAtMostOne(1n, 1n)) return false;
    num -= den;
  }
  return bernoulliExpAtMostOne(num, den);
}

/** Bernoulli(exp(−γ)) for γ = num / den in [0, 1]: the first K with A_K = 0, where A_k ~ Bernoulli(γ / k); true when K is odd. */
function bernoulliExpAtMostOne(num: bigint, den: bigint): boolean {
  let k = 1n;
  while (bernoulli(num, den * k)) k++;
  return k % 2n === 1n;
}

/** The discrete Laplace with scale t (a positive integer): P(x) ∝ exp(−|x| / t) (Algorithm 2). */
function discreteLaplace(t: bigint): bigint {
  for (;;) {
    const u = uniformBelow(t);
    if (!bernoulliExp(u, t)) continue;
    let v = 0n;
    while (bernoulliExp(1n, 1n)) v++;
    const x = u + t * v;
    const negative = bernoulli(1n, 2n);
    if (negative && x === 0n) continue;
    return negative ? -x : x;
  }
}

/** One sample of N_Z(0, σ²), σ² = num / den (Algorithm 3). */
export function discreteGaussian(num: bigint, den: bigint): bigint {
  if (num <= 0n || den <= 0n) throw new RangeError('discreteGaussian: σ² must be a positive fraction');
  // t = ⌊σ⌋ + 1, with ⌊σ⌋ = ⌊√(num / den)⌋ found exactly.
  let floorSigma = BigInt(Math.floor(Math.sqrt(Number(num) / Number(den))));
  while (floorSigma * floorSigma * den > num) floorSigma--;
  while ((floorSigma + 1n) * (floorSigma + 1n) * den <= num) floorSigma++;
  const t = floorSigma + 1n;
  for (;;) {
    const y = discreteLaplace(t);
    const abs = y < 0n ? -y : y;
    // Accept with probability exp(−(|y| − σ²/t)² / (2σ²)) = exp(−(|y|·den·t − num)² / (2·num·den·t²)).
    const d = abs * den * t - num;
    if (bernoulliExp(d * d, 2n * num * den * t * t)) return y;
  }
}

/** σ (a decimal number) as the fraction σ² = num / den, to 1/10,000 of σ: what `discreteGaussian` takes. */
export function varianceFraction(sigma: number): { num: bigint; den: bigint } {
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new RangeError(`edgereco gateway: σ must be a positive number (got ${sigma})`);
  const s = BigInt(Math.round(sigma * 10_000));
  return { num: s * s, den: 100_000_000n };
}

/**
 * The central (ε, δ) accounting of discrete Gaussian noise on a sum of bounded contributions (Canonne, Kamath &
 * Steinke): independent N_Z(0, σ²) on each coordinate of an integer vector of L2 sensitivity Δ is ρ-zCDP with
 * ρ = Δ² / (2σ²) (Theorem 14; the τ term is below 10⁻¹⁰⁰ for σ ≥ 5 and ignored), which is (ε, δ)-DP for
 * δ = inf over α > 1 of e^((α − 1)(αρ − ε)) / (α − 1) · (1 − 1/α)^α (Corollary 13).
 */
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

/** The ε that ρ-zCDP gives at δ (bisection to 10⁻⁴, rounded up). */
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

/** The smallest σ (to 0.01, rounded up) of discrete Gaussian noise that keeps an L2 sensitivity Δ within (ε, δ). */
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
