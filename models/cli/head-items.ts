import type { CatalogItem } from '../../src/core/catalog.js';

/** What ranked the head: the catalog's `popularity` field, the model's prior (training counts), or the file's order. */
export type HeadRanking = 'popularity' | 'model prior' | 'file order';

export interface HeadChoice {
  /** For each catalog row, whether it is in the head. */
  inHead: boolean[];
  by: HeadRanking;
}

/**
 * The `size` most popular items of a catalog: by the catalog's `popularity` when any item has one (an item without
 * one counts 0), else by `prior` (the model's `log(1 + count)` by item id; items the model does not know count 0)
 * when given, else the first `size` rows. Ties keep the file's order.
 */
export function headItems(items: readonly CatalogItem[], size: number, prior?: ReadonlyMap<string, number>): HeadChoice {
  const by: HeadRanking = items.some((item) => item.popularity !== undefined) ? 'popularity' : prior ? 'model prior' : 'file order';
  const score = (item: CatalogItem): number => (by === 'popularity' ? (item.popularity ?? 0) : by === 'model prior' ? (prior!.get(item.id) ?? 0) : 0);
  const scores = Float64Array.from(items, score);
  // Array.prototype.sort is stable: equal scores keep the file's order.
  const order = Array.from(items, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const inHead = new Array<boolean>(items.length).fill(false);
  for (const i of order.slice(0, size)) inHead[i] = true;
  return { inHead, by };
}
