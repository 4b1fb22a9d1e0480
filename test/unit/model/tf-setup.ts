import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerTrainingGradients } from '../../../models/cli/training/gradients/register-training-gradients.js';

/** Tests run on the CPU backend (fast start, deterministic); the WASM path is exercised by the CLI. */
export async function useCpu(): Promise<void> {
  registerTrainingGradients();
  await tf.setBackend('cpu');
  await tf.ready();
}
