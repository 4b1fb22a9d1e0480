import * as tf from '@tensorflow/tfjs-core';
import type { SequenceFeatures } from '../datasets/sequence-dataset.js';
import { EdgeRecoError, ERROR_CODES } from '../../../src/core/errors.js';
import { addCooccurrence, historyState, plainSasrec, scoringRows, scoringVector, scoringWidth, type PlainSasrec, type StateFeatures } from '../../../src/model/history-state.js';
import type { SasrecConfig } from '../../../src/model/sasrec-config.js';
import type { SasrecWeights } from '../training/sasrec-weights.js';
import { exportWeights } from '../training/weights-io.js';
import type { CandidateIndex } from '../../../src/model/candidate-index.js';
import type { CandidateSettings } from '../../../src/model/candidate-policy.js';
import { memoryCandidates, scoreCandidates } from '../../../src/model/candidate-scoring.js';

/** Approximate scoring (`scoreCandidates`, the worker's for large catalogs): the index, its settings, and a tally of the items each history scored. */
export interface ApproximateScoring {
  index: CandidateIndex;
  settings: CandidateSettings;
  onScored?: (scored: number) => void;
}

/**
 * Scores the whole catalog for a batch of histories: one `Float32Array(numItems + 1)` per history. `features` are the
 * histories' event features (required by a model that reads them).
 */
export type HistoryScorer = ((histories: readonly (readonly number[])[], features?: readonly (StateFeatures | undefined)[]) => Float32Array[]) & {
  dispose(): void;
};

/**
 * The worker's scoring, batched: each history's state by {@link historyState} (the function the worker runs), then
 * one `[B, d] · [d, V]` product with the item scoring rows (vector, and prior) on the active tfjs backend, plus the
 * co-occurrence memory of a model with one (`addCooccurrence`). Index 0 (padding) is -Infinity; an
 * empty history gets all-zero scores (the caller falls back to priors).
 */
export function historyScorer(model: PlainSasrec, approximate?: ApproximateScoring): HistoryScorer {
  const V = model.config.numItems + 1;
  const d = scoringWidth(model);
  if (approximate) return approximateScorer(model, approximate);
  const tableT = tf.tidy(() => tf.transpose(tf.tensor2d(scoringRows(model), [V, d])) as tf.Tensor2D);
  const score = (histories: readonly (readonly number[])[], features?: readonly (StateFeatures | undefined)[]): Float32Array[] => {
    const out: Float32Array[] = histories.map(() => new Float32Array(V));
    const rows = histories.map((h, i) => i).filter((i) => histories[i]!.length > 0);
    if (rows.length === 0) return out;
    const states = new Float32Array(rows.length * d);
    rows.forEach((i, r) => states.set(scoringVector(model, historyState(model, histories[i]!, features?.[i])), r * d));
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(states, [rows.length, d]), tableT));
    const flat = product.dataSync() as Float32Array;
    product.dispose();
    rows.forEach((i, r) => {
      const row = out[i]!;
      row.set(flat.subarray(r * V, (r + 1) * V));
      addCooccurrence(model, histories[i]!, row);
      row[0] = -Infinity;
    });
    return out;
  };
  return Object.assign(score, {
    dispose: () => tableT.dispose(),
  });
}

/**
 * {@link historyScorer} by `scoreCandidates`, the worker's scoring for large catalogs: each history's shortlist keeps
 * its exact scores, every other item -Infinity (it would not be recommended).
 */
function approximateScorer(model: PlainSasrec, { index, settings, onScored }: ApproximateScoring): HistoryScorer {
  const V = model.config.numItems + 1;
  const rows = scoringRows(model);
  const score = (histories: readonly (readonly number[])[], features?: readonly (StateFeatures | undefined)[]): Float32Array[] =>
    histories.map((history, i) => {
      const row = new Float32Array(V);
      if (history.length === 0) return row;
      row.fill(-Infinity);
      const vector = scoringVector(model, historyState(model, history, features?.[i]));
      const top = scoreCandidates(index, rows, vector, memoryCandidates(model, history), settings);
      onScored?.(top.scored);
      top.items.forEach((item, r) => (row[item] = top.scores[r]!));
      return row;
    });
  return Object.assign(score, { dispose: () => {} });
}

/**
 * {@link historyScorer} for tfjs weights (training, tests): the weights are read back once per call. `attributes` is
 * the `[numItems + 1, maxAttributes]` item attribute table of a model with attributes (default: `weights.itemAttributes`).
 */
export function scoreCatalog(
  config: SasrecConfig,
  weights: SasrecWeights,
  histories: readonly (readonly number[])[],
  attributes?: tf.Tensor2D,
  features?: readonly (StateFeatures | undefined)[],
): Float32Array[] {
  const scorer = historyScorer(plainFromTensors(config, weights, attributes));
  try {
    return scorer(histories, features);
  } finally {
    scorer.dispose();
  }
}

/** The plain model of tfjs weights (`attributes` as in {@link scoreCatalog}). */
function plainFromTensors(config: SasrecConfig, weights: SasrecWeights, attributes?: tf.Tensor2D): PlainSasrec {
  const table = attributes ?? weights.itemAttributes;
  if (weights.attributeEmbedding && !table) {
    throw new EdgeRecoError(
      ERROR_CODES.INTERNAL,
      'edgereco: this model reads item attributes; pass the bundle\'s attribute table (importWeights(config, tensors, bundle.attributes))',
    );
  }
  return plainSasrec(config, exportWeights(weights), table ? (table.dataSync() as Int32Array) : undefined);
}

/**
 * The per-event features of histories that are prefixes of a dataset's sequences (`users[i]`'s first
 * `histories[i].length` events), as {@link historyScorer} takes them; undefined for a dataset without features.
 */
export function prefixFeatures(
  features: SequenceFeatures | undefined,
  histories: readonly (readonly number[])[],
  users: readonly number[] | undefined,
): StateFeatures[] | undefined {
  if (!features || !users) return undefined;
  return histories.map((h, i) => ({ types: features.types[users[i]!]!.slice(0, h.length), gaps: features.gaps[users[i]!]!.slice(0, h.length) }));
}
