import { pickArm, type Experiment } from './experiments.js';
import type { RandomSource } from './ldp/random-source.js';

/**
 * The shopper's arm in one experiment, as the device keeps it (IndexedDB `meta`, with the shopper's other data;
 * `forget()` deletes it, so the next visit draws again). Never sent.
 */
export interface ArmAssignment {
  experiment: string;
  arm: string;
  /** The uniform draw in [0, 1) that picked the arm (by the arms' weights when drawn). */
  u: number;
  /** When the shopper entered the experiment (ms): only events and lists from then on count in outcomes. */
  since: number;
}

/**
 * The assignments for `experiments`: a kept one stays as long as its arm still exists (the arm is stable per device
 * and experiment, even when the store later changes the weights); a new experiment, or one whose arm was removed, is
 * drawn now with `random` (the device's CSPRNG). Assignments of experiments no longer running are kept: a later page
 * with the same experiment must find the same arm. Returns the full list and whether anything changed.
 */
export function assignArms(experiments: readonly Experiment[], kept: readonly ArmAssignment[], nowMs: number, random: RandomSource): { assignments: ArmAssignment[]; changed: boolean } {
  const byId = new Map(kept.map((a) => [a.experiment, a]));
  let changed = false;
  for (const experiment of experiments) {
    const current = byId.get(experiment.id);
    if (current && experiment.arms.some((a) => a.name === current.arm)) continue;
    const u = random();
    byId.set(experiment.id, { experiment: experiment.id, arm: pickArm(experiment, u).name, u, since: nowMs });
    changed = true;
  }
  return { assignments: [...byId.values()], changed };
}

/** Checks a stored value (IndexedDB can hold anything an older or newer SDK wrote): the assignments it holds, or []. */
export function parseAssignments(value: unknown): ArmAssignment[] {
  const record = value as { version?: unknown; assignments?: unknown } | undefined;
  if (record?.version !== 1 || !Array.isArray(record.assignments)) return [];
  return record.assignments.filter((a: Partial<ArmAssignment> | null): a is ArmAssignment =>
    typeof a?.experiment === 'string' && typeof a.arm === 'string' && typeof a.u === 'number' && typeof a.since === 'number');
}
