/** Ranking metrics for the privacy bench: top-k recall, Spearman's rank correlation, popularity HR@10. */

/** Indexes of the k largest values, largest first; ties broken by the lower index, so runs repeat. */
export function topK(values: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => (values[b] as number) - (values[a] as number) || a - b);
  return order.slice(0, k);
}

/** |estimated top-k ∩ true top-k| / k. */
export function topKRecall(truth: ArrayLike<number>, estimate: ArrayLike<number>, k: number): number {
  const trueTop = new Set(topK(truth, k));
  return topK(estimate, k).filter((i) => trueTop.has(i)).length / k;
}

/** Root mean squared error of the estimates over every index. */
export function rmse(truth: ArrayLike<number>, estimate: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < truth.length; i++) sum += ((estimate[i] as number) - (truth[i] as number)) ** 2;
  return Math.sqrt(sum / truth.length);
}

/** Ranks 1..n with tied values sharing their average rank. */
export function averageRanks(values: readonly number[]): Float64Array {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Float64Array(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let t = i; t <= j; t++) ranks[order[t]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

/** Spearman's ρ: Pearson correlation of the average ranks. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const n = a.length;
  const mean = (n + 1) / 2;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const x = (ra[i] as number) - mean;
    const y = (rb[i] as number) - mean;
    cov += x * y;
    va += x * x;
    vb += y * y;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}

/** Spearman's ρ between true and estimated frequencies over the given items (e.g. the true top 100). */
export function spearmanOver(items: readonly number[], truth: ArrayLike<number>, estimate: ArrayLike<number>): number {
  return spearman(items.map((i) => truth[i] as number), items.map((i) => estimate[i] as number));
}

/** The share of held-out items that a fixed top-10 list (popularity priors, as a first-time visitor sees) contains. */
export function popularityHitRate(scores: ArrayLike<number>, heldOut: Int32Array, k = 10): number {
  const list = new Set(topK(scores, k));
  let hits = 0;
  for (const item of heldOut) if (list.has(item)) hits++;
  return hits / heldOut.length;
}
