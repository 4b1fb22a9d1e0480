import type { GpuKind } from '../model/backend-policy.js';

/** The device as the backend decision sees it: a coarse key to remember it under, and its WebGPU adapter. */
export interface DeviceProfile {
  /** Browser (user agent: name, major version, platform), CPU cores, GPU adapter: a new browser or GPU re-decides. */
  key: string;
  gpu: GpuKind;
  /** The adapter in words (vendor, architecture), or why there is none. */
  adapter: string;
}

interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapter {
  info?: AdapterInfo;
  isFallbackAdapter?: boolean;
}

/** How long `requestAdapter()` may take before the device counts as having none. */
const ADAPTER_TIMEOUT_MS = 2_000;

/**
 * Reads the device profile in the worker (module Workers have `navigator.gpu` in secure contexts). A software adapter
 * (SwiftShader: `isFallbackAdapter`, or its architecture) counts as `fallback`, never as a GPU.
 */
export async function deviceProfile(): Promise<DeviceProfile> {
  const nav = (globalThis as { navigator?: { userAgent?: string; hardwareConcurrency?: number; gpu?: { requestAdapter(options?: object): Promise<GpuAdapter | null> } } }).navigator;
  let gpu: GpuKind = 'none';
  let adapter = 'no navigator.gpu';
  if (nav?.gpu) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const found = await Promise.race([
      nav.gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ADAPTER_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (!found) adapter = 'no WebGPU adapter';
    else {
      const info = found.info ?? {};
      const software = (info.isFallbackAdapter ?? found.isFallbackAdapter) === true || /swiftshader/i.test(`${info.architecture} ${info.device}`);
      gpu = software ? 'fallback' : 'hardware';
      adapter = `${info.vendor || 'unknown vendor'} ${info.architecture || ''}`.trim() + (software ? ' (software)' : '');
    }
  }
  const key = `${nav?.userAgent ?? 'unknown browser'} | ${nav?.hardwareConcurrency ?? '?'} cores | ${adapter}`;
  return { key, gpu, adapter };
}
