import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../models/cli/wasm-backend.js';
import { historyState, plainSasrec } from '../../../src/model/history-state.js';
import { sasrecConfig } from '../../../src/model/sasrec-config.js';
import { exportWeights } from '../../../models/cli/training/weights-io.js';
import { wasmProduct } from '../../../src/model/wasm-product.js';
import { trainedLike } from './trained-like.js';

beforeAll(() => useBackend('wasm'));

describe('wasmProduct (the forward pass\'s large products on the WASM backend)', () => {
  it('gives the plain loops\' state, keeps each weight matrix uploaded once, and frees them', () => {
    const cfg = sasrecConfig({ numItems: 30, dim: 16, blocks: 2, heads: 2, ffnDim: 24, maxLength: 12, dropout: 0 });
    const w = trainedLike(cfg, 21);
    const model = plainSasrec(cfg, exportWeights(w));
    const product = wasmProduct();
    const before = tf.memory().numTensors;
    for (const h of [[3], [1, 2, 3, 4, 5, 6, 7], Array.from({ length: 20 }, (_, i) => 1 + ((i * 7) % 30))]) {
      const plain = historyState(model, h);
      const viaWasm = historyState(model, h, undefined, product);
      plain.forEach((v, j) => expect(viaWasm[j]).toBeCloseTo(v, 4));
    }
    const uploaded = tf.memory().numTensors - before;
    expect(uploaded).toBeGreaterThan(0);
    expect(uploaded).toBeLessThanOrEqual(2 * 4); // per block: [wq|wk|wv] or [wk|wv], wo, w1, w2; nothing per call
    product.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
