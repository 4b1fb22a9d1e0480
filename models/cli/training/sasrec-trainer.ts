import * as tf from '@tensorflow/tfjs-core';
import { seededRandom } from '../../../src/core/seeded-random.js';
import { gatherRows } from './gather-rows.js';
import { lengthBuckets } from './length-buckets.js';
import { plainMatMul } from './plain-matmul.js';
import type { SequenceFeatures } from '../datasets/sequence-dataset.js';
import type { SasrecConfig } from '../../../src/model/sasrec-config.js';
import { leftPad, sasrecForward } from './sasrec-forward.js';
import { flattenWeights, type SasrecWeights } from './sasrec-weights.js';
import { itemTable } from './item-table.js';
import { LazyAdam } from './lazy-adam.js';
import { createError, ERROR_CODES } from '../../../src/core/errors.js';

/**
 * Training loss. `softmax`: cross-entropy over the whole catalog at every position (the target against all items).
 * `sampled-softmax`: cross-entropy over the batch's distinct targets plus `negatives` items drawn uniformly (shared by
 * the batch). `bce`: SASRec's binary cross-entropy with one uniformly sampled negative per position.
 */
export type SasrecLoss = 'softmax' | 'sampled-softmax' | 'bce';

export interface TrainOptions {
  loss: SasrecLoss;
  /** Sequences per batch. Default 128. */
  batchSize?: number;
  /** Uniform negatives shared by a batch, for `sampled-softmax`. Default 1024. */
  negatives?: number;
  /** Item attribute table `[numItems + 1, maxAttributes]` (see `attributeMatrix`), for a model with attributes. */
  attributes?: Int32Array;
  /** Adam learning rate. Default 0.001. */
  learningRate?: number;
  /**
   * `cosine`: the learning rate falls from `learningRate` to 0 along half a cosine over `scheduleEpochs` epochs (then
   * stays at 0); `constant` (the default) keeps it.
   */
  schedule?: 'constant' | 'cosine';
  /** The horizon of the `cosine` schedule, in epochs. */
  scheduleEpochs?: number;
  seed?: number;
}

export interface EpochStats {
  loss: number;
  batches: number;
  positions: number;
  seconds: number;
}

/** Trains the model on item sequences with next-item prediction at every position, batches bucketed by length. */
export class SasrecTrainer {
  private readonly optimizer: LazyAdam;
  private readonly denseVars: tf.Variable[];
  private step = 0;
  private readonly attributes: tf.Tensor2D | undefined;

  constructor(
    private readonly config: SasrecConfig,
    private readonly weights: SasrecWeights,
    private readonly options: TrainOptions,
  ) {
    this.attributes =
      options.attributes && config.numAttributes > 0
        ? tf.tensor2d(options.attributes, [config.numItems + 1, config.maxAttributes], 'int32')
        : undefined;
    this.optimizer = new LazyAdam({ learningRate: options.learningRate ?? 0.001 });
    this.denseVars = flattenWeights(weights)
      .filter(([name]) => name !== 'itemEmbedding')
      .map(([, t]) => t as tf.Variable);
  }

  /**
   * One pass over `sequences` (each truncated to its last `maxLength + 1` items). `features` are the per-event features
   * of sequences that are prefixes of the dataset's (required by a model that reads them).
   */
  async epoch(
    sequences: readonly (readonly number[])[],
    epoch: number,
    onBatch?: (done: number, total: number) => void,
    features?: SequenceFeatures,
  ): Promise<EpochStats> {
    const reads = this.config.eventTypes > 0 || this.config.gapBuckets > 0;
    if (reads && !features) throw createError(ERROR_CODES.INVALID_DATA, { subject: 'the training data', requirement: 'has no event types and gaps, which this model reads', fix: 'train on an export with event types and timestamps' });
    const start = performance.now();
    const seed = (this.options.seed ?? 1) * 1000 + epoch;
    const maxLen = this.config.maxLength + 1;
    const lengths = sequences.map((s) => Math.min(s.length, maxLen));
    const batches = lengthBuckets(lengths, this.options.batchSize ?? 128, seed);
    const random = seededRandom(seed ^ 0x5bd1e995);
    let lossSum = 0;
    let positions = 0;
    for (let bi = 0; bi < batches.length; bi++) {
      const batch = batches[bi]!;
      const rows = batch.map((u) => sequences[u]!);
      const L = Math.max(...batch.map((u) => lengths[u]!)) - 1;
      const full = leftPad(rows, L + 1);
      const input = new Int32Array(rows.length * L);
      // Event features of the input positions, laid out like `input` (each row's events end where its items do).
      const perEvent = (table: readonly (readonly number[])[]): Int32Array => {
        const padded = leftPad(batch.map((u) => table[u]!.slice(0, sequences[u]!.length)), L + 1);
        const out = new Int32Array(rows.length * L);
        for (let r = 0; r < rows.length; r++) out.set(padded.subarray(r * (L + 1), r * (L + 1) + L), r * L);
        return out;
      };
      const eventInput = reads && features ? { types: perEvent(features.types), gaps: perEvent(features.gaps) } : undefined;
      const validRows: number[] = [];
      const targets: number[] = [];
      for (let r = 0; r < rows.length; r++) {
        for (let j = 0; j < L; j++) {
          input[r * L + j] = full[r * (L + 1) + j]!;
          const t = full[r * (L + 1) + j + 1]!;
          if (t > 0 && input[r * L + j]! > 0) {
            validRows.push(r * L + j);
            targets.push(t);
          }
        }
      }
      const main = validRows.length;
      const negatives =
        this.options.loss === 'bce'
          ? this.sampleNegatives(rows, validRows, L, random)
          : this.options.loss === 'sampled-softmax'
            ? this.sharedCandidates(targets, random)
            : [];
      this.optimizer.setLearningRate(this.learningRateAt((epoch - 1) * batches.length + bi, batches.length));
      const stepSeed = seed * 100_003 + bi;
      const value = this.step_(input, rows.length, L, validRows, targets, negatives, stepSeed, eventInput);
      lossSum += value * main;
      positions += main;
      this.step++;
      onBatch?.(bi + 1, batches.length);
    }
    return { loss: lossSum / Math.max(1, positions), batches: batches.length, positions, seconds: (performance.now() - start) / 1000 };
  }

  /** The scheduled learning rate of a step (`step` counted from 0 over the whole run). */
  private learningRateAt(step: number, stepsPerEpoch: number): number {
    const base = this.options.learningRate ?? 0.001;
    if (this.options.schedule !== 'cosine') return base;
    const total = Math.max(1, (this.options.scheduleEpochs ?? 1) * stepsPerEpoch);
    return base * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, step / total)));
  }

  private sampleNegatives(rows: readonly (readonly number[])[], validRows: number[], L: number, random: () => number): number[] {
    const sets = rows.map((r) => new Set(r));
    return validRows.map((flat) => {
      const seen = sets[Math.floor(flat / L)]!;
      for (;;) {
        const item = 1 + Math.floor(random() * this.config.numItems);
        if (!seen.has(item)) return item;
      }
    });
  }

  /** Distinct batch targets followed by uniform negatives not among them (the candidate list of `sampled-softmax`). */
  private sharedCandidates(targets: readonly number[], random: () => number): number[] {
    const set = new Set(targets);
    const want = Math.min(this.config.numItems, set.size + (this.options.negatives ?? 1024));
    while (set.size < want) set.add(1 + Math.floor(random() * this.config.numItems));
    return [...set];
  }

  /**
   * One optimizer step. The item rows the batch uses (inputs, targets, negatives; all rows for the full softmax) are
   * gathered into a small trainable table, indices are remapped to it, and LazyAdam writes the rows back.
   */
  private step_(
    input: Int32Array,
    B: number,
    L: number,
    validRows: number[],
    targets: number[],
    negatives: number[],
    seed: number,
    eventInput?: { types: Int32Array; gaps: Int32Array },
  ): number {
    const table = this.weights.itemEmbedding as tf.Variable;
    let rows: number[];
    if (this.options.loss === 'softmax') {
      rows = Array.from({ length: this.config.numItems + 1 }, (_, i) => i);
    } else {
      const set = new Set<number>([0]);
      for (const x of input) set.add(x);
      for (const x of targets) set.add(x);
      for (const x of negatives) set.add(x);
      rows = [...set];
    }
    const local = new Map(rows.map((item, i) => [item, i]));
    const remap = (xs: ArrayLike<number>): number[] => Array.from(xs, (x) => local.get(x)!);
    const rowsTensor = tf.tensor1d(rows, 'int32');
    const initial = tf.gather(table, rowsTensor);
    const slice = tf.variable(initial, true);
    initial.dispose(); // the variable holds its own reference to the data
    const localAttributes = this.attributes ? tf.gather(this.attributes, rowsTensor) : undefined;
    const localInput = Int32Array.from(remap(input));
    const { value, grads } = tf.variableGrads(() => {
      const weights = { ...this.weights, itemEmbedding: itemTable(this.weights, slice as tf.Tensor2D, localAttributes) };
      return this.loss(weights, localInput, B, L, validRows, remap(targets), remap(negatives), seed, eventInput);
    }, [slice, ...this.denseVars]);
    localAttributes?.dispose();
    const dense = new Map(this.denseVars.map((v) => [v, grads[v.name]!] as const));
    this.optimizer.apply(dense, { table, rows: rowsTensor, grad: grads[slice.name]! });
    const loss = value.dataSync()[0]!;
    tf.dispose([value, rowsTensor, slice, ...Object.values(grads)]);
    return loss;
  }

  private loss(
    w: SasrecWeights,
    input: Int32Array,
    B: number,
    L: number,
    validRows: number[],
    targets: number[],
    negatives: number[],
    seed: number,
    eventInput?: { types: Int32Array; gaps: Int32Array },
  ): tf.Scalar {
    const d = this.config.dim;
    const features = eventInput && { types: tf.tensor2d(eventInput.types, [B, L], 'int32'), gaps: tf.tensor2d(eventInput.gaps, [B, L], 'int32') };
    const hidden = sasrecForward(this.config, w, tf.tensor2d(input, [B, L], 'int32'), seed, features);
    const h = gatherRows(tf.reshape(hidden, [B * L, d]), tf.tensor1d(validRows, 'int32')) as tf.Tensor2D;
    const E = w.itemEmbedding;
    if (this.options.loss === 'softmax') {
      const logits = plainMatMul(h, E, false, true);
      const labels = tf.oneHot(tf.tensor1d(targets, 'int32'), E.shape[0]);
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    }
    if (this.options.loss === 'sampled-softmax') {
      const candidates = negatives;
      const column = new Map(candidates.map((item, c) => [item, c]));
      const logits = plainMatMul(h, gatherRows(E, tf.tensor1d(candidates, 'int32')), false, true);
      const labels = tf.oneHot(tf.tensor1d(targets.map((t) => column.get(t)!), 'int32'), candidates.length);
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    }
    const pos = tf.sum(tf.mul(h, gatherRows(E, tf.tensor1d(targets, 'int32'))), -1);
    const neg = tf.sum(tf.mul(h, gatherRows(E, tf.tensor1d(negatives, 'int32'))), -1);
    return tf.add(tf.mean(tf.softplus(tf.neg(pos))), tf.mean(tf.softplus(neg))) as tf.Scalar;
  }
}
