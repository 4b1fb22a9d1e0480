import * as tf from '@tensorflow/tfjs-core';
import { itemTable } from './item-table.js';
import { plainMatMul } from './plain-matmul.js';
import type { SasrecConfig } from './sasrec-config.js';
import { leftPad, sasrecForward } from './sasrec-forward.js';
import type { SasrecWeights } from './sasrec-weights.js';

/**
 * Scores the whole vocabulary for one history (item indices, oldest first) and reads the result back asynchronously:
 * the path the worker uses, because a synchronous read-back is slow on WebGPU (and unreliable on software adapters).
 * Same computation as `scoreCatalog`: the last hidden state · every item vector. Index 0 (padding) is -Infinity.
 */
export async function scoreHistoryAsync(config: SasrecConfig, weights: SasrecWeights, history: readonly number[], attributes?: tf.Tensor2D): Promise<Float32Array> {
  const V = config.numItems + 1;
  if (history.length === 0) return new Float32Array(V);
  const L = Math.min(config.maxLength, history.length);
  const scores = tf.tidy(() => {
    const seq = tf.tensor2d(leftPad([history], L), [1, L], 'int32');
    const table = itemTable(weights, weights.itemEmbedding, attributes);
    const hidden = sasrecForward(config, { ...weights, itemEmbedding: table }, seq);
    const last = tf.reshape(tf.slice(hidden, [0, L - 1, 0], [1, 1, config.dim]), [1, config.dim]);
    return plainMatMul(last, table, false, true);
  });
  try {
    const out = (await scores.data()) as Float32Array;
    out[0] = -Infinity;
    return out;
  } finally {
    scores.dispose();
  }
}
