import * as tf from '@tensorflow/tfjs-core';
import { plainMatMul } from '../plain-matmul.js';

type Grads = Record<string, () => tf.Tensor>;

export const reshapeGrad: tf.GradConfig = {
  kernelName: tf.Reshape,
  inputsToSave: ['x'],
  gradFunc: (dy, saved): Grads => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.reshape(dy as tf.Tensor, x.shape) };
  },
};

export const transposeGrad: tf.GradConfig = {
  kernelName: tf.Transpose,
  gradFunc: (dy, _saved, attrs): Grads => {
    const perm = (attrs as unknown as tf.TransposeAttrs).perm;
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return { x: () => tf.transpose(dy as tf.Tensor, inverse) };
  },
};

export const batchMatMulGrad: tf.GradConfig = {
  kernelName: tf.BatchMatMul,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs): Grads => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    const g = dy as tf.Tensor;
    const mm = plainMatMul;
    if (!transposeA && !transposeB) return { a: () => mm(g, b, false, true), b: () => mm(a, g, true, false) };
    if (!transposeA && transposeB) return { a: () => mm(g, b, false, false), b: () => mm(g, a, true, false) };
    if (transposeA && !transposeB) return { a: () => mm(b, g, false, true), b: () => mm(a, g, false, false) };
    return { a: () => mm(b, g, true, true), b: () => mm(g, a, true, true) };
  },
};

export const softmaxGrad: tf.GradConfig = {
  kernelName: tf.Softmax,
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs): Grads => {
    const [y] = saved as [tf.Tensor];
    const { dim } = attrs as unknown as tf.SoftmaxAttrs;
    const g = dy as tf.Tensor;
    return { logits: () => tf.mul(tf.sub(g, tf.sum(tf.mul(g, y), dim, true)), y) };
  },
};

function reductionGrad(kernelName: string, divide: boolean): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs): Grads => {
      const [x] = saved as [tf.Tensor];
      const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
      const axes = tf.util.parseAxisParam(axis, x.shape);
      const dyShape = (dy as tf.Tensor).shape;
      const kept = keepDims ? dyShape : tf.backend_util.expandShapeToKeepDim(dyShape, axes);
      return {
        x: () => {
          let g = tf.mul(tf.reshape(dy as tf.Tensor, kept), tf.ones(x.shape));
          if (divide) g = tf.div(g, axes.reduce((n, a) => n * x.shape[a]!, 1));
          return g;
        },
      };
    },
  };
}

export const sumGrad = reductionGrad(tf.Sum, false);
export const meanGrad = reductionGrad(tf.Mean, true);
