import type { AggregateReport, ReportKind } from '../src/core/ldp/aggregate-report.js';
import { olhParams } from '../src/core/ldp/olh.js';
import { OlhSketch } from '../src/core/ldp/olh-sketch.js';
import { BloomFilter } from './bloom-filter.js';
import { OutcomeTally } from './outcome-tally.js';

/** The duplicate check's size per partition and period. See bloom-filter.ts for what these defaults give. */
export interface DedupOptions {
  /** Bits of the Bloom filter, a power of two. Default 2^23 (1 MiB). */
  bits: number;
  /** Hash functions. Default 7. */
  hashes: number;
}

export const DEFAULT_DEDUP: DedupOptions = { bits: 2 ** 23, hashes: 7 };

/** One OLH sketch of a period: the reports of one kind at one ε. */
export interface KindSketch {
  kind: ReportKind;
  sketch: OlhSketch;
}

/** What the priors need of a period: its sketches and duplicates (never the report ids). */
export interface PeriodSketches {
  period: string;
  duplicates: number;
  /** The chance that a new report was taken for a duplicate, as the period's filter stands. */
  falseDropRate: number;
  sketches: KindSketch[];
  /** Experiment outcome tallies (outcome-tally.ts); absent in states written before experiments. */
  outcomes?: OutcomeTally[];
}

/**
 * What one partition has folded for one period (a UTC day): the report ids seen (a fixed-size Bloom filter), one OLH
 * sketch per report kind and ε, and the duplicates dropped. Its size does not depend on the number of reports.
 */
export class PeriodState {
  /** By `${kind}@${ε}`. (A site's ε per kind is fixed; two only meet when the site changed it within a window.) */
  readonly sketches = new Map<string, KindSketch>();
  /** Experiment outcomes, by `experiment@ε@d` (OutcomeTally.key). */
  readonly outcomes = new Map<string, OutcomeTally>();
  duplicates = 0;
  /**
   * Records of the partition at offsets below this are in this state as the store holds it: a replay after a crash
   * skips them, which makes writing the state idempotent (aggregator-store.ts).
   */
  nextOffset = 0;
  /** Changed since it was last written. */
  dirty = false;

  constructor(readonly period: string, readonly seen: BloomFilter) {}

  static create(period: string, dedup: DedupOptions = DEFAULT_DEDUP): PeriodState {
    return new PeriodState(period, new BloomFilter(dedup.bits, dedup.hashes));
  }

  /** The sketch of a kind at an ε, made on first use. */
  sketch(kind: ReportKind, epsilon: number): OlhSketch {
    const name = `${kind}@${epsilon}`;
    let entry = this.sketches.get(name);
    if (!entry) this.sketches.set(name, (entry = { kind, sketch: new OlhSketch(olhParams(epsilon)) }));
    return entry.sketch;
  }

  /** Folds a (checked) report of this period in O(1); false when its id was seen before (a resend), which is dropped. */
  add(report: AggregateReport): boolean {
    this.dirty = true;
    if (this.seen.testAndAdd(report.id)) {
      this.duplicates += 1;
      return false;
    }
    if (report.mech === 'grr') this.outcome(report.exp, report.eps, report.d).add(report.y);
    else this.sketch(report.kind, report.eps).add(report.seed, report.y);
    return true;
  }

  /** The outcome tally of an experiment at an ε and domain, made on first use. */
  outcome(experiment: string, epsilon: number, d: number): OutcomeTally {
    const name = OutcomeTally.key(experiment, epsilon, d);
    let tally = this.outcomes.get(name);
    if (!tally) this.outcomes.set(name, (tally = new OutcomeTally(experiment, epsilon, d)));
    return tally;
  }

  toSketches(): PeriodSketches {
    return { period: this.period, duplicates: this.duplicates, falseDropRate: this.seen.falseDropRate(), sketches: [...this.sketches.values()], outcomes: [...this.outcomes.values()] };
  }
}
