import type { CatalogScorer } from './evaluate-ranking.js';

/** Popularity: an item's score is its number of occurrences in the training sequences, the same for every user. */
export function popularityScorer(train: readonly (readonly number[])[], numItems: number): CatalogScorer {
  const counts = new Float32Array(numItems + 1);
  for (const seq of train) for (const item of seq) counts[item]! += 1;
  counts[0] = -Infinity;
  return (histories) => histories.map(() => counts);
}
