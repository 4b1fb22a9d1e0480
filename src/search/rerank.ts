/** Reciprocal-rank-fusion constant (Cormack, Clarke and Büttcher, SIGIR 2009): 60, as in the paper. */
export const RRF_K = 60;

export interface FusedItem {
  id: string;
  /** Position in the order given (0 = first). */
  inputRank: number;
  /** The fused score: 1/(k + input rank) + 1/(k + model rank). */
  score: number;
  /** True when the model placed the item higher than the input order did: it moved up for this shopper. */
  personal: boolean;
}

/**
 * Re-ranks a list (search results, or a store's own list) for a shopper: the given order and the model's order for the
 * shopper count alike (reciprocal rank fusion), so the lexical or business order still matters and the model's view
 * breaks its ties and lifts what fits the shopper. Items the model does not know keep the model's last rank.
 */
export function fuseWithModel(ids: readonly string[], modelScore: (id: string) => number | undefined, k = RRF_K): FusedItem[] {
  const scored = ids.map((id, inputRank) => ({ id, inputRank, model: modelScore(id) }));
  const byModel = scored.filter((s) => s.model !== undefined).sort((a, b) => b.model! - a.model!);
  const modelRank = new Map(byModel.map((s, i) => [s.id, i]));
  return scored
    .map(({ id, inputRank }) => {
      const mr = modelRank.get(id) ?? ids.length;
      return { id, inputRank, score: 1 / (k + inputRank) + 1 / (k + mr), personal: mr < inputRank };
    })
    .sort((a, b) => b.score - a.score || a.inputRank - b.inputRank);
}
