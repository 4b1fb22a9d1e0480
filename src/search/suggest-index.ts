import { TextAnalyzer } from './analyzer.js';
import type { SearchItem } from './search-item.js';

/** One completion: the text to show and how many items contain its completed word (among the context items, if any). */
export interface Suggestion {
  text: string;
  count: number;
}

/** Words as a shopper types them: letters and digits, keeping inner hyphens ("usb-c", "tn-2110"). */
const WORD = /[\p{L}\p{N}]+(?:[-'][\p{L}\p{N}]+)*/gu;

/** Lower case without accents (NFKD only for non-ASCII text: it is the slow part). */
function fold(text: string): string {
  return (/[\u0080-\uffff]/.test(text) ? text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '') : text).toLowerCase();
}


/**
 * Completions from the words of the catalog's titles, brands and categories. Keeps a sorted word list and a count of
 * the items holding each word, so a prefix lookup is a binary search plus a scan of the words that share the prefix,
 * and adding or removing an item touches only its own words.
 */
export class SuggestIndex {
  private readonly counts = new Map<string, number>();
  /** Every word ever seen, sorted; words whose count fell to 0 stay (and are skipped) so removal is O(words of item). */
  private readonly sorted: string[] = [];

  constructor(private readonly analyzer = new TextAnalyzer()) {}

  /** Every catalog word (and phrase) with how many items hold it. */
  *words(): IterableIterator<[string, number]> {
    for (const entry of this.counts) if (entry[1] > 0) yield entry;
  }

  add(item: SearchItem): void {
    for (const w of this.itemWords(item)) {
      const n = this.counts.get(w);
      if (n === undefined) this.sorted.splice(this.lowerBound(w), 0, w);
      this.counts.set(w, (n ?? 0) + 1);
    }
  }

  /** Bulk load: one sort instead of one insertion per new word. */
  addAll(items: readonly SearchItem[]): void {
    for (const item of items) for (const w of this.itemWords(item)) this.counts.set(w, (this.counts.get(w) ?? 0) + 1);
    this.sorted.length = 0;
    this.sorted.push(...this.counts.keys());
    this.sorted.sort();
  }

  remove(item: SearchItem): void {
    for (const w of this.itemWords(item)) {
      const n = this.counts.get(w);
      if (n !== undefined) this.counts.set(w, Math.max(0, n - 1));
    }
  }

  /**
   * Up to `k` completions of the last word of `input`, most frequent first (ties: shorter, then alphabetical); the
   * words before it are kept as typed. With `context` (the items that match the words before), completions are counted
   * among those items first, so "toner c" offers "toner cartridge" before the catalog-wide "cable"; catalog-wide words
   * fill the rest. Empty when the input is blank or ends with a space.
   */
  suggest(input: string, k = 8, context: readonly SearchItem[] = []): Suggestion[] {
    const match = /^(.*?)([^\s]+)$/su.exec(input.trimStart());
    if (!match) return [];
    const head = match[1]!.replace(/\s+/g, ' ').toLowerCase();
    const partial = (fold(match[2]!).match(WORD) ?? [''])[0]!;
    if (partial.length === 0) return [];
    const best: Suggestion[] = [];
    if (context.length > 0) {
      const local = new Map<string, number>();
      for (const item of context) for (const w of this.itemWords(item)) if (w.startsWith(partial)) local.set(w, (local.get(w) ?? 0) + 1);
      for (const [w, count] of local) keepBest(best, w, count, k);
    }
    const fromContext = best.length;
    const taken = new Set(best.map((b) => b.text));
    const global: Suggestion[] = [];
    for (let i = this.lowerBound(partial); i < this.sorted.length; i++) {
      const w = this.sorted[i]!;
      if (!w.startsWith(partial)) break;
      const count = this.counts.get(w) ?? 0;
      if (count > 0 && !taken.has(w)) keepBest(global, w, count, k - fromContext);
    }
    return [...best, ...global].map((s) => ({ text: `${head}${s.text}`, count: s.count }));
  }

  private itemWords(item: SearchItem): Set<string> {
    return new Set(this.analyzer.phrases(`${item.title ?? ''} ${item.brand ?? ''} ${item.category ?? ''}`));
  }

  private lowerBound(w: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]! < w) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
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
