/** Filters a search result list by the item's catalog fields. All given filters must hold. */
export interface SearchFilters {
  /** Only items that are not marked `available: false`. */
  inStock?: boolean;
  /** Only these brands (case-insensitive). */
  brand?: string | readonly string[];
  /** Only items in this category or below it, e.g. "Audio" keeps "Audio > Headphones & headsets". */
  category?: string;
  /** Only items with a price at or above this (items without a price are dropped). */
  minPrice?: number;
  /** Only items with a price at or below this (items without a price are dropped). */
  maxPrice?: number;
}

export interface SearchOptions {
  /** How many results. Default 20, at most 200. */
  k?: number;
  filters?: SearchFilters;
}

export interface RerankOptions {
  /** The query the list answers, if it is a search result list (said in each result's reason). */
  query?: string;
}

/** One autocomplete suggestion: the shopper's own past queries first, then other shoppers' popular ones, then catalog words. */
export interface Suggestion {
  text: string;
  source: 'history' | 'popular' | 'catalog';
}
