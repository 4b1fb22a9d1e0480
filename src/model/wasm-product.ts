import * as tf from '@tensorflow/tfjs-core';
import { matMat, type MatrixProduct } from './history-state.js';

/** Rows below which a product stays in plain loops (tensor set-up would cost more than it saves). */
const MIN_ROWS = 4;

/**
 * A {@link MatrixProduct} for `historyState` that runs the large products (a block's projections over the whole
 * history) as tfjs matMuls, for the WASM backend: its SIMD kernels are several times faster than plain loops and a
 * synchronous read-back there is a copy. The weight matrices are uploaded once and kept; `dispose()` frees them.
 * Use it only while the WASM backend is active (on WebGPU a synchronous read-back stalls; on CPU it gains nothing).
 */
export function wasmProduct(): MatrixProduct & { dispose(): void } {
  const weights = new Map<Float32Array, tf.Tensor2D>();
  const product: MatrixProduct = (X, W, n, k, m, Y) => {
    if (n < MIN_ROWS) return matMat(X, W, n, k, m, Y);
    let w = weights.get(W);
    if (!w) weights.set(W, (w = tf.tensor2d(W, [k, m])));
    const y = tf.tidy(() => tf.matMul(tf.tensor2d(X.slice(0, n * k), [n, k]), w));
    Y.set(y.dataSync() as Float32Array);
    y.dispose();
  };
  return Object.assign(product, {
    dispose: () => {
      for (const t of weights.values()) t.dispose();
      weights.clear();
    },
  });
}
