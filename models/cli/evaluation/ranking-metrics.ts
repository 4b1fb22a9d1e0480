/** Ranking quality at a cut-off of 10 plus MRR, averaged over evaluated users. */
export interface RankingMetrics {
  hr10: number;
  ndcg10: number;
  mrr: number;
}

/** Accumulates 0-based ranks of the target item (0 = ranked first) into HR@10, NDCG@10 and MRR. */
export class RankingAccumulator {
  private n = 0;
  private hits = 0;
  private ndcg = 0;
  private rr = 0;

  add(rank: number): void {
    this.n++;
    if (rank < 10) {
      this.hits++;
      this.ndcg += 1 / Math.log2(rank + 2);
    }
    this.rr += 1 / (rank + 1);
  }

  get count(): number {
    return this.n;
  }

  result(): RankingMetrics {
    if (this.n === 0) return { hr10: 0, ndcg10: 0, mrr: 0 };
    return { hr10: this.hits / this.n, ndcg10: this.ndcg / this.n, mrr: this.rr / this.n };
  }
}

/**
 * The 0-based rank of `scores[target]` among `candidates` (which may include the target; it is skipped). Ties count
 * against the target (pessimistic), so a constant scorer never looks good.
 */
export function rankAmong(scores: ArrayLike<number>, target: number, candidates: Iterable<number>): number {
  const t = scores[target]!;
  let rank = 0;
  for (const c of candidates) {
    if (c !== target && scores[c]! >= t) rank++;
  }
  return rank;
}

/**
 * The 0-based rank of `scores[target]` among all items `1..scores.length-1` except those in `excluded` (the target is
 * never excluded). Ties count against the target.
 */
export function rankFull(scores: ArrayLike<number>, target: number, excluded: ReadonlySet<number>): number {
  const t = scores[target]!;
  let rank = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! >= t) rank++;
  rank--; // the target itself
  for (const i of excluded) if (i !== target && i > 0 && i < scores.length && scores[i]! >= t) rank--;
  return rank;
}
