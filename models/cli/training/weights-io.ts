import * as tf from '@tensorflow/tfjs-core';
import type { NamedArray } from '../../../src/model/model-bundle.js';
import type { SasrecConfig } from '../../../src/model/sasrec-config.js';
import { flattenWeights, unflattenWeights, type SasrecWeights } from './sasrec-weights.js';

/** Reads the model's weights back as named float32 arrays (for {@link encodeBundle}). */
export function exportWeights(weights: SasrecWeights): NamedArray[] {
  return flattenWeights(weights).map(([name, t]) => ({ name, shape: t.shape.slice(), data: t.dataSync() as Float32Array }));
}

/**
 * Builds inference weights (plain tensors, not variables) from decoded arrays; `attributes` is the bundle's item
 * attribute table (`DecodedBundle.attributes`), required for a model with attributes.
 */
export function importWeights(config: SasrecConfig, arrays: readonly NamedArray[], attributes?: Int32Array): SasrecWeights {
  const named = new Map<string, tf.Tensor>();
  for (const a of arrays) named.set(a.name, tf.tensor(a.data, a.shape, 'float32'));
  const weights = unflattenWeights(config, named);
  if (attributes && config.numAttributes > 0) {
    weights.itemAttributes = tf.tensor2d(attributes, [config.numItems + 1, config.maxAttributes], 'int32');
  }
  return weights;
}
