import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerTrainingGradients } from './training/gradients/register-training-gradients.js';
import { createError, ERROR_CODES } from '../../src/core/errors.js';

/** Selects a tfjs backend in Node: `wasm` (default; loads the .wasm from node_modules as a file path) or `cpu`. */
export async function useBackend(name: 'wasm' | 'cpu' = 'wasm'): Promise<string> {
  if (name === 'wasm') {
    const require = createRequire(import.meta.url);
    const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/');
    setWasmPaths(dist.endsWith('dist/') ? dist : join(dist, '../dist/'));
  }
  registerTrainingGradients();
  const ok = await tf.setBackend(name);
  if (!ok) throw createError(ERROR_CODES.INTERNAL, { problem: `the TensorFlow.js backend ${name} failed to initialise`, next: 'try --backend cpu' });
  await tf.ready();
  return tf.getBackend();
}
