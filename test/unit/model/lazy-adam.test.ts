import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LazyAdam } from '../../../models/cli/training/lazy-adam.js';
import { useCpu } from './tf-setup.js';

beforeAll(useCpu);

describe('LazyAdam', () => {
  it('matches tfjs Adam on dense parameters', () => {
    const a = tf.variable(tf.tensor1d([1, -2, 3]));
    const b = tf.variable(tf.tensor1d([1, -2, 3]));
    const ours = new LazyAdam({ learningRate: 0.1 });
    const theirs = tf.train.adam(0.1);
    for (let step = 0; step < 3; step++) {
      const g = tf.tensor1d([0.5, -1, 2 + step]);
      ours.apply(new Map([[a, g]]));
      theirs.applyGradients([{ name: b.name, tensor: g }]);
    }
    const x = a.dataSync();
    const y = b.dataSync();
    for (let i = 0; i < 3; i++) expect(x[i]).toBeCloseTo(y[i]!, 5);
  });

  it('updates only the rows a batch used, as dense Adam would for those rows', () => {
    const table = tf.variable(tf.tensor2d([[1, 1], [2, 2], [3, 3]]));
    const reference = tf.variable(tf.tensor2d([[1, 1], [2, 2], [3, 3]]));
    const opt = new LazyAdam({ learningRate: 0.1 });
    opt.apply(new Map(), { table, rows: tf.tensor1d([2, 0], 'int32'), grad: tf.tensor2d([[1, -1], [0.5, 0.5]]) });
    new LazyAdam({ learningRate: 0.1 }).apply(new Map([[reference, tf.tensor2d([[0.5, 0.5], [0, 0], [1, -1]])]]));
    const t = table.arraySync();
    expect(t[1]).toEqual([2, 2]);
    const r = reference.arraySync();
    for (const row of [0, 2]) for (const c of [0, 1]) expect(t[row]![c]).toBeCloseTo(r[row]![c]!, 5);
  });
});
