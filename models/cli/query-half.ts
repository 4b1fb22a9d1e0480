import { fnv1a32 } from '../../src/core/fnv1a.js';

/**
 * Splits judged queries into two fixed halves by a hash of the query text (FNV-1a, 32 bit): "A" is the half the search
 * options were chosen on, "B" is held out. The split depends only on the query string, so it never shifts when queries
 * are added or reordered.
 */
export function queryHalf(query: string): 'A' | 'B' {
  return fnv1a32(query) % 2 === 0 ? 'A' : 'B';
}
