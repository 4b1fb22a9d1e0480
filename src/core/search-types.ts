import type { Recommendation } from './recommendation.js';

/** An attribute value as catalogs carry them: text ("Black"), a number (1800) or a feature flag (`bluetooth: true`). */
export type FacetAttributeValue = string | number | boolean;

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
  /**
   * Only items whose attribute has one of these values, e.g. `{ color: ['Black', 'White'], bluetooth: true }` (text
   * compared case-insensitively). The facet `attr:color` counts the same values.
   */
  attributes?: Readonly<Record<string, FacetAttributeValue | readonly FacetAttributeValue[]>>;
}

/** A facet `search()` can count: `brand`, `category` (every level of the path), `price` (ranges) or `attr:NAME`. */
export type FacetName = 'brand' | 'category' | 'price' | `attr:${string}`;

/** One value of a facet and how many matching items have it. */
export interface FacetValue {
  /** The value as the catalog writes it (a brand, a category path, an attribute value), or a price range label. */
  value: string;
  count: number;
  /** Price ranges only: filter with `minPrice: min` and `maxPrice: max` (both inclusive; `max` absent for the last). */
  min?: number;
  max?: number;
}

/** A stretch of text, as UTF-16 offsets (`text.slice(start, end)`), that matched the query. */
export interface TextRange {
  start: number;
  end: number;
}

/** Which parts of a hit matched, for the storefront to mark up. */
export interface Highlight {
  /** The matched parts of the item's title, in order, not overlapping. */
  title: TextRange[];
  /** A short piece of the description around its first match, and the matches inside it; absent when none matched. */
  snippet?: { text: string; ranges: TextRange[] };
}

export interface SearchOptions {
  /** How many results. Default 20, at most 200. */
  k?: number;
  filters?: SearchFilters;
  /**
   * Facets to count over every item matching the query (not only the `k` returned), e.g.
   * `['brand', 'category', 'price', 'attr:color']`. A facet's counts ignore that facet's own filter (so a shopper can
   * widen a choice) and apply all the others. Default: none.
   */
  facets?: readonly FacetName[];
  /**
   * When the query matches nothing, search the `didYouMean` correction instead and say so in `correctedFrom`. Default:
   * the store's `search.autoCorrect` (false unless set).
   */
  correct?: boolean;
}

/** One search result: a recommendation with the parts of its title (and description) that matched. */
export interface SearchHit extends Recommendation {
  highlight?: Highlight;
}

/**
 * What `search()` returns: the hits, best first (an array, so `for … of` and `.map()` work as before), with what a
 * results page also shows. The extra fields are properties of the array (they do not survive `JSON.stringify`).
 *
 * @example
 * ```js
 * const results = await reco.search('耳机', { facets: ['brand', 'price'], filters: { maxPrice: 500 } });
 * results.total;                    // every item matching, before k
 * results.facets.brand;             // [{ value: '小米', count: 12 }, …]
 * results[0].highlight.title;       // [{ start: 9, end: 13 }]: bold title.slice(9, 13)
 * (await reco.search('hedfones')).didYouMean; // 'headphones'
 * ```
 */
export type SearchResults = SearchHit[] & {
  /** How many items match the query and the filters (before `k`). */
  total: number;
  /** Counts per facet asked for, most frequent value first (price ranges in order). */
  facets: Partial<Record<FacetName, FacetValue[]>>;
  /** A corrected query from the catalog's words and the shopper's own searches, when this one matched nothing or little. */
  didYouMean?: string;
  /** Set when the results are for `didYouMean` because the query matched nothing and correction was on. */
  correctedFrom?: string;
};

/** What the worker sends back for `search()`; the page turns it into {@link SearchResults}. */
export interface SearchResponse {
  hits: SearchHit[];
  total: number;
  facets: Partial<Record<FacetName, FacetValue[]>>;
  didYouMean?: string;
  correctedFrom?: string;
}

/** A store synonym: `words` are all interchangeable (two-way), or `from` also finds `to` (one-way). Multi-word allowed. */
export type SynonymRule = { words: readonly string[] } | { from: string; to: readonly string[] };

/**
 * A merchandising rule: for a query (compared after case and width folding) or, with an empty query, a category
 * listing, put items at fixed positions and move others to the end. Pins still obey the active filters.
 */
export interface PinRule {
  /** The query the rule is for. Give this or `category`. */
  query?: string;
  /** The category listing (`search('', { filters: { category } })`) the rule is for. */
  category?: string;
  /** Items to show at these positions (0 = first). */
  pin?: readonly { id: string; position: number }[];
  /** Items to move to the end of the results. */
  bury?: readonly string[];
}

/**
 * The store's search settings (`createRecommender({ search })`). Every field is optional.
 *
 * @example
 * ```js
 * createRecommender({
 *   catalogUrl: '/catalog.json',
 *   search: {
 *     locale: 'zh-CN',                                          // the catalog's language (word segmentation)
 *     dictionary: ['森海塞尔'],                                  // a query holding it searches it whole
 *     synonyms: [{ words: ['手机壳', '保护套'] }, { from: 'laptop', to: ['notebook'] }],
 *     pins: [{ query: '蓝牙耳机', pin: [{ id: 'sku-123', position: 0 }], bury: ['sku-999'] }],
 *     priceRanges: [0, 100, 300, 1000],                         // the price facet's ranges
 *     autoCorrect: true,                                        // search the didYouMean when nothing matches
 *     pinyin: true,                                             // 'lanya' suggests 蓝牙耳机
 *   },
 * });
 * ```
 */
export interface SearchSettings {
  /**
   * The catalog's language for word segmentation (`Intl.Segmenter`), e.g. `"zh-CN"`, `"ja"`, `"th"`. Default: the
   * browser's `navigator.language`. Chinese and Japanese also match inside unsegmented runs either way.
   */
  locale?: string;
  /**
   * Words that must stay whole in text written without spaces (brand names, product lines), e.g. `['森海塞尔', '小米']`:
   * a query holding one searches it whole, and `suggest()` never cuts it. One word each, no spaces. Default none.
   */
  dictionary?: readonly string[];
  synonyms?: readonly SynonymRule[];
  pins?: readonly PinRule[];
  /** Bounds of the `price` facet's ranges, ascending, e.g. `[0, 25, 50, 100]`. Default: derived from the catalog's prices. */
  priceRanges?: readonly number[];
  /** Search the `didYouMean` correction automatically when a query matches nothing. Default false. */
  autoCorrect?: boolean;
  /**
   * Complete Chinese from pinyin typed in Latin letters, whole or initials (`lanya` and `lyej` → 蓝牙耳机). Loads
   * `pinyin-pro` (about 141 kB gzipped, a chunk of its own) only when true. Default false.
   */
  pinyin?: boolean;
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
