import * as tf from '@tensorflow/tfjs-core';

/** The backends edgereco runs the model on, fastest-first in theory; `'auto'` measures which is fastest here. */
export const BACKENDS = ['webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendPreference = 'auto' | BackendName;

/** A folder URL ending in "/", or tfjs's file map (`setWasmPaths`): `{ 'tfjs-backend-wasm.wasm': url, ... }`. */
export type WasmPaths = string | Record<string, string>;

/** What the selection did, for the page's `backend` event and for diagnostics. */
export interface BackendReport {
  backend: BackendName;
  /** Median probe time (ms) per backend that ran; a backend that could not start or failed has a reason instead. */
  timings: Partial<Record<BackendName, number>>;
  skipped: Partial<Record<BackendName, string>>;
}

export interface SelectOptions {
  preference: BackendPreference;
  /** A short, representative piece of work on the current backend (one scoring call); run a few times per backend. */
  probe: () => Promise<void>;
  /** Where the WASM binaries are: a folder URL ending in "/", or a map from each tfjs binary's name to its URL. */
  wasmPath?: WasmPaths;
  /** Backends that failed earlier in this worker (device lost, shader error): not tried again. */
  exclude?: ReadonlySet<BackendName>;
}

/** Each backend's package, imported only when it is tried. */
async function register(name: BackendName, wasmPath: WasmPaths | undefined): Promise<void> {
  if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  else if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  else {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // tfjs's multi-threaded WASM build starts its threads from a script that does not survive bundling (it fails on
    // cross-origin-isolated pages, the only ones where threads are allowed): use the single-threaded SIMD build.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (wasmPath) wasm.setWasmPaths(wasmPath);
  }
}

async function activate(name: BackendName, wasmPath: WasmPaths | undefined): Promise<string | null> {
  try {
    await register(name, wasmPath);
    if (!tf.findBackendFactory(name)) return name === 'webgpu' ? 'WebGPU is not exposed here (no navigator.gpu)' : 'not registered';
    // setBackend resolves false when the factory throws: e.g. requestAdapter() gave a null adapter, or no device.
    if (!(await tf.setBackend(name))) return 'failed to initialise (no adapter or device?)';
    await tf.ready();
    return null;
  } catch (error) {
    return String((error as Error)?.message ?? error);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/**
 * Chooses the backend by a short measurement, not by feature detection alone: every available backend runs the probe
 * (once to warm up: shader compilation, WASM instantiation; then timed), and the fastest wins. With a fixed
 * preference, that backend is used when it works and the others are the fallback, in order.
 */
export async function selectBackend(options: SelectOptions): Promise<BackendReport> {
  const report: BackendReport = { backend: 'cpu', timings: {}, skipped: {} };
  const order = options.preference === 'auto' ? [...BACKENDS] : [options.preference, ...BACKENDS.filter((b) => b !== options.preference)];
  for (const name of order) {
    if (options.exclude?.has(name)) {
      report.skipped[name] = 'failed earlier';
      continue;
    }
    const why = await activate(name, options.wasmPath);
    if (why !== null) {
      report.skipped[name] = why;
      continue;
    }
    try {
      await options.probe();
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await options.probe();
        times.push(performance.now() - t0);
      }
      report.timings[name] = median(times);
    } catch (error) {
      report.skipped[name] = `probe failed: ${String((error as Error)?.message ?? error)}`;
      continue;
    }
    if (options.preference !== 'auto') break;
  }
  const ran = Object.entries(report.timings) as [BackendName, number][];
  if (ran.length === 0) throw new Error(`edgereco: no TensorFlow.js backend works here (${JSON.stringify(report.skipped)})`);
  ran.sort((a, b) => a[1] - b[1]);
  report.backend = ran[0]![0];
  if (tf.getBackend() !== report.backend) await activate(report.backend, options.wasmPath);
  return report;
}

/** Resolves when the active backend's GPU device is lost (WebGPU's `device.lost`; never, on backends without one). */
export function deviceLost(): Promise<string> {
  const backend = tf.backend() as unknown as { device?: { lost?: Promise<{ message?: string }> } };
  const lost = backend.device?.lost;
  return lost ? lost.then((info) => info?.message || 'device lost') : new Promise<string>(() => {});
}
