/**
 * Graded NDCG@k of one ranked list: gain 2^grade − 1 at rank i discounted by log2(i + 1), divided by the DCG of the
 * query's judged grades sorted best first (the ideal list). Results without a judgment count as gain 0. A query whose
 * judgments are all 0 has no ideal gain and scores 0.
 */
export function gradedNdcg(ranked: readonly string[], grades: ReadonlyMap<string, number>, k = 10): number {
  const ideal = [...grades.values()].sort((a, b) => b - a);
  const idcg = dcg(ideal.slice(0, k));
  if (idcg === 0) return 0;
  return dcg(ranked.slice(0, k).map((id) => grades.get(id) ?? 0)) / idcg;
}

/** The same, over judged results only ("condensed list", Sakai 2007): unjudged results are skipped, not counted as 0. */
export function condensedNdcg(ranked: readonly string[], grades: ReadonlyMap<string, number>, k = 10): number {
  return gradedNdcg(ranked.filter((id) => grades.has(id)), grades, k);
}

function dcg(gains: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < gains.length; i++) sum += (2 ** gains[i]! - 1) / Math.log2(i + 2);
  return sum;
}
