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
}

export type SasrecConfigInput = Pick<SasrecConfig, 'numItems'> & Partial<SasrecConfig>;

export function sasrecConfig(input: SasrecConfigInput): SasrecConfig {
  const dim = input.dim ?? 64;
  return {
    numItems: input.numItems,
    dim,
    blocks: input.blocks ?? 2,
    heads: input.heads ?? 1,
    ffnDim: input.ffnDim ?? dim,
    maxLength: input.maxLength ?? 50,
    dropout: input.dropout ?? 0.5,
    numAttributes: input.numAttributes ?? 0,
    maxAttributes: input.maxAttributes ?? 0,
  };
}
