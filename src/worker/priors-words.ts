import type { PriorsEntrySource } from '../core/priors.js';

/**
 * How the SDK says where a store-wide signal came from, in `explain()` and in recommendation reasons: the store's own
 * sales (its order feed: exact, and the store had them anyway) or what many shoppers' browsers reported, privatized on
 * each device (an estimate). The words never claim more than the priors bundle's label says.
 */
export const FROM_SALES = "from the store's sales";
export const FROM_VIEWS = 'from what many shoppers viewed (privatized)';
export const FROM_BASKETS = 'from what many shoppers bought together (privatized)';

/** Why an item is popular store-wide, one sentence per source that lists it (the store's sales first). */
export function popularTexts(sources: readonly PriorsEntrySource[]): string[] {
  const texts = [...sources].sort((a) => (a === 'orders' ? -1 : 1)).map((s) => (s === 'orders' ? `A best-seller in this store, ${FROM_SALES}` : `Trending with other shoppers in this store, ${FROM_VIEWS}`));
  // Private reports and secure aggregation say the same to the shopper: once.
  return [...new Set(texts)];
}

/** Why an item goes with `title` (quoted already), by the source of the pair. */
export function boughtWithText(title: string, source: PriorsEntrySource): string {
  return source === 'orders' ? `Often bought with ${title}, ${FROM_SALES}` : `Often bought with ${title} by other shoppers, ${FROM_BASKETS}`;
}
