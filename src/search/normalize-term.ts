const NON_ASCII = /[\u0080-\uffff]/;
/** A token of Chinese, Japanese or Korean characters only: nothing to fold (no case, no accents, no plural). */
const CJK_ONLY = /^[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\u30fc\u3005\u3006]+$/u;

/** Starts the index key of a Chinese, Japanese or Korean term (a character no text term holds). */
const CJK_KEY = '\u0002';
/** Each byte as two hex digits. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * The key a Chinese, Japanese or Korean term is stored under: the marker, then each UTF-16 unit as 4 hex digits
 * (`蓝牙` → `\u000284dd7259`). MiniSearch's radix tree looks for a child by scanning a node's keys one by one, so a root
 * with thousands of first characters made every CJK insert and lookup slow (0.8 s of a 2.3 s build of a 19,406-item
 * Chinese catalog); hex digits keep every node to 16 children. Fixed width keeps prefixes: a key's prefix is the key of
 * the term's prefix.
 */
export function cjkKey(term: string): string {
  return cjkKeyOf(term, 0, term.length);
}

/** {@link cjkKey} of `text.slice(from, to)`, without the slice. */
export function cjkKeyOf(text: string, from: number, to: number): string {
  let key = CJK_KEY;
  for (let i = from; i < to; i++) {
    const unit = text.charCodeAt(i);
    key += HEX[unit >> 8]! + HEX[unit & 0xff]!;
  }
  return key;
}

/** How many characters (UTF-16 units) an index key of {@link cjkKey} stands for; 0 for any other term. */
export function cjkKeyLength(term: string): number {
  return term.startsWith(CJK_KEY) ? (term.length - 1) / 4 : 0;
}

/**
 * Turns one token into the form the search index stores and looks up: lower case, accents removed, and English plurals
 * folded to the singular with Harman's "S" stemmer (1991), so "batteries" finds "battery" and "speakers" finds
 * "speaker". Tokens with a digit (model numbers such as "tn-2110", "ps4") are left alone, and `stem: false` skips the
 * plural folding. Chinese, Japanese and Korean terms become their {@link cjkKey}. Returns `null` for tokens that should
 * not be indexed (empty after normalization).
 */
export function normalizeTerm(token: string, stem = true): string | null {
  // Already an index key (the analyzer writes CJK terms as keys).
  if (token.charCodeAt(0) === 2) return token;
  let term = token;
  if (NON_ASCII.test(token)) {
    // CJK bigrams are most of a Chinese catalog's tokens: they need no folding, so they skip the slow step below.
    if (CJK_ONLY.test(token)) return cjkKey(token);
    // NFKD (to drop accents) is the slow step of indexing; NFC puts back what it split that is not an accent (kana
    // voicing marks, Hangul syllables).
    term = token.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').normalize('NFC');
  }
  term = term.toLowerCase();
  if (term.length === 0) return null;
  if (!stem || term.length <= 3 || /\d/.test(term)) return term;
  if (term.endsWith('ies') && !term.endsWith('eies') && !term.endsWith('aies')) return `${term.slice(0, -3)}y`;
  if (term.endsWith('es') && !term.endsWith('aes') && !term.endsWith('ees') && !term.endsWith('oes')) return term.slice(0, -1);
  if (term.endsWith('s') && !term.endsWith('us') && !term.endsWith('ss')) return term.slice(0, -1);
  return term;
}
