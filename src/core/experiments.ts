import { checkRules, type BusinessRules } from './config.js';
import { createError, ERROR_CODES, type EdgeRecoError } from './errors.js';

/**
 * What an arm's shopper gets in the lists (`recommend()`, `related()`, `frequentlyBoughtTogether()`, `rerank()`):
 * - `model`: the click model when one is loaded, else the baseline (what edgereco does without experiments);
 * - `baseline`: the baseline ranking (recency, co-occurrence, catalog popularity), even with a model loaded;
 * - `store`: the store's own list for the placement (`storeList`, or the ids given to `rerank()`), re-ranked for the
 *   shopper;
 * - `off`: edgereco off, the control: the store's own list exactly as given (`storeList`, `rerank()`'s ids), or
 *   nothing when the call gave none. Outcomes are still measured.
 */
export const ARM_RECOMMENDERS = ['model', 'baseline', 'store', 'off'] as const;
export type ArmRecommender = (typeof ARM_RECOMMENDERS)[number];

/** One arm of an experiment: its name, its share of shoppers, and what its shoppers get. */
export interface ExperimentArm {
  /** Shown in results' attribution, `explain()` and `exportData()`; 1 to 64 characters. Never sent. */
  name: string;
  /** The arm's share of shoppers, relative to the other arms' weights (e.g. 1 and 1: half each). */
  weight: number;
  /** Which list the arm's shoppers see. Default `"model"`. */
  recommender?: ArmRecommender;
  /** Business rules for the arm's lists, instead of `options.rules`. Default: `options.rules`. */
  rules?: BusinessRules;
}

/**
 * An A/B experiment run on the device: each shopper's browser draws an arm once (a stable random per device and
 * experiment, kept with the shopper's data, redrawn after `forget()`), shows that arm's lists, and reports the
 * outcome of each day privatized (DESIGN.md, "Experiments"). The arm is never sent as an id: it is part of the
 * privatized value. The aggregator needs the same definition (its `aggregate.experiments`) to read the reports.
 */
export interface Experiment {
  /** 1 to 64 characters of A-Z, a-z, 0-9, `_`, `.`, `-`; sent in clear with each outcome report (it is the store's, not the shopper's). */
  id: string;
  /** 2 to 4 arms; changing the arms of a running experiment makes it a new one (give it a new id). */
  arms: ExperimentArm[];
  /** The arm the others are compared with (lift). Default: the first arm. */
  control?: string;
  /** A click, add-to-cart or purchase counts for a list shown at most this many hours before. Default 24. */
  attributionHours?: number;
  /**
   * Revenue per shopper-day, in the store's currency, as a few values: a day's attributed revenue is rounded at random
   * to one of its two neighbouring values (so its mean is kept), below the first to the first, above the last to the
   * last. 1 to 4 increasing values. Default [10, 50, 200].
   */
  revenueBuckets?: number[];
}

/** Which arm of which experiment a list was made under (in each result, `explain()` and `exportData()`). */
export interface ArmRef {
  experiment: string;
  arm: string;
}

export const DEFAULT_ATTRIBUTION_HOURS = 24;
export const DEFAULT_REVENUE_BUCKETS: readonly number[] = [10, 50, 200];
/** Bounds that keep an outcome report's domain (arms × (4 + buckets)) small enough for randomized response. */
export const EXPERIMENT_LIMITS = { experiments: 8, arms: 4, revenueBuckets: 4 } as const;
const ID = /^[A-Za-z0-9_.-]{1,64}$/;

function fail(field: string, requirement: string, ...got: unknown[]): EdgeRecoError {
  return createError(ERROR_CODES.INVALID_OPTION, { field, requirement, ...(got.length > 0 ? { got: got[0] } : {}) }, { details: { field } });
}

function checkArm(value: unknown, at: string): ExperimentArm {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail(at, 'must be an object { name, weight, recommender, rules }', value);
  const arm = value as Record<string, unknown>;
  for (const key of Object.keys(arm)) if (!['name', 'weight', 'recommender', 'rules'].includes(key)) throw fail(`${at}.${key}`, 'is not a setting of an arm (name, weight, recommender, rules)');
  if (typeof arm.name !== 'string' || arm.name.length === 0 || arm.name.length > 64) throw fail(`${at}.name`, 'must be a string of 1 to 64 characters', arm.name);
  if (typeof arm.weight !== 'number' || !Number.isFinite(arm.weight) || arm.weight <= 0) throw fail(`${at}.weight`, 'must be a number > 0', arm.weight);
  const out: ExperimentArm = { name: arm.name, weight: arm.weight };
  if (arm.recommender !== undefined) {
    if (!(ARM_RECOMMENDERS as readonly unknown[]).includes(arm.recommender)) throw fail(`${at}.recommender`, `must be one of ${ARM_RECOMMENDERS.join(', ')}`, arm.recommender);
    out.recommender = arm.recommender as ArmRecommender;
  }
  if (arm.rules !== undefined) out.rules = checkRules(arm.rules, `${at.replace(/^options\./, '')}.rules`);
  return out;
}

/**
 * Checks the experiments (an option, or the priors bundle's) and returns them with nothing unknown in them; throws
 * `INVALID_OPTION` naming the field. `field` is where they came from, e.g. `options.experiments`.
 */
export function checkExperiments(value: unknown, field = 'options.experiments'): Experiment[] {
  if (!Array.isArray(value) || value.length > EXPERIMENT_LIMITS.experiments) throw fail(field, `must be an array of at most ${EXPERIMENT_LIMITS.experiments} experiments { id, arms }`, value);
  const ids = new Set<string>();
  return value.map((raw: unknown, i) => {
    const at = `${field}[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail(at, 'must be an object { id, arms }', raw);
    const e = raw as Record<string, unknown>;
    for (const key of Object.keys(e)) if (!['id', 'arms', 'control', 'attributionHours', 'revenueBuckets'].includes(key)) throw fail(`${at}.${key}`, 'is not a field of an experiment (id, arms, control, attributionHours, revenueBuckets)');
    if (typeof e.id !== 'string' || !ID.test(e.id)) throw fail(`${at}.id`, 'must be 1 to 64 characters of A-Z, a-z, 0-9, _, . or -', e.id);
    if (ids.has(e.id)) throw fail(`${at}.id`, 'is used by another experiment', e.id);
    ids.add(e.id);
    if (!Array.isArray(e.arms) || e.arms.length < 2 || e.arms.length > EXPERIMENT_LIMITS.arms) throw fail(`${at}.arms`, `must be an array of 2 to ${EXPERIMENT_LIMITS.arms} arms`, e.arms);
    const arms = e.arms.map((arm: unknown, j) => checkArm(arm, `${at}.arms[${j}]`));
    if (new Set(arms.map((a) => a.name)).size !== arms.length) throw fail(`${at}.arms`, 'must have distinct names');
    const out: Experiment = { id: e.id, arms };
    if (e.control !== undefined) {
      if (!arms.some((a) => a.name === e.control)) throw fail(`${at}.control`, 'must name one of the arms', e.control);
      out.control = e.control as string;
    }
    if (e.attributionHours !== undefined) {
      if (typeof e.attributionHours !== 'number' || !(e.attributionHours > 0 && e.attributionHours <= 24 * 90)) throw fail(`${at}.attributionHours`, 'must be a number of hours from more than 0 to 2160 (90 days)', e.attributionHours);
      out.attributionHours = e.attributionHours;
    }
    if (e.revenueBuckets !== undefined) {
      const b = e.revenueBuckets;
      const ok = Array.isArray(b) && b.length >= 1 && b.length <= EXPERIMENT_LIMITS.revenueBuckets && b.every((x, k) => typeof x === 'number' && Number.isFinite(x) && x > 0 && (k === 0 || x > (b[k - 1] as number)));
      if (!ok) throw fail(`${at}.revenueBuckets`, `must be 1 to ${EXPERIMENT_LIMITS.revenueBuckets} increasing numbers > 0`, b);
      out.revenueBuckets = [...(b as number[])];
    }
    return out;
  });
}

/** The control arm's name: `control`, or the first arm. */
export function controlArm(experiment: Experiment): string {
  return experiment.control ?? experiment.arms[0]!.name;
}

/** The arm a uniform draw `u` ∈ [0, 1) falls in, by the arms' weights (the device's draw; see experiment-arms.ts). */
export function pickArm(experiment: Experiment, u: number): ExperimentArm {
  const total = experiment.arms.reduce((sum, a) => sum + a.weight, 0);
  let at = u * total;
  for (const arm of experiment.arms) {
    if (at < arm.weight) return arm;
    at -= arm.weight;
  }
  return experiment.arms[experiment.arms.length - 1]!;
}
