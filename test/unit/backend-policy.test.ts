import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBackendMemory, planBackend, REMEASURE_AFTER_DAYS, steadyStateChoice, WEBGPU_MARGIN, type BackendMemory } from '../../src/model/backend-policy.js';

const NOW = Date.UTC(2026, 11, 6);
const DAY = 86_400_000;
const KEY = { model: 'sha-of-weights', device: 'Chrome/156 | 2 cores | nvidia ampere' };
const memory = (over: Partial<BackendMemory> = {}): BackendMemory => ({
  ...KEY,
  backend: 'webgpu',
  why: 'WebGPU 0.50 ms vs WASM 1.20 ms per warm scoring call: WebGPU is faster',
  timings: { webgpu: 0.5, wasm: 1.2 },
  decidedAt: NOW - 3 * DAY,
  ...over,
});

describe("backend: 'auto' policy", () => {
  it('starts on WASM (then WebGPU, then CPU) with nothing remembered, and measures in the background', () => {
    const plan = planBackend('auto', undefined, KEY, NOW);
    expect(plan).toEqual({ order: ['wasm', 'webgpu', 'cpu'], why: 'auto: WASM by default; the steady state is measured in the background after the first answer', measure: true });
  });

  it('a fixed preference is tried first, the others are its fallback, and nothing is measured', () => {
    expect(planBackend('webgpu', memory({ backend: 'wasm' }), KEY, NOW)).toEqual({ order: ['webgpu', 'wasm', 'cpu'], why: 'preference "webgpu"', measure: false });
    expect(planBackend('cpu', undefined, KEY, NOW).order).toEqual(['cpu', 'wasm', 'webgpu']);
  });

  it('uses what was remembered for this model and device, and measures again only once it is old', () => {
    const fresh = planBackend('auto', memory(), KEY, NOW);
    expect(fresh.order).toEqual(['webgpu', 'wasm', 'cpu']);
    expect(fresh.measure).toBe(false);
    expect(fresh.why).toBe('auto: remembered from 2026-12-03 for this device and model (WebGPU 0.50 ms vs WASM 1.20 ms per warm scoring call: WebGPU is faster)');
    const old = planBackend('auto', memory({ decidedAt: NOW - REMEASURE_AFTER_DAYS * DAY }), KEY, NOW);
    expect(old.order[0]).toBe('webgpu');
    expect(old.measure).toBe(true);
    expect(old.why).toMatch(/; measuring again in the background$/);
    // A clock set back (a decision "from the future") is not trusted either.
    expect(planBackend('auto', memory({ decidedAt: NOW + DAY }), KEY, NOW).measure).toBe(true);
  });

  it('ignores a decision made for another model or another device', () => {
    for (const other of [memory({ model: 'new-weights' }), memory({ device: 'Chrome/157 | 2 cores | nvidia ampere' })]) {
      expect(planBackend('auto', other, KEY, NOW)).toEqual(planBackend('auto', undefined, KEY, NOW));
    }
  });

  it('chooses WebGPU only on a hardware adapter and only when clearly faster than WASM in the steady state', () => {
    expect(steadyStateChoice({ wasm: 1.2, webgpu: 0.5 }, 'hardware')).toEqual({ backend: 'webgpu', why: 'WebGPU 0.50 ms vs WASM 1.20 ms per warm scoring call: WebGPU is faster' });
    expect(steadyStateChoice({ wasm: 1.2, webgpu: 1.0 }, 'hardware')).toEqual({ backend: 'wasm', why: 'WebGPU 1.00 ms vs WASM 1.20 ms per warm scoring call: WebGPU is not 25% faster' });
    expect(steadyStateChoice({ wasm: 1.2, webgpu: 0.1 }, 'fallback')).toEqual({ backend: 'wasm', why: 'the WebGPU adapter is a software fallback: WASM' });
    expect(steadyStateChoice({ wasm: 1.2 }, 'none')).toEqual({ backend: 'wasm', why: 'no WebGPU adapter: WASM' });
    expect(steadyStateChoice({ wasm: 1.2 }, 'hardware')).toEqual({ backend: 'wasm', why: 'WebGPU failed: WASM' });
    expect(steadyStateChoice({ webgpu: 3 }, 'hardware').backend).toBe('webgpu');
    // CPU only when neither WASM nor WebGPU works, however slow the others measured.
    expect(steadyStateChoice({ cpu: 0.1 }, 'none')).toEqual({ backend: 'cpu', why: 'no WebGPU adapter, and WASM failed' });
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1000, noNaN: true }), fc.double({ min: 0.01, max: 1000, noNaN: true }), fc.double({ min: 0.001, max: 1000, noNaN: true }), (wasm, webgpu, cpu) => {
        const { backend } = steadyStateChoice({ wasm, webgpu, cpu }, 'hardware');
        expect(backend).toBe(webgpu <= WEBGPU_MARGIN * wasm ? 'webgpu' : 'wasm');
      }),
    );
  });

  it('reads back only a well-formed remembered decision', () => {
    expect(parseBackendMemory(memory())).toEqual(memory());
    expect(parseBackendMemory({ ...memory(), timings: { wasm: 1, webgpu: 'x', tpu: 3 } })!.timings).toEqual({ wasm: 1 });
    for (const bad of [undefined, null, 'webgpu', { ...memory(), backend: 'tpu' }, { ...memory(), decidedAt: 'yesterday' }, { ...memory(), model: 3 }]) {
      expect(parseBackendMemory(bad)).toBeUndefined();
    }
  });
});
