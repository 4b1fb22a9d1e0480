import { createError, ERROR_CODES, type EdgeRecoError } from '../core/errors.js';
import type { PinRule, SearchSettings, SynonymRule } from '../core/search-types.js';

/** The catalog fields the search index reads, in the order they are indexed. */
export const SEARCH_FIELDS = ['title', 'brand', 'category', 'attributes', 'description'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

/** How the terms of a query combine: every term must match, any may, or every term first and then any to fill `k`. */
export type CombineMode = 'AND' | 'OR' | 'AND_THEN_OR';

/** Options of the catalog search index. Every field has a default in {@link DEFAULT_SEARCH_CONFIG}. */
export interface SearchConfig {
  /**
   * BM25 score multiplier per field. Default `{ title: 2, brand: 2, category: 1.5, attributes: 1, description: 1 }`:
   * the title and brand are short, written for shoppers and name the product; the category path is ours (derived), the
   * attributes and description are longer and noisier.
   */
  boost: Record<SearchField, number>;
  /** Typo tolerance: a query term of at least this many characters may have one typo. Default 3 (Elasticsearch AUTO). */
  fuzzyOneEditFrom: number;
  /** A query term of at least this many characters may have two typos. Default 6 (Elasticsearch AUTO). */
  fuzzyTwoEditsFrom: number;
  /**
   * Default true: a query term that is a word of the catalog is taken as typed, and only words the catalog does not
   * know get typo tolerance (as a spelling corrector would). Otherwise "usb" would also match "ups", and "cable" "table".
   */
  fuzzyUnknownTermsOnly: boolean;
  /** Score weight of a typo match relative to an exact match. Default 0.45 (MiniSearch's default). */
  fuzzyWeight: number;
  /** The last query term matches as a prefix (as-you-type) when it has at least this many characters. Default 3. */
  prefixMinLength: number;
  /** Score weight of a prefix match relative to an exact match. Default 0.375 (MiniSearch's default). */
  prefixWeight: number;
  /** Default `'AND_THEN_OR'`: items matching every term rank first, then items matching some, until `k` are found. */
  combineWith: CombineMode;
  /** Results returned when `search()` is given no `k`. Default 20. */
  defaultK: number;
  /** The store's settings (src/core/search-types.ts `SearchSettings`), resolved. */
  locale: string | undefined;
  dictionary: readonly string[];
  synonyms: readonly SynonymRule[];
  pins: readonly PinRule[];
  priceRanges: readonly number[] | undefined;
  autoCorrect: boolean;
  pinyin: boolean;
}

/** What callers pass: any subset of the options, and any subset of the field boosts. */
export type SearchConfigInput = Partial<Omit<SearchConfig, 'boost' | keyof SearchSettings>> & SearchSettings & { boost?: Partial<Record<SearchField, number>> };

export const DEFAULT_SEARCH_CONFIG: Readonly<SearchConfig> = Object.freeze({
  boost: Object.freeze({ title: 2, brand: 2, category: 1.5, attributes: 1, description: 1 }),
  fuzzyOneEditFrom: 3,
  fuzzyTwoEditsFrom: 6,
  fuzzyUnknownTermsOnly: true,
  fuzzyWeight: 0.45,
  prefixMinLength: 3,
  prefixWeight: 0.375,
  combineWith: 'AND_THEN_OR',
  defaultK: 20,
  locale: undefined,
  dictionary: Object.freeze([]),
  synonyms: Object.freeze([]),
  pins: Object.freeze([]),
  priceRanges: undefined,
  autoCorrect: false,
  pinyin: false,
});

const COMBINE_MODES: readonly CombineMode[] = ['AND', 'OR', 'AND_THEN_OR'];

function invalid(name: string, requirement: string, value: unknown): EdgeRecoError {
  return createError(ERROR_CODES.INVALID_OPTION, { field: `search.${name}`, requirement, got: value });
}

function nonNegative(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(name, 'must be a number ≥ 0', value);
  return value;
}

/** Merges options over the defaults and validates them; throws `INVALID_OPTION` naming the bad option. */
export function resolveSearchConfig(options: SearchConfigInput = {}): SearchConfig {
  const merged = { ...DEFAULT_SEARCH_CONFIG, ...options, boost: { ...DEFAULT_SEARCH_CONFIG.boost, ...options.boost } };
  for (const field of Object.keys(merged.boost)) {
    if (!(SEARCH_FIELDS as readonly string[]).includes(field)) throw invalid(`boost.${field}`, `is not a search field (known: ${SEARCH_FIELDS.join(', ')})`, field);
    nonNegative(`boost.${field}`, merged.boost[field as SearchField]);
  }
  for (const name of ['fuzzyOneEditFrom', 'fuzzyTwoEditsFrom', 'fuzzyWeight', 'prefixMinLength', 'prefixWeight'] as const) nonNegative(name, merged[name]);
  if (typeof merged.fuzzyUnknownTermsOnly !== 'boolean') throw invalid('fuzzyUnknownTermsOnly', 'must be true or false', merged.fuzzyUnknownTermsOnly);
  if (!Number.isInteger(merged.defaultK) || merged.defaultK < 1) throw invalid('defaultK', 'must be a whole number ≥ 1', merged.defaultK);
  if (!COMBINE_MODES.includes(merged.combineWith)) throw invalid('combineWith', `must be one of ${COMBINE_MODES.join(', ')}`, merged.combineWith);
  if (merged.locale !== undefined && (typeof merged.locale !== 'string' || !validLocale(merged.locale))) throw invalid('locale', 'must be a BCP 47 language tag such as "zh-CN", "ja" or "en"', merged.locale);
  for (const name of ['dictionary', 'synonyms', 'pins'] as const) if (!Array.isArray(merged[name])) throw invalid(name, 'must be an array', merged[name]);
  merged.dictionary.forEach((w, i) => {
    if (typeof w !== 'string' || w.trim().length === 0) throw invalid(`dictionary[${i}]`, 'must be a non-empty string', w);
    // Dictionary words keep text written without spaces whole; a phrase with a space could never match there.
    if (/\s/u.test(w.trim())) throw invalid(`dictionary[${i}]`, 'must be one word without spaces (for a name of several words, add a synonym rule)', w);
  });
  if (merged.priceRanges !== undefined) {
    const r = merged.priceRanges;
    if (!Array.isArray(r) || r.length < 2 || r.some((b, i) => typeof b !== 'number' || !Number.isFinite(b) || (i > 0 && b <= r[i - 1]!))) {
      throw invalid('priceRanges', 'must be at least two ascending numbers, e.g. [0, 25, 50, 100]', r);
    }
  }
  for (const name of ['autoCorrect', 'pinyin'] as const) if (typeof merged[name] !== 'boolean') throw invalid(name, 'must be true or false', merged[name]);
  return merged;
}

function validLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}
