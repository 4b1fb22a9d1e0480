import { parseBackendMemory, planBackend, REMEASURE_AFTER_DAYS, steadyStateChoice, type BackendMemory, type BackendName, type BackendPlan, type BackendPreference } from '../model/backend-policy.js';
import type { BackendReport } from '../model/backend-select.js';
import type { ModelRuntime } from '../model/model-runtime.js';
import { readMetaRecord, writeMetaRecord } from '../storage/meta-record.js';
import { BACKEND_KEY } from '../storage/schema.js';
import { deviceProfile, type DeviceProfile } from './device-profile.js';

/** How long after the first answer the steady-state measurement starts: the page's other first calls go first. */
const MEASURE_DELAY_MS = 1_000;

const listed = (timings: Partial<Record<BackendName, number>>): string =>
  Object.entries(timings)
    .map(([b, t]) => `${b} ${t.toFixed(2)} ms`)
    .join(', ') || 'none';

/**
 * The worker's side of `backend: 'auto'` (the policy is `backend-policy.ts`): it reads the device profile and the
 * remembered decision while the bundle downloads, plans the start-up order, and afterwards either remembers WASM at
 * once (no GPU adapter that could beat it) or measures the steady state in the background after the first answer and
 * remembers that, in the store's IndexedDB (`meta`, {@link BACKEND_KEY}; with `storage: 'memory'` nothing is kept).
 * A measurement that fails is a `warning`; storage trouble only a debug line (the event log warns about IndexedDB).
 */
export class BackendChoice {
  private constructor(
    private readonly preference: BackendPreference,
    private readonly dbName: string | null,
    private readonly device: DeviceProfile | null,
    private readonly remembered: BackendMemory | undefined,
    private readonly log: (message: string) => void,
    private readonly warn: (error: unknown) => void,
  ) {}

  /** Reads what the decision needs (only for `'auto'`): start it while the bundle downloads. */
  static async start(preference: BackendPreference, dbName: string | null, log: (message: string) => void, warn: (error: unknown) => void): Promise<BackendChoice> {
    if (preference !== 'auto') return new BackendChoice(preference, dbName, null, undefined, log, warn);
    const [device, stored] = await Promise.all([
      deviceProfile(),
      dbName
        ? readMetaRecord(dbName, BACKEND_KEY).catch((error: unknown) => {
            // IndexedDB's own trouble is the event log's warning; here it only means deciding afresh.
            log(`model backend: no remembered decision (${String((error as Error)?.message ?? error)})`);
            return undefined;
          })
        : undefined,
    ]);
    return new BackendChoice(preference, dbName, device, parseBackendMemory(stored), log, warn);
  }

  /** The start-up plan for the model with these weights (their SHA-256). */
  plan(model: string): BackendPlan {
    return planBackend(this.preference, this.remembered, { model, device: this.device?.key ?? '' }, Date.now());
  }

  /** After the runtime started on `report.backend` by `plan`: remember, or measure after the first answer. */
  follow(runtime: ModelRuntime, report: BackendReport, plan: BackendPlan, model: string): void {
    const device = this.device;
    if (!plan.measure || !device) return;
    if (device.gpu !== 'hardware') {
      // Nothing here can beat WASM (no adapter, or a software one): no measurement, once WASM runs.
      if (report.backend !== 'wasm') return;
      const timings = { ...report.timings };
      const { backend, why } = steadyStateChoice(timings, device.gpu);
      void this.remember({ model, device: device.key, backend, why: device.gpu === 'fallback' ? `${why} (${device.adapter})` : why, timings, decidedAt: Date.now() });
      return;
    }
    void runtime.scored
      .then(() => new Promise((resolve) => setTimeout(resolve, MEASURE_DELAY_MS)))
      .then(() => runtime.measureSteadyState(['wasm', 'webgpu'], (timings) => steadyStateChoice(timings, 'hardware')))
      .then((result) => {
        this.log(`model backend steady state on ${device.adapter}: ${listed(result.timings)} per warm scoring call; ${result.why}: ${result.backend}${result.switched ? ' (switched)' : ''}`);
        return this.remember({ model, device: device.key, backend: result.backend, why: result.why, timings: result.timings, decidedAt: Date.now() });
      })
      .catch(this.warn);
  }

  private async remember(memory: BackendMemory): Promise<void> {
    if (!this.dbName) {
      this.log(`model backend ${memory.backend}: ${memory.why}; not remembered (storage: 'memory')`);
      return;
    }
    try {
      await writeMetaRecord(this.dbName, BACKEND_KEY, memory);
      const until = new Date(memory.decidedAt + REMEASURE_AFTER_DAYS * 86_400_000).toISOString().slice(0, 10);
      this.log(`model backend ${memory.backend}: ${memory.why}; remembered for this device and model, measured again after ${until}`);
    } catch (error) {
      this.log(`model backend ${memory.backend}: ${memory.why}; not remembered (${String((error as Error)?.message ?? error)})`);
    }
  }
}
