import type { FacetName, FacetValue, SearchFilters } from '../core/search-types.js';
import { createError, ERROR_CODES } from '../core/errors.js';
import { type FilterTest, attributeOf, filterTests } from './search-filters.js';
import type { SearchItem } from './search-item.js';

/** At most this many facets per query: each one is a counter per matching item. */
export const MAX_FACETS = 10;

/** At most this many values per facet (the most frequent): a storefront shows a short list, and the wire stays small. */
export const MAX_FACET_VALUES = 100;

const VALID_FORMS = "'brand', 'category', 'price' or 'attr:NAME'";

/** Checks the facet names of a query; throws `INVALID_OPTION` naming the bad one. */
export function validateFacets(facets: unknown): readonly FacetName[] {
  if (!Array.isArray(facets)) throw createError(ERROR_CODES.INVALID_OPTION, { field: 'options.facets', requirement: "must be an array such as ['brand', 'category', 'price', 'attr:color']", got: facets });
  if (facets.length > MAX_FACETS) throw createError(ERROR_CODES.INVALID_OPTION, { field: 'options.facets', requirement: `must name at most ${MAX_FACETS} facets`, got: facets.length });
  facets.forEach((f: unknown, i) => {
    const ok = f === 'brand' || f === 'category' || f === 'price' || (typeof f === 'string' && f.startsWith('attr:') && f.length > 5);
    if (!ok) throw createError(ERROR_CODES.INVALID_OPTION, { field: `options.facets[${i}]`, requirement: `must be ${VALID_FORMS}`, got: f });
  });
  return facets as FacetName[];
}

const byCount = (a: FacetValue, b: FacetValue): number => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

/** A mutable count, so adding to a seen value is one map lookup, not a get and a set. */
interface Tally {
  n: number;
}

/** Groups raw values case-insensitively; each group shows its most common spelling. Sorted by count, capped. */
function grouped(raw: Map<unknown, Tally>): FacetValue[] {
  const groups = new Map<string, { count: number; spelling: string; best: number }>();
  for (const [value, { n: count }] of raw) {
    const text = String(value);
    const key = text.toLowerCase();
    const g = groups.get(key);
    if (!g) groups.set(key, { count, spelling: text, best: count });
    else {
      g.count += count;
      if (count > g.best || (count === g.best && text < g.spelling)) {
        g.spelling = text;
        g.best = count;
      }
    }
  }
  return [...groups.values()].map((g) => ({ value: g.spelling, count: g.count })).sort(byCount).slice(0, MAX_FACET_VALUES);
}

/** Every level of the path counts: "Audio > Headphones" adds to "Audio" and to "Audio > Headphones" (as written). */
function categoryValues(raw: Map<unknown, Tally>): FacetValue[] {
  const levels = new Map<string, number>();
  for (const [key, { n: count }] of raw) {
    const path = key as string;
    let end = path.indexOf(' > ');
    while (end !== -1) {
      const level = path.slice(0, end);
      levels.set(level, (levels.get(level) ?? 0) + count);
      end = path.indexOf(' > ', end + 3);
    }
    levels.set(path, (levels.get(path) ?? 0) + count);
  }
  return [...levels].map(([value, count]) => ({ value, count })).sort(byCount).slice(0, MAX_FACET_VALUES);
}

/**
 * Range i holds prices from `bounds[i]` up to (not including) `bounds[i + 1]`; the last is open ("200+"). Prices below
 * the first bound and items without a price are not counted. Ranges stay in order; empty ranges are left out, since a
 * choice that yields nothing is not worth showing.
 */
function priceValues(bounds: readonly number[], counts: readonly number[]): FacetValue[] {
  const out: FacetValue[] = [];
  bounds.forEach((min, i) => {
    const count = counts[i]!;
    if (count === 0) return;
    const max = bounds[i + 1];
    out.push(max === undefined ? { value: `${min}+`, count, min } : { value: `${min}–${max}`, count, min, max });
  });
  return out;
}

/** What a facet reads from an item. Small integers, so the counting loop is one `switch`, not a call per facet. */
const BRAND = 0;
const CATEGORY = 1;
const PRICE = 2;
const ATTRIBUTE = 3;

const kindOf = (f: FacetName): number => (f === 'brand' ? BRAND : f === 'category' ? CATEGORY : f === 'price' ? PRICE : ATTRIBUTE);

/**
 * Counts per facet value over the items matching the query (before filters). A facet's counts ignore that facet's own
 * filter and apply every other filter (disjunctive faceting), so a shopper sees what widening a choice would add. One
 * pass: an item failing no filter counts for every facet; one failing only the filter a requested facet owns counts
 * for that facet alone; any other item counts nowhere. Values: brands and attribute text as written, grouped
 * case-insensitively (the most common spelling shown), numbers as their string, flags as `'true'`/`'false'`; most
 * frequent first, at most {@link MAX_FACET_VALUES} per facet; price as ranges of `priceRanges`, in order.
 */
export function countFacets(
  matched: readonly SearchItem[],
  filters: SearchFilters | undefined,
  facets: readonly FacetName[],
  priceRanges: readonly number[],
): Partial<Record<FacetName, FacetValue[]>> {
  const names = [...new Set(facets)];
  const kinds = names.map(kindOf);
  const attributeNames = names.map((f) => f.slice(5));
  const maps = names.map(() => new Map<unknown, Tally>());
  const bounds = priceRanges;
  const priceCounts = new Array<number>(bounds.length).fill(0);
  const slot = new Map(names.map((f, i) => [f, i]));
  const tests: readonly FilterTest[] = filters ? filterTests(filters) : [];
  const owner = tests.map((t) => (t.facet === undefined ? -1 : (slot.get(t.facet) ?? -1)));
  const add = (c: number, item: SearchItem): void => {
    const kind = kinds[c];
    let v: unknown;
    if (kind === PRICE) {
      const p = item.price;
      if (p === undefined || bounds.length === 0 || p < bounds[0]!) return;
      let i = bounds.length - 1;
      while (p < bounds[i]!) i--;
      priceCounts[i]!++;
      return;
    } else if (kind === BRAND) v = item.brand;
    else if (kind === CATEGORY) v = item.category;
    else v = attributeOf(item, attributeNames[c]!);
    if (v === undefined) return;
    const map = maps[c]!;
    const t = map.get(v);
    if (t === undefined) map.set(v, { n: 1 });
    else t.n++;
  };
  const n = names.length;
  for (const item of matched) {
    let failed = -2; // -2: none failed; ≥ 0: the facet whose own filter alone failed
    let counted = true;
    for (let t = 0; t < tests.length; t++) {
      if (tests[t]!.test(item)) continue;
      if (failed !== -2 || owner[t] === -1) {
        counted = false;
        break;
      }
      failed = owner[t]!;
    }
    if (!counted) continue;
    if (failed === -2) for (let c = 0; c < n; c++) add(c, item);
    else add(failed, item);
  }
  return Object.fromEntries(
    names.map((f, c) => {
      const kind = kinds[c];
      const values = kind === PRICE ? priceValues(bounds, priceCounts) : kind === CATEGORY ? categoryValues(maps[c]!) : grouped(maps[c]!);
      return [f, values];
    }),
  );
}

/** Rounds to the nearest of 1, 2, 2.5 and 5 × 10^n (by ratio), so range labels read like a shop's: 25–50, not 23.7–48.1. */
export function nicePrice(x: number): number {
  const n = Math.floor(Math.log10(x));
  let best = 0;
  let bestRatio = Infinity;
  for (const m of [1, 2, 2.5, 5, 10]) {
    const v = Number((m * 10 ** n).toPrecision(12));
    const ratio = Math.max(v / x, x / v);
    if (ratio < bestRatio) {
      best = v;
      bestRatio = ratio;
    }
  }
  return best;
}

/**
 * Price range bounds for the `price` facet when the store gives none: 0, then the catalog's 20th, 40th, 60th and 80th
 * price percentiles rounded to nice numbers ({@link nicePrice}), duplicates dropped — about five ranges holding
 * similar numbers of items, the last open-ended. `[]` when no item has a price.
 */
export function derivePriceRanges(items: Iterable<SearchItem>): number[] {
  const prices: number[] = [];
  for (const item of items) if (item.price !== undefined) prices.push(item.price);
  if (prices.length === 0) return [];
  prices.sort((a, b) => a - b);
  const bounds = [0];
  for (const q of [0.2, 0.4, 0.6, 0.8]) {
    const p = prices[Math.min(prices.length - 1, Math.floor(q * prices.length))]!;
    if (p <= 0) continue;
    const b = nicePrice(p);
    if (b > bounds[bounds.length - 1]!) bounds.push(b);
  }
  return bounds;
}
