import * as tf from '@tensorflow/tfjs-core';
import { itemTable } from './item-table.js';
import type { SasrecConfig } from './sasrec-config.js';
import { leftPad, sasrecForward } from './sasrec-forward.js';
import type { SasrecWeights } from './sasrec-weights.js';

/**
 * What inference reuses between calls: the item vectors (id embedding, plus attributes for a model that has them) and
 * their transpose, so scoring the catalog is one plain `[1, d] · [d, V]` product. (Transposing a 23,715 × 64 table on
 * every call cost ~15 ms on WASM; a matMul with `transposeB` is several times slower than a plain one there.)
 */
export interface ScoringTables {
  table: tf.Tensor2D;
  tableT: tf.Tensor2D;
}

export function scoringTables(weights: SasrecWeights, attributes?: tf.Tensor2D): ScoringTables {
  return tf.tidy(() => {
    const table = itemTable(weights, weights.itemEmbedding, attributes);
    return { table: tf.keep(table), tableT: tf.keep(tf.transpose(table)) as tf.Tensor2D };
  });
}

export function disposeTables(tables: ScoringTables | null): void {
  tables?.table.dispose();
  tables?.tableT.dispose();
}

/**
 * The shopper's state for a history (item indices, oldest first): the model's last hidden state, `[1, dim]`. It
 * depends only on the history, so the runtime keeps the last one and a repeated `recommend()` skips the forward pass.
 */
export function historyState(config: SasrecConfig, weights: SasrecWeights, tables: ScoringTables, history: readonly number[]): tf.Tensor2D {
  const L = Math.min(config.maxLength, history.length);
  return tf.tidy(() => {
    const seq = tf.tensor2d(leftPad([history], L), [1, L], 'int32');
    const hidden = sasrecForward(config, { ...weights, itemEmbedding: tables.table }, seq);
    return tf.reshape(tf.slice(hidden, [0, L - 1, 0], [1, 1, config.dim]), [1, config.dim]) as tf.Tensor2D;
  });
}

/**
 * Scores every item for a state, read back asynchronously (a synchronous read-back is slow on WebGPU and unreliable on
 * software adapters). Same computation as `scoreCatalog`: the last hidden state · every item vector. Index 0 (padding)
 * is -Infinity.
 */
export async function scoreState(tables: ScoringTables, state: tf.Tensor2D): Promise<Float32Array> {
  const scores = tf.matMul(state, tables.tableT);
  try {
    const out = (await scores.data()) as Float32Array;
    out[0] = -Infinity;
    return out;
  } finally {
    scores.dispose();
  }
}
