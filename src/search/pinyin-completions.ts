import { lowerBound } from './lower-bound.js';

/** The pinyin of a phrase of Chinese characters, one syllable per character, without tones (`蓝牙` → `['lan', 'ya']`). */
export type ToPinyin = (phrase: string) => string[];

const HAN_ONLY = /^\p{sc=Han}+$/u;
/** What a shopper types as pinyin: Latin letters only (ü typed as v or u). */
export const PINYIN_INPUT = /^[a-z]{2,}$/;

/**
 * Chinese completions from pinyin: each catalog phrase of Chinese characters is findable by its whole pinyin
 * (`lanyaerji` → 蓝牙耳机) and by its initials (`lyej`). Keys are kept sorted, so a typed prefix is a binary search plus a
 * scan of the keys that share it. The pinyin itself comes from `pinyin-pro`, loaded only when the store turns
 * `search.pinyin` on (see {@link loadPinyin}).
 */
export class PinyinCompletions {
  private readonly keys: string[] = [];
  private readonly phrases: string[] = [];
  private readonly known = new Set<string>();

  constructor(private readonly toPinyin: ToPinyin) {}

  /** Adds the keys of a phrase (phrases that are not all Chinese characters are left out). */
  add(phrase: string): void {
    for (const key of this.newKeys(phrase)) {
      const at = lowerBound(this.keys, key);
      this.keys.splice(at, 0, key);
      this.phrases.splice(at, 0, phrase);
    }
  }

  /** Adds many phrases at once: one sort instead of one insertion each. */
  addAll(phrases: Iterable<string>): void {
    const pairs: [string, string][] = this.keys.map((k, i) => [k, this.phrases[i]!]);
    for (const phrase of phrases) for (const key of this.newKeys(phrase)) pairs.push([key, phrase]);
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.keys.length = 0;
    this.phrases.length = 0;
    for (const [k, p] of pairs) {
      this.keys.push(k);
      this.phrases.push(p);
    }
  }

  /** The phrases whose pinyin or initials start with `typed`, each once. */
  *match(typed: string): Generator<string> {
    const seen = new Set<string>();
    for (let i = lowerBound(this.keys, typed); i < this.keys.length && this.keys[i]!.startsWith(typed); i++) {
      const phrase = this.phrases[i]!;
      if (!seen.has(phrase)) {
        seen.add(phrase);
        yield phrase;
      }
    }
  }

  /** The keys of a phrase not seen before (its whole pinyin and its initials); none for a phrase seen or not Chinese. */
  private newKeys(phrase: string): string[] {
    if (this.known.has(phrase) || !HAN_ONLY.test(phrase)) return [];
    this.known.add(phrase);
    const syllables = this.toPinyin(phrase).map((s) => s.toLowerCase());
    const whole = syllables.join('');
    const initials = syllables.map((s) => s[0] ?? '').join('');
    return whole === initials ? [whole] : [whole, initials];
  }
}

/** Loads `pinyin-pro` (a chunk of its own, fetched only when `search.pinyin` is on) as a {@link ToPinyin}. */
export async function loadPinyin(): Promise<ToPinyin> {
  const { pinyin } = await import('pinyin-pro');
  return (phrase) => pinyin(phrase, { toneType: 'none', type: 'array', v: true });
}
