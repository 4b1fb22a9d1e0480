import { EdgeRecoError, ERROR_CODES, describeValue } from '../core/errors.js';
import type { SearchItem } from './search-item.js';

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

/** Checks the filter values once per query; throws `INVALID_OPTION` naming the bad filter. */
export function validateFilters(filters: SearchFilters): void {
  for (const key of ['minPrice', 'maxPrice'] as const) {
    const v = filters[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: filters.${key} must be a number (got ${describeValue(v)})`, { details: { field: `filters.${key}` } });
    }
  }
}

/** Whether one item passes the filters. */
export function matchesFilters(item: SearchItem, filters: SearchFilters): boolean {
  if (filters.inStock === true && item.available === false) return false;
  if (filters.brand !== undefined) {
    const brands = typeof filters.brand === 'string' ? [filters.brand] : filters.brand;
    const brand = item.brand?.toLowerCase();
    if (brand === undefined || !brands.some((b) => b.toLowerCase() === brand)) return false;
  }
  if (filters.category !== undefined) {
    const c = item.category;
    if (c === undefined || (c !== filters.category && !c.startsWith(`${filters.category} > `))) return false;
  }
  if (filters.minPrice !== undefined && (item.price === undefined || item.price < filters.minPrice)) return false;
  if (filters.maxPrice !== undefined && (item.price === undefined || item.price > filters.maxPrice)) return false;
  return true;
}
