/**
 * Privacy amplification by shuffling: what n anonymous ε0-LDP reports, which the server cannot link to their senders
 * or to each other, reveal about one sender. From Feldman, McMillan & Talwar, "Hiding Among the Clones: A Simple and
 * Nearly Optimal Analysis of Privacy Amplification by Shuffling" (FOCS 2021; arXiv:2012.12803):
 *
 * - Theorem 3.1 (closed form): for δ ∈ (0, 1] and ε0 ≤ log(n / (16·log(2/δ))), the shuffled reports are (ε, δ)-DP with
 *   ε ≤ log(1 + (e^ε0 − 1)/(e^ε0 + 1) · (8·√(e^ε0·log(4/δ)) / √n + 8·e^ε0 / n)).
 * - Theorem 3.2 (the reduction behind it, evaluated numerically here): the shuffled reports are (ε, δ)-DP whenever the
 *   pair P = (A + Δ, C − A + 1 − Δ), Q = (A + 1 − Δ, C − A + Δ) is, with C ~ Bin(n − 1, e^−ε0), A ~ Bin(C, 1/2),
 *   Δ ~ Bern(e^ε0 / (e^ε0 + 1)). Each of the n − 1 other reports is, with probability e^−ε0, a "clone" that could as
 *   well have come from the sender's data or from its neighbour's; the sender hides among the clones.
 *
 * Neighbouring datasets differ in one sender's data (replacement). Both bounds hold for any ε0-LDP randomizer and any
 * values the other senders hold; the numerical one is never larger than the closed form and holds for any ε0 (the
 * closed form's condition is ε0 ≤ 4.89 at n = 30,983, δ = 10⁻⁶). The computation is exact up to floating point
 * while the expected number of clones is under about 4,000: the hockey-stick divergence of P and Q given C = c is
 * summed over every a, weighted by P(C = c); the binomial's far tails (mass under 10⁻¹⁸) are added to δ whole. Beyond,
 * c is taken in blocks, each charged the divergence at its smallest c (it falls as c grows), so the result stays an
 * upper bound (and costs seconds, not minutes, at a million reports).
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error about 10⁻¹⁵). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406, 12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7];
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

function logBinomialPmf(k: number, n: number, logP: number, log1mP: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * logP + (n - k) * log1mP;
}

/** Probabilities of Bin(n, 1/2), index 0..n (values under 10⁻³⁰⁰ as 0). */
function halfBinomial(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  const mid = n >> 1;
  let v = Math.exp(logGamma(n + 1) - logGamma(mid + 1) - logGamma(n - mid + 1) - n * Math.LN2);
  out[mid] = v;
  for (let a = mid; a < n && v > 0; a++) out[a + 1] = v = (v * (n - a)) / (a + 1);
  v = out[mid]!;
  for (let a = mid; a > 0 && v > 0; a--) out[a - 1] = v = (v * a) / (n - a + 1);
  return out;
}

/**
 * The smallest δ for which Theorem 3.2's pair is (ε, δ)-indistinguishable: an upper bound on δ(ε) of n shuffled
 * ε0-LDP reports. P and Q mirror each other (a ↔ c + 1 − a), so one direction of the hockey-stick divergence is both.
 */
export function shuffleDelta(n: number, epsilon0: number, epsilon: number): number {
  if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`n must be a positive integer (got ${n})`);
  if (epsilon >= epsilon0) return 0;
  const alpha = Math.exp(epsilon0) / (Math.exp(epsilon0) + 1);
  const e = Math.exp(epsilon);
  const others = n - 1;
  const p = Math.exp(-epsilon0);
  const logP = Math.log(p);
  const log1mP = Math.log1p(-p);
  const conditional = (c: number): number => {
    const b = halfBinomial(c);
    let sum = 0;
    for (let a = 0; a <= c + 1; a++) {
      const b0 = a <= c ? b[a]! : 0;
      const b1 = a >= 1 ? b[a - 1]! : 0;
      const diff = alpha * b0 + (1 - alpha) * b1 - e * ((1 - alpha) * b0 + alpha * b1);
      if (diff > 0) sum += diff;
    }
    return sum;
  };
  // C ~ Bin(n − 1, e^−ε0), walked upward from where its pmf first exceeds TAIL. The divergence given C = c falls as c
  // grows (more clones), so once it is negligible the rest of the mass is charged at that value and the walk stops.
  const mode = Math.min(others, Math.floor((others + 1) * p));
  const TAIL = 1e-18;
  let start = mode;
  while (start > 0 && Math.exp(logBinomialPmf(start - 1, others, logP, log1mP)) >= TAIL) start = Math.max(0, start - Math.max(1, Math.floor(Math.sqrt(mode + 1) / 4)));
  let delta = 0;
  let covered = 0;
  for (let c = 0; c < start; c++) {
    const pc = Math.exp(logBinomialPmf(c, others, logP, log1mP));
    if (pc === 0) continue;
    covered += pc;
    delta += pc; // the far lower tail: charged whole (δ given c is at most 1)
    if (c > 16 && pc < 1e-30) break;
  }
  // Blocks of `step` values of c, each charged the divergence at its lowest c (the largest in the block): exact when
  // step is 1 (up to a few thousand expected clones), an upper bound beyond.
  const step = Math.max(1, Math.floor(Math.sqrt(mode + 1) / 16));
  for (let c = start; c <= others; c += step) {
    let mass = 0;
    for (let k = c; k < Math.min(others + 1, c + step); k++) mass += Math.exp(logBinomialPmf(k, others, logP, log1mP));
    const dc = conditional(c);
    if (dc < 1e-15 || (c > mode && mass < TAIL)) {
      delta += dc * Math.max(0, 1 - covered);
      covered = 1;
      break;
    }
    covered += mass;
    delta += mass * dc;
  }
  return Math.min(1, delta + Math.max(0, 1 - covered));
}

/**
 * The central ε of n shuffled ε0-LDP reports at δ (Theorem 3.2, numerically): the smallest ε, to 10⁻⁴, with
 * {@link shuffleDelta} ≤ δ. Never more than ε0.
 */
export function shuffledEpsilon(n: number, epsilon0: number, delta: number): number {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1) (got ${delta})`);
  if (shuffleDelta(n, epsilon0, 0) <= delta) return 0;
  let lo = 0;
  let hi = epsilon0;
  while (hi - lo > 1e-4) {
    const mid = (lo + hi) / 2;
    if (shuffleDelta(n, epsilon0, mid) <= delta) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The largest ε0 for which Theorem 3.1's closed form holds: log(n / (16·log(2/δ))). */
export function closedFormLimit(n: number, delta: number): number {
  return Math.log(n / (16 * Math.log(2 / delta)));
}

/** Theorem 3.1's closed-form central ε, or null outside its condition ε0 ≤ {@link closedFormLimit}. */
export function shuffledEpsilonClosedForm(n: number, epsilon0: number, delta: number): number | null {
  if (epsilon0 > closedFormLimit(n, delta)) return null;
  const e0 = Math.exp(epsilon0);
  return Math.log(1 + ((e0 - 1) / (e0 + 1)) * ((8 * Math.sqrt(e0 * Math.log(4 / delta))) / Math.sqrt(n) + (8 * e0) / n));
}

/** The largest ε0 (to 0.01) whose n shuffled reports stay within `epsilon` at δ ({@link shuffledEpsilon}). */
export function largestLocalEpsilon(n: number, epsilon: number, delta: number, maxEpsilon0 = 10): number {
  let lo = 0;
  let hi = maxEpsilon0;
  while (hi - lo > 0.01) {
    const mid = (lo + hi) / 2;
    if (shuffledEpsilon(n, mid, delta) <= epsilon) lo = mid;
    else hi = mid;
  }
  return Math.floor(lo * 100) / 100;
}
