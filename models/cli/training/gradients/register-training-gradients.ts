import * as tf from '@tensorflow/tfjs-core';
import {
  addGrad, castGrad, divGrad, mulGrad, negGrad, reluGrad, rsqrtGrad, softplusGrad, squaredDifferenceGrad, squareGrad,
  subGrad,
} from './elementwise-gradients.js';
import { batchMatMulGrad, meanGrad, reshapeGrad, softmaxGrad, sumGrad, transposeGrad } from './structural-gradients.js';

/**
 * The gradients the model's training path needs, registered by name (tfjs-core's Node entry ships no gradients, and
 * its `register_all_gradients` cannot be imported by Node's ESM loader). Gather's gradient is `gather-rows.ts`.
 */
const TRAINING_GRADIENTS: readonly tf.GradConfig[] = [
  addGrad, subGrad, mulGrad, divGrad, negGrad, castGrad, squareGrad, squaredDifferenceGrad, rsqrtGrad, reluGrad,
  softplusGrad, reshapeGrad, transposeGrad, batchMatMulGrad, softmaxGrad, sumGrad, meanGrad,
];

/** Registers the training gradients unless a gradient is already registered for that kernel. Idempotent. */
export function registerTrainingGradients(): void {
  for (const config of TRAINING_GRADIENTS) {
    if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
  }
}
