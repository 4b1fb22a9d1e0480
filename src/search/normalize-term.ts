const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Turns one token into the form the search index stores and looks up: lower case, accents removed, and English plurals
 * folded to the singular with Harman's "S" stemmer (1991), so "batteries" finds "battery" and "speakers" finds
 * "speaker". Tokens with a digit (model numbers such as "tn-2110", "ps4") are left alone, and `stem: false` skips the
 * plural folding. Returns `null` for tokens that should not be indexed (empty after normalization).
 */
export function normalizeTerm(token: string, stem = true): string | null {
  // NFKD (to drop accents) is the slow step of indexing: only pay for it when the token is not plain ASCII.
  const term = (NON_ASCII.test(token) ? token.normalize('NFKD').replace(/[\u0300-\u036f]/g, '') : token).toLowerCase();
  if (term.length === 0) return null;
  if (!stem || term.length <= 3 || /\d/.test(term)) return term;
  if (term.endsWith('ies') && !term.endsWith('eies') && !term.endsWith('aies')) return `${term.slice(0, -3)}y`;
  if (term.endsWith('es') && !term.endsWith('aes') && !term.endsWith('ees') && !term.endsWith('oes')) return term.slice(0, -1);
  if (term.endsWith('s') && !term.endsWith('us') && !term.endsWith('ss')) return term.slice(0, -1);
  return term;
}
