import type { Highlight } from '../core/search-types.js';
import type { TextAnalyzer } from './analyzer.js';
import type { SearchItem } from './search-item.js';

/**
 * The parts of an item's title (and a description snippet) whose terms matched: `matched` are the index terms
 * MiniSearch reports for the hit (after prefix and typo expansion), normalized as the index stores them.
 * (Issue 18: to be written.)
 */
export function highlightItem(_item: SearchItem, _matched: ReadonlySet<string>, _analyzer: TextAnalyzer, _normalize: (term: string) => string | null): Highlight {
  return { title: [] };
}
