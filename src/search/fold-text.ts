/** A function that folds Traditional Chinese characters to Simplified ones, one for one (see `han-folding.ts`). */
export type HanFold = (text: string) => string;

const NON_ASCII = /[\u0080-\uffff]/;
/** Marks that NFKC would spell out as letters ("™" → "tm", glued to the word before): read as separators instead. */
const MARKS = /[™®©℠℗]/g;
const HAN = /\p{sc=Han}/u;

/**
 * Folds text the one way the catalog and the query are both read: NFKC (full-width `ＩＰｈｏｎｅ` is `IPhone`, half-width
 * `ｲﾔﾎﾝ` is `イヤホン`, `㎏` is `kg`) and, when given, Traditional Chinese to Simplified. Case, accents and plurals are
 * folded later, per term (`normalizeTerm`), so that MiniSearch's field lengths (distinct tokens as written) stay what
 * they were for Latin text. Plain ASCII is returned as it is.
 */
export function foldText(text: string, foldHan?: HanFold): string {
  if (!NON_ASCII.test(text)) return text;
  const folded = text.replace(MARKS, ' ').normalize('NFKC');
  return foldHan && HAN.test(folded) ? foldHan(folded) : folded;
}

/** Folded text with, for each of its UTF-16 units, where it came from in the original: `[start[i], end[i])`. */
export interface FoldedText {
  text: string;
  start: Int32Array | null;
  end: Int32Array | null;
}

/** A base character with the marks that combine with it (and the half-width voicing marks ﾞ ﾟ). */
const CLUSTER = /[\s\S][\p{M}\uff9e\uff9f]*/gu;

/**
 * {@link foldText} with the way back to the original text, for highlighting. Most text folds unit for unit (the maps are
 * then null: offsets are the same); otherwise each character cluster is folded on its own and every unit it becomes
 * points back to the whole cluster.
 */
export function foldWithOffsets(text: string, foldHan?: HanFold): FoldedText {
  const whole = foldText(text, foldHan);
  if (whole.length === text.length) return { text: whole, start: null, end: null };
  const parts: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (const m of text.matchAll(CLUSTER)) {
    const folded = foldText(m[0], foldHan);
    parts.push(folded);
    for (let i = 0; i < folded.length; i++) {
      starts.push(m.index);
      ends.push(m.index + m[0].length);
    }
  }
  return { text: parts.join(''), start: Int32Array.from(starts), end: Int32Array.from(ends) };
}

/** Accents removed (NFKD without combining marks, then composed again), only where there may be any. */
export function stripAccents(text: string): string {
  return NON_ASCII.test(text) ? text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').normalize('NFC') : text;
}
