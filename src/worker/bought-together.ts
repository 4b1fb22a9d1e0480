import type { PriorsEntrySource } from '../core/priors.js';
import type { Recommendation, RecommendFilter } from '../core/recommendation.js';
import { boughtWithText } from './priors-words.js';
import { passesFilter } from './list-filter.js';
import type { CatalogIndex } from './catalog-index.js';
import type { History } from './history.js';

/**
 * `frequentlyBoughtTogether(itemIds)`: items bought in the same orders as the given ones, first from the shopper's own
 * orders, then from what the store's priors pair them with (its sales, or other shoppers' privatized reports, through
 * `boughtWith`; the reason says which). Only real
 * co-purchases are reported as such; the caller tops the list up from `related()`, whose reasons say what they are.
 */
export function boughtTogether(
  history: History,
  catalog: CatalogIndex,
  itemIds: readonly string[],
  options: { k: number; filter: RecommendFilter; attributionId: string },
  boughtWith: (itemId: string) => readonly { itemId: string; source: PriorsEntrySource }[] = () => [],
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
  const found: { id: string; score: number; reason: string; source: Recommendation['source'] }[] = [...counts]
    .filter(([id]) => passesFilter(id, filter, catalog, history, exclude))
    .sort((a, b) => b[1].n - a[1].n)
    .map(([id, { n, with: anchor }]) => ({ id, score: n, reason: `You bought it with “${catalog.title(anchor)}” ${n === 1 ? 'once' : `${n} times`}`, source: 'baseline' }));
  // The priors can pair one item with much of the catalog: a set of what is listed, and the reading stops at k.
  const listed = new Set(found.map((f) => f.id));
  for (const anchor of itemIds) {
    for (const { itemId, source } of boughtWith(anchor)) {
      if (found.length >= options.k) break;
      if (listed.has(itemId) || !passesFilter(itemId, filter, catalog, history, exclude)) continue;
      listed.add(itemId);
      found.push({ id: itemId, score: 0, reason: boughtWithText(`“${catalog.title(anchor)}”`, source), source: 'priors' });
    }
  }
  return found.slice(0, options.k).map(({ id, score, reason, source }) => {
    const rec: Recommendation = { itemId: id, score, reason, source, attributionId: options.attributionId };
    const title = catalog.get(id)?.title;
    if (title !== undefined) rec.title = title;
    return rec;
  });
}
