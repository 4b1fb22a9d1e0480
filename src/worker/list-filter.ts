import type { RecommendFilter } from '../core/recommendation.js';
import type { CatalogIndex } from './catalog-index.js';
import type { History } from './history.js';

/**
 * Whether an item may be shown in a list (`recommend()`, `related()`, `frequentlyBoughtTogether()`, with or without the
 * model): not excluded, not already purchased (unless `excludePurchased: false`), in stock if asked, in the category if
 * one is given. Every list applies it before its top-k.
 */
export function passesFilter(itemId: string, filter: RecommendFilter, catalog: CatalogIndex, history: History, exclude: ReadonlySet<string>): boolean {
  if (exclude.has(itemId)) return false;
  if ((filter.excludePurchased ?? true) && history.purchased().has(itemId)) return false;
  const item = catalog.get(itemId);
  if (filter.inStock && item?.available === false) return false;
  if (filter.category !== undefined && !(item?.category ?? '').startsWith(filter.category)) return false;
  return true;
}
