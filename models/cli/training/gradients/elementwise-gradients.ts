import * as tf from '@tensorflow/tfjs-core';
import { unbroadcast } from './broadcast.js';

type Grads = Record<string, () => tf.Tensor>;

export const addGrad: tf.GradConfig = {
  kernelName: tf.Add,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved): Grads => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    return { a: () => unbroadcast(dy as tf.Tensor, a.shape), b: () => unbroadcast(dy as tf.Tensor, b.shape) };
  },
};

export const subGrad: tf.GradConfig = {
  kernelName: tf.Sub,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved): Grads => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    return { a: () => unbroadcast(dy as tf.Tensor, a.shape), b: () => unbroadcast(tf.neg(dy as tf.Tensor), b.shape) };
  },
};

export const mulGrad: tf.GradConfig = {
  kernelName: tf.Multiply,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved): Grads => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    return {
      a: () => unbroadcast(tf.mul(dy as tf.Tensor, tf.cast(b, 'float32')), a.shape),
      b: () => unbroadcast(tf.mul(dy as tf.Tensor, tf.cast(a, 'float32')), b.shape),
    };
  },
};

export const divGrad: tf.GradConfig = {
  kernelName: tf.RealDiv,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved): Grads => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    return {
      a: () => unbroadcast(tf.div(dy as tf.Tensor, b), a.shape),
      b: () => unbroadcast(tf.neg(tf.div(tf.mul(dy as tf.Tensor, a), tf.square(b))), b.shape),
    };
  },
};

export const negGrad: tf.GradConfig = {
  kernelName: tf.Neg,
  gradFunc: (dy): Grads => ({ x: () => tf.neg(dy as tf.Tensor) }),
};

export const castGrad: tf.GradConfig = {
  kernelName: tf.Cast,
  gradFunc: (dy): Grads => ({ x: () => tf.clone(dy as tf.Tensor) }),
};

export const squareGrad: tf.GradConfig = {
  kernelName: tf.Square,
  inputsToSave: ['x'],
  gradFunc: (dy, saved): Grads => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.mul(dy as tf.Tensor, tf.mul(x, 2)) };
  },
};

export const squaredDifferenceGrad: tf.GradConfig = {
  kernelName: tf.SquaredDifference,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved): Grads => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const two = (): tf.Tensor => tf.mul(dy as tf.Tensor, tf.mul(tf.sub(a, b), 2));
    return { a: () => unbroadcast(two(), a.shape), b: () => unbroadcast(tf.neg(two()), b.shape) };
  },
};

export const rsqrtGrad: tf.GradConfig = {
  kernelName: tf.Rsqrt,
  inputsToSave: ['x'],
  gradFunc: (dy, saved): Grads => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.neg(tf.div(dy as tf.Tensor, tf.mul(tf.mul(x, tf.sqrt(x)), 2))) };
  },
};

export const reluGrad: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved): Grads => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.mul(dy as tf.Tensor, tf.cast(tf.greater(x, 0), 'float32')) };
  },
};

export const softplusGrad: tf.GradConfig = {
  kernelName: tf.Softplus,
  inputsToSave: ['x'],
  gradFunc: (dy, saved): Grads => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.mul(dy as tf.Tensor, tf.sigmoid(x)) };
  },
};
