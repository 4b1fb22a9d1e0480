/**
 * Where a result's score came from. `baseline` is the non-ML fallback (recency, popularity, co-occurrence); `priors`
 * is what many shoppers did (the store's privatized aggregates).
 */
export type ResultSource = 'baseline' | 'model' | 'search' | 'priors';

/** One recommended item. */
export interface Recommendation {
  itemId: string;
  score: number;
  /** Why the item is here, in words a shopper understands. */
  reason: string;
  source: ResultSource;
  /** Pass as `attributionId` on the click / add-to-cart this result leads to. */
  attributionId: string;
  title?: string;
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
}

export interface RelatedOptions {
  k?: number;
  filter?: RecommendFilter;
}
