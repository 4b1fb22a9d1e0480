import { controlArm, type Experiment } from './experiments.js';
import { OUTCOME_LEVELS, outcomeLevels, revenueBuckets } from './experiment-outcome.js';
import { grrEstimates, grrLinearVariance, type GrrParams } from './ldp/grr.js';

/** The rates an experiment's arms are compared on, each per exposed shopper-day. */
export const OUTCOME_METRICS = ['clickThrough', 'addToCart', 'conversion', 'revenue'] as const;
export type OutcomeMetric = (typeof OUTCOME_METRICS)[number];

/** The normal quantile of a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/**
 * An estimate with its 95% confidence interval. `se` is the whole standard error: the privacy noise (`privacySe`, the
 * randomized response's, exact for the reports received) and the sampling noise of which shoppers were in which arm.
 */
export interface Interval {
  estimate: number;
  low: number;
  high: number;
  se: number;
  privacySe: number;
}

export interface ArmEstimate {
  arm: string;
  /** Exposed shopper-days (estimated; the interval is the privacy noise's). */
  exposed: Interval;
  /** Per exposed shopper-day; null when no exposure is estimated. */
  rates: Record<OutcomeMetric, Interval | null>;
}

export interface LiftEstimate {
  arm: string;
  control: string;
  /** arm's rate − control's rate. */
  absolute: Record<OutcomeMetric, Interval | null>;
  /** arm's rate / control's rate − 1 (delta method); null when the control's rate is not above 0. */
  relative: Record<OutcomeMetric, Interval | null>;
}

/** One window's estimates: every arm's rates and every other arm's lift over the control. */
export interface OutcomeEstimate {
  reports: number;
  arms: ArmEstimate[];
  lift: LiftEstimate[];
}

/** Counts of one experiment's outcome reports at one ε (sums over periods and partitions are fine). */
export interface OutcomeGroup {
  counts: ArrayLike<number>;
  params: GrrParams;
}

function interval(estimate: number, privacyVariance: number, samplingVariance: number): Interval {
  const se = Math.sqrt(Math.max(0, privacyVariance) + Math.max(0, samplingVariance));
  return { estimate, low: estimate - Z95 * se, high: estimate + Z95 * se, se, privacySe: Math.sqrt(Math.max(0, privacyVariance)) };
}

/**
 * Unbiased counts of each (arm, level) from randomized response, then per arm the rates as ratios of those counts to
 * the exposed shopper-days, and the lift of each arm over the control. Every interval is the delta method's:
 * the privacy variance of the linear statistic exact for the reports received (grrLinearVariance, the arms' covariance
 * included, since one report's noise can move it between arms), plus the sampling variance of a rate over the arm's
 * exposed shopper-days (r(1 − r) / E, or the revenue's spread). Shopper-days are taken as independent: one shopper
 * active on several days of a window counts several times, which reports without a user id cannot tell apart.
 */
export function estimateOutcomes(experiment: Experiment, groups: readonly OutcomeGroup[]): OutcomeEstimate {
  const L = outcomeLevels(experiment);
  const d = experiment.arms.length * L;
  const estimates = new Float64Array(d);
  const truths = groups.map((g) => {
    const e = grrEstimates(g.counts, g.params);
    e.forEach((x, j) => (estimates[j]! += x));
    return e.map((x) => Math.max(0, x));
  });
  let reports = 0;
  for (const g of groups) for (let j = 0; j < g.counts.length; j++) reports += g.counts[j]!;
  const privacyVariance = (weights: Float64Array): number => groups.reduce((v, g, i) => v + grrLinearVariance(weights, truths[i]!, g.params), 0);
  const values = revenueBuckets(experiment);
  /** The per-level value of a metric (1 for a reached step, the bucket's revenue for revenue). */
  const levelValue = (metric: OutcomeMetric | 'exposed', level: number): number => {
    if (metric === 'exposed') return level >= OUTCOME_LEVELS.exposed ? 1 : 0;
    if (metric === 'revenue') return level >= OUTCOME_LEVELS.purchased ? values[level - OUTCOME_LEVELS.purchased]! : 0;
    const from = { clickThrough: OUTCOME_LEVELS.engaged, addToCart: OUTCOME_LEVELS.carted, conversion: OUTCOME_LEVELS.purchased }[metric];
    return level >= from ? 1 : 0;
  };
  const weightsOf = (arm: number, metric: OutcomeMetric | 'exposed', scale = 1): Float64Array => {
    const w = new Float64Array(d);
    for (let l = 0; l < L; l++) w[arm * L + l] = scale * levelValue(metric, l);
    return w;
  };
  const total = (w: Float64Array): number => w.reduce((s, x, j) => s + x * estimates[j]!, 0);

  /** Per arm and metric: the rate, its delta-method weights (privacy) and its sampling variance. */
  const parts = experiment.arms.map((_, a) => {
    const exposedWeights = weightsOf(a, 'exposed');
    const exposed = total(exposedWeights);
    const metrics = {} as Record<OutcomeMetric, { rate: number; weights: Float64Array; sampling: number } | null>;
    for (const metric of OUTCOME_METRICS) {
      if (!(exposed > 0)) {
        metrics[metric] = null;
        continue;
      }
      const num = weightsOf(a, metric);
      const rate = total(num) / exposed;
      // d(N/E) = (dN − r·dE) / E.
      const weights = num.map((x, j) => (x - rate * exposedWeights[j]!) / exposed);
      let second = rate;
      if (metric === 'revenue') second = Math.max(rate * rate, total(weightsOf(a, 'revenue').map((x) => x * x)) / exposed);
      const spread = metric === 'revenue' ? second - rate * rate : Math.min(1, Math.max(0, rate)) * (1 - Math.min(1, Math.max(0, rate)));
      metrics[metric] = { rate, weights, sampling: spread / exposed };
    }
    return { exposed: interval(exposed, privacyVariance(exposedWeights), 0), metrics };
  });

  const rates = (a: number) => Object.fromEntries(OUTCOME_METRICS.map((m) => {
    const p = parts[a]!.metrics[m];
    return [m, p ? interval(p.rate, privacyVariance(p.weights), p.sampling) : null];
  })) as Record<OutcomeMetric, Interval | null>;
  const control = experiment.arms.findIndex((a) => a.name === controlArm(experiment));
  const lift: LiftEstimate[] = [];
  experiment.arms.forEach((arm, a) => {
    if (a === control) return;
    const absolute = {} as Record<OutcomeMetric, Interval | null>;
    const relative = {} as Record<OutcomeMetric, Interval | null>;
    for (const m of OUTCOME_METRICS) {
      const t = parts[a]!.metrics[m];
      const c = parts[control]!.metrics[m];
      if (!t || !c) {
        absolute[m] = relative[m] = null;
        continue;
      }
      absolute[m] = interval(t.rate - c.rate, privacyVariance(t.weights.map((x, j) => x - c.weights[j]!)), t.sampling + c.sampling);
      relative[m] = c.rate > 0
        ? interval(t.rate / c.rate - 1, privacyVariance(t.weights.map((x, j) => x / c.rate - (t.rate / c.rate ** 2) * c.weights[j]!)), t.sampling / c.rate ** 2 + (t.rate ** 2 * c.sampling) / c.rate ** 4)
        : null;
    }
    lift.push({ arm: arm.name, control: experiment.arms[control]!.name, absolute, relative });
  });
  return { reports, arms: experiment.arms.map((arm, a) => ({ arm: arm.name, exposed: parts[a]!.exposed, rates: rates(a) })), lift };
}
