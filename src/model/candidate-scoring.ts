import type { CandidateIndex } from './candidate-index.js';
import type { CandidateSettings } from './candidate-policy.js';
import { memoryTerms, type MemoryTerms, type PlainSasrec } from './history-state.js';

/**
 * Scoring that does not touch every item: the items of the clusters whose centroids score best for the shopper, the
 * head (most popular items) and the co-occurrence memory's items, scored from the index's int8 rows; the best
 * {@link CandidateSettings.shortlist} of them rescored exactly (float rows, plus the memory term), which is what
 * `scoreInput` followed by `addCooccurrence` gives those items. The worker (`ModelRuntime.scoreShortlist`) and the
 * evaluation CLI (`historyScorer` with `scoring: 'approximate'`) both call {@link scoreCandidates}.
 */

/** Items and their scores, best first. `scored`: how many items the call scored (clusters, head, memory; each once). */
export interface ScoredItems {
  items: Int32Array;
  scores: Float32Array;
  scored: number;
}

/** The co-occurrence memory's terms for the items a history's walk reached (`memoryTerms`), the largest first. */
export type MemoryCandidates = MemoryTerms;

/** A history's {@link memoryTerms}, largest first; null for a model without a memory. */
export function memoryCandidates(model: PlainSasrec, history: readonly number[]): MemoryCandidates | null {
  return largestFirst(memoryTerms(model, history));
}

/** Memory terms already made (the runtime keeps them per history), largest first. */
export function largestFirst(memory: MemoryTerms | null): MemoryCandidates | null {
  if (!memory) return null;
  const { items, terms } = memory;
  const order = Array.from(terms.keys()).sort((a, b) => terms[b]! - terms[a]! || items[a]! - items[b]!);
  return { items: Int32Array.from(order, (r) => items[r]!), terms: Float32Array.from(order, (r) => terms[r]!) };
}

/**
 * Scores a shopper's candidates (see the module's comment): `vector` is the scoring vector (`scoringVector`), `rows`
 * the float scoring rows (`[numItems + 1, width]`) for the exact rescoring, `memory` the history's
 * {@link memoryCandidates}. With every cluster probed and a shortlist as long as the catalog it ranks as exactly as
 * the full product.
 */
export function scoreCandidates(index: CandidateIndex, rows: Float32Array, vector: Float32Array, memory: MemoryCandidates | null, settings: CandidateSettings): ScoredItems {
  const { width: w, centroids, starts, dots, scales, items, stamps, memory: terms, termOf } = index;
  const stamp = nextStamp(index);
  // Per-call state is indexed by position in cluster order, so scanning a cluster reads it in order (indexed by item id,
  // it cost a cache miss per candidate once the full product had streamed the table through the cache). The memory's
  // candidates are its largest terms, as positions in ascending order; the terms of the items it reached beyond them
  // go in `terms`, and stay there while the history does (a warm call pays nothing for them).
  const own = memory ? memoryLayout(memory, index, settings.memory) : null;
  if (index.termsOf.current !== own) {
    const previous = index.termsOf.current;
    if (previous) for (let r = 0; r < previous.beyond.length; r++) terms[previous.beyond[r]!] = 0;
    if (own) for (let r = 0; r < own.beyond.length; r++) terms[own.beyond[r]!] = own.beyondTerms[r]!;
    index.termsOf.current = own;
  }
  const overflow = own !== null && own.beyond.length > 0;
  // The rows to score, each once, and each one's memory term: the memory's items, the best clusters' items, the head.
  const { positions } = dots;
  let count = 0;
  const take = (at: number, term: number): void => {
    if (stamps[at] === stamp) return;
    stamps[at] = stamp;
    termOf[count] = term;
    positions[count++] = at;
  };
  if (own) for (let r = 0; r < own.positions.length; r++) take(own.positions[r]!, own.terms[r]!);
  const clusters = new TopK(settings.probe);
  for (let c = 0; c < index.clusters; c++) if (starts[c + 1]! > starts[c]!) clusters.push(c, dotFloat(vector, centroids, c * w, w));
  for (let p = 0; p < clusters.size; p++) {
    for (let at = starts[clusters.items[p]!]!; at < starts[clusters.items[p]! + 1]!; at++) take(at, overflow ? terms[at]! : 0);
  }
  for (let h = 0; h < Math.min(settings.head, index.head.length); h++) take(index.head[h]!, overflow ? terms[index.head[h]!]! : 0);
  // Their int8 rows · the vector as int16 (the first pass only picks the shortlist: the scores it keeps are exact).
  let max = 0;
  for (let j = 0; j < w; j++) max = Math.max(max, Math.abs(vector[j]!));
  const unit = max / 32767 || 1;
  for (let j = 0; j < w; j++) dots.vector[j] = Math.round(vector[j]! / unit);
  dots.run(count);
  const best = new TopK(settings.shortlist);
  const { out } = dots;
  for (let r = 0; r < count; r++) best.push(r, out[r]! * unit * scales[positions[r]!]! + termOf[r]!);
  const scored = best.sorted(
    (r) => Math.fround(Math.fround(dotFloat(vector, rows, items[positions[r]!]! * w, w)) + termOf[r]!),
    (r) => items[positions[r]!]!,
  );
  return { ...scored, scored: count };
}

/** A history's memory laid out for one index: its candidates (positions, ascending, and terms), and the items beyond them. */
interface MemoryLayout {
  positions: Int32Array;
  terms: Float32Array;
  beyond: Int32Array;
  beyondTerms: Float32Array;
}

/** Per history's memory (a history's candidates meet one index, with one setting). */
const layouts = new WeakMap<MemoryCandidates, { limit: number; layout: MemoryLayout }>();

function memoryLayout(memory: MemoryCandidates, index: CandidateIndex, limit: number): MemoryLayout {
  const cached = layouts.get(memory);
  if (cached?.limit === limit) return cached.layout;
  const taken = Math.min(limit, memory.items.length);
  // Items are ≥ 1: every one has a position.
  const order = Array.from({ length: taken }, (_, r) => r).sort((a, b) => index.position[memory.items[a]!]! - index.position[memory.items[b]!]!);
  const layout: MemoryLayout = {
    positions: Int32Array.from(order, (r) => index.position[memory.items[r]!]!),
    terms: Float32Array.from(order, (r) => memory.terms[r]!),
    beyond: Int32Array.from(memory.items.subarray(taken), (item) => index.position[item]!),
    beyondTerms: memory.terms.slice(taken),
  };
  layouts.set(memory, { limit, layout });
  return layout;
}

function nextStamp(index: CandidateIndex): number {
  const last = index.stamps.length - 1; // one entry past the positions keeps the counter
  const stamp = ((index.stamps[last]! + 1) >>> 0) || 1;
  if (stamp === 1) index.stamps.fill(0);
  index.stamps[last] = stamp;
  return stamp;
}

function dotFloat(x: Float32Array, rows: Float32Array, at: number, w: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = 0;
  for (; j + 3 < w; j += 4) {
    s0 += x[j]! * rows[at + j]!;
    s1 += x[j + 1]! * rows[at + j + 1]!;
    s2 += x[j + 2]! * rows[at + j + 2]!;
    s3 += x[j + 3]! * rows[at + j + 3]!;
  }
  for (; j < w; j++) s0 += x[j]! * rows[at + j]!;
  return s0 + s1 + s2 + s3;
}

/** The `k` best (item, score) pairs pushed, as a min-heap on the score (ties: the lower item index wins). */
export class TopK {
  readonly items: Int32Array;
  private readonly scores: Float64Array;
  size = 0;

  constructor(private readonly k: number) {
    this.items = new Int32Array(k);
    this.scores = new Float64Array(k);
  }

  /** Whether (a, sa) ranks below (b, sb). */
  private static below(sa: number, a: number, sb: number, b: number): boolean {
    return sa < sb || (sa === sb && a > b);
  }

  /** The lowest score kept once `k` are (a score below it does not enter); -Infinity until then. */
  get floor(): number {
    return this.size < this.k || this.k === 0 ? -Infinity : this.scores[0]!;
  }

  push(item: number, score: number): void {
    const { items, scores } = this;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!TopK.below(score, item, scores[parent]!, items[parent]!)) break;
        items[i] = items[parent]!;
        scores[i] = scores[parent]!;
        i = parent;
      }
      items[i] = item;
      scores[i] = score;
      return;
    }
    if (this.k === 0 || !TopK.below(scores[0]!, items[0]!, score, item)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && TopK.below(scores[r]!, items[r]!, scores[l]!, items[l]!) ? r : l;
      if (!TopK.below(scores[c]!, items[c]!, score, item)) break;
      items[i] = items[c]!;
      scores[i] = scores[c]!;
      i = c;
    }
    items[i] = item;
    scores[i] = score;
  }

  /** The entries kept as items (`item` of each), rescored by `rescore`, best first (ties: the lower item index first). */
  sorted(rescore: (entry: number) => number, item: (entry: number) => number = (entry) => entry): { items: Int32Array; scores: Float32Array } {
    const kept = Array.from(this.items.subarray(0, this.size), (entry) => ({ item: item(entry), score: rescore(entry) }));
    kept.sort((a, b) => b.score - a.score || a.item - b.item);
    return { items: Int32Array.from(kept, (e) => e.item), scores: Float32Array.from(kept, (e) => e.score) };
  }
}
