import { tokenizeText } from './tokenize-text.js';

/** A token of a text with where it came from: `text.slice(start, end)` is what was written. */
export interface TextToken {
  /** Folded (NFKC, lower case, accents removed), not stemmed: the form `normalizeTerm()` receives. */
  term: string;
  start: number;
  end: number;
}

export interface AnalyzerOptions {
  /** The catalog's language for `Intl.Segmenter`; default the runtime's. */
  locale?: string | undefined;
  /** Words that must stay whole. */
  dictionary?: readonly string[] | undefined;
}

/**
 * Turns text into search terms, the same way for the catalog and the query (so both sides agree): today's separator
 * tokenizer. (Issue 18: word segmentation for every language, CJK bigrams, the store dictionary, NFKC folding.)
 */
export class TextAnalyzer {
  constructor(readonly options: AnalyzerOptions = {}) {}

  /** The terms a field's text is indexed under. */
  indexTerms(text: string): string[] {
    return tokenizeText(text);
  }

  /** The terms of a query (the last one is what the shopper is typing). */
  queryTerms(text: string): string[] {
    return tokenizeText(text);
  }

  /** The tokens of a text with their offsets, in text order: what highlighting marks. */
  tokens(text: string): TextToken[] {
    const out: TextToken[] = [];
    for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) out.push({ term: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
    return out;
  }

  /** Completion candidates of a text for `suggest()`: its words (and, for CJK, phrases of adjacent words). */
  phrases(text: string): string[] {
    const folded = (/[\u0080-\uffff]/.test(text) ? text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '') : text).toLowerCase();
    return (folded.match(/[\p{L}\p{N}]+(?:[-'][\p{L}\p{N}]+)*/gu) ?? []).filter((w) => w.length >= 2 && /\p{L}/u.test(w));
  }
}
