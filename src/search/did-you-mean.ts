/** What a correction can draw on. */
export interface CorrectionSources {
  /** Whether a (normalized) term is a word of the catalog. */
  known(term: string): boolean;
  /** Catalog words with how many items hold each (from the suggest index). */
  words(): Iterable<[string, number]>;
  /** The shopper's own past queries, most recent first. */
  history: readonly string[];
}

/**
 * A corrected query for one that matched nothing or little: closest catalog words (edit distance) weighted by how
 * common they are, or the shopper's own past query. (Issue 18: to be written.)
 */
export function correctQuery(_text: string, _sources: CorrectionSources): string | undefined {
  return undefined;
}
