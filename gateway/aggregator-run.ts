import { rename, writeFile } from 'node:fs/promises';
import type { PriorsBundle } from '../src/core/priors.js';
import { AggregatorStore, writeAtomically } from './aggregator-store.js';
import type { Experiment } from '../src/core/experiments.js';
import { estimatesFromStore, type EstimatesFile } from './experiment-estimates.js';
import { foldKafkaTopic, type KafkaFoldOptions, type KafkaFoldResult } from './kafka-fold.js';
import type { FoldCounts } from './partition-fold.js';
import { priorsFromStore, type PriorsCandidates, type PublicationOptions } from './priors-build.js';
import { DEFAULT_REPORT_POLICY, type ReportPolicy } from './report-policy.js';

export interface AggregationOptions {
  bootstrap: string[];
  topic: string;
  /** The consumer group. Default `edgereco-aggregator`. Start several with the same group and `stateDir` to share the partitions. */
  groupId?: string;
  /** The state folder (aggregator-store.ts), shared by the group's consumers. Default `data/aggregator-state`. */
  stateDir?: string;
  /** The site's fixed ε per kind and retention (the gateway's `privacy`). Default ε = 2, 30 days. */
  policy?: ReportPolicy;
  candidates: PriorsCandidates;
  publication?: Partial<PublicationOptions>;
  /** Where the bundle JSON is written (atomically: a temp file, then a rename). Default: not written. */
  out?: string;
  /** The site's clock. Default Date.now. */
  now?: () => number;
  /** The store's experiments: their estimates are built (and written to `estimatesOut`) and published in the bundle. */
  experiments?: readonly Experiment[];
  /** Where the experiment estimates are written. Default: not written. */
  estimatesOut?: string;
  /** Fold tuning and hooks (checkpoints, session, timeout): see kafka-fold.ts. */
  fold?: Partial<Pick<KafkaFoldOptions, 'checkpointRecords' | 'checkpointMs' | 'timeoutMs' | 'sessionTimeoutMs' | 'lockLeaseMs' | 'dedup' | 'onCheckpoint'>>;
}

export interface AggregationResult extends KafkaFoldResult {
  bundle: PriorsBundle;
  /** The experiment estimates and the report volumes per day. */
  estimates: EstimatesFile;
}

/**
 * One aggregation run: this consumer folds its share of the topic's partitions up to the topic's current end into the
 * state folder (kafka-fold.ts; a later run goes on from there, it never re-reads what was folded), then builds the
 * priors bundle by merging the states of the recent periods (priors-build.ts) and writes it.
 */
export async function runAggregation(options: AggregationOptions): Promise<AggregationResult> {
  const now = options.now ?? Date.now;
  const store = new AggregatorStore(options.stateDir ?? 'data/aggregator-state', options.topic);
  const counts = await foldKafkaTopic({
    ...options.fold,
    bootstrap: options.bootstrap,
    topic: options.topic,
    groupId: options.groupId ?? 'edgereco-aggregator',
    store,
    policy: options.policy ?? DEFAULT_REPORT_POLICY,
    now,
  });
  const { bundle, estimates } = await publish(store, options.candidates, options.publication, options.experiments ?? [], options.policy ?? DEFAULT_REPORT_POLICY, now());
  if (options.out) await writePriors(options.out, bundle);
  if (options.estimatesOut) await writeEstimates(options.estimatesOut, estimates);
  return { bundle, estimates, ...counts };
}

/**
 * What a run publishes from the store's states: the priors bundle (with the experiments, so pages that pass none get
 * them) and the estimates file over the site's retention window (the experiments' estimates and every kind's report
 * volumes per day, which the dashboard draws).
 */
export async function publish(store: AggregatorStore, candidates: PriorsCandidates, publication: Partial<PublicationOptions> | undefined, experiments: readonly Experiment[], policy: ReportPolicy, nowMs: number): Promise<{ bundle: PriorsBundle; estimates: EstimatesFile }> {
  const bundle = await priorsFromStore(store, candidates, publication, nowMs);
  if (experiments.length > 0) bundle.experiments = [...experiments];
  return { bundle, estimates: await estimatesFromStore(store, experiments, policy.retentionDays + 1, nowMs) };
}

/** Writes the experiment estimates whole or not at all. */
export async function writeEstimates(out: string, estimates: EstimatesFile): Promise<void> {
  await writeAtomically(out, `${JSON.stringify(estimates, null, 1)}\n`);
}

/** Writes a priors bundle whole or not at all (a temporary file renamed over `out`), so browsers never fetch half. */
export async function writePriors(out: string, bundle: PriorsBundle): Promise<void> {
  const tmp = `${out}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(bundle, null, 1)}\n`);
  await rename(tmp, out);
}

/** The line an aggregation run prints: what it read and what it published where. */
export function describeAggregation(run: FoldCounts & { bundle: PriorsBundle; estimates?: EstimatesFile | null }, out: string, estimatesOut = 'estimates.json'): string {
  const { bundle } = run;
  const p = bundle.publication;
  const rule = p ? ` (α = ${p.alpha} over ${p.candidates.toLocaleString('en')} candidates; thresholds ${p.kinds.item.threshold} / ${p.kinds.pair.threshold} / ${p.kinds.query.threshold})` : '';
  const experiments = run.estimates?.experiments.length ? `; ${run.estimates.experiments.map((e) => `experiment ${e.id}: ${e.reports} outcome reports`).join(', ')} in ${estimatesOut}` : '';
  return `edgereco aggregator: ${run.records} records folded (${run.counted} counted, ${run.duplicates} duplicates dropped, ${run.invalid} invalid, ${run.refused} refused by the site's policy) → ${bundle.items.length} items, ${bundle.pairs.length} pairs, ${bundle.queries.length} queries in ${out}${rule}${experiments}\n`;
}
