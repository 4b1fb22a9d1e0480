/**
 * The co-occurrence memory's walk: from a shopper's history through each item's neighbour lists (shipped in the
 * bundle's `neighbours.bin`). The worker runs it on every new history (`addCooccurrence` in `history-state.ts`); the
 * CLI's item-kNN baseline and `neighbours` command call the same functions, so what is measured is what ranks.
 */

/**
 * Each item's most similar items by co-occurrence, as compressed rows: item `i`'s neighbours are
 * `ids[offsets[i] .. offsets[i + 1]]`, most similar first, with their similarities in `sims`.
 */
export interface NeighbourLists {
  offsets: Int32Array;
  ids: Int32Array;
  sims: Float32Array;
}

/**
 * Sums, for every item, its similarities to the distinct items of `history` (the last `historyLength` of them): the
 * item-kNN score, and the co-occurrence memory a model adds to its own (see `addCooccurrence`). With `hops` > 1 and a
 * `pathWeight` > 0 the walk goes on through the lists: a path h → m → item adds `pathWeight × sim(h, m) × sim(m, item)`,
 * a path of three steps `pathWeight² ×` the product of its three similarities (see {@link neighbourWalk}), reaching
 * items that never co-occurred with the history but did with its neighbours.
 */
export function neighbourSums(
  lists: NeighbourLists,
  history: readonly number[],
  historyLength: number,
  into: Float32Array,
  hops = 1,
  pathWeight = 0,
): Float32Array {
  let factor = 1;
  walkLists(lists, history, historyLength, pathWeight > 0 ? hops : 1, (sums, reached, count) => {
    for (let r = 0; r < count; r++) {
      const j = reached[r]!;
      if (j < into.length) into[j]! += factor * sums[j]!;
    }
    factor *= pathWeight;
  });
  return into;
}

/**
 * The walk from a history through the lists, step by step: the first array is each item's summed similarity to the
 * history's distinct items (of its last `historyLength`), each next one the previous pushed through the lists once
 * more (`next[j] = Σ_m previous[m] × sim(m, j)`): the sums over all paths of that many steps.
 */
export function neighbourWalk(lists: NeighbourLists, history: readonly number[], historyLength: number, hops: number): Float32Array[] {
  const walk: Float32Array[] = [];
  walkLists(lists, history, historyLength, hops, (sums) => walk.push(sums.slice()));
  return walk;
}

/** Two value buffers and two lists of reached items per set of lists, reused by every walk (the worker walks on each new event). */
const scratch = new WeakMap<NeighbourLists, { values: [Float32Array, Float32Array]; reached: [Int32Array, Int32Array] }>();

/**
 * Walks `hops` steps from a history through the lists, handing each step's sums to `onStep` with the items they reached
 * (`reached[0 .. count]`, each once; every other entry is 0). Each step visits only the items the previous one reached
 * (only positive weights are walked, so a sum once touched stays non-zero): the work is the paths walked, not the catalog.
 * The arrays are scratch space, valid only during the call.
 */
function walkLists(
  lists: NeighbourLists,
  history: readonly number[],
  historyLength: number,
  hops: number,
  onStep: (sums: Float32Array, reached: Int32Array, count: number) => void,
): void {
  const { offsets, ids, sims } = lists;
  const size = offsets.length - 1;
  let buffers = scratch.get(lists);
  if (!buffers) {
    buffers = { values: [new Float32Array(size), new Float32Array(size)], reached: [new Int32Array(size), new Int32Array(size)] };
    scratch.set(lists, buffers);
  }
  let [current, next] = buffers.values;
  let [reached, nextReached] = buffers.reached;
  let count = 0;
  for (const h of new Set(history.slice(-historyLength))) {
    if (h <= 0 || h >= size) continue;
    for (let k = offsets[h]!; k < offsets[h + 1]!; k++) {
      const j = ids[k]!;
      const add = sims[k]!;
      if (!(add > 0)) continue; // a weight int8 rounded to 0 reaches nothing (and must not list j twice)
      if (current[j] === 0) reached[count++] = j;
      current[j]! += add;
    }
  }
  for (let step = 0; ; step++) {
    onStep(current, reached, count);
    let nextCount = 0;
    if (step + 1 < hops) {
      for (let r = 0; r < count; r++) {
        const m = reached[r]!;
        const v = current[m]!;
        for (let k = offsets[m]!; k < offsets[m + 1]!; k++) {
          const j = ids[k]!;
          const add = v * sims[k]!;
          if (!(add > 0)) continue;
          if (next[j] === 0) nextReached[nextCount++] = j;
          next[j]! += add;
        }
      }
    }
    for (let r = 0; r < count; r++) current[reached[r]!] = 0;
    if (step + 1 >= hops) return;
    [current, next, reached, nextReached, count] = [next, current, nextReached, reached, nextCount];
  }
}

/** A sparse {@link neighbourSums}: the items the walk reached (`items`, each once) and their sums, as float32. */
export interface ReachedSums {
  items: Int32Array;
  sums: Float32Array;
}

/** Sums of one walk accumulated per lists (the catalog's size), reused: only the reached entries are touched. */
const accumulators = new WeakMap<NeighbourLists, { sums: Float32Array; reached: Int32Array }>();

/**
 * {@link neighbourSums} for the items the walk reached only: the same float32 sums, without a catalog-sized output
 * (the approximate scoring's candidates from the memory; the work is the paths walked).
 */
export function neighbourReach(lists: NeighbourLists, history: readonly number[], historyLength: number, hops = 1, pathWeight = 0): ReachedSums {
  const size = lists.offsets.length - 1;
  let acc = accumulators.get(lists);
  if (!acc) accumulators.set(lists, (acc = { sums: new Float32Array(size), reached: new Int32Array(size) }));
  const { sums: into, reached: all } = acc;
  let total = 0;
  let factor = 1;
  walkLists(lists, history, historyLength, pathWeight > 0 ? hops : 1, (sums, reached, count) => {
    for (let r = 0; r < count; r++) {
      const j = reached[r]!;
      if (into[j] === 0) all[total++] = j;
      into[j]! += factor * sums[j]!;
    }
    factor *= pathWeight;
  });
  const items = all.slice(0, total);
  const out = new Float32Array(total);
  for (let r = 0; r < total; r++) {
    out[r] = into[items[r]!]!;
    into[items[r]!] = 0;
  }
  return { items, sums: out };
}

/** Catalogs up to this size keep an {@link IncrementalReach} (12 bytes per item and step, 16 per item, and what a walk touches). */
export const INCREMENTAL_REACH_MAX_ITEMS = 262_144;

/** After this many updates the state is rebuilt from the window, so float64 rounding cannot build up. */
const REBUILD_EVERY = 256;

/** A step's entries touched by one update, with what they held before it (`seen` stamps first touches). */
interface Touched {
  count: number;
  items: Int32Array;
  oldValues: Float64Array;
  oldCounts: Int32Array;
}

/** Twice the room for a step's touched entries (an update touches a few hundred; a rebuild, the whole walk). */
function grow(touched: Touched): void {
  const n = touched.items.length * 2;
  const items = new Int32Array(n);
  const oldValues = new Float64Array(n);
  const oldCounts = new Int32Array(n);
  items.set(touched.items);
  oldValues.set(touched.oldValues);
  oldCounts.set(touched.oldCounts);
  Object.assign(touched, { items, oldValues, oldCounts });
}

/**
 * {@link neighbourReach}, followed from one history to the next: the worker's histories change by an event at a time,
 * and the walk is linear in its sources (each step's sums are the previous step's pushed through the lists), so adding
 * the new item's paths and taking away those of the item that left the window gives the new walk: a few hundred
 * edges instead of every path from every item of the history. Each step's sums are kept per item in float64 with the
 * count of the positive paths that reach it, so an item all of whose paths left is dropped exactly. The items reached
 * and `term(sum)` of each (the sum over steps, `pathWeight`-weighted, as `neighbourReach` gives it in float32) are
 * what {@link update} returns; the same as the walk from scratch to float32 rounding, in another order.
 */
export class IncrementalReach {
  private readonly size: number;
  private readonly values: Float64Array[];
  private readonly counts: Int32Array[];
  private readonly touched: Touched[];
  private readonly seen: Int32Array;
  private epoch = 0;
  /** The items reached (any step), each once: `unionItems[0 .. unionCount]`; `unionAt[j]` is j's position + 1, or 0. */
  private readonly unionItems: Int32Array;
  private readonly unionAt: Int32Array;
  private unionCount = 0;
  private readonly terms: Float32Array;
  private window = new Set<number>();
  private updates = 0;

  constructor(
    private readonly lists: NeighbourLists,
    hops: number,
    private readonly pathWeight: number,
    private readonly term: (sum: number) => number,
  ) {
    this.size = lists.offsets.length - 1;
    const steps = pathWeight > 0 ? hops : 1;
    this.values = Array.from({ length: steps }, () => new Float64Array(this.size));
    this.counts = Array.from({ length: steps }, () => new Int32Array(this.size));
    this.touched = Array.from({ length: steps }, () => ({ count: 0, items: new Int32Array(1024), oldValues: new Float64Array(1024), oldCounts: new Int32Array(1024) }));
    this.seen = new Int32Array(this.size);
    this.unionItems = new Int32Array(this.size);
    this.unionAt = new Int32Array(this.size);
    this.terms = new Float32Array(this.size);
  }

  /** The walk's items and terms for `history` (its last `historyLength` items, as `neighbourReach` reads them). */
  update(history: readonly number[], historyLength: number): { items: Int32Array; terms: Float32Array } {
    const next = new Set<number>();
    for (const h of history.slice(-historyLength)) if (h > 0 && h < this.size) next.add(h);
    let sources = [...this.window].filter((h) => !next.has(h));
    if (++this.updates >= REBUILD_EVERY || sources.length > next.size / 2) {
      this.reset();
      sources = [];
    }
    const signs: number[] = sources.map(() => -1);
    for (const h of next) {
      if (this.window.has(h)) continue;
      sources.push(h);
      signs.push(1);
    }
    this.window = next;
    if (sources.length > 0) this.apply(sources, signs);
    const items = this.unionItems.slice(0, this.unionCount);
    const terms = new Float32Array(items.length);
    for (let r = 0; r < items.length; r++) terms[r] = this.terms[items[r]!]!;
    return { items, terms };
  }

  /** Forgets everything: the next update walks its whole window. */
  private reset(): void {
    for (let r = 0; r < this.unionCount; r++) {
      const j = this.unionItems[r]!;
      for (let s = 0; s < this.values.length; s++) {
        this.values[s]![j] = 0;
        this.counts[s]![j] = 0;
      }
      this.terms[j] = 0;
      this.unionAt[j] = 0;
    }
    this.unionCount = 0;
    this.window = new Set();
    this.updates = 0;
  }

  /** Adds (sign 1) or takes away (sign −1) the paths from each source, step by step, then renews the touched terms. */
  private apply(sources: readonly number[], signs: readonly number[]): void {
    const { offsets, ids, sims } = this.lists;
    const steps = this.values.length;
    for (let s = 0; s < steps; s++) {
      const values = this.values[s]!;
      const counts = this.counts[s]!;
      const out = this.touched[s]!;
      out.count = 0;
      const stamp = ++this.epoch;
      const push = (m: number, dValue: number, dCount: number): void => {
        for (let k = offsets[m]!; k < offsets[m + 1]!; k++) {
          const sim = sims[k]!;
          if (!(sim > 0)) continue; // as the walk from scratch: a weight int8 rounded to 0 reaches nothing
          const j = ids[k]!;
          if (this.seen[j] !== stamp) {
            this.seen[j] = stamp;
            if (out.count === out.items.length) grow(out);
            out.items[out.count] = j;
            out.oldValues[out.count] = values[j]!;
            out.oldCounts[out.count++] = counts[j]!;
          }
          values[j]! += dValue * sim;
          counts[j]! += dCount;
        }
      };
      if (s === 0) {
        sources.forEach((h, i) => push(h, signs[i]!, signs[i]!));
      } else {
        // What each item touched one step before sends on: its sum while reached, nothing once it is not.
        const before = this.touched[s - 1]!;
        const previous = this.values[s - 1]!;
        const previousCounts = this.counts[s - 1]!;
        for (let r = 0; r < before.count; r++) {
          const m = before.items[r]!;
          const wasReached = before.oldCounts[r]! > 0;
          const isReached = previousCounts[m]! > 0;
          const dValue = (isReached ? previous[m]! : 0) - (wasReached ? before.oldValues[r]! : 0);
          const dCount = (isReached ? 1 : 0) - (wasReached ? 1 : 0);
          if (dValue !== 0 || dCount !== 0) push(m, dValue, dCount);
        }
      }
      for (let r = 0; r < out.count; r++) if (counts[out.items[r]!] === 0) values[out.items[r]!] = 0; // exactly nothing left
    }
    // Each item touched at any step, once.
    const stamp = ++this.epoch;
    for (let s = 0; s < steps; s++) {
      const out = this.touched[s]!;
      for (let r = 0; r < out.count; r++) {
        const j = out.items[r]!;
        if (this.seen[j] === stamp) continue;
        this.seen[j] = stamp;
        this.renew(j);
      }
    }
  }

  /** Item j's membership and term from its sums now. */
  private renew(j: number): void {
    let sum = 0;
    let reached = false;
    let factor = 1;
    for (let s = 0; s < this.values.length; s++) {
      if (this.counts[s]![j]! > 0) {
        reached = true;
        sum += factor * this.values[s]![j]!;
      }
      factor *= this.pathWeight;
    }
    if (reached && this.unionAt[j] === 0) {
      this.unionItems[this.unionCount++] = j;
      this.unionAt[j] = this.unionCount;
    } else if (!reached && this.unionAt[j] !== 0) {
      const at = this.unionAt[j]! - 1;
      const last = this.unionItems[--this.unionCount]!;
      this.unionItems[at] = last;
      this.unionAt[last] = at + 1;
      this.unionAt[j] = 0;
    }
    const single = Math.fround(sum);
    this.terms[j] = reached && single > 0 ? this.term(single) : 0;
  }
}
