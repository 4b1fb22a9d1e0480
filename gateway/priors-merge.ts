import type { PriorsBundle, PriorsEntrySource } from '../src/core/priors.js';
import type { OrderPriors } from './order-priors.js';

/** Each entry's place within its own source: log1p(count) / log1p(that source's largest count), 0..1. */
function scaled<T extends { count: number; source: PriorsEntrySource }>(entries: readonly T[]): (T & { score: number })[] {
  const max = new Map<PriorsEntrySource, number>();
  for (const e of entries) max.set(e.source, Math.max(max.get(e.source) ?? 0, Math.log1p(e.count)));
  return entries.map((e) => ({ ...e, score: (max.get(e.source) ?? 0) > 0 ? Math.log1p(e.count) / max.get(e.source)! : 0 }));
}

/**
 * Sources side by side, each entry labelled: counts of different sources are not comparable (estimated shoppers
 * against orders), so the merged list is ordered by each entry's place within its own source (log scale), the
 * store's sales first on a tie, then by id. An item can appear once per source.
 */
export function interleave<T extends { count: number; source: PriorsEntrySource }>(entries: readonly T[], name: (e: T) => string): T[] {
  return scaled(entries)
    .sort((a, b) => b.score - a.score || (a.source === b.source ? 0 : a.source === 'orders' ? -1 : 1) || b.count - a.count || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0))
    .map(({ score: _score, ...e }) => e as unknown as T);
}

/**
 * The priors bundle with the store's own best-sellers and bought-together pairs (order-priors.ts) beside what the
 * private reports published, every entry labelled with its source, and `sources.orders` saying what was read.
 */
export function mergeOrderPriors(bundle: PriorsBundle, orders: OrderPriors, feed: 'csv' | 'kafka'): PriorsBundle {
  const items = [...bundle.items, ...orders.items.map((i) => ({ ...i, source: 'orders' as const }))];
  const pairs = [...bundle.pairs, ...orders.pairs.map((p) => ({ ...p, source: 'orders' as const }))];
  return {
    ...bundle,
    sources: { ...bundle.sources, orders: { feed, ...orders.summary } },
    items: interleave(items, (e) => e.itemId),
    pairs: interleave(pairs, (e) => e.items.join('\u0000')),
  };
}
