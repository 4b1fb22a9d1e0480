import type { AggregateReport } from '../src/core/ldp/aggregate-report.js';
import { PRIORS_BUNDLE_VERSION, type PriorsBundle } from '../src/core/priors.js';
import { PartitionFold, type FoldCounts } from './partition-fold.js';
import { DEFAULT_DEDUP, type DedupOptions } from './period-state.js';
import { buildPriors, type PriorsCandidates, type PublicationOptions } from './priors-build.js';
import { DEFAULT_REPORT_POLICY, type ReportPolicy } from './report-policy.js';
import type { Experiment } from '../src/core/experiments.js';
import { buildEstimates, type EstimatesFile } from './experiment-estimates.js';

export { PRIORS_BUNDLE_VERSION, type PriorsBundle };

/**
 * The aggregator in memory, for one stream of reports (tests, simulations, the privacy bench): the same fold, states
 * and publication rule as the Kafka and file runs (partition-fold.ts, priors-build.ts), without a store.
 */
export class ReportAggregator {
  private readonly fold: PartitionFold;

  /** `now` is the site's clock: reports whose period is outside its window are refused. */
  constructor(policy: ReportPolicy = DEFAULT_REPORT_POLICY, private readonly now: () => number = Date.now, dedup: DedupOptions = DEFAULT_DEDUP) {
    this.fold = new PartitionFold(0, policy, 0, [], dedup);
  }

  /** Folds one report (untrusted: checked here); what became of it. */
  add(report: AggregateReport | unknown): 'counted' | 'duplicate' | 'invalid' | 'refused' {
    const before = { ...this.fold.counts };
    this.fold.fold(this.fold.nextOffset, report, this.now());
    const after = this.fold.counts;
    if (after.counted > before.counted) return 'counted';
    if (after.duplicates > before.duplicates) return 'duplicate';
    return after.invalid > before.invalid ? 'invalid' : 'refused';
  }

  get counts(): Readonly<FoldCounts> {
    return this.fold.counts;
  }

  /** The priors bundle of what was added, as of `nowMs` (default: the aggregator's clock). */
  estimate(candidates: PriorsCandidates, options: Partial<PublicationOptions> = {}, nowMs = this.now()): PriorsBundle {
    return buildPriors([...this.fold.states.values()].map((s) => s.toSketches()), candidates, options, nowMs);
  }

  /** The experiment estimates of what was added, over the site's retention, as of `nowMs`. */
  estimateExperiments(experiments: readonly Experiment[], nowMs = this.now()): EstimatesFile {
    return buildEstimates([...this.fold.states.values()].map((s) => s.toSketches()), experiments, this.fold.policy.retentionDays + 1, nowMs);
  }
}
