import type { ArmRef } from './experiments.js';

/**
 * Where a result's score came from. `baseline` is the non-ML fallback (recency, popularity, co-occurrence); `priors`
 * is what many shoppers did (the store's privatized aggregates); `store` is the store's own list, as given
 * (`storeList` in an experiment arm that keeps it).
 */
export type ResultSource = 'baseline' | 'model' | 'search' | 'priors' | 'store';

/** One recommended item. */
export interface Recommendation {
  itemId: string;
  score: number;
  /** Why the item is here, in words a shopper understands. */
  reason: string;
  source: ResultSource;
  /**
   * Pass as `attributionId` on the `impression` of the list and on the click / add-to-cart / purchase this result leads
   * to: experiment outcomes are measured from these events (a list's id is `er-` and a time-ordered UUID).
   */
  attributionId: string;
  title?: string;
  /** The experiment arms the list was made under, one per running experiment (absent without experiments). */
  experiments?: ArmRef[];
}

/** Filters applied before the top-k, so k results come back whenever k items qualify. */
export interface RecommendFilter {
  /** Leave out items the shopper bought. Default true. */
  excludePurchased?: boolean;
  /** Only items whose catalog entry is not `available: false`. Default false. */
  inStock?: boolean;
  /** Only items whose category path starts with this (e.g. "Home" matches "Home > Lighting"). */
  category?: string;
  /** Item ids to leave out. */
  exclude?: string[];
}

export interface RecommendContext {
  /** The item the shopper is looking at now. */
  itemId?: string;
  /** The query the shopper searched for, if any. */
  query?: string;
}

export interface RecommendOptions {
  /** How many items. Default 10, at most 200. */
  k?: number;
  context?: RecommendContext;
  filter?: RecommendFilter;
  /**
   * The store's own list for this placement (item ids, best first; at most 1,000), used by experiment arms that keep
   * it: `"off"` shows it untouched, `"store"` re-ranks it for the shopper. Ignored by other arms and without experiments.
   */
  storeList?: string[];
}

export interface RelatedOptions {
  k?: number;
  filter?: RecommendFilter;
  /** The store's own list for this placement; see {@link RecommendOptions.storeList}. */
  storeList?: string[];
}
