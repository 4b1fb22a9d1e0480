import { fnv1a32 } from '../fnv1a.js';

/** murmur3's 32-bit finalizer: every input bit flips about half the output bits. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The 32-bit key that local hashing works on for a value of any domain (an item id, an item pair, a query): FNV-1a over
 * the UTF-16 code units, then {@link fmix32}. Browser and aggregator compute the same key for the same string.
 */
export function itemKey(value: string): number {
  return fmix32(fnv1a32(value));
}

/** The key of an unordered item pair (bought together): the same whichever order the two ids come in. */
export function pairKey(a: string, b: string): number {
  return a < b ? itemKey(`${a}\u0000${b}`) : itemKey(`${b}\u0000${a}`);
}

/**
 * The key of a search query: trimmed, lower-cased, inner whitespace collapsed, so "Red  Mug " and "red mug" are one
 * value. Browser and aggregator compute the same key for the same query.
 */
export function queryKey(query: string): number {
  return itemKey(query.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' '));
}
