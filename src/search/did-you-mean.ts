import { normalizeTerm } from './normalize-term.js';

/** What a correction can draw on. */
export interface CorrectionSources {
  /** Whether a (normalized) term is a word of the catalog. */
  known(term: string): boolean;
  /** Catalog words with how many items hold each (from the suggest index). */
  words(): Iterable<[string, number]>;
  /** The shopper's own past queries, most recent first. */
  history: readonly string[];
}

/** Han, kana, hangul and Thai: scripts written without spaces, corrected by substitution of one character. */
const UNSPACED = /[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]/u;

/** The most edits a word of this length may be away from its correction: 1 up to 4 letters, 2 above. */
function budget(length: number): number {
  return length <= 4 ? 1 : 2;
}

/** A candidate correction of one query word: fewer edits first, then the same first letter, then more items. */
interface Best {
  word: string;
  cost: number;
  count: number;
}

/**
 * A corrected query for one that matched nothing or little. First the shopper's own past query, when one is within a
 * small edit distance of the whole query (they searched it before and it is what they mean). Otherwise each query word
 * the catalog does not know becomes the closest catalog word (Damerau–Levenshtein ≤ 2, ≤ 1 for words of up to 4
 * letters; ties to the same first letter, then to the word more items hold), two adjacent words become one when the
 * catalog has them joined ("head phones" → "headphones"), and one unknown word splits in two known ones
 * ("bluetoothspeaker"). Text without spaces (Chinese, Japanese) is corrected to a catalog phrase of the same length
 * that differs in one character. One pass over `words()`, with a length filter before any distance is computed, keeps
 * this to about a millisecond on a 50,000-word vocabulary. Returns undefined when nothing better is found.
 */
export function correctQuery(text: string, sources: CorrectionSources): string | undefined {
  const query = text.trim().toLowerCase().replace(/\s+/g, ' ');
  if (query.length === 0) return undefined;
  for (const past of sources.history) {
    const p = past.trim().toLowerCase().replace(/\s+/g, ' ');
    if (p.length > 0 && p !== query && distance(query, p, budget(query.length)) <= budget(query.length)) return past.trim();
  }
  const words = query.split(' ');
  const unknown = words.map((w) => !/\d/.test(w) && !isKnown(w, sources));
  // What the one pass over the catalog's words looks for: joins of adjacent words and halves of unknown words.
  const joins = new Map<string, number>();
  for (let i = 0; i + 1 < words.length; i++) if (!/\d/.test(words[i]! + words[i + 1]!)) joins.set(words[i]! + words[i + 1]!, 0);
  const halves = new Map<string, number>();
  words.forEach((w, i) => {
    if (!unknown[i] || w.length < 6 || UNSPACED.test(w)) return;
    for (let cut = 3; cut <= w.length - 3; cut++) halves.set(w.slice(0, cut), 0).set(w.slice(cut), 0);
  });
  const best: (Best | undefined)[] = words.map(() => undefined);
  const masks = words.map(charMask);
  for (const [word, count] of sources.words()) {
    if (joins.has(word)) joins.set(word, count);
    if (halves.has(word)) halves.set(word, count);
    let mask = -1;
    for (let i = 0; i < words.length; i++) {
      if (!unknown[i]) continue;
      const w = words[i]!;
      const unspaced = UNSPACED.test(w);
      if (!unspaced) {
        if (Math.abs(w.length - word.length) > budget(w.length)) continue;
        // Each edit adds or removes at most one letter kind: a cheap bound before the distance itself.
        if (mask === -1) mask = charMask(word);
        const max = budget(w.length);
        if (bits(masks[i]! & ~mask) > max || bits(mask & ~masks[i]!) > max) continue;
      }
      const cost = unspaced ? oneSubstitution(w, word) : wordCost(w, word);
      if (cost === undefined) continue;
      const b = best[i];
      if (!b || cost < b.cost || (cost === b.cost && count > b.count)) best[i] = { word, cost, count };
    }
  }
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    if (next !== undefined && (joins.get(w + next) ?? 0) > 0 && (unknown[i] || unknown[i + 1] || best[i] === undefined)) {
      out.push(w + next);
      i++;
      continue;
    }
    if (!unknown[i]) {
      out.push(w);
      continue;
    }
    const split = bestSplit(w, halves);
    const b = best[i];
    if (split && (!b || b.cost >= 1)) out.push(split);
    else out.push(b ? b.word : w);
  }
  const corrected = out.join(' ');
  return corrected === query ? undefined : corrected;
}

/** Which letter kinds a word has, folded into 31 bits (collisions only weaken the bound, never wrongly reject). */
function charMask(word: string): number {
  let mask = 0;
  for (let i = 0; i < word.length; i++) mask |= 1 << (word.charCodeAt(i) % 31);
  return mask;
}

function bits(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}

function isKnown(word: string, sources: CorrectionSources): boolean {
  const stemmed = normalizeTerm(word);
  const plain = normalizeTerm(word, false);
  return (stemmed !== null && sources.known(stemmed)) || (plain !== null && sources.known(plain));
}

/**
 * The cost of correcting `typed` to `word`: its edits, plus half an edit for a different first letter; undefined if too
 * far. A word spelt as it sounds ("hedfones") is compared as sounds too: "ph" reads as "f".
 */
function wordCost(typed: string, word: string): number | undefined {
  const max = budget(typed.length);
  if (Math.abs(typed.length - word.length) > max || word === typed || word.includes(' ')) return undefined;
  let d = distance(typed, word, max);
  if (d > max && word.includes('ph') !== typed.includes('ph')) d = distance(typed.replaceAll('ph', 'f'), word.replaceAll('ph', 'f'), max);
  if (d > max) return undefined;
  return d + (typed[0] === word[0] ? 0 : 0.5);
}

/** 1 when `word` has the length of `typed` and differs from it in exactly one character. */
function oneSubstitution(typed: string, word: string): number | undefined {
  if (word.length !== typed.length || typed.length < 2) return undefined;
  let diff = 0;
  for (let i = 0; i < typed.length && diff <= 1; i++) if (typed.charCodeAt(i) !== word.charCodeAt(i)) diff++;
  return diff === 1 ? 1 : undefined;
}

/** The split of `word` into two catalog words that the fewer items hold most, as "left right". */
function bestSplit(word: string, halves: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined;
  let score = 0;
  for (let cut = 3; cut <= word.length - 3; cut++) {
    const s = Math.min(halves.get(word.slice(0, cut)) ?? 0, halves.get(word.slice(cut)) ?? 0);
    if (s > score) {
      score = s;
      best = `${word.slice(0, cut)} ${word.slice(cut)}`;
    }
  }
  return best;
}

/**
 * Optimal-string-alignment Damerau–Levenshtein distance (a swap of two adjacent letters is one edit), stopping early
 * with `max + 1` once every alignment is past `max`.
 */
export function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  if (rows.length < 3 * (n + 1)) rows = new Int32Array(6 * (n + 1));
  // Three rows in one reused buffer (this runs for thousands of words per keystroke: no allocation per word).
  let prev2 = 0;
  let prev = n + 1;
  let cur = 2 * (n + 1);
  for (let j = 0; j <= n; j++) rows[prev + j] = j;
  for (let i = 1; i <= a.length; i++) {
    rows[cur] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const bj = b.charCodeAt(j - 1);
      let v = Math.min(rows[prev + j]! + 1, rows[cur + j - 1]! + 1, rows[prev + j - 1]! + (ai === bj ? 0 : 1));
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) v = Math.min(v, rows[prev2 + j - 2]! + 1);
      rows[cur + j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return rows[prev + n]!;
}

/** The rows of {@link distance}, kept between calls. */
let rows = new Int32Array(96);
