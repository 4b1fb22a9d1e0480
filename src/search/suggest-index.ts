import { TextAnalyzer } from './analyzer.js';
import { stripAccents } from './fold-text.js';
import { lowerBound } from './lower-bound.js';
import { PINYIN_INPUT, PinyinCompletions, type ToPinyin } from './pinyin-completions.js';
import type { SearchItem } from './search-item.js';

/** One completion: the text to show and how many items contain its completed word (among the context items, if any). */
export interface Suggestion {
  text: string;
  count: number;
}

/** A {@link SuggestIndex} as plain JSON (`snapshot()`, `restore()`): sorted words, their counts, written forms. */
export interface SuggestSnapshot {
  words: string[];
  counts: number[];
  shown: [string, string][];
}

/** Words as a shopper types them: letters and digits, keeping inner hyphens ("usb-c", "tn-2110"). */
const WORD = /[\p{L}\p{N}]+(?:[-'][\p{L}\p{N}]+)*/gu;

/** The unspaced run (Chinese, Japanese, Korean, Thai, …) a typed text ends with, if it does. */
/** How many longer phrases {@link SuggestIndex.isFragment} looks at, and how much longer a completion of a fragment is. */
const FRAGMENT_SCAN = 64;
const FRAGMENT_TAIL = 3;
const TRAILING_UNSPACED = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\u30fc\u3005\u3006\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]+$/u;

/**
 * Completions from the words of the catalog's titles, brands and categories. Keeps a sorted word list and a count of
 * the items holding each word, so a prefix lookup is a binary search plus a scan of the words that share the prefix,
 * and adding or removing an item touches only its own words.
 */
export class SuggestIndex {
  private readonly counts = new Map<string, number>();
  /** Every word ever seen, sorted; words whose count fell to 0 stay (and are skipped) so removal is O(words of item). */
  private readonly sorted: string[] = [];

  /** How a phrase is written in the catalog where that differs from its folded key (Traditional Chinese). */
  private readonly shown = new Map<string, string>();
  /** Completions from pinyin, once {@link enablePinyin} is called. */
  private pinyin: PinyinCompletions | null = null;
  /** Each item's completion words, for the completions counted among the items matching the words typed first. */
  private readonly wordsOf = new WeakMap<SearchItem, Set<string>>();

  constructor(private readonly analyzer = new TextAnalyzer()) {}

  /**
   * What {@link restore} needs to answer as this index does, as plain JSON: the words and phrases with a count (in
   * order), their counts, and how the catalog writes the phrases that differ from their keys. A repeat page view
   * restores it instead of reading the whole catalog's text again (see src/worker/warm-start.ts).
   */
  snapshot(): SuggestSnapshot {
    const words: string[] = [];
    const counts: number[] = [];
    for (const w of this.sorted) {
      const n = this.counts.get(w) ?? 0;
      if (n > 0) {
        words.push(w);
        counts.push(n);
      }
    }
    return { words, counts, shown: [...this.shown] };
  }

  /** An index answering as the one that took `snapshot` did (pinyin is enabled again by the caller). */
  static restore(snapshot: SuggestSnapshot, analyzer: TextAnalyzer): SuggestIndex {
    const { words, counts, shown } = snapshot;
    if (!Array.isArray(words) || !Array.isArray(counts) || words.length !== counts.length || !Array.isArray(shown)) throw new TypeError('not a suggest snapshot');
    const index = new SuggestIndex(analyzer);
    for (let i = 0; i < words.length; i++) {
      index.sorted.push(words[i]!);
      index.counts.set(words[i]!, counts[i]!);
    }
    for (const [key, written] of shown) index.shown.set(key, written);
    return index;
  }

  /** Lets Latin letters complete to Chinese phrases by their pinyin (`lanya` → 蓝牙耳机), for every phrase now and later. */
  enablePinyin(toPinyin: ToPinyin): void {
    this.pinyin = new PinyinCompletions(toPinyin);
    this.pinyin.addAll(this.counts.keys());
  }

  /** Every catalog word (and phrase), as the catalog writes it, with how many items hold it. */
  *words(): IterableIterator<[string, number]> {
    for (const [w, n] of this.counts) if (n > 0) yield [this.shown.get(w) ?? w, n];
  }

  add(item: SearchItem): void {
    for (const [w, c] of this.itemCounts(item)) {
      const n = this.counts.get(w);
      if (n === undefined) {
        this.sorted.splice(lowerBound(this.sorted, w), 0, w);
        this.pinyin?.add(w);
      }
      this.counts.set(w, (n ?? 0) + c);
    }
  }

  /**
   * Bulk load, counting as {@link itemCounts} does: each item's distinct words and distinct unspaced runs once, then
   * each distinct run expanded into its phrases once (segmenting is the slow part), and one sort at the end.
   */
  addAll(items: readonly SearchItem[]): void {
    // The last item that counted each word: once per item without a set per item.
    const lastItem = new Map<string, number>();
    const runItems = new Map<string, { n: number; shown: string }>();
    items.forEach((item, i) => {
      const { words, runs } = this.analyzer.completionUnits(itemText(item));
      for (const w of words) {
        if (lastItem.get(w) === i) continue;
        lastItem.set(w, i);
        this.counts.set(w, (this.counts.get(w) ?? 0) + 1);
      }
      for (const r of outerRuns(runs)) {
        const seen = runItems.get(r.key);
        if (seen) seen.n++;
        else runItems.set(r.key, { n: 1, shown: r.shown });
      }
    });
    for (const [run, { n, shown }] of runItems) {
      for (const [p, written] of this.analyzer.runPhrases(run, shown)) {
        this.counts.set(p, (this.counts.get(p) ?? 0) + n);
        this.noteShown(p, written);
      }
    }
    this.sorted.length = 0;
    for (const w of this.counts.keys()) this.sorted.push(w);
    this.sorted.sort();
    this.pinyin?.addAll(this.counts.keys());
  }

  remove(item: SearchItem): void {
    for (const [w, c] of this.itemCounts(item)) {
      const n = this.counts.get(w);
      if (n !== undefined) this.counts.set(w, Math.max(0, n - c));
    }
  }

  /**
   * What one item adds to the counts: each distinct spaced word once, and each phrase once per unspaced run of the item
   * that holds it, runs written again inside a longer run of the item left out (the category's `空气炸锅` inside the
   * title's `美的空气炸锅家用`), so an item counts a phrase once but where two different runs share it. {@link addAll}
   * counts the same way.
   */
  private itemCounts(item: SearchItem): Map<string, number> {
    const { words, runs } = this.analyzer.completionUnits(itemText(item));
    const out = new Map<string, number>();
    for (const w of words) out.set(w, 1);
    for (const run of outerRuns(runs)) {
      for (const [p, written] of this.analyzer.runPhrases(run.key, run.shown)) {
        out.set(p, (out.get(p) ?? 0) + 1);
        this.noteShown(p, written);
      }
    }
    return out;
  }

  /** Keeps how the catalog first wrote a phrase, where it differs from the phrase's key. */
  private noteShown(key: string, written: string): void {
    if (written !== key && !this.shown.has(key)) this.shown.set(key, written);
  }

  /**
   * Up to `k` completions of the last word of `input`, most frequent first (ties: shorter, then alphabetical); the
   * words before it are kept as typed. With `context` (the items that match the words before), completions are counted
   * among those items first, so "toner c" offers "toner cartridge" before the catalog-wide "cable"; catalog-wide words
   * fill the rest. Empty when the input is blank or ends with a space. Text typed without spaces (`蓝牙`, `ワイヤレス`)
   * completes to longer catalog phrases; when the whole run has none, its last word is completed instead.
   */
  suggest(input: string, k = 8, context: readonly SearchItem[] = []): Suggestion[] {
    const match = /^(.*?)([^\s]+)$/su.exec(input.trimStart());
    if (!match) return [];
    const head = match[1]!.replace(/\s+/g, ' ').toLowerCase();
    const chunk = this.analyzer.fold(match[2]!).toLowerCase();
    const tail = TRAILING_UNSPACED.exec(chunk);
    if (!tail) {
      const partial = (stripAccents(chunk).match(WORD) ?? [''])[0]!;
      if (partial.length === 0) return [];
      const chinese = this.pinyin && PINYIN_INPUT.test(partial) ? this.pinyin.match(partial) : undefined;
      return this.complete(head, partial, k, context, chinese);
    }
    const before = head + chunk.slice(0, tail.index);
    const found = this.complete(before, tail[0], k, context);
    const words = this.analyzer.wordSpans(tail[0]);
    if (found.length > 0 || words.length < 2) return found;
    const last = words[words.length - 1]![0];
    return this.complete(before + tail[0].slice(0, last), tail[0].slice(last), k, context);
  }

  /**
   * Completions of `partial` (folded), each shown after `head`; never `partial` itself when it is unspaced text. `also`:
   * more catalog phrases that complete it (Chinese phrases whose pinyin starts with it), ranked with the rest.
   */
  private complete(head: string, partial: string, k: number, context: readonly SearchItem[], also?: Iterable<string>): Suggestion[] {
    const skip = TRAILING_UNSPACED.test(partial) ? partial : undefined;
    const best: Suggestion[] = [];
    if (context.length > 0) {
      const local = new Map<string, number>();
      for (const item of context) for (const w of this.itemWords(item)) if (w.startsWith(partial) && w !== skip) local.set(w, (local.get(w) ?? 0) + 1);
      for (const [w, count] of local) keepBest(best, w, count, k);
    }
    const fromContext = best.length;
    const taken = new Set(best.map((b) => b.text));
    const global: Suggestion[] = [];
    for (let i = lowerBound(this.sorted, partial); i < this.sorted.length; i++) {
      const w = this.sorted[i]!;
      if (!w.startsWith(partial)) break;
      const count = this.counts.get(w) ?? 0;
      if (count > 0 && w !== skip && !taken.has(w) && !this.isFragment(w, count)) keepBest(global, w, count, k - fromContext);
    }
    for (const w of also ?? []) {
      const count = this.counts.get(w) ?? 0;
      if (count > 0 && !taken.has(w) && !this.isFragment(w, count)) keepBest(global, w, count, k - fromContext);
    }
    return [...best, ...global].map((s) => ({ text: `${head}${this.shown.get(s.text) ?? s.text}`, count: s.count }));
  }

  /**
   * Whether an unspaced phrase is only the start of longer ones: every item that holds it goes on, within
   * {@link FRAGMENT_TAIL} characters (`空气炸` of `空气炸锅` and `空气炸烤箱`, `ワイヤレスイヤ` of `ワイヤレスイヤホン`): a join
   * of segmenter words that cuts a word the segmenter split. Items going on with each next character are counted by its
   * most common extension. Only with the evidence of two items or more. Extensions sort right after the phrase, so this
   * looks at the next {@link FRAGMENT_SCAN} only.
   */
  private isFragment(w: string, count: number): boolean {
    if (count < 2 || !TRAILING_UNSPACED.test(w)) return false;
    const from = lowerBound(this.sorted, w) + 1;
    const end = Math.min(this.sorted.length, from + FRAGMENT_SCAN);
    const goingOn = new Map<string, number>();
    for (let i = from; i < end; i++) {
      const longer = this.sorted[i]!;
      if (!longer.startsWith(w)) break;
      if (longer.length - w.length > FRAGMENT_TAIL) continue;
      const next = longer[w.length]!;
      goingOn.set(next, Math.max(goingOn.get(next) ?? 0, this.counts.get(longer) ?? 0));
    }
    let total = 0;
    for (const n of goingOn.values()) total += n;
    return total >= count;
  }

  /** An item's completion words, read once per item (an updated item is a new object). */
  private itemWords(item: SearchItem): Set<string> {
    let words = this.wordsOf.get(item);
    if (!words) this.wordsOf.set(item, (words = new Set(this.analyzer.phrases(itemText(item)))));
    return words;
  }
}

/** An item's distinct unspaced runs but those written inside another of them. */
function outerRuns<R extends { key: string }>(runs: readonly R[]): R[] {
  const distinct = [...new Map(runs.map((r) => [r.key, r])).values()];
  if (distinct.length < 2) return distinct;
  return distinct.filter((r) => !distinct.some((other) => other.key.length > r.key.length && other.key.includes(r.key)));
}

/** The text an item's completions come from: its title, brand and category. */
function itemText(item: SearchItem): string {
  return `${item.title ?? ''} ${item.brand ?? ''} ${item.category ?? ''}`;
}

/** Inserts a candidate into a list kept sorted best first and at most `k` long. */
function keepBest(best: Suggestion[], word: string, count: number, k: number): void {
  if (k <= 0 || (best.length === k && !better(word, count, best[k - 1]!))) return;
  let at = best.length;
  while (at > 0 && better(word, count, best[at - 1]!)) at--;
  best.splice(at, 0, { text: word, count });
  if (best.length > k) best.pop();
}

function better(word: string, count: number, than: Suggestion): boolean {
  if (count !== than.count) return count > than.count;
  if (word.length !== than.text.length) return word.length < than.text.length;
  return word < than.text;
}
