import * as tf from '@tensorflow/tfjs-core';
import { gatherRows } from './gather-rows.js';
import { plainMatMul } from './plain-matmul.js';
import type { SasrecConfig } from '../../../src/model/sasrec-config.js';
import type { BlockWeights, SasrecWeights } from './sasrec-weights.js';
import { createError, ERROR_CODES } from '../../../src/core/errors.js';

const NEG = -1e9;

function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-6))), gamma), beta);
}

function dense(x2d: tf.Tensor, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor {
  const y = tf.matMul(x2d as tf.Tensor2D, w);
  return b ? tf.add(y, b) : y;
}

function maybeDropout(x: tf.Tensor, rate: number, seed: number | undefined): tf.Tensor {
  return seed === undefined || rate <= 0 ? x : tf.dropout(x, rate, undefined, seed);
}

/**
 * Runs the self-attention blocks (pre-LayerNorm, causal, one or more heads) over left-padded item histories.
 *
 * @param seq `[B, L]` int32 item indices, 0 = padding, padding on the left (the latest item is in column L - 1).
 * @param dropoutSeed training only: a seed for this step's dropout masks; `undefined` = inference (no dropout).
 * @param features `[B, L]` int32 event type and gap bucket per position (laid out like `seq`), for a model that reads
 *   them (`config.eventTypes`, `config.gapBuckets`).
 * @returns `[B, L, dim]` hidden states (zero at padding positions).
 */
export function sasrecForward(
  config: SasrecConfig,
  w: SasrecWeights,
  seq: tf.Tensor2D,
  dropoutSeed?: number,
  features?: { types: tf.Tensor2D; gaps: tf.Tensor2D },
): tf.Tensor3D {
  const [B, L] = seq.shape;
  const d = config.dim;
  const H = config.heads;
  const dh = d / H;
  const rate = config.dropout;
  let seedCounter = dropoutSeed ?? 0;
  const drop = (x: tf.Tensor): tf.Tensor => maybeDropout(x, rate, dropoutSeed === undefined ? undefined : seedCounter++);

  const mask = tf.expandDims(tf.cast(tf.greater(seq, 0), 'float32'), 2); // [B, L, 1]
  let input: tf.Tensor = tf.reshape(gatherRows(w.itemEmbedding, tf.reshape(seq, [-1]) as tf.Tensor1D), [B, L, d]);
  if (config.positions === 'recency') {
    const recency = tf.tensor1d(Array.from({ length: L }, (_, j) => Math.min(L - 1 - j, config.maxLength - 1)), 'int32');
    input = tf.add(input, gatherRows(need(w.positionEmbedding, 'positionEmbedding'), recency)); // + [L, d]
  }
  const perEvent = (table: tf.Tensor2D | undefined, ids: tf.Tensor2D | undefined): void => {
    if (!table) return;
    if (!ids) throw createError(ERROR_CODES.INTERNAL, { problem: 'this model reads event types and gaps; pass them with the history' });
    input = tf.add(input, tf.reshape(gatherRows(table, tf.reshape(ids, [-1]) as tf.Tensor1D), [B, L, d]));
  };
  perEvent(w.typeEmbedding, features?.types);
  perEvent(w.gapEmbedding, features?.gaps);
  let x = tf.mul(drop(input), mask);

  // Additive attention bias: causal, and no attention to padding keys. [B, 1, L, L]
  const causal = tf.linalg.bandPart(tf.ones([L, L]), -1, 0); // lower triangle incl. diagonal
  const keyOk = tf.reshape(tf.cast(tf.greater(seq, 0), 'float32'), [B, 1, 1, L]);
  const allowed = tf.mul(tf.reshape(causal, [1, 1, L, L]), keyOk);
  const bias = tf.mul(tf.sub(1, allowed), NEG);

  const split = (t: tf.Tensor): tf.Tensor => tf.transpose(tf.reshape(t, [B, L, H, dh]), [0, 2, 1, 3]);
  // `positions` `distance`: each block's and head's bias by distance from the attending position (row i, key j: i - j),
  // [1, H, L, L]. Taken by products with constant one-hot matrices (the training backend has gradients for products,
  // not for gather or slice): the block's H rows of `distanceBias`, then each (i, j)'s distance column.
  const byDistance =
    config.positions === 'distance'
      ? tf.oneHot(tf.tensor1d(Array.from({ length: L * L }, (_, k) => Math.min(config.maxLength - 1, Math.max(0, Math.floor(k / L) - (k % L)))), 'int32'), config.maxLength)
      : undefined; // [L * L, maxLength]
  const blockBias = (bi: number): tf.Tensor | undefined => {
    if (!byDistance) return undefined;
    const table = need(w.distanceBias, 'distanceBias');
    const rows = tf.oneHot(tf.tensor1d(Array.from({ length: H }, (_, h) => bi * H + h), 'int32'), table.shape[0]);
    return tf.reshape(tf.matMul(tf.matMul(rows, table), byDistance, false, true), [1, H, L, L]);
  };
  for (const [bi, b] of (w.blocks as BlockWeights[]).entries()) {
    const distanceBias = blockBias(bi);
    const h = tf.reshape(layerNorm(x, b.ln1Gamma, b.ln1Beta), [B * L, d]);
    const q = split(dense(h, b.wq));
    const k = split(dense(h, b.wk));
    const v = split(dense(h, b.wv));
    const raw = tf.add(tf.div(plainMatMul(q, k, false, true), Math.sqrt(dh)), bias);
    const scores = distanceBias ? tf.add(raw, distanceBias) : raw;
    const attn = tf.matMul(tf.softmax(scores), v); // [B, H, L, dh]
    const merged = tf.reshape(tf.transpose(attn, [0, 2, 1, 3]), [B * L, d]);
    x = tf.add(x, tf.reshape(drop(dense(merged, b.wo)), [B, L, d]));
    const h2 = tf.reshape(layerNorm(x, b.ln2Gamma, b.ln2Beta), [B * L, d]);
    const ffn = dense(drop(tf.relu(dense(h2, b.w1, b.b1))), b.w2, b.b2);
    x = tf.mul(tf.add(x, tf.reshape(drop(ffn), [B, L, d])), mask);
  }
  return tf.mul(layerNorm(x, w.lnFinalGamma, w.lnFinalBeta), mask) as tf.Tensor3D;
}

function need<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw createError(ERROR_CODES.INVALID_BUNDLE, { problem: `its weights lack ${name}` });
  return value;
}

/** Left-pads (and truncates to the last `length`) item histories into a `[B, length]` int32 array. */
export function leftPad(histories: readonly (readonly number[])[], length: number): Int32Array {
  const out = new Int32Array(histories.length * length);
  histories.forEach((h, r) => {
    const tail = h.length > length ? h.slice(h.length - length) : h;
    out.set(tail, r * length + (length - tail.length));
  });
  return out;
}
