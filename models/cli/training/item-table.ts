import * as tf from '@tensorflow/tfjs-core';
import { gatherRows } from './gather-rows.js';
import type { SasrecWeights } from './sasrec-weights.js';

/**
 * The item vectors the model reads and scores with: the id embedding plus, when the model has attributes, the mean of
 * the item's attribute embeddings (so an item with few interactions still sits near items of its category and brand).
 *
 * @param table `[n, dim]` id embeddings (the whole table, or the rows a training batch uses).
 * @param attributes `[n, maxAttributes]` int32 attribute ids of the same rows, 0 = none; omitted for an id-only model.
 */
export function itemTable(w: SasrecWeights, table: tf.Tensor2D, attributes?: tf.Tensor2D): tf.Tensor2D {
  if (!w.attributeEmbedding || !attributes) return table;
  const [n, k] = attributes.shape;
  const d = table.shape[1];
  const mask = tf.cast(tf.greater(attributes, 0), 'float32'); // [n, k]
  const count = tf.maximum(tf.sum(mask, 1, true), 1); // [n, 1]
  const vectors = tf.reshape(gatherRows(w.attributeEmbedding, tf.reshape(attributes, [-1]) as tf.Tensor1D), [n, k, d]);
  const mean = tf.div(tf.sum(tf.mul(vectors, tf.expandDims(mask, 2)), 1), count);
  return tf.add(table, mean) as tf.Tensor2D;
}

/** Pads per-item attribute lists (row 0 = padding item) into an `[rows, maxAttributes]` int32 array. */
export function attributeMatrix(attributes: readonly (readonly number[])[], maxAttributes: number): Int32Array {
  const out = new Int32Array(attributes.length * maxAttributes);
  attributes.forEach((list, i) => out.set(list.slice(0, maxAttributes), i * maxAttributes));
  return out;
}
