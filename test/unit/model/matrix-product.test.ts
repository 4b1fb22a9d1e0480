import { beforeAll, describe, expect, it } from 'vitest';
import { historyState, plainSasrec } from '../../../src/model/history-state.js';
import { matMat, simdProduct } from '../../../src/model/matrix-product.js';
import { sasrecConfig } from '../../../src/model/sasrec-config.js';
import { exportWeights } from '../../../models/cli/training/weights-io.js';
import { seededRandom } from '../../../src/core/seeded-random.js';
import { useCpu } from './tf-setup.js';
import { trainedLike } from './trained-like.js';

beforeAll(useCpu);

const random = seededRandom(7);
const values = (n: number): Float32Array => Float32Array.from({ length: n }, () => random() * 2 - 1);

/** The largest difference between the two products, relative to the largest entry. */
function difference(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  a.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(v - b[i]!));
    scale = Math.max(scale, Math.abs(v));
  });
  return diff / scale;
}

describe('simdProduct (the forward pass\'s matrix products on a WebAssembly SIMD kernel)', () => {
  it('runs in Node 20 and gives matMat\'s products to float32 rounding, for the shapes a model has', () => {
    const product = simdProduct();
    expect(product).not.toBeNull();
    for (const [n, k, m] of [[1, 64, 64], [50, 64, 192], [50, 64, 128], [7, 24, 32], [3, 16, 16], [2, 128, 48]] as const) {
      const X = values(n * k);
      const W = values(k * m);
      const expected = new Float32Array(n * m);
      const actual = new Float32Array(n * m).fill(NaN);
      matMat(X, W, n, k, m, expected);
      product!(X, W, n, k, m, actual);
      expect(difference(expected, actual), `${n}×${k}·${k}×${m}`).toBeLessThan(1e-5);
    }
  });

  it('keeps each weight matrix it has seen, also after its memory grows, and reads only the first n rows of X', () => {
    const product = simdProduct()!;
    const W = values(64 * 64);
    const first = values(10 * 64);
    const before = new Float32Array(10 * 64);
    product(first, W, 10, 64, 64, before);
    // Many more matrices, and an X far larger than the first page of memory: the memory grows under W.
    for (let i = 0; i < 8; i++) product(values(4 * 64), values(64 * 256), 4, 64, 256, new Float32Array(4 * 256));
    product(values(2000 * 64), W, 2000, 64, 64, new Float32Array(2000 * 64));
    const again = new Float32Array(10 * 64);
    const padded = new Float32Array(20 * 64);
    padded.set(first);
    padded.fill(99, 10 * 64);
    product(padded, W, 10, 64, 64, again);
    expect(Array.from(again)).toEqual(Array.from(before));
  });

  it('reads a fresh W anew on every call (attention\'s keys and values change with the history)', () => {
    const product = simdProduct()!;
    const X = values(8 * 16);
    const W = values(16 * 32);
    const first = new Float32Array(8 * 32);
    product(X, W, 8, 16, 32, first, true);
    W.set(values(16 * 32));
    const expected = new Float32Array(8 * 32);
    const actual = new Float32Array(8 * 32);
    matMat(X, W, 8, 16, 32, expected);
    product(X, W, 8, 16, 32, actual, true);
    expect(difference(expected, actual)).toBeLessThan(1e-5);
    expect(difference(first, actual)).toBeGreaterThan(0.1);
  });

  it('leaves a product whose columns it does not cover to matMat, exactly', () => {
    const product = simdProduct()!;
    const X = values(5 * 16);
    const W = values(16 * 24);
    const expected = new Float32Array(5 * 24);
    const actual = new Float32Array(5 * 24);
    matMat(X, W, 5, 16, 24, expected);
    product(X, W, 5, 16, 24, actual);
    expect(Array.from(actual)).toEqual(Array.from(expected));
  });

  it('gives historyState the state of the plain loops (the worker and the CLI run it by default)', () => {
    const cfg = sasrecConfig({ numItems: 40, dim: 32, blocks: 2, heads: 2, ffnDim: 32, maxLength: 20, dropout: 0 });
    const [a, b] = [3, 4].map((seed) => exportWeights(trainedLike(cfg, seed)));
    const ensemble = plainSasrec({ ...cfg, members: 2 }, [
      ...a!.map((t) => ({ ...t, name: `members.0.${t.name}` })),
      ...b!.map((t) => ({ ...t, name: `members.1.${t.name}` })),
    ]);
    for (const model of [plainSasrec(cfg, a!), ensemble]) {
      for (const h of [[3], [1, 2, 3, 4, 5, 6, 7], Array.from({ length: 30 }, (_, i) => 1 + ((i * 7) % 40))]) {
        expect(difference(historyState(model, h, undefined, matMat), historyState(model, h))).toBeLessThan(1e-5);
      }
    }
  });
});
