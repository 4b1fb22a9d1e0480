import type { Recommendation, RecommendFilter } from '../core/recommendation.js';
import { passes } from './baseline-recommender.js';
import type { CatalogIndex } from './catalog-index.js';
import type { History } from './history.js';

/**
 * `frequentlyBoughtTogether(itemIds)`: items bought in the same orders as the given ones, from the shopper's own
 * orders (global co-purchase priors join when the sync lands). Only real co-purchases are reported as such; the caller
 * tops the list up from `related()`, whose reasons say what they are.
 */
export function boughtTogether(
  history: History,
  catalog: CatalogIndex,
  itemIds: readonly string[],
  options: { k: number; filter: RecommendFilter; attributionId: string },
): Recommendation[] {
  const counts = new Map<string, { n: number; with: string }>();
  for (const anchor of itemIds) {
    for (const [id, n] of history.copurchase(anchor) ?? []) {
      const prev = counts.get(id);
      if (!prev || n > prev.n) counts.set(id, { n: (prev?.n ?? 0) + n, with: anchor });
      else prev.n += n;
    }
  }
  const exclude = new Set([...(options.filter.exclude ?? []), ...itemIds]);
  // Bought together means the shopper may want it again with these: purchased items are not excluded by default.
  const filter = { excludePurchased: false, ...options.filter };
  return [...counts]
    .filter(([id]) => passes(id, filter, catalog, history, exclude))
    .sort((a, b) => b[1].n - a[1].n)
    .slice(0, options.k)
    .map(([id, { n, with: anchor }]) => {
      const rec: Recommendation = {
        itemId: id,
        score: n,
        reason: `You bought it with “${catalog.title(anchor)}” ${n === 1 ? 'once' : `${n} times`}`,
        source: 'baseline',
        attributionId: options.attributionId,
      };
      const title = catalog.get(id)?.title;
      if (title !== undefined) rec.title = title;
      return rec;
    });
}
