import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { historyScorer, scoreCatalog } from '../../../models/cli/evaluation/catalog-scores.js';
import { gatherRows } from '../../../models/cli/training/gather-rows.js';
import { attributeMatrix, itemTable } from '../../../models/cli/training/item-table.js';
import { historyState, plainSasrec, scoringVector } from '../../../src/model/history-state.js';
import { exportWeights } from '../../../models/cli/training/weights-io.js';
import type { SasrecConfig } from '../../../src/model/sasrec-config.js';
import { lengthBuckets } from '../../../models/cli/training/length-buckets.js';
import { sasrecConfig } from '../../../src/model/sasrec-config.js';
import { leftPad, sasrecForward } from '../../../models/cli/training/sasrec-forward.js';
import { SasrecTrainer } from '../../../models/cli/training/sasrec-trainer.js';
import { flattenWeights, initSasrecWeights, type SasrecWeights } from '../../../models/cli/training/sasrec-weights.js';
import { useCpu } from './tf-setup.js';
import { trainedLike } from './trained-like.js';
import { seededRandom } from '../../../src/core/seeded-random.js';

beforeAll(useCpu);

const config = sasrecConfig({ numItems: 9, dim: 8, blocks: 2, heads: 2, ffnDim: 12, maxLength: 6, dropout: 0.2 });

describe('gatherRows', () => {
  it('has the gradient of gather: duplicate indices add up', () => {
    const table = tf.variable(tf.randomNormal([5, 3], 0, 1, 'float32', 1));
    const idx = tf.tensor1d([1, 1, 4], 'int32');
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(gatherRows(table, idx), tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))) as tf.Scalar, [table]);
    expect(Array.from(grads[table.name]!.dataSync())).toEqual([0, 0, 0, 5, 7, 9, 0, 0, 0, 0, 0, 0, 7, 8, 9]);
  });
});

describe('sasrec forward', () => {
  it('is causal: changing a later item leaves earlier positions unchanged', () => {
    const w = initSasrecWeights(config, 3);
    const a = sasrecForward(config, w, tf.tensor2d([[0, 1, 2, 3, 4]], [1, 5], 'int32')).arraySync()[0]!;
    const b = sasrecForward(config, w, tf.tensor2d([[0, 1, 2, 3, 9]], [1, 5], 'int32')).arraySync()[0]!;
    for (let j = 0; j < 4; j++) for (let k = 0; k < 8; k++) expect(b[j]![k]).toBeCloseTo(a[j]![k]!, 5);
    expect(b[4]).not.toEqual(a[4]);
    expect(a[0]!.every((v) => v === 0)).toBe(true); // padding stays zero
  });

  it('scores a history the same alone, left-padded in a batch, or truncated past maxLength', () => {
    const w = initSasrecWeights(config, 4);
    const alone = scoreCatalog(config, w, [[3, 5]])[0]!;
    const batched = scoreCatalog(config, w, [[1, 2, 3, 4, 5], [3, 5], []]);
    for (let i = 1; i <= 9; i++) expect(batched[1]![i]).toBeCloseTo(alone[i]!, 5);
    expect(batched[2]!.every((v) => v === 0)).toBe(true);
    const long = [9, 9, 9, 1, 2, 3, 4, 5, 6];
    const cut = scoreCatalog(config, w, [long, long.slice(-6)]);
    for (let i = 1; i <= 9; i++) expect(cut[0]![i]).toBeCloseTo(cut[1]![i]!, 5);
  });

  it.each(['recency', 'distance'] as const)('has gradients that match finite differences (all registered training gradients; positions %s)', (positions) => {
    const cfg = { ...config, dropout: 0, positions };
    const w = initSasrecWeights(cfg, 5);
    const named = flattenWeights(w);
    // Larger weights than the 0.02 init, so that a small step stays on one side of LayerNorm/ReLU curvature.
    named.forEach(([, t], k) => {
      if (t.rank === 2) (t as tf.Variable).assign(tf.randomNormal(t.shape, 0, 0.4, 'float32', 100 + k));
    });
    const seq = tf.tensor2d(leftPad([[1, 2, 3], [4, 5]], 3), [2, 3], 'int32');
    const probe = tf.randomNormal([2, 3, 8], 0, 1, 'float32', 9);
    const f = (): tf.Scalar => tf.sum(tf.mul(sasrecForward(cfg, w, seq), probe)) as tf.Scalar;
    const { grads } = tf.variableGrads(f, named.map(([, t]) => t as tf.Variable));
    const checked = ['itemEmbedding', 'positionEmbedding', 'distanceBias', 'blocks.0.wq', 'blocks.0.wk', 'blocks.1.wv', 'blocks.1.wo',
      'blocks.0.w2', 'blocks.1.b2', 'blocks.0.ln1Gamma', 'blocks.1.ln2Beta', 'lnFinalGamma'];
    for (const [name, t] of named.filter(([n]) => checked.includes(n))) {
      const v = t as tf.Variable;
      const g = grads[v.name]!.dataSync();
      const base = v.dataSync().slice();
      for (const i of [8, 13, base.length - 5].map((k) => k % base.length)) {
        const eps = 2e-3;
        const at = (delta: number): number => {
          const x = base.slice();
          x[i]! += delta;
          v.assign(tf.tensor(x, v.shape));
          return f().dataSync()[0]!;
        };
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        v.assign(tf.tensor(base, v.shape));
        expect(Math.abs(numeric - g[i]!), `${name}[${i}]: numeric ${numeric}, analytic ${g[i]}`).toBeLessThan(
          2e-2 + 2e-2 * Math.abs(numeric),
        );
      }
    }
  });
});

describe('item table', () => {
  it('adds the mean of an item\'s attribute embeddings to its id embedding (none: unchanged)', () => {
    const cfg = sasrecConfig({ numItems: 2, dim: 2, blocks: 1, numAttributes: 3, maxAttributes: 2 });
    const w = initSasrecWeights(cfg, 1);
    w.attributeEmbedding = tf.tensor2d([[100, 100], [1, 0], [0, 1], [4, 4]]);
    const ids = tf.tensor2d([[0, 0], [1, 1], [2, 2]]);
    const attrs = tf.tensor2d([[0, 0], [1, 2], [3, 0]], [3, 2], 'int32');
    expect(itemTable(w, ids, attrs).arraySync()).toEqual([[0, 0], [1.5, 1.5], [6, 6]]);
    expect(attributeMatrix([[], [1, 2, 3], [3]], 2)).toEqual(Int32Array.from([0, 0, 1, 2, 3, 0]));
  });

  it('refuses to score an attribute model without its attribute table', () => {
    const cfg = sasrecConfig({ numItems: 5, dim: 8, blocks: 1, numAttributes: 3, maxAttributes: 2 });
    const w = initSasrecWeights(cfg, 2);
    expect(() => scoreCatalog(cfg, w, [[1]])).toThrow(/attribute table/);
  });
});

describe('historyState (the worker\'s and the evaluation\'s forward pass)', () => {
  const lastHidden = (cfg: SasrecConfig, w: SasrecWeights, h: readonly number[], pad: number): number[] => {
    const L = Math.min(cfg.maxLength, h.length) + pad;
    const hidden = sasrecForward(cfg, w, tf.tensor2d(leftPad([h], L), [1, L], 'int32')).arraySync()[0]!;
    return hidden[L - 1]!;
  };

  it.each(['recency', 'distance'] as const)('equals the training graph\'s last hidden state (2 heads, 2 blocks, padding, truncation; positions %s)', (positions) => {
    const cfg = { ...config, dropout: 0, positions };
    const w = trainedLike(cfg, 11);
    const plain = plainSasrec(cfg, exportWeights(w));
    for (const [h, pad] of [[[4], 0], [[1, 2, 3], 2], [[9, 8, 7, 6, 5, 4, 3, 2, 1], 0], [[5, 5, 2], 1]] as const) {
      const expected = lastHidden(cfg, w, h, pad);
      const actual = historyState(plain, h);
      expected.forEach((v, j) => expect(actual[j]).toBeCloseTo(v, 4));
    }
    expect(Array.from(historyState(plain, []))).toEqual(new Array(8).fill(0));
  });

  it('places items by distance: every training position is the state of its own history, as the page computes it', () => {
    // Trained at every position at once, position t of a sequence must be what the page computes for the history up
    // to t. With positions by distance it is; with the recency vectors it is not (there the latest item of a training
    // position is not at recency 0).
    const sequence = [4, 1, 5, 9, 2, 6];
    const gap = (positions: 'recency' | 'distance'): number => {
      const cfg = { ...config, dropout: 0, positions };
      const w = trainedLike(cfg, 21);
      const plain = plainSasrec(cfg, exportWeights(w));
      const hidden = sasrecForward(cfg, w, tf.tensor2d([sequence], [1, 6], 'int32')).arraySync()[0]!;
      let worst = 0;
      for (let t = 0; t < sequence.length; t++) {
        const state = historyState(plain, sequence.slice(0, t + 1));
        hidden[t]!.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - state[j]!))));
      }
      return worst;
    };
    expect(gap('distance')).toBeLessThan(1e-4);
    expect(gap('recency')).toBeGreaterThan(0.1);
  });

  it('reads item attributes as the training graph does (id vector + mean of attribute vectors)', () => {
    const cfg = sasrecConfig({ numItems: 5, dim: 8, blocks: 2, heads: 2, maxLength: 4, dropout: 0, numAttributes: 3, maxAttributes: 2 });
    const w = trainedLike(cfg, 12);
    const attrs = attributeMatrix([[], [1], [1, 2], [3], [], [2, 3]], 2);
    const table = tf.tensor2d(attrs, [6, 2], 'int32');
    const plain = plainSasrec(cfg, exportWeights(w), attrs);
    const items = itemTable(w, w.itemEmbedding, table).dataSync();
    plain.table.forEach((v, i) => expect(v).toBeCloseTo(items[i]!, 5));
    const withTable = { ...w, itemEmbedding: itemTable(w, w.itemEmbedding, table) };
    const expected = lastHidden(cfg, withTable, [1, 2, 5], 1);
    historyState(plain, [1, 2, 5]).forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 4));
    const scores = scoreCatalog(cfg, { ...w, itemAttributes: table }, [[1, 2, 5]])[0]!;
    const state = historyState(plain, [1, 2, 5]);
    for (let i = 1; i <= 5; i++) {
      let dot = 0;
      for (let j = 0; j < 8; j++) dot += state[j]! * items[i * 8 + j]!;
      expect(scores[i]).toBeCloseTo(dot, 4);
    }
  });
});

describe('event features and the popularity prior', () => {
  it('historyState reads event types and gaps as the training graph does', () => {
    const cfg = sasrecConfig({ numItems: 9, dim: 8, blocks: 2, heads: 2, ffnDim: 12, maxLength: 6, dropout: 0, eventTypes: 7, gapBuckets: 12 });
    const w = trainedLike(cfg, 13);
    const plain = plainSasrec(cfg, exportWeights(w));
    const h = [3, 1, 4, 1, 5, 9, 2, 6]; // longer than maxLength: the last 6 are read, with their own features
    const types = [0, 1, 2, 4, 0, 1, 2, 4];
    const gaps = [11, 0, 3, 5, 1, 0, 7, 2];
    const L = 6;
    const tail = <T,>(xs: T[]): T[] => xs.slice(-L);
    const hidden = sasrecForward(cfg, w, tf.tensor2d([tail(h)], [1, L], 'int32'), undefined, {
      types: tf.tensor2d([tail(types)], [1, L], 'int32'),
      gaps: tf.tensor2d([tail(gaps)], [1, L], 'int32'),
    }).arraySync()[0]![L - 1]!;
    const state = historyState(plain, h, { types, gaps });
    hidden.forEach((v, j) => expect(state[j]).toBeCloseTo(v, 4));
    const otherType = historyState(plain, h, { types: types.map((t, i) => (i === 7 ? 1 : t)), gaps });
    expect(Array.from(otherType)).not.toEqual(Array.from(state)); // the latest event's type matters
    expect(() => historyState(plain, h)).toThrow(/event types and gaps/);
  });

  it('learns a next item that depends on the event type, which an items-only model cannot tell apart', async () => {
    // After viewing item x the shopper goes on to x + 1; after adding x to the cart, to x + 4 (items 1..9, wrapping).
    const next = (x: number, type: number): number => ((x - 1 + (type === 2 ? 4 : 1)) % 9) + 1;
    const random = seededRandom(5);
    const items: number[][] = [];
    const types: number[][] = [];
    for (let u = 0; u < 150; u++) {
      const seq = [1 + (u % 9)];
      const ts: number[] = [];
      for (let j = 0; j < 5; j++) {
        ts.push(random() < 0.5 ? 2 : 0);
        seq.push(next(seq[j]!, ts[j]!));
      }
      ts.push(0);
      items.push(seq);
      types.push(ts);
    }
    const features = { types, gaps: items.map((s) => s.map(() => 0)) };
    const accuracy = async (eventTypes: number): Promise<number> => {
      const cfg = { ...config, dropout: 0, eventTypes, gapBuckets: 0 };
      const w = initSasrecWeights(cfg, 6);
      const trainer = new SasrecTrainer(cfg, w, { loss: 'softmax', batchSize: 32, learningRate: 0.01, seed: 2 });
      for (let e = 1; e <= 30; e++) await trainer.epoch(items, e, undefined, features);
      let right = 0;
      const cases = [[3, 0], [3, 2], [5, 0], [5, 2], [8, 0], [8, 2]] as const;
      for (const [x, t] of cases) {
        const history = [x];
        const scores = scoreCatalog(cfg, w, [history], undefined, [{ types: [t], gaps: [0] }])[0]!;
        scores[x] = -Infinity;
        if (scores.indexOf(Math.max(...scores.slice(1))) === next(x, t)) right++;
      }
      return right / cases.length;
    };
    expect(await accuracy(7)).toBe(1);
    expect(await accuracy(0)).toBeLessThanOrEqual(0.5); // one answer per item: at most half the cases
  }, 60_000);

  it('adds the weighted prior to every score, through the same scoring rows the worker uploads', () => {
    const cfg = sasrecConfig({ numItems: 5, dim: 8, blocks: 1, maxLength: 4, dropout: 0 });
    const w = initSasrecWeights(cfg, 14);
    const arrays = exportWeights(w);
    const prior = Float32Array.from([0, 0, 1, 2, 3, 4]);
    const plain = plainSasrec(cfg, arrays);
    const withPrior = plainSasrec({ ...cfg, priorWeight: 0.5 }, [...arrays, { name: 'itemPrior', shape: [1, 6], data: prior }]);
    const base = historyScorer(plain)([[1, 2]])[0]!;
    const boosted = historyScorer(withPrior)([[1, 2]])[0]!;
    for (let i = 1; i <= 5; i++) expect(boosted[i]).toBeCloseTo(base[i]! + 0.5 * prior[i]!, 5);
    expect(scoringVector(withPrior, historyState(withPrior, [1, 2]))).toHaveLength(9);
  });

  it('an ensemble scores the mean of its members\' scores plus one prior, through one scoring product', () => {
    const cfg = sasrecConfig({ numItems: 5, dim: 8, blocks: 1, maxLength: 4, dropout: 0 });
    const a = exportWeights(initSasrecWeights(cfg, 21));
    const b = exportWeights(initSasrecWeights(cfg, 22));
    const prior = Float32Array.from([0, 0, 1, 2, 3, 4]);
    const ensemble = plainSasrec({ ...cfg, members: 2, priorWeight: 0.5 }, [
      ...a.map((t) => ({ ...t, name: `members.0.${t.name}` })),
      ...b.map((t) => ({ ...t, name: `members.1.${t.name}` })),
      { name: 'itemPrior', shape: [1, 6], data: prior },
    ]);
    const history = [3, 1, 2];
    const [sa, sb, se] = [plainSasrec(cfg, a), plainSasrec(cfg, b), ensemble].map((m) => historyScorer(m)([history])[0]!);
    for (let i = 1; i <= 5; i++) expect(se![i]).toBeCloseTo((sa![i]! + sb![i]!) / 2 + 0.5 * prior[i]!, 5);
    expect(sa![1]).not.toBeCloseTo(sb![1]!, 3); // the members differ, so the mean is not either one
    expect(scoringVector(ensemble, historyState(ensemble, history))).toHaveLength(17);
  });
});

describe('training', () => {
  it('buckets by length: every eligible sequence once, batches are length-homogeneous', () => {
    const lengths = [1, 5, 2, 9, 2, 5, 3, 9, 4];
    const batches = lengthBuckets(lengths, 2, 7);
    expect(batches.flat().sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const spread = batches.map((b) => Math.max(...b.map((i) => lengths[i]!)) - Math.min(...b.map((i) => lengths[i]!)));
    expect(Math.max(...spread)).toBeLessThanOrEqual(2);
    expect(lengthBuckets(lengths, 2, 7)).toEqual(batches);
  });

  it('the cosine schedule brings the learning rate to 0 at its horizon: later epochs leave the weights as they are', async () => {
    const seqs = [[1, 2, 3], [4, 5, 6, 7], [2, 4, 6], [9, 8, 7, 6, 5]];
    const snapshot = (w: SasrecWeights) => flattenWeights(w).map(([, t]) => Array.from(t.dataSync()));
    const changed = async (schedule: 'constant' | 'cosine') => {
      const w = initSasrecWeights(config, 3);
      const trainer = new SasrecTrainer(config, w, { loss: 'sampled-softmax', batchSize: 4, negatives: 3, schedule, scheduleEpochs: 2 });
      await trainer.epoch(seqs, 1);
      await trainer.epoch(seqs, 2);
      const before = snapshot(w);
      await trainer.epoch(seqs, 3);
      return snapshot(w).some((t, i) => t.some((v, j) => v !== before[i]![j]));
    };
    expect(await changed('constant')).toBe(true);
    expect(await changed('cosine')).toBe(false);
  });

  it('does not leak tensors from one epoch to the next', async () => {
    const cfg = { ...config, dropout: 0.1 };
    const trainer = new SasrecTrainer(cfg, initSasrecWeights(cfg, 8), { loss: 'sampled-softmax', batchSize: 4, negatives: 3 });
    const seqs = [[1, 2, 3], [4, 5, 6, 7], [2, 4, 6], [9, 8, 7, 6, 5]];
    await trainer.epoch(seqs, 1);
    const before = tf.memory().numTensors;
    await trainer.epoch(seqs, 2);
    await trainer.epoch(seqs, 3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('learns a deterministic next-item rule with each loss', async () => {
    const seqs = Array.from({ length: 40 }, (_, u) => Array.from({ length: 4 + (u % 4) }, (_, j) => 1 + ((u + j) % 9)));
    for (const loss of ['sampled-softmax', 'softmax', 'bce'] as const) {
      const cfg = { ...config, dropout: 0 };
      const w = initSasrecWeights(cfg, 6);
      const trainer = new SasrecTrainer(cfg, w, { loss, batchSize: 16, learningRate: 0.01, negatives: 4, seed: 2 });
      const first = await trainer.epoch(seqs, 1);
      let last = first;
      for (let e = 2; e <= 25; e++) last = await trainer.epoch(seqs, e);
      expect(last.loss).toBeLessThan(first.loss);
      const scores = scoreCatalog(cfg, w, [[3, 4, 5]])[0]!;
      for (const seen of [3, 4, 5]) scores[seen] = -Infinity; // as the `full` protocol and recommend() exclude them
      const best = scores.indexOf(Math.max(...scores.slice(1)));
      expect(best, `loss ${loss}: ${first.loss} → ${last.loss}`).toBe(6);
    }
  }, 20_000);
});
