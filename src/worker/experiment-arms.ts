import { assignArms, parseAssignments, type ArmAssignment } from '../core/arm-assignment.js';
import type { BusinessRules } from '../core/config.js';
import { asEdgeRecoError, type EdgeRecoError } from '../core/errors.js';
import type { ArmRecommender, ArmRef, Experiment } from '../core/experiments.js';
import { cryptoRandom } from '../core/ldp/random-source.js';
import { readMetaRecord, writeMetaRecord } from '../storage/meta-record.js';
import { EXPERIMENT_ARMS_KEY } from '../storage/schema.js';
import type { OutcomeSource } from '../sync/outcome-draft.js';

/** What the shopper's arms decide for a list: the recommender, the rules (when an arm sets them) and the arms, for attribution. */
export interface ArmSettings {
  recommender: ArmRecommender;
  rules?: BusinessRules;
  /** One per running experiment; empty without experiments. */
  refs: ArmRef[];
}

/**
 * The shopper's arms in the store's running experiments (the option, or the priors bundle's), in the worker. Drawn once
 * per device and experiment with the CSPRNG and kept in IndexedDB (`meta`, EXPERIMENT_ARMS_KEY) beside the shopper's
 * other data; in memory only with memory storage. After `forget()` (here or in another tab) they are drawn again, lazily,
 * at the next list.
 */
export class ExperimentArms {
  private assignments: ArmAssignment[] | null = null;
  private loading: Promise<ArmAssignment[]> | null = null;

  constructor(
    readonly experiments: readonly Experiment[],
    private readonly dbName: string | null,
    private readonly warn: (error: EdgeRecoError) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The assignments, drawn and stored on first use (after a reset, again). */
  private async current(): Promise<ArmAssignment[]> {
    if (this.experiments.length === 0) return [];
    if (this.assignments) return this.assignments;
    this.loading ??= this.load().finally(() => (this.loading = null));
    return this.loading;
  }

  private async load(): Promise<ArmAssignment[]> {
    // Another tab may have drawn already: read first, draw only what is missing.
    const stored = this.dbName ? parseAssignments(await readMetaRecord(this.dbName, EXPERIMENT_ARMS_KEY).catch(() => undefined)) : (this.assignments ?? []);
    const { assignments, changed } = assignArms(this.experiments, stored, this.now(), cryptoRandom());
    if (changed && this.dbName) {
      await writeMetaRecord(this.dbName, EXPERIMENT_ARMS_KEY, { version: 1, assignments }).catch((error: unknown) =>
        this.warn(asEdgeRecoError(error, 'the experiment arms could not be stored', 'they hold for this page only')));
    }
    this.assignments = assignments;
    return assignments;
  }

  /** What the lists of the shopper's arms get: settings of later experiments override earlier ones'. */
  async settings(): Promise<ArmSettings> {
    const assignments = await this.current();
    const out: ArmSettings = { recommender: 'model', refs: [] };
    for (const experiment of this.experiments) {
      const name = assignments.find((a) => a.experiment === experiment.id)?.arm;
      const arm = experiment.arms.find((a) => a.name === name);
      if (!arm) continue;
      out.refs.push({ experiment: experiment.id, arm: arm.name });
      if (arm.recommender) out.recommender = arm.recommender;
      if (arm.rules) out.rules = arm.rules;
    }
    return out;
  }

  /** The running experiments and the arms, for the outcome reports. */
  async source(): Promise<OutcomeSource> {
    return { experiments: this.experiments, assignments: await this.current() };
  }

  /** The shopper's arms in the running experiments, for `exportData()`. */
  async exported(): Promise<{ experiment: string; arm: string; since: string }[]> {
    const assignments = await this.current();
    return assignments.filter((a) => this.experiments.some((e) => e.id === a.experiment)).map((a) => ({ experiment: a.experiment, arm: a.arm, since: new Date(a.since).toISOString() }));
  }

  /** `forget()`: the arms are gone with the database; the next list draws new ones. */
  reset(): void {
    this.assignments = null;
  }
}
