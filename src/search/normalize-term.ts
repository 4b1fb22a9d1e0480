const NON_ASCII = /[\u0080-\uffff]/;
/** A token of Chinese, Japanese or Korean characters only: nothing to fold (no case, no accents, no plural). */
const CJK_ONLY = /^[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\u30fc\u3005\u3006]+$/u;

/**
 * Turns one token into the form the search index stores and looks up: lower case, accents removed, and English plurals
 * folded to the singular with Harman's "S" stemmer (1991), so "batteries" finds "battery" and "speakers" finds
 * "speaker". Tokens with a digit (model numbers such as "tn-2110", "ps4") are left alone, and `stem: false` skips the
 * plural folding. Returns `null` for tokens that should not be indexed (empty after normalization).
 */
export function normalizeTerm(token: string, stem = true): string | null {
  let term = token;
  if (NON_ASCII.test(token)) {
    // CJK bigrams are most of a Chinese catalog's tokens: they need no folding, so they skip the slow step below.
    if (CJK_ONLY.test(token)) return token;
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
