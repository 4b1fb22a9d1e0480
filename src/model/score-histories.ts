import * as tf from '@tensorflow/tfjs-core';
import { scoringRows, scoringWidth, type PlainSasrec } from './history-state.js';

/**
 * The item vectors on the active backend, transposed (`[dim, numItems + 1]`), so scoring the catalog is one plain
 * `[1, d] · [d, V]` product. (Transposing a 23,715 × 64 table on every call cost ~15 ms on WASM; a matMul with
 * `transposeB` is several times slower than a plain one there.)
 */
export function scoringTable(model: PlainSasrec, rows = scoringRows(model)): tf.Tensor2D {
  return tf.tidy(() => tf.transpose(tf.tensor2d(rows, [model.config.numItems + 1, scoringWidth(model)])) as tf.Tensor2D);
}

/**
 * Scores every item for a scoring vector (`scoringVector` of a `historyState`), read back asynchronously (a synchronous read-back is slow on WebGPU
 * and unreliable on software adapters). Same computation as `historyScorer`: the state · every item vector. Index 0
 * (padding) is -Infinity.
 */
export async function scoreState(tableT: tf.Tensor2D, state: Float32Array): Promise<Float32Array> {
  const scores = tf.tidy(() => tf.matMul(tf.tensor2d(state, [1, state.length]), tableT));
  try {
    const out = (await scores.data()) as Float32Array;
    out[0] = -Infinity;
    return out;
  } finally {
    scores.dispose();
  }
}
