/** Catalog content of a candidate item, as a store describes it. */
export interface CandidateContent {
  category?: string;
  brand?: string;
  /** Unit price in the store's currency. */
  price?: number;
}

/** Candidate content as model ids: 0 = unknown/missing for every field. */
export interface CandidateFeatures {
  category: number;
  brand: number;
  priceBand: number;
}

/** Number of price bands (band 0 = unknown). */
export const PRICE_BANDS = 16;

/**
 * Log-scale price band: 1 for prices under 1, then one band per doubling (1–2 → 2, 2–4 → 3, ...), capped at
 * `PRICE_BANDS - 1`; 0 when the price is missing, negative or not finite.
 */
export function priceBand(price: number | undefined): number {
  if (price === undefined || !Number.isFinite(price) || price < 0) return 0;
  if (price < 1) return 1;
  return Math.min(PRICE_BANDS - 1, 2 + Math.floor(Math.log2(price)));
}

/** Vocabularies of content values (value → 1-based id), shipped in the bundle next to the item vocabulary. */
export interface ContentVocabulary {
  categories: ReadonlyMap<string, number>;
  brands: ReadonlyMap<string, number>;
}

/**
 * Featurizes a candidate from its content alone, so an item the model never saw still gets category, brand and price
 * ids (the same function for training rows and for the worker's candidates).
 */
export function featurizeCandidate(content: CandidateContent, vocab: ContentVocabulary): CandidateFeatures {
  return {
    category: (content.category !== undefined && vocab.categories.get(content.category)) || 0,
    brand: (content.brand !== undefined && vocab.brands.get(content.brand)) || 0,
    priceBand: priceBand(content.price),
  };
}
