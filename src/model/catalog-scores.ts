import * as tf from '@tensorflow/tfjs-core';
import { EdgeRecoError, ERROR_CODES } from '../core/errors.js';
import type { SasrecConfig } from './sasrec-config.js';
import { itemTable } from './item-table.js';
import { plainMatMul } from './plain-matmul.js';
import { leftPad, sasrecForward } from './sasrec-forward.js';
import type { SasrecWeights } from './sasrec-weights.js';

/**
 * Scores the whole catalog for each history in one batched call: the last hidden state · every item embedding.
 * Returns one `Float32Array(numItems + 1)` per history (index 0 is padding, set to -Infinity). An empty history gets
 * all-zero scores (the caller falls back to priors). `attributes` is the `[numItems + 1, maxAttributes]` item attribute
 * table of a model with attributes (default: `weights.itemAttributes`).
 */
export function scoreCatalog(
  config: SasrecConfig,
  weights: SasrecWeights,
  histories: readonly (readonly number[])[],
  attributes?: tf.Tensor2D,
): Float32Array[] {
  const V = config.numItems + 1;
  const table = attributes ?? weights.itemAttributes;
  if (weights.attributeEmbedding && !table) {
    throw new EdgeRecoError(
      ERROR_CODES.INTERNAL,
      'edgereco: this model reads item attributes; pass the bundle\'s attribute table (importWeights(config, tensors, bundle.attributes))',
    );
  }
  const out: Float32Array[] = histories.map(() => new Float32Array(V));
  const rows = histories.map((h, i) => i).filter((i) => histories[i]!.length > 0);
  if (rows.length === 0) return out;
  const L = Math.min(config.maxLength, Math.max(...rows.map((i) => histories[i]!.length)));
  const data = tf.tidy(() => {
    const seq = tf.tensor2d(leftPad(rows.map((i) => histories[i]!), L), [rows.length, L], 'int32');
    const items = itemTable(weights, weights.itemEmbedding, table);
    const hidden = sasrecForward(config, { ...weights, itemEmbedding: items }, seq);
    const last = tf.reshape(tf.slice(hidden, [0, L - 1, 0], [rows.length, 1, config.dim]), [rows.length, config.dim]);
    return plainMatMul(last, items, false, true);
  });
  const flat = data.dataSync() as Float32Array;
  data.dispose();
  rows.forEach((i, r) => {
    const row = out[i]!;
    row.set(flat.subarray(r * V, (r + 1) * V));
    row[0] = -Infinity;
  });
  return out;
}
