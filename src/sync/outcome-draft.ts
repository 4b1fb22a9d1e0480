import type { ArmAssignment } from '../core/arm-assignment.js';
import type { BehaviourEvent } from '../core/events.js';
import { outcomeDomain, outcomeValue } from '../core/experiment-outcome.js';
import type { Experiment } from '../core/experiments.js';
import { AGGREGATE_REPORT_VERSION } from '../core/ldp/aggregate-report.js';
import { grrParams, grrPerturb } from '../core/ldp/grr.js';
import { OUTCOME_KIND, type OutcomeWireReport } from '../core/ldp/outcome-report.js';
import type { RandomSource } from '../core/ldp/random-source.js';
import { periodOutcome } from './period-outcome.js';

const DAY_MS = 86_400_000;

/** The experiments running on the device and the shopper's arms in them (src/worker/experiment-arms.ts). */
export interface OutcomeSource {
  experiments: readonly Experiment[];
  assignments: readonly ArmAssignment[];
}

/** One period's true outcome in one experiment, before privatization: the value (arm × level) and its domain. */
export interface OutcomeDraft {
  experiment: string;
  /** Domain size: arms × levels. */
  d: number;
  /** (arm, level) as one value in [0, d). Never leaves the device as it is. */
  value: number;
}

/**
 * The outcome to report for `period`: one experiment among those the shopper was in that day (entered before the day
 * ended, and active in it since), chosen by a fair draw, NOT by what the shopper did, and that experiment's (arm, level).
 * Null when the shopper is in no such experiment. `random` is the device's CSPRNG.
 */
export function outcomeDraft(events: readonly BehaviourEvent[], period: string, source: OutcomeSource, random: RandomSource): OutcomeDraft | null {
  const dayEnd = Date.parse(`${period}T00:00:00Z`) + DAY_MS;
  const eligible: { experiment: Experiment; armIndex: number; since: number }[] = [];
  for (const experiment of source.experiments) {
    const a = source.assignments.find((x) => x.experiment === experiment.id);
    const armIndex = a ? experiment.arms.findIndex((arm) => arm.name === a.arm) : -1;
    if (!a || armIndex < 0 || a.since >= dayEnd) continue;
    if (!events.some((e) => e.ts >= a.since && e.ts < dayEnd && e.ts >= dayEnd - DAY_MS)) continue;
    eligible.push({ experiment, armIndex, since: a.since });
  }
  if (eligible.length === 0) return null;
  const pick = eligible[Math.min(eligible.length - 1, Math.floor(random() * eligible.length))]!;
  const level = periodOutcome(events, period, pick.experiment, pick.since, random);
  if (level === null) return null;
  return { experiment: pick.experiment.id, d: outcomeDomain(pick.experiment), value: outcomeValue(pick.experiment, pick.armIndex, level) };
}

/** The wire report of a draft: its value privatized with randomized response at `epsilon` over its domain. */
export function outcomeReport(draft: OutcomeDraft, period: string, epsilon: number, random: RandomSource, id: string): OutcomeWireReport {
  const y = grrPerturb(draft.value, grrParams(epsilon, draft.d), random);
  return { v: AGGREGATE_REPORT_VERSION, id, period, kind: OUTCOME_KIND, eps: epsilon, mech: 'grr', exp: draft.experiment, d: draft.d, y };
}
