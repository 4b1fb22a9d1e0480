import { createError, ERROR_CODES } from '../core/errors.js';
import type { SearchFilters } from '../core/search-types.js';
import type { SearchItem } from './search-item.js';

export type { SearchFilters };

/** Checks the filter values once per query; throws `INVALID_OPTION` naming the bad filter. */
export function validateFilters(filters: SearchFilters): void {
  for (const key of ['minPrice', 'maxPrice'] as const) {
    const v = filters[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw createError(ERROR_CODES.INVALID_OPTION, { field: `filters.${key}`, requirement: 'must be a number', got: v });
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
