import type { CatalogScorer } from './evaluate-ranking.js';

export interface ItemKnnOptions {
  /** Only the last `historyLength` distinct items of a history vote. Default 50. */
  historyLength?: number;
  /** Neighbours kept per item. Default 100. */
  neighbours?: number;
}

/**
 * Each item's most similar items by co-occurrence, as compressed rows: item `i`'s neighbours are
 * `ids[offsets[i] .. offsets[i + 1]]`, most similar first, with their similarities in `sims`.
 */
export interface NeighbourLists {
  offsets: Int32Array;
  ids: Int32Array;
  sims: Float32Array;
}

/** {@link NeighbourLists} with what the similarities were computed from: each pair's co-count and each item's users. */
export interface CountedNeighbourLists extends NeighbourLists {
  pairs: Float32Array;
  users: Float64Array;
}

/**
 * Cosine similarity of items over the users whose sequence contains them (`co(i, j) / sqrt(n_i · n_j)`, each user
 * counted once per item), keeping each item's top `neighbours` (ties by item index, so the lists are deterministic).
 */
export function itemNeighbours(train: readonly (readonly number[])[], numItems: number, neighbours: number): CountedNeighbourLists {
  const n = new Float64Array(numItems + 1);
  const co: Map<number, number>[] = Array.from({ length: numItems + 1 }, () => new Map());
  for (const seq of train) {
    const items = [...new Set(seq)];
    for (const i of items) n[i]! += 1;
    for (let a = 0; a < items.length; a++) {
      const i = items[a]!;
      const row = co[i]!;
      for (let b = 0; b < items.length; b++) {
        if (a === b) continue;
        const j = items[b]!;
        row.set(j, (row.get(j) ?? 0) + 1);
      }
    }
  }
  const offsets = new Int32Array(numItems + 2);
  const kept: (readonly [number, number, number])[][] = [];
  for (let i = 0; i <= numItems; i++) {
    const entries = [...co[i]!.entries()].map(([j, c]) => [j, c / Math.sqrt(n[i]! * n[j]!), c] as const);
    entries.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    kept.push(entries.slice(0, neighbours));
    offsets[i + 1] = offsets[i]! + kept[i]!.length;
  }
  const ids = new Int32Array(offsets[numItems + 1]!);
  const sims = new Float32Array(ids.length);
  const pairs = new Float32Array(ids.length);
  kept.forEach((row, i) => row.forEach(([j, sim, c], k) => {
    ids[offsets[i]! + k] = j;
    sims[offsets[i]! + k] = sim;
    pairs[offsets[i]! + k] = c;
  }));
  return { offsets, ids, sims, pairs, users: n };
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

/**
 * Item-kNN: cosine similarity of items over the users whose training sequence contains them (see
 * {@link itemNeighbours}); a user's score for an item is the sum of its similarities to the items of the history.
 */
export function itemKnnScorer(
  train: readonly (readonly number[])[],
  numItems: number,
  options: ItemKnnOptions = {},
): CatalogScorer {
  const historyLength = options.historyLength ?? 50;
  const lists = itemNeighbours(train, numItems, options.neighbours ?? 100);
  return (histories) =>
    histories.map((history) => {
      const scores = neighbourSums(lists, history, historyLength, new Float32Array(numItems + 1));
      scores[0] = -Infinity;
      return scores;
    });
}
