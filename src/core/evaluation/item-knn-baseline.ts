import type { CatalogScorer } from './evaluate-ranking.js';

export interface ItemKnnOptions {
  /** Only the last `historyLength` distinct items of a history vote. Default 50. */
  historyLength?: number;
  /** Neighbours kept per item. Default 100. */
  neighbours?: number;
}

/**
 * Item-kNN: cosine similarity of items over the users whose training sequence contains them
 * (`co(i, j) / sqrt(n_i · n_j)`, each user counted once per item), keeping each item's top neighbours; a user's score
 * for an item is the sum of its similarities to the items of the history.
 */
export function itemKnnScorer(
  train: readonly (readonly number[])[],
  numItems: number,
  options: ItemKnnOptions = {},
): CatalogScorer {
  const historyLength = options.historyLength ?? 50;
  const neighbours = options.neighbours ?? 100;
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
  const topIds: Int32Array[] = [];
  const topSims: Float32Array[] = [];
  for (let i = 0; i <= numItems; i++) {
    const entries = [...co[i]!.entries()].map(([j, c]) => [j, c / Math.sqrt(n[i]! * n[j]!)] as const);
    entries.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    const kept = entries.slice(0, neighbours);
    topIds.push(Int32Array.from(kept, (e) => e[0]));
    topSims.push(Float32Array.from(kept, (e) => e[1]));
  }
  return (histories) =>
    histories.map((history) => {
      const scores = new Float32Array(numItems + 1);
      const recent = [...new Set(history.slice(-historyLength))];
      for (const h of recent) {
        const ids = topIds[h]!;
        const sims = topSims[h]!;
        for (let k = 0; k < ids.length; k++) scores[ids[k]!]! += sims[k]!;
      }
      scores[0] = -Infinity;
      return scores;
    });
}
