import { DEFAULT_REVENUE_BUCKETS, type Experiment } from './experiments.js';
import type { RandomSource } from './ldp/random-source.js';

/**
 * A shopper-day's outcome in an experiment, as one level of a funnel (the deepest step reached through an edgereco
 * list): 0 not exposed (active that day, no list of the experiment shown), 1 exposed (a list shown: an `impression`
 * with its attribution id), 2 engaged (a click, add-to-cart or purchase attributed to a list), 3 added to cart,
 * 4 + b bought, with the day's attributed revenue rounded to `revenueBuckets[b]`. An attributed action implies the
 * list was shown (within the attribution window), so levels ≥ 2 count as exposed.
 */
export const OUTCOME_LEVELS = { notExposed: 0, exposed: 1, engaged: 2, carted: 3, purchased: 4 } as const;

/** The revenue values of an experiment's purchase levels. */
export function revenueBuckets(experiment: Experiment): readonly number[] {
  return experiment.revenueBuckets ?? DEFAULT_REVENUE_BUCKETS;
}

/** Levels per arm: 4 + the number of revenue buckets (7 by default). */
export function outcomeLevels(experiment: Experiment): number {
  return OUTCOME_LEVELS.purchased + revenueBuckets(experiment).length;
}

/** The privatized value's domain: arms × levels (14 for two arms by default). The arm is part of the value. */
export function outcomeDomain(experiment: Experiment): number {
  return experiment.arms.length * outcomeLevels(experiment);
}

/** The value of (arm, level): arm-major, so arm `a`'s levels are [a·L, (a + 1)·L). */
export function outcomeValue(experiment: Experiment, armIndex: number, level: number): number {
  return armIndex * outcomeLevels(experiment) + level;
}

/**
 * The purchase level of a day's attributed revenue: rounded at random to one of its two neighbouring bucket values, with
 * the probabilities that keep its mean (so the revenue estimate is unbiased for revenue within the buckets' range);
 * clipped to the first and the last value outside it. `random` is the device's CSPRNG.
 */
export function revenueLevel(experiment: Experiment, revenue: number, random: RandomSource): number {
  const values = revenueBuckets(experiment);
  if (!(revenue > values[0]!)) return OUTCOME_LEVELS.purchased;
  for (let b = 1; b < values.length; b++) {
    const hi = values[b]!;
    if (revenue <= hi) {
      const lo = values[b - 1]!;
      return OUTCOME_LEVELS.purchased + (random() < (revenue - lo) / (hi - lo) ? b : b - 1);
    }
  }
  return OUTCOME_LEVELS.purchased + values.length - 1;
}
