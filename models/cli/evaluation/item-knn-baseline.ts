import { neighbourSums, type NeighbourLists } from '../../../src/model/cooccurrence-walk.js';
import type { CatalogScorer } from './evaluate-ranking.js';

export interface ItemKnnOptions {
  /** Only the last `historyLength` distinct items of a history vote. Default 50. */
  historyLength?: number;
  /** Neighbours kept per item. Default 100. */
  neighbours?: number;
}

/**
 * Cosine similarity of items over the users whose sequence contains them (`co(i, j) / sqrt(n_i · n_j)`, each user
 * counted once per item), keeping each item's top `neighbours` (ties by item index, so the lists are deterministic).
 */
export function itemNeighbours(train: readonly (readonly number[])[], numItems: number, neighbours: number): NeighbourLists {
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
  const kept: (readonly [number, number])[][] = [];
  for (let i = 0; i <= numItems; i++) {
    const entries = [...co[i]!.entries()].map(([j, c]) => [j, c / Math.sqrt(n[i]! * n[j]!)] as const);
    entries.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    kept.push(entries.slice(0, neighbours));
    offsets[i + 1] = offsets[i]! + kept[i]!.length;
  }
  const ids = new Int32Array(offsets[numItems + 1]!);
  const sims = new Float32Array(ids.length);
  kept.forEach((row, i) => row.forEach(([j, sim], k) => {
    ids[offsets[i]! + k] = j;
    sims[offsets[i]! + k] = sim;
  }));
  return { offsets, ids, sims };
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
