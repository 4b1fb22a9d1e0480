import { checkAggregateReport } from '../src/core/ldp/aggregate-report.js';
import type { AggregatorStore } from './aggregator-store.js';
import { DEFAULT_DEDUP, PeriodState, type DedupOptions } from './period-state.js';
import { acceptedPeriods, checkReportPolicy, type ReportPolicy } from './report-policy.js';

/** What a fold has read, this run. */
export interface FoldCounts {
  /** Records read (each once, even across a replay). */
  records: number;
  /** Reports counted into a sketch. */
  counted: number;
  /** Reports dropped as resends (same id, same period). */
  duplicates: number;
  /** Records that are not a report of the current schema. */
  invalid: number;
  /** Valid reports the site's policy refuses (another ε, a period outside the window): never counted. */
  refused: number;
  /** Records a state already held (read again after a crash), skipped. */
  replayed: number;
}

export const emptyFoldCounts = (): FoldCounts => ({ records: 0, counted: 0, duplicates: 0, invalid: 0, refused: 0, replayed: 0 });

export function addFoldCounts(into: FoldCounts, from: FoldCounts): FoldCounts {
  for (const key of Object.keys(into) as (keyof FoldCounts)[]) into[key] += from[key];
  return into;
}

/**
 * One partition's reports folded into per-period states, in offset order, each record in O(1). Records must be given
 * from `nextOffset` on; a record a period's stored state already holds (offset below its `nextOffset`) is skipped, so
 * folding again from an older checkpoint counts nothing twice.
 */
export class PartitionFold {
  readonly states = new Map<string, PeriodState>();
  readonly counts = emptyFoldCounts();
  /** Records folded since the last checkpoint. */
  pending = 0;
  /** The accepted periods, computed once per clock reading. */
  private window = { at: Number.NaN, from: '', to: '' };

  constructor(
    readonly partition: number,
    readonly policy: ReportPolicy,
    /** The next offset to fold. */
    public nextOffset = 0,
    states: readonly PeriodState[] = [],
    readonly dedup: DedupOptions = DEFAULT_DEDUP,
  ) {
    for (const state of states) this.states.set(state.period, state);
  }

  /** The partition as the store holds it: its checkpoint and period states. */
  static async load(store: AggregatorStore, partition: number, policy: ReportPolicy, dedup: DedupOptions = DEFAULT_DEDUP): Promise<PartitionFold> {
    return new PartitionFold(partition, policy, await store.checkpoint(partition), await store.loadStates(partition, dedup), dedup);
  }

  /**
   * Folds the record at `offset`, whose value is `report` (parsed JSON; anything else is counted invalid). `nowMs` is
   * the clock of the site's window: a report whose period has left it (or that another ε than the site's) is refused.
   */
  fold(offset: number, report: unknown, nowMs: number): void {
    this.counts.records += 1;
    this.nextOffset = offset + 1;
    this.pending += 1;
    const check = checkAggregateReport(report);
    if (!check.ok) {
      this.counts.invalid += 1;
      return;
    }
    const r = check.report;
    if (nowMs !== this.window.at) this.window = { at: nowMs, ...acceptedPeriods(this.policy, nowMs) };
    if (!checkReportPolicy(r, this.policy, nowMs, this.window).ok) {
      this.counts.refused += 1;
      return;
    }
    let state = this.states.get(r.period);
    if (!state) this.states.set(r.period, (state = PeriodState.create(r.period, this.dedup)));
    if (offset < state.nextOffset) {
      this.counts.replayed += 1;
      return;
    }
    if (state.add(r)) this.counts.counted += 1;
    else this.counts.duplicates += 1;
  }

  /**
   * Writes what changed: every changed period state (with the offset it now covers), then the checkpoint; drops the
   * periods that left the site's window. Call only while holding the partition's lock.
   */
  async checkpoint(store: AggregatorStore, nowMs: number, position?: number): Promise<void> {
    const { from } = acceptedPeriods(this.policy, nowMs);
    for (const [period, state] of this.states) {
      if (period < from) {
        this.states.delete(period);
        await store.deleteState(this.partition, period);
      } else if (state.dirty) {
        state.nextOffset = this.nextOffset;
        await store.writeState(this.partition, state);
        state.dirty = false;
      }
    }
    await store.writeCheckpoint(this.partition, this.nextOffset, position);
    this.pending = 0;
  }
}
