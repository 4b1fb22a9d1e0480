import type { AggregateReport, ReportKind } from '../src/core/ldp/aggregate-report.js';
import { itemKey, pairKey, queryKey } from '../src/core/ldp/item-key.js';
import { createOlhAggregator, olhParams, olhVariance, type OlhParams } from '../src/core/ldp/olh.js';

import { PRIORS_BUNDLE_VERSION, type PriorsBundle } from '../src/core/priors.js';

export { PRIORS_BUNDLE_VERSION, type PriorsBundle };

/** What the aggregator may estimate: LDP reports name no value, so the candidates come from the store. */
export interface PriorsCandidates {
  /** Every item id of the catalog. */
  items: readonly string[];
  /** Queries worth estimating (the store's own query list, catalog terms). Default none. */
  queries?: readonly string[];
  /** Pairs are estimated among this many of the most popular items (n·(n−1)/2 candidates). Default 100. */
  pairTopItems?: number;
}

/**
 * Minimum support: an estimate is published only when it is at least `minCount` AND at least `z` standard deviations
 * of the estimator's noise (so what is published is very unlikely to be noise alone). Defaults 20 and 3.
 */
export interface MinSupport {
  minCount: number;
  z: number;
}

export const DEFAULT_MIN_SUPPORT: MinSupport = { minCount: 20, z: 3 };


interface Group {
  params: OlhParams;
  seeds: number[];
  values: number[];
}

/**
 * Counts privatized reports once per report id and estimates, per kind, how many shoppers reported each candidate
 * (OLH's unbiased estimator, summed over the ε values seen). Reports are kept compactly (seed and bucket) until
 * `estimate()`; O(reports × candidates) there.
 */
export class ReportAggregator {
  private readonly seen = new Set<string>();
  private readonly groups = new Map<string, Group>();
  private readonly counts: Record<ReportKind, number> = { item: 0, pair: 0, query: 0 };
  private duplicates = 0;
  private from: string | null = null;
  private to: string | null = null;

  /** Adds one (already validated) report; false when its id was seen before (a resend). */
  add(report: AggregateReport): boolean {
    if (this.seen.has(report.id)) {
      this.duplicates += 1;
      return false;
    }
    this.seen.add(report.id);
    const name = `${report.kind}:${report.eps}`;
    let group = this.groups.get(name);
    if (!group) this.groups.set(name, (group = { params: olhParams(report.eps), seeds: [], values: [] }));
    group.seeds.push(report.seed);
    group.values.push(report.y);
    this.counts[report.kind] += 1;
    if (this.from === null || report.period < this.from) this.from = report.period;
    if (this.to === null || report.period > this.to) this.to = report.period;
    return true;
  }

  get duplicatesDropped(): number {
    return this.duplicates;
  }

  /** Unbiased count estimates of each key for one kind, and the standard deviation of the noise. */
  private estimateKind(kind: ReportKind, keys: Uint32Array): { estimates: Float64Array; sigma: number } {
    const estimates = new Float64Array(keys.length);
    let variance = 0;
    for (const [name, group] of this.groups) {
      if (!name.startsWith(`${kind}:`)) continue;
      const olh = createOlhAggregator(group.params, keys);
      for (let i = 0; i < group.seeds.length; i++) olh.add({ seed: group.seeds[i]!, value: group.values[i]! });
      olh.estimates().forEach((e, i) => (estimates[i]! += e));
      variance += olhVariance(group.params, group.seeds.length);
    }
    return { estimates, sigma: Math.sqrt(variance) };
  }

  estimate(candidates: PriorsCandidates, support: MinSupport = DEFAULT_MIN_SUPPORT, nowMs = Date.now()): PriorsBundle {
    const threshold = (sigma: number): number => Math.max(support.minCount, support.z * sigma);
    const items = [...new Set(candidates.items)];
    const itemEst = this.estimateKind('item', Uint32Array.from(items, itemKey));
    const ranked = items.map((itemId, i) => ({ itemId, count: itemEst.estimates[i]! })).sort((a, b) => b.count - a.count);
    const top = ranked.slice(0, candidates.pairTopItems ?? 100).map((r) => r.itemId);
    const pairs: [string, string][] = [];
    for (let i = 0; i < top.length; i++) for (let j = i + 1; j < top.length; j++) pairs.push(top[i]! < top[j]! ? [top[i]!, top[j]!] : [top[j]!, top[i]!]);
    const pairEst = this.estimateKind('pair', Uint32Array.from(pairs, ([a, b]) => pairKey(a, b)));
    const queries = [...new Set(candidates.queries ?? [])];
    const queryEst = this.estimateKind('query', Uint32Array.from(queries, queryKey));
    const t = { item: threshold(itemEst.sigma), pair: threshold(pairEst.sigma), query: threshold(queryEst.sigma) };
    const round = (x: number): number => Math.round(x * 10) / 10;
    return {
      format: 'edgereco-priors',
      version: PRIORS_BUNDLE_VERSION,
      generated: new Date(nowMs).toISOString().slice(0, 10),
      periods: this.from && this.to ? { from: this.from, to: this.to } : null,
      reports: { ...this.counts, duplicatesDropped: this.duplicates },
      threshold: { item: round(t.item), pair: round(t.pair), query: round(t.query) },
      items: ranked.filter((r) => r.count >= t.item).map((r) => ({ itemId: r.itemId, count: round(r.count) })),
      pairs: pairs
        .map((p, i) => ({ items: p, count: pairEst.estimates[i]! }))
        .filter((p) => p.count >= t.pair)
        .sort((a, b) => b.count - a.count)
        .map((p) => ({ items: p.items, count: round(p.count) })),
      queries: queries
        .map((query, i) => ({ query, count: queryEst.estimates[i]! }))
        .filter((q) => q.count >= t.query)
        .sort((a, b) => b.count - a.count)
        .map((q) => ({ query: q.query, count: round(q.count) })),
    };
  }
}
