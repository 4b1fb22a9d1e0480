/**
 * Splits judged queries into two fixed halves by a hash of the query text (FNV-1a, 32 bit): "A" is the half the search
 * options were chosen on, "B" is held out. The split depends only on the query string, so it never shifts when queries
 * are added or reordered.
 */
export function queryHalf(query: string): 'A' | 'B' {
  let h = 0x811c9dc5;
  for (let i = 0; i < query.length; i++) {
    h ^= query.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 2 === 0 ? 'A' : 'B';
}
