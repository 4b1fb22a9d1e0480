/** Hyper-parameters of the sequence model. Defaults follow SASRec on Amazon data (d 64, 2 blocks, max length 50). */
export interface SasrecConfig {
  /** Items in the vocabulary (item indices 1..numItems; 0 is padding). */
  numItems: number;
  /** Embedding and hidden size. Default 64. */
  dim: number;
  /** Self-attention blocks. Default 2. */
  blocks: number;
  /** Attention heads (must divide `dim`). Default 1. */
  heads: number;
  /**
   * How the model knows where each item of the history is. `recency` (bundles before format 5): a learned vector per
   * recency (0 = the latest item) added to the item's; trained at every position of a sequence at once, where a
   * training position's own item is not at recency 0 as the page's latest item is. `distance` (format 5, `train`'s
   * default): no such vector; each block's attention adds a learned bias per head and distance from the attending
   * position (`distanceBias`), so every training position is computed exactly as the page computes that history.
   */
  positions: 'recency' | 'distance';
  /** Hidden size of the feed-forward layer. Default `dim`. */
  ffnDim: number;
  /** Longest history the model reads (older items are dropped). Default 50. */
  maxLength: number;
  /** Dropout rate while training. Default 0.5. */
  dropout: number;
  /** Item content attributes (category, brand, ... ids; 1..numAttributes, 0 = none). 0 = the model uses ids only. */
  numAttributes: number;
  /** Attributes per item in the item attribute table. */
  maxAttributes: number;
  /** Event types the model tells apart (an embedding per type, added to the item's); 0 = it reads items only. */
  eventTypes: number;
  /** Time buckets of the gap to the next event (an embedding per bucket, added likewise); 0 = not read. */
  gapBuckets: number;
  /**
   * Weight of the popularity prior in the score: score = state · item vector + priorWeight × log(1 + the item's count in
   * the training data) (the bundle's `itemPrior`). Chosen on validation by `train`; 0 = no prior.
   */
  priorWeight: number;
  /**
   * Independently trained models (same hyper-parameters, different seeds) whose scores are averaged: an ensemble. Their
   * weights are stored as `members.K.NAME`; one prior serves them all. Default 1 (one model, weights stored as `NAME`).
   */
  members: number;
  /**
   * Weight of the co-occurrence memory in the score: + neighbourWeight × log(1 + Σ over the history's distinct items h
   * of weight(h → item)), the weights being the bundle's `neighbourWeights` (each item's top co-occurring items in the
   * training data, cosine similarity × a gain). Chosen on validation by `edgereco neighbours`; 0 = none.
   */
  neighbourWeight: number;
  /**
   * Steps of the memory's walk through its lists (1 to 3): with 2, the sum also counts each path h → m → item through a
   * neighbour m of a history item, neighbourPathWeight × weight(h → m) × weight(m → item); with 3, the paths of three
   * steps too, neighbourPathWeight² × the product of their weights. Chosen on validation by `edgereco neighbours`
   * (format version 3); 1 = direct co-occurrence only.
   */
  neighbourHops: number;
  /** The walk's weight per extra step, in the stored weights' units (the chosen weight divided by the gain). */
  neighbourPathWeight: number;
}

/** The config fields of a model without a co-occurrence memory: what a model, or an ensemble's member, is given to drop one. */
export const NO_MEMORY: Readonly<Pick<SasrecConfig, 'neighbourWeight' | 'neighbourHops' | 'neighbourPathWeight'>> = { neighbourWeight: 0, neighbourHops: 1, neighbourPathWeight: 0 };

export type SasrecConfigInput = Pick<SasrecConfig, 'numItems'> & Partial<SasrecConfig>;

export function sasrecConfig(input: SasrecConfigInput): SasrecConfig {
  const dim = input.dim ?? 64;
  return {
    numItems: input.numItems,
    dim,
    blocks: input.blocks ?? 2,
    heads: input.heads ?? 1,
    positions: input.positions ?? 'recency',
    ffnDim: input.ffnDim ?? dim,
    maxLength: input.maxLength ?? 50,
    dropout: input.dropout ?? 0.5,
    numAttributes: input.numAttributes ?? 0,
    maxAttributes: input.maxAttributes ?? 0,
    eventTypes: input.eventTypes ?? 0,
    gapBuckets: input.gapBuckets ?? 0,
    priorWeight: input.priorWeight ?? 0,
    members: input.members ?? 1,
    neighbourWeight: input.neighbourWeight ?? 0,
    neighbourHops: input.neighbourHops ?? 1,
    neighbourPathWeight: input.neighbourPathWeight ?? 0,
  };
}
