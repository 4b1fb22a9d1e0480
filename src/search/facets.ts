import type { FacetName, FacetValue, SearchFilters } from '../core/search-types.js';
import { createError, ERROR_CODES } from '../core/errors.js';
import type { SearchItem } from './search-item.js';

/** Checks the facet names of a query; throws `INVALID_OPTION` naming the bad one. */
export function validateFacets(facets: unknown): readonly FacetName[] {
  if (!Array.isArray(facets)) throw createError(ERROR_CODES.INVALID_OPTION, { field: 'options.facets', requirement: "must be an array such as ['brand', 'category', 'price', 'attr:color']", got: facets });
  return facets as FacetName[];
}

/**
 * Counts per facet value over the items matching the query. A facet's counts ignore that facet's own filter and apply
 * every other filter (disjunctive faceting). (Issue 18: to be written.)
 */
export function countFacets(
  _matched: readonly SearchItem[],
  _filters: SearchFilters | undefined,
  facets: readonly FacetName[],
  _priceRanges: readonly number[],
): Partial<Record<FacetName, FacetValue[]>> {
  return Object.fromEntries(facets.map((f) => [f, []]));
}

/** Price range bounds for the `price` facet when the store gives none. (Issue 18: derive from the catalog's prices.) */
export function derivePriceRanges(_items: Iterable<SearchItem>): number[] {
  return [];
}
