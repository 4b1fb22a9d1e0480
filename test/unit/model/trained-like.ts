import * as tf from '@tensorflow/tfjs-core';
import type { SasrecConfig } from '../../../src/model/sasrec-config.js';
import { flattenWeights, initSasrecWeights, type SasrecWeights } from '../../../models/cli/training/sasrec-weights.js';

/** Weights larger than the 0.02 init (gains near 1, others std 0.4), so that a wrong computation shows in the output. */
export function trainedLike(cfg: SasrecConfig, seed: number): SasrecWeights {
  const w = initSasrecWeights(cfg, seed);
  flattenWeights(w).forEach(([, t], k) => (t as tf.Variable).assign(tf.randomNormal(t.shape, t.rank === 1 ? 1 : 0, 0.4, 'float32', seed * 100 + k)));
  return w;
}
