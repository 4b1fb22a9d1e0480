import { createError, ERROR_CODES } from '../src/core/errors.js';
import { outcomeDomain, revenueBuckets } from '../src/core/experiment-outcome.js';
import { controlArm, type Experiment } from '../src/core/experiments.js';
import { grrParams } from '../src/core/ldp/grr.js';
import { utcDay } from '../src/core/ldp/privacy-budget.js';
import { estimateOutcomes, Z95, type OutcomeEstimate, type OutcomeGroup } from '../src/core/outcome-estimate.js';
import type { AggregatorStore } from './aggregator-store.js';
import type { OutcomeTally } from './outcome-tally.js';
import type { PeriodSketches } from './period-state.js';
import { readWindow, windowStart } from './priors-build.js';

/**
 * The experiment estimates file the aggregator writes beside the priors (`aggregate.estimatesOut`) and the dashboard
 * draws: per experiment, per arm and per window, the rates with 95% intervals (privacy noise included) and the lift
 * of each arm over the control. Versioned JSON; a reader refuses another format or version.
 */
export const ESTIMATES_FORMAT = 'edgereco-experiment-estimates';
export const ESTIMATES_VERSION = 1;

export interface ExperimentEstimates {
  id: string;
  control: string;
  arms: string[];
  /** Domain of the privatized value (arms × outcome levels) and the revenue values of the purchase levels. */
  domain: { values: number; levels: number; revenueBuckets: number[] };
  /** The ε of the reports counted (one value unless the site changed it within the window). */
  epsilon: number[];
  /** Reports of this experiment in the window; reports with another domain (the arms changed) are left out, counted here. */
  reports: number;
  otherDomain: number;
  /** The whole window: every day from the first with reports to `generated`. */
  window: { from: string | null; to: string | null } & OutcomeEstimate;
  /** Each day on its own. */
  daily: ({ period: string } & OutcomeEstimate)[];
  /** From the first day through each day (what the dashboard's "over time" charts show). */
  cumulative: ({ through: string } & OutcomeEstimate)[];
}

export interface EstimatesFile {
  format: typeof ESTIMATES_FORMAT;
  version: typeof ESTIMATES_VERSION;
  /** The UTC day it was made (no finer time). */
  generated: string;
  /** The intervals' level and normal quantile. */
  confidence: { level: 0.95; z: number };
  experiments: ExperimentEstimates[];
  /** Reports counted per day and kind in the window, every kind (the dashboard's volumes). */
  volumes: DayVolume[];
}

export interface DayVolume {
  period: string;
  item: number;
  pair: number;
  query: number;
  outcome: number;
}

/**
 * The estimates from period states (any number per period: one per partition) of the last `days` days: per
 * experiment, its tallies of the right domain are merged per day (and per ε), and estimated per day, cumulatively, and
 * over the window. Deterministic: the same states give the same bytes.
 */
export function buildEstimates(periods: Iterable<PeriodSketches>, experiments: readonly Experiment[], days: number, nowMs = Date.now()): EstimatesFile {
  const today = utcDay(nowMs);
  const start = windowStart(today, days);
  /** experiment → period → ε → counts. */
  const byExperiment = new Map<string, Map<string, Map<number, Float64Array>>>();
  const other = new Map<string, number>();
  const domains = new Map(experiments.map((e) => [e.id, outcomeDomain(e)]));
  const volumes = new Map<string, DayVolume>();
  for (const p of periods) {
    if (p.period < start || p.period > today) continue;
    let volume = volumes.get(p.period);
    if (!volume) volumes.set(p.period, (volume = { period: p.period, item: 0, pair: 0, query: 0, outcome: 0 }));
    for (const { kind, sketch } of p.sketches) volume[kind] += sketch.reports;
    for (const tally of p.outcomes ?? []) {
      volume.outcome += tally.reports;
      add(tally, p.period);
    }
  }
  function add(tally: OutcomeTally, period: string): void {
    const d = domains.get(tally.experiment);
    if (d === undefined) return;
    if (tally.d !== d) {
      other.set(tally.experiment, (other.get(tally.experiment) ?? 0) + tally.reports);
      return;
    }
    let periods = byExperiment.get(tally.experiment);
    if (!periods) byExperiment.set(tally.experiment, (periods = new Map()));
    let groups = periods.get(period);
    if (!groups) periods.set(period, (groups = new Map()));
    let counts = groups.get(tally.epsilon);
    if (!counts) groups.set(tally.epsilon, (counts = new Float64Array(d)));
    tally.counts.forEach((c, j) => (counts![j]! += c));
  }
  const toGroups = (perEpsilon: Map<number, Float64Array>, d: number): OutcomeGroup[] =>
    [...perEpsilon.entries()].sort((a, b) => a[0] - b[0]).map(([epsilon, counts]) => ({ counts, params: grrParams(epsilon, d) }));
  const out: ExperimentEstimates[] = experiments.map((experiment) => {
    const d = domains.get(experiment.id)!;
    const periods = byExperiment.get(experiment.id) ?? new Map<string, Map<number, Float64Array>>();
    const days = [...periods.keys()].sort();
    const running = new Map<number, Float64Array>();
    const cumulative: ExperimentEstimates['cumulative'] = [];
    const daily: ExperimentEstimates['daily'] = [];
    for (const period of days) {
      const groups = periods.get(period)!;
      daily.push({ period, ...estimateOutcomes(experiment, toGroups(groups, d)) });
      for (const [epsilon, counts] of groups) {
        let sum = running.get(epsilon);
        if (!sum) running.set(epsilon, (sum = new Float64Array(d)));
        counts.forEach((c, j) => (sum![j]! += c));
      }
      cumulative.push({ through: period, ...estimateOutcomes(experiment, toGroups(running, d)) });
    }
    const whole = estimateOutcomes(experiment, toGroups(running, d));
    return {
      id: experiment.id,
      control: controlArm(experiment),
      arms: experiment.arms.map((a) => a.name),
      domain: { values: d, levels: d / experiment.arms.length, revenueBuckets: [...revenueBuckets(experiment)] },
      epsilon: [...running.keys()].sort((a, b) => a - b),
      reports: whole.reports,
      otherDomain: other.get(experiment.id) ?? 0,
      window: { from: days[0] ?? null, to: days.at(-1) ?? null, ...whole },
      daily,
      cumulative,
    };
  });
  return { format: ESTIMATES_FORMAT, version: ESTIMATES_VERSION, generated: today, confidence: { level: 0.95, z: Z95 }, experiments: out, volumes: [...volumes.values()].sort((a, b) => (a.period < b.period ? -1 : 1)) };
}

/** The estimates from what the store holds: the periods of the last `days` days (the site's retention). */
export async function estimatesFromStore(store: AggregatorStore, experiments: readonly Experiment[], days: number, nowMs = Date.now()): Promise<EstimatesFile> {
  return buildEstimates(await readWindow(store, days, nowMs), experiments, days, nowMs);
}

/** Reads an estimates file's JSON; refuses another format or version. */
export function parseEstimates(doc: unknown, path = 'the estimates file'): EstimatesFile {
  const d = doc as Partial<EstimatesFile> | null;
  if (typeof d !== 'object' || d === null || d.format !== ESTIMATES_FORMAT) throw createError(ERROR_CODES.INVALID_DATA, { subject: path, requirement: `is not an edgereco experiment estimates file (format ${ESTIMATES_FORMAT})` });
  if (d.version !== ESTIMATES_VERSION) throw createError(ERROR_CODES.UNSUPPORTED_VERSION, { what: 'experiment estimates', version: d.version, supported: `version ${ESTIMATES_VERSION}`, fix: 'update @edgereco/gateway' });
  if (!Array.isArray(d.experiments)) throw createError(ERROR_CODES.INVALID_DATA, { subject: path, requirement: 'has no experiments array' });
  return d as EstimatesFile;
}
