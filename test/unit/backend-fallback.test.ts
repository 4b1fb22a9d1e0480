import '@tensorflow/tfjs-backend-cpu';
// The real WASM package first: the runtime imports it again when it tries 'wasm', and its kernels must not replace ours.
import '@tensorflow/tfjs-backend-wasm';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeBundle } from '../../models/cli/training/encode-bundle.js';
import { decodeBundle } from '../../src/model/decode-bundle.js';
import { ModelRuntime } from '../../src/model/model-runtime.js';
import type { BackendReport } from '../../src/model/backend-select.js';
import { sasrecConfig } from '../../src/model/sasrec-config.js';
import { initSasrecWeights } from '../../models/cli/training/sasrec-weights.js';
import { exportWeights } from '../../models/cli/training/weights-io.js';

/*
 * A stand-in accelerated backend for Node: the CPU backend's kernels registered under the name 'wasm' (tfjs-core has
 * code paths special-cased on the name 'webgpu', so a CPU stand-in cannot take that name), with a switch that makes
 * every kernel throw, as a shader compilation or dispatch error would, and a GPU-style `device.lost` promise the test
 * resolves. It exercises the runtime's real fallback code; real WebGPU, WASM and CPU run in the browser tests.
 */
let broken = false;
let loseDevice: (info: { message: string }) => void = () => {};
class FakeGpuBackend extends MathBackendCPU {
  device = { lost: new Promise<{ message: string }>((resolve) => (loseDevice = resolve)) };
}
tf.removeBackend('wasm');
for (const kernel of tf.getKernelsForBackend('wasm')) tf.unregisterKernel(kernel.kernelName, 'wasm');
for (const kernel of tf.getKernelsForBackend('cpu')) {
  tf.registerKernel({
    ...kernel,
    backendName: 'wasm',
    kernelFunc: (args) => {
      if (broken) throw new Error('simulated shader error');
      return kernel.kernelFunc(args);
    },
  });
}
tf.registerBackend('wasm', () => new FakeGpuBackend(), 5);

async function tinyRuntime(reports: { report: BackendReport; reason?: string }[]): Promise<ModelRuntime> {
  await tf.setBackend('cpu');
  const vocabulary = ['a', 'b', 'c', 'd', 'e', 'f'];
  const config = sasrecConfig({ numItems: vocabulary.length, dim: 8, maxLength: 5 });
  const arrays = exportWeights(initSasrecWeights(config, 3));
  const encoded = await encodeBundle(config, vocabulary, arrays, 'int8');
  const bundle = await decodeBundle(encoded.manifest, async (name) => encoded.files.get(name)!);
  return ModelRuntime.load(bundle, { preference: 'wasm', onBackend: (report, reason) => reports.push(reason === undefined ? { report } : { report, reason }) });
}

afterAll(() => {
  broken = false;
});

describe('steady-state measurement', () => {
  it('times warm calls on each backend that works, holds scoring calls meanwhile, and moves where the policy says', async () => {
    const reports: { report: BackendReport; reason?: string }[] = [];
    const runtime = await tinyRuntime(reports);
    expect(reports[0]!.report.why).toBe('preference "wasm"');
    let scored = false;
    void runtime.scored.then(() => (scored = true));
    const before = await runtime.score(['a', 'b', 'c']);
    await Promise.resolve();
    expect(scored).toBe(true);
    const asked: Partial<Record<string, number>>[] = [];
    const measuring = runtime.measureSteadyState(['wasm', 'webgpu'], (timings) => {
      asked.push(timings);
      return { backend: 'cpu', why: 'the test says CPU' };
    });
    const during = runtime.score(['a', 'b', 'c']); // waits for the measurement, then scores on the new backend
    const result = await measuring;
    expect(Object.keys(asked[0]!)).toEqual(['wasm']); // no WebGPU in Node: skipped, not timed
    expect(result.timings.wasm).toBeGreaterThan(0);
    expect(result).toMatchObject({ backend: 'cpu', why: 'the test says CPU', switched: true });
    expect(runtime.backend).toBe('cpu');
    expect(reports.at(-1)!.reason).toBe('steady state: the test says CPU');
    expect(Array.from((await during)!)).toEqual(Array.from(before!));
    // Staying put is no switch and no report.
    const count = reports.length;
    expect(await runtime.measureSteadyState(['wasm'], () => ({ backend: 'cpu', why: 'still CPU' }))).toMatchObject({ backend: 'cpu', switched: false });
    expect(reports).toHaveLength(count);
    runtime.dispose();
  });
});

describe('model runtime fallback', () => {
  it('moves to the next backend when a kernel fails mid-scoring, returning the same scores, and reports why', async () => {
    const reports: { report: BackendReport; reason?: string }[] = [];
    const runtime = await tinyRuntime(reports);
    expect(reports[0]!.report.skipped.wasm).toBeUndefined();
    expect(runtime.backend).toBe('wasm');
    const onGpu = await runtime.score(['a', 'b', 'c']);
    await runtime.score(['d']); // another history, so the next call scores again (a repeat reuses the last scores)
    broken = true;
    const afterFailure = await runtime.score(['a', 'b', 'c']);
    broken = false;
    expect(runtime.backend).toBe('cpu');
    expect(Array.from(afterFailure!)).toEqual(Array.from(onGpu!));
    expect(reports.at(-1)!.reason).toMatch(/^wasm failed while scoring: simulated shader error/);
    expect(reports.at(-1)!.report.skipped.wasm).toBe('failed earlier');
    runtime.dispose();
  });

  it('moves off a backend whose GPU device is lost', async () => {
    const reports: { report: BackendReport; reason?: string }[] = [];
    const runtime = await tinyRuntime(reports);
    expect(runtime.backend).toBe('wasm');
    loseDevice({ message: 'simulated GPU reset' });
    await expect.poll(() => runtime.backend).toBe('cpu');
    expect(reports.at(-1)!.reason).toBe('wasm device lost: simulated GPU reset');
    expect(await runtime.score(['d', 'e'])).not.toBeNull();
    runtime.dispose();
  });
});
