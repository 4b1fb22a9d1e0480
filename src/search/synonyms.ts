import type { Query } from 'minisearch';
import type { SynonymRule } from '../core/search-types.js';
import type { TextAnalyzer } from './analyzer.js';

/**
 * The store's synonyms, applied to queries: a query becomes a MiniSearch query tree in which each synonym phrase found
 * in it is an OR of its alternatives. (Issue 18: to be written.)
 */
export class Synonyms {
  constructor(readonly rules: readonly SynonymRule[], readonly analyzer: TextAnalyzer) {}

  /** The query to run for `text`; the plain text when no synonym applies. */
  expand(text: string): Query {
    return text;
  }
}
