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
