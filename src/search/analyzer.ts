import { type HanFold, foldText, foldWithOffsets, stripAccents } from './fold-text.js';
import { cjkKeyLength, cjkKeyOf } from './normalize-term.js';
import { tokenizeText } from './tokenize-text.js';

/** A token of a text with where it came from: `text.slice(start, end)` is what was written. */
export interface TextToken {
  /** Folded (NFKC), not lower-cased nor stemmed: the form `normalizeTerm()` receives. */
  term: string;
  start: number;
  end: number;
}

export interface AnalyzerOptions {
  /** The catalog's language for `Intl.Segmenter`; default the runtime's. */
  locale?: string | undefined;
  /** Words that must stay whole. */
  dictionary?: readonly string[] | undefined;
  /** Traditional → Simplified Chinese folding, applied to both sides (loaded by `SearchIndex.create` when needed). */
  foldHan?: HanFold | undefined;
}

/**
 * Runs of scripts written without spaces: Chinese, Japanese and Korean (bigrams), then Thai, Lao, Khmer and Burmese
 * (words from `Intl.Segmenter`). ー (the kana long-vowel mark) and 々 〆 belong to the words around them.
 */
export const UNSPACED_RUN = /([\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\u30fc\u3005\u3006]+)|([\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]+)/gu;
/** Whether a text may hold an unspaced run (a quick test before the run scan; full-width forms fold into one). */
const MAY_BE_UNSPACED = /[\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\ud840-\ud87f]/;
/** A search token of spaced text (what `tokenizeText` keeps between its separators). */
const SPACED_TOKEN = /[^\n\r\p{Z}\p{P}™®©°×|+<>=~^`$]+/gu;
/** A compound joined by hyphens, slashes or dots, which `tokenizeText` also indexes solid. */
const COMPOUND = /[\p{L}\p{N}]+(?:[-/.][\p{L}\p{N}]+)+/gu;
/** Words as a shopper types them, for completions: letters and digits, keeping inner hyphens ("usb-c"). */
const WORD = /[\p{L}\p{N}]+(?:[-'][\p{L}\p{N}]+)*/gu;
const HAS_LETTER = /\p{L}/u;

/** Completion phrases of unspaced text join at most this many adjacent words, of at most this many characters. */
const PHRASE_WORDS = 4;
const PHRASE_CHARS = 12;

/** `index-pairs`: indexing without the run-final single characters (fields a one-character query need not reach). */
type Mode = 'index' | 'index-pairs' | 'query' | 'tokens';

/**
 * Turns text into search terms, the same way for the catalog and the query, so both sides always agree:
 * - text is folded first ({@link foldText}: NFKC, optionally Traditional → Simplified Chinese);
 * - spaced text (Latin, Cyrillic, Greek, …) is split by `tokenizeText` (compounds also written solid);
 * - Chinese, Japanese and Korean runs become overlapping character bigrams, as Lucene's CJK analyzer does, and the
 *   run's last character alone, so every character starts a term and a one-character query matches as a prefix. A
 *   query's bigrams are always bigrams of any title that contains the query, however a word segmenter would split
 *   either;
 * - Thai, Lao, Khmer and Burmese runs are split into words by `Intl.Segmenter` (bigrams where it is missing);
 * - words of the store's `dictionary` are also indexed whole, and a query holding one searches it whole.
 */
export class TextAnalyzer {
  private readonly dictionary: RegExp | null;
  private readonly foldHan: HanFold | undefined;

  /** Whether Traditional Chinese is folded to Simplified (the catalog needed it). */
  get foldsHan(): boolean {
    return this.foldHan !== undefined;
  }
  private segmenter: Intl.Segmenter | null | undefined;

  constructor(readonly options: AnalyzerOptions = {}) {
    this.foldHan = options.foldHan;
    const words = [...new Set((options.dictionary ?? []).map((w) => foldText(w.trim(), options.foldHan)).filter((w) => w.length > 0))];
    words.sort((a, b) => b.length - a.length);
    this.dictionary = words.length > 0 ? new RegExp(words.map(escapeRegExp).join('|'), 'giu') : null;
  }

  /** Folds text as both sides are read (see {@link foldText}). */
  fold(text: string): string {
    return foldText(text, this.foldHan);
  }

  /**
   * The terms a field's text is indexed under. `singles: false` leaves out the single characters that end Chinese,
   * Japanese and Korean runs (only a one-character query needs them): for short fields that repeat across the catalog
   * (brand, category, attributes), where they are a third of the terms and one-character queries go to the title.
   */
  indexTerms(text: string, singles = true): string[] {
    return this.terms(text, singles ? 'index' : 'index-pairs');
  }

  /** The terms of a query (the last one is what the shopper is typing). */
  queryTerms(text: string): string[] {
    return this.terms(text, 'query');
  }

  /** The tokens of a text with their offsets in the original text, in text order: what highlighting marks. */
  tokens(text: string): TextToken[] {
    const folded = foldWithOffsets(text, this.foldHan);
    const out: TextToken[] = [];
    this.scan(folded.text, 'tokens', (term, start, end) => {
      out.push(folded.start ? { term, start: folded.start[start]!, end: folded.end![end - 1]! } : { term, start, end });
    });
    return out;
  }

  /**
   * What a text offers `suggest()`, in two kinds: its spaced words (lower case, accents removed, at least 2 characters
   * with a letter), and its unspaced runs (Chinese, Japanese, Thai…), whose completion phrases {@link runPhrases}
   * gives. A suggest index counts items per word and per run, and expands each distinct run once. Each run comes as its
   * `key` (folded as queries are: Traditional Chinese as Simplified) and as `shown` (as the catalog writes it, only
   * NFKC and lower case), so a store writing Traditional characters shows its shoppers Traditional completions.
   */
  completionUnits(text: string): { words: string[]; runs: { key: string; shown: string }[] } {
    const shownText = foldText(text).toLowerCase();
    const folded = this.foldHan && MAY_BE_UNSPACED.test(shownText) ? this.foldHan(shownText) : shownText;
    const words: string[] = [];
    const runs: { key: string; shown: string }[] = [];
    const spaced = (part: string) => {
      const found = stripAccents(part).match(WORD);
      if (found) for (const w of found) if (w.length >= 2 && HAS_LETTER.test(w)) words.push(w);
    };
    if (!MAY_BE_UNSPACED.test(folded)) {
      spaced(folded);
      return { words, runs };
    }
    // Han folding is character for character; where it is not, completions show the folded text.
    const sameLength = folded.length === shownText.length;
    let at = 0;
    for (const m of folded.matchAll(UNSPACED_RUN)) {
      if (m.index > at) spaced(folded.slice(at, m.index));
      at = m.index + m[0].length;
      runs.push({ key: m[0], shown: sameLength ? shownText.slice(m.index, at) : m[0] });
    }
    if (at < folded.length) spaced(folded.slice(at));
    return { words, runs };
  }

  /**
   * Completion candidates of a text for `suggest()`, as queries are folded: its words, and for unspaced scripts the
   * words `Intl.Segmenter` finds joined with up to three following ones (so `蓝牙` completes to `蓝牙耳机`, and
   * `ワイヤレス` to `ワイヤレスイヤホン`).
   */
  phrases(text: string): string[] {
    const { words, runs } = this.completionUnits(text);
    for (const run of runs) for (const p of this.runPhrases(run.key).keys()) words.push(p);
    return words;
  }

  /**
   * The completion phrases of one unspaced run, each once: each word joined with up to three following ones, 2–12
   * characters; keyed by the phrase of `run`, valued by the same stretch of `shown` (the run as the catalog writes it).
   */
  runPhrases(run: string, shown: string = run): Map<string, string> {
    const spans = this.wordSpans(run);
    const out = new Map<string, string>();
    for (let i = 0; i < spans.length; i++) {
      const start = spans[i]![0];
      for (let j = i; j < spans.length && j < i + PHRASE_WORDS; j++) {
        const end = spans[j]![1];
        if (end - start > PHRASE_CHARS) break;
        if (end - start >= 2 && !out.has(run.slice(start, end))) out.set(run.slice(start, end), shown.slice(start, end));
      }
    }
    return out;
  }

  /**
   * The words of one unspaced run as a segmenter reads them, with the store's dictionary words kept whole, as [start,
   * end) offsets into the run. Where the runtime has no `Intl.Segmenter`, each character is a word.
   */
  wordSpans(run: string): [number, number][] {
    const segmenter = this.wordSegmenter();
    // Cuts in order: the segmenter gives its segments in text order.
    let cuts: number[] = [];
    if (segmenter) for (const s of segmenter.segment(run)) cuts.push(s.index);
    else cuts = codePoints(run);
    cuts.push(run.length);
    const words = this.dictionarySpans(run);
    if (words.length > 0) {
      // A dictionary word is one word: no cut inside it, and cuts at its ends.
      const inside = (c: number) => words.some(([start, end]) => c > start && c < end);
      cuts = [...new Set([...cuts.filter((c) => !inside(c)), ...words.flat()])].sort((a, b) => a - b);
    }
    const spans: [number, number][] = [];
    for (let i = 1; i < cuts.length; i++) if (cuts[i]! > cuts[i - 1]!) spans.push([cuts[i - 1]!, cuts[i]!]);
    return spans;
  }

  private terms(text: string, mode: Mode): string[] {
    const folded = this.fold(text);
    if (!MAY_BE_UNSPACED.test(folded)) return tokenizeText(folded);
    const out: string[] = [];
    this.scan(folded, mode, (term) => out.push(term));
    return out;
  }

  /** Calls `emit` for each term of folded text, with its offsets in that text, in text order. */
  private scan(folded: string, mode: Mode, emit: (term: string, start: number, end: number) => void): void {
    let at = 0;
    const spaced = (from: number, to: number) => {
      if (to <= from) return;
      const part = folded.slice(from, to);
      if (mode !== 'tokens') {
        for (const t of tokenizeText(part)) emit(t, from, to);
        return;
      }
      for (const m of part.matchAll(COMPOUND)) if (HAS_LETTER.test(m[0])) emit(m[0].replace(/[-/.]/g, ''), from + m.index, from + m.index + m[0].length);
      for (const m of part.matchAll(SPACED_TOKEN)) emit(m[0], from + m.index, from + m.index + m[0].length);
    };
    if (MAY_BE_UNSPACED.test(folded)) {
      for (const m of folded.matchAll(UNSPACED_RUN)) {
        spaced(at, m.index);
        at = m.index + m[0].length;
        if (m[1] !== undefined) this.cjkRun(m[0], m.index, mode, emit);
        else this.segmentedRun(m[0], m.index, mode, emit);
      }
    }
    spaced(at, folded.length);
    // Dictionary words written in spaced text are already whole tokens; inside unspaced runs they are emitted there.
  }

  /**
   * A Chinese, Japanese or Korean run: bigrams, plus its last character when indexing (and for a one-character query);
   * a dictionary word is emitted whole where it starts, and a query does not also search the bigrams inside it.
   */
  private cjkRun(run: string, base: number, mode: Mode, emit: (term: string, start: number, end: number) => void): void {
    const chars = codePoints(run);
    const spans = this.dictionarySpans(run);
    const n = chars.length;
    // For the index and the query, terms go out as the index stores them (`cjkKey`): most of a Chinese catalog's terms
    // are these, and building the key from the characters skips a slice and a test per term.
    const term = mode === 'tokens' ? (from: number, to: number) => run.slice(from, to) : (from: number, to: number) => cjkKeyOf(run, from, to);
    if (n === 1) {
      emit(term(0, run.length), base, base + run.length);
      return;
    }
    let s = 0;
    for (let i = 0; i < n; i++) {
      const from = chars[i]!;
      while (s < spans.length && spans[s]![1] <= from) s++;
      const span = spans[s];
      if (span && span[0] === from) emit(term(span[0], span[1]), base + span[0], base + span[1]);
      if (i + 1 < n) {
        const to = i + 2 < n ? chars[i + 2]! : run.length;
        const inside = span !== undefined && span[0] <= from && to <= span[1];
        if (!(mode === 'query' && inside)) emit(term(from, to), base + from, base + to);
      }
      // Single characters: every one for highlighting; for the index only the run's last, which is the one character no
      // bigram starts with (a one-character query matches the bigrams it starts as a prefix, see `isSingleCjk`).
      if (mode === 'tokens' || (mode === 'index' && i === n - 1)) {
        const to = i + 1 < n ? chars[i + 1]! : run.length;
        emit(term(from, to), base + from, base + to);
      }
    }
  }


  /** A Thai, Lao, Khmer or Burmese run: the segmenter's words (dictionary words whole); bigrams without a segmenter. */
  private segmentedRun(run: string, base: number, mode: Mode, emit: (term: string, start: number, end: number) => void): void {
    if (!this.wordSegmenter()) {
      this.cjkRun(run, base, mode, emit);
      return;
    }
    for (const [start, end] of this.wordSpans(run)) emit(run.slice(start, end), base + start, base + end);
  }

  /** Where the store's dictionary words occur in a run (leftmost, longest, not overlapping), as [start, end) pairs. */
  private dictionarySpans(run: string): [number, number][] {
    if (this.dictionary === null) return [];
    const spans: [number, number][] = [];
    for (const m of run.matchAll(this.dictionary)) spans.push([m.index, m.index + m[0].length]);
    return spans;
  }

  private wordSegmenter(): Intl.Segmenter | null {
    if (this.segmenter === undefined) {
      const Segmenter = (globalThis.Intl as { Segmenter?: typeof Intl.Segmenter } | undefined)?.Segmenter;
      this.segmenter = Segmenter ? new Segmenter(this.options.locale, { granularity: 'word' }) : null;
    }
    return this.segmenter;
  }
}

/** The start offset (UTF-16) of each code point of a string. */
function codePoints(run: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < run.length; i++) {
    out.push(i);
    const c = run.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < run.length) i++;
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether a query term (as the index stores it) is one Chinese, Japanese or Korean character: it is searched as the prefix of the bigrams. */
export function isSingleCjk(term: string): boolean {
  return cjkKeyLength(term) === 1;
}
