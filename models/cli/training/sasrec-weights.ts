import * as tf from '@tensorflow/tfjs-core';
import type { SasrecConfig } from '../../../src/model/sasrec-config.js';
import { createError, ERROR_CODES } from '../../../src/core/errors.js';

/** Parameters of one self-attention block. */
export interface BlockWeights {
  ln1Gamma: tf.Tensor1D;
  ln1Beta: tf.Tensor1D;
  wq: tf.Tensor2D;
  wk: tf.Tensor2D;
  wv: tf.Tensor2D;
  wo: tf.Tensor2D;
  ln2Gamma: tf.Tensor1D;
  ln2Beta: tf.Tensor1D;
  w1: tf.Tensor2D;
  b1: tf.Tensor1D;
  w2: tf.Tensor2D;
  b2: tf.Tensor1D;
}

/** All parameters. The item embedding is shared between input and output (scores are dot products with it). */
export interface SasrecWeights {
  /** `[numItems + 1, dim]`; row 0 is padding. */
  itemEmbedding: tf.Tensor2D;
  /** `[maxLength, dim]`, indexed by recency (0 = the latest item): a model with `positions` `recency`. */
  positionEmbedding?: tf.Tensor2D;
  /** `[blocks × heads, maxLength]`: each block's and head's attention bias by distance from the attending position, for `positions` `distance`. */
  distanceBias?: tf.Tensor2D;
  blocks: BlockWeights[];
  lnFinalGamma: tf.Tensor1D;
  lnFinalBeta: tf.Tensor1D;
  /** `[numAttributes + 1, dim]` when the model reads item attributes; row 0 is unused (masked). */
  attributeEmbedding?: tf.Tensor2D;
  /** `[eventTypes, dim]` when the model reads event types. */
  typeEmbedding?: tf.Tensor2D;
  /** `[gapBuckets, dim]` when the model reads the time to the next event. */
  gapEmbedding?: tf.Tensor2D;
  /** Not trained: the item attribute table `[numItems + 1, maxAttributes]` (int32) of a model with attributes. */
  itemAttributes?: tf.Tensor2D;
}

/** Names every tensor, in a fixed order: the bundle format and the optimizer use this. */
export function flattenWeights(w: SasrecWeights): [string, tf.Tensor][] {
  const out: [string, tf.Tensor][] = [['itemEmbedding', w.itemEmbedding]];
  if (w.positionEmbedding) out.push(['positionEmbedding', w.positionEmbedding]);
  if (w.distanceBias) out.push(['distanceBias', w.distanceBias]);
  w.blocks.forEach((b, i) => {
    for (const key of Object.keys(b).sort() as (keyof BlockWeights)[]) out.push([`blocks.${i}.${key}`, b[key]]);
  });
  out.push(['lnFinalGamma', w.lnFinalGamma], ['lnFinalBeta', w.lnFinalBeta]);
  if (w.attributeEmbedding) out.push(['attributeEmbedding', w.attributeEmbedding]);
  if (w.typeEmbedding) out.push(['typeEmbedding', w.typeEmbedding]);
  if (w.gapEmbedding) out.push(['gapEmbedding', w.gapEmbedding]);
  return out;
}

/** Rebuilds weights from named tensors (the inverse of {@link flattenWeights}). */
export function unflattenWeights(config: SasrecConfig, named: ReadonlyMap<string, tf.Tensor>): SasrecWeights {
  const get = <T extends tf.Tensor>(name: string): T => {
    const t = named.get(name);
    if (!t) throw createError(ERROR_CODES.INVALID_BUNDLE, { problem: `its weights lack ${name}` });
    return t as T;
  };
  const keys: (keyof BlockWeights)[] = [
    'ln1Gamma', 'ln1Beta', 'wq', 'wk', 'wv', 'wo', 'ln2Gamma', 'ln2Beta', 'w1', 'b1', 'w2', 'b2',
  ];
  const blocks: BlockWeights[] = [];
  for (let i = 0; i < config.blocks; i++) {
    const b = {} as Record<keyof BlockWeights, tf.Tensor>;
    for (const k of keys) b[k] = get(`blocks.${i}.${k}`);
    blocks.push(b as unknown as BlockWeights);
  }
  return {
    itemEmbedding: get('itemEmbedding'),
    ...(config.positions === 'distance' ? { distanceBias: get<tf.Tensor2D>('distanceBias') } : { positionEmbedding: get<tf.Tensor2D>('positionEmbedding') }),
    blocks,
    lnFinalGamma: get('lnFinalGamma'),
    lnFinalBeta: get('lnFinalBeta'),
    ...(config.numAttributes > 0 ? { attributeEmbedding: get<tf.Tensor2D>('attributeEmbedding') } : {}),
    ...(config.eventTypes > 0 ? { typeEmbedding: get<tf.Tensor2D>('typeEmbedding') } : {}),
    ...(config.gapBuckets > 0 ? { gapEmbedding: get<tf.Tensor2D>('gapEmbedding') } : {}),
  };
}

/** Fresh trainable weights (truncated normal, std 0.02; LayerNorm gain 1, bias 0), deterministic for a seed. */
export function initSasrecWeights(config: SasrecConfig, seed: number): SasrecWeights {
  let s = seed;
  const normal = (shape: number[]): tf.Variable => tf.variable(tf.truncatedNormal(shape, 0, 0.02, 'float32', s++));
  const ones = (n: number): tf.Variable => tf.variable(tf.ones([n]));
  const zeros = (n: number): tf.Variable => tf.variable(tf.zeros([n]));
  const d = config.dim;
  const blocks: BlockWeights[] = [];
  for (let i = 0; i < config.blocks; i++) {
    blocks.push({
      ln1Gamma: ones(d) as tf.Variable<tf.Rank.R1>,
      ln1Beta: zeros(d) as tf.Variable<tf.Rank.R1>,
      wq: normal([d, d]) as tf.Variable<tf.Rank.R2>,
      wk: normal([d, d]) as tf.Variable<tf.Rank.R2>,
      wv: normal([d, d]) as tf.Variable<tf.Rank.R2>,
      wo: normal([d, d]) as tf.Variable<tf.Rank.R2>,
      ln2Gamma: ones(d) as tf.Variable<tf.Rank.R1>,
      ln2Beta: zeros(d) as tf.Variable<tf.Rank.R1>,
      w1: normal([d, config.ffnDim]) as tf.Variable<tf.Rank.R2>,
      b1: zeros(config.ffnDim) as tf.Variable<tf.Rank.R1>,
      w2: normal([config.ffnDim, d]) as tf.Variable<tf.Rank.R2>,
      b2: zeros(d) as tf.Variable<tf.Rank.R1>,
    });
  }
  return {
    itemEmbedding: normal([config.numItems + 1, d]) as tf.Variable<tf.Rank.R2>,
    ...(config.positions === 'distance'
      ? { distanceBias: tf.variable(tf.zeros([config.blocks * config.heads, config.maxLength])) as tf.Variable<tf.Rank.R2> }
      : { positionEmbedding: normal([config.maxLength, d]) as tf.Variable<tf.Rank.R2> }),
    blocks,
    lnFinalGamma: ones(d) as tf.Variable<tf.Rank.R1>,
    lnFinalBeta: zeros(d) as tf.Variable<tf.Rank.R1>,
    ...(config.numAttributes > 0
      ? { attributeEmbedding: normal([config.numAttributes + 1, d]) as tf.Variable<tf.Rank.R2> }
      : {}),
    ...(config.eventTypes > 0 ? { typeEmbedding: normal([config.eventTypes, d]) as tf.Variable<tf.Rank.R2> } : {}),
    ...(config.gapBuckets > 0 ? { gapEmbedding: normal([config.gapBuckets, d]) as tf.Variable<tf.Rank.R2> } : {}),
  };
}
