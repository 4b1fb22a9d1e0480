import * as tf from '@tensorflow/tfjs-core';
import { createError, ERROR_CODES } from '../core/errors.js';
import type { BackendName } from './backend-policy.js';

export { BACKENDS, type BackendName, type BackendPreference } from './backend-policy.js';

/** A folder URL ending in "/", or tfjs's file map (`setWasmPaths`): `{ 'tfjs-backend-wasm.wasm': url, ... }`. */
export type WasmPaths = string | Record<string, string>;

/** What the selection did, for the page's `backend` event and for diagnostics. */
export interface BackendReport {
  backend: BackendName;
  /** Why this backend: the store's preference, the default, or a remembered steady-state measurement. */
  why: string;
  /** Median probe time (ms) of the backend chosen (and of any that failed its probe); others have a reason instead. */
  timings: Partial<Record<BackendName, number>>;
  skipped: Partial<Record<BackendName, string>>;
}

export interface SelectOptions {
  /** The backends to try, in order: the first that starts and runs the probe is used. */
  order: readonly BackendName[];
  /** Why this order (see {@link BackendReport.why}). */
  why: string;
  /** A short, representative piece of work on the current backend (one scoring call): once to warm up, then timed. */
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

/** Makes `name` the active tfjs backend (importing its package on first use); resolves with why not, or null. */
export async function activate(name: BackendName, wasmPath: WasmPaths | undefined): Promise<string | null> {
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

/** The middle value (the upper one of an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/**
 * Activates the first backend of `order` that starts (no `navigator.gpu`, a null adapter, no device: skipped with its
 * reason) and runs the probe (once to warm up: shader compilation, WASM instantiation; then three times timed, for
 * the report). Which order is the policy's business (`backend-policy.ts`): this only tries it.
 */
export async function selectBackend(options: SelectOptions): Promise<BackendReport> {
  const report: BackendReport = { backend: 'cpu', why: options.why, timings: {}, skipped: {} };
  for (const name of options.order) {
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
    report.backend = name;
    return report;
  }
  throw createError(ERROR_CODES.NOT_AVAILABLE, { what: `no TensorFlow.js backend works here (${JSON.stringify(report.skipped)})`, fix: 'recommendations use the baseline' });
}

/** Resolves when the active backend's GPU device is lost (WebGPU's `device.lost`; never, on backends without one). */
export function deviceLost(): Promise<string> {
  const backend = tf.backend() as unknown as { device?: { lost?: Promise<{ message?: string }> } };
  const lost = backend.device?.lost;
  return lost ? lost.then((info) => info?.message || 'device lost') : new Promise<string>(() => {});
}
