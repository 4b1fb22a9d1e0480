import * as tf from '@tensorflow/tfjs-core';

/** Sums a gradient computed at the broadcast output shape back down to an input's shape. */
export function unbroadcast(grad: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, grad.shape);
  let g = grad;
  if (axes.length > 0) g = tf.sum(g, axes);
  return tf.reshape(g, shape);
}
