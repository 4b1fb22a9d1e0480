/**
 * Which backend `backend: 'auto'` runs the model on, as pure functions (the worker does the measuring and the
 * remembering). A short probe at start-up is noise on a busy machine (it once chose CPU at 11.4 ms per warm
 * `recommend()` over WASM at 1.2 ms), so:
 * - WASM by default; CPU only when neither WASM nor WebGPU works.
 * - WebGPU only when a steady-state measurement (warm calls after shader compilation, run in the background after the
 *   first answer) shows it clearly faster than WASM on a hardware adapter; a software (fallback) adapter never is.
 * - The decision is remembered per model and device, and re-measured in the background every {@link REMEASURE_AFTER_DAYS} days.
 */

/** The backends edgereco runs the model on. */
export const BACKENDS = ['webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendPreference = 'auto' | BackendName;

/** Try order for `'auto'` with nothing remembered: WASM, then WebGPU, then CPU. */
export const AUTO_ORDER: readonly BackendName[] = ['wasm', 'webgpu', 'cpu'];

/** WebGPU must take at most this share of WASM's time per warm scoring call to be chosen (25% faster). */
export const WEBGPU_MARGIN = 0.75;

/** The try order for a preference with nothing remembered: that backend first (WASM for `'auto'`), then the others. */
export function preferenceOrder(preference: BackendPreference): BackendName[] {
  const first = preference === 'auto' ? 'wasm' : preference;
  return [first, ...AUTO_ORDER.filter((b) => b !== first)];
}

/** A remembered decision is re-measured (in the background) once it is this old. */
export const REMEASURE_AFTER_DAYS = 30;
const DAY_MS = 86_400_000;

/** Timed calls per backend in the steady-state measurement, after the warm-up calls. */
export const STEADY_RUNS = 10;
/** Untimed calls first: shader compilation, WASM and JIT warm-up. */
export const WARMUP_RUNS = 3;

/** What kind of WebGPU adapter the device has: none, a software fallback (SwiftShader), or a real GPU. */
export type GpuKind = 'none' | 'fallback' | 'hardware';

/** A steady-state decision as it is remembered (IndexedDB), per model and device. */
export interface BackendMemory {
  /** The model it holds for (its weights' SHA-256). */
  model: string;
  /** A coarse key of the device: browser version, cores, GPU adapter. */
  device: string;
  backend: BackendName;
  /** Why, in words. */
  why: string;
  /** Median ms per warm scoring call, per backend measured. */
  timings: Partial<Record<BackendName, number>>;
  /** When it was decided (ms since the epoch). */
  decidedAt: number;
}

/** What to do at start-up: the backends to try in order (the first that works is used), why, and whether to measure. */
export interface BackendPlan {
  order: BackendName[];
  why: string;
  /** Measure the steady state in the background after the first answer (nothing fresh is remembered). */
  measure: boolean;
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const ms = (x: number | undefined): string => (x === undefined ? 'failed' : `${x.toFixed(2)} ms`);

/** The start-up plan for a preference and what is remembered for this model and device. */
export function planBackend(preference: BackendPreference, remembered: BackendMemory | undefined, key: { model: string; device: string }, now: number): BackendPlan {
  if (preference !== 'auto') return { order: preferenceOrder(preference), why: `preference "${preference}"`, measure: false };
  if (remembered && remembered.model === key.model && remembered.device === key.device) {
    const order = [remembered.backend, ...AUTO_ORDER.filter((b) => b !== remembered.backend)];
    const stale = now - remembered.decidedAt >= REMEASURE_AFTER_DAYS * DAY_MS || now < remembered.decidedAt;
    const why = `auto: remembered from ${day(remembered.decidedAt)} for this device and model (${remembered.why})${stale ? '; measuring again in the background' : ''}`;
    return { order, why, measure: stale };
  }
  return { order: preferenceOrder('auto'), why: 'auto: WASM by default; the steady state is measured in the background after the first answer', measure: true };
}

/**
 * The steady-state decision from warm timings (median ms per scoring call; undefined: failed or not measured) and the
 * kind of GPU adapter: WebGPU only on hardware and only when it takes at most {@link WEBGPU_MARGIN} of WASM's time.
 */
export function steadyStateChoice(timings: Partial<Record<BackendName, number>>, gpu: GpuKind): { backend: BackendName; why: string } {
  const { wasm, webgpu } = timings;
  if (gpu !== 'hardware' || webgpu === undefined) {
    const because = gpu === 'none' ? 'no WebGPU adapter' : gpu === 'fallback' ? 'the WebGPU adapter is a software fallback' : 'WebGPU failed';
    return wasm === undefined && webgpu === undefined ? { backend: 'cpu', why: `${because}, and WASM failed` } : wasm === undefined ? { backend: 'webgpu', why: `${because}; WASM failed` } : { backend: 'wasm', why: `${because}: WASM` };
  }
  if (wasm === undefined) return { backend: 'webgpu', why: `WASM failed; WebGPU ${ms(webgpu)} per warm scoring call` };
  const versus = `WebGPU ${ms(webgpu)} vs WASM ${ms(wasm)} per warm scoring call`;
  return webgpu <= WEBGPU_MARGIN * wasm ? { backend: 'webgpu', why: `${versus}: WebGPU is faster` } : { backend: 'wasm', why: `${versus}: WebGPU is not ${Math.round((1 - WEBGPU_MARGIN) * 100)}% faster` };
}

/** A remembered decision read back from storage, or undefined when it is not one (an older or damaged record). */
export function parseBackendMemory(value: unknown): BackendMemory | undefined {
  const v = value as Partial<BackendMemory> | null;
  if (typeof v !== 'object' || v === null) return undefined;
  if (typeof v.model !== 'string' || typeof v.device !== 'string' || typeof v.why !== 'string') return undefined;
  if (!(BACKENDS as readonly unknown[]).includes(v.backend) || typeof v.decidedAt !== 'number' || !Number.isFinite(v.decidedAt)) return undefined;
  const timings: Partial<Record<BackendName, number>> = {};
  for (const b of BACKENDS) {
    const t = (v.timings as Record<string, unknown> | undefined)?.[b];
    if (typeof t === 'number' && Number.isFinite(t)) timings[b] = t;
  }
  return { model: v.model, device: v.device, backend: v.backend!, why: v.why, timings, decidedAt: v.decidedAt };
}
