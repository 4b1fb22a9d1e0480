import * as tf from '@tensorflow/tfjs-core';

/**
 * `tf.gather(table, indices)` along axis 0 with a gradient built on `scatterND` (which sums duplicate indices). The
 * WASM backend has no `UnsortedSegmentSum` kernel, which is tfjs's own gradient of gather, so training embeddings on
 * WASM needs this. `indices` must be a 1-D int32 tensor; the result is `[indices.size, ...table.shape.slice(1)]`.
 */
export function gatherRows(table: tf.Tensor, indices: tf.Tensor1D): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [t, idx, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([idx]);
    const shape = t.shape;
    return {
      value: tf.gather(t, idx as tf.Tensor1D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const savedIdx = saved[0]!;
        const width = shape.slice(1).reduce((a, b) => a * b, 1);
        const grad = tf.scatterND(
          tf.reshape(savedIdx, [-1, 1]),
          tf.reshape(dy, [savedIdx.size, width]),
          [shape[0]!, width],
        );
        return [tf.reshape(grad, shape), tf.zerosLike(savedIdx)];
      },
    };
  });
  return f(table, indices);
}
