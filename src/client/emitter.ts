import type { EdgeRecoError } from '../core/errors.js';
import type { BackendInfo, EngineInfo, SyncBatch } from '../core/worker-api.js';

/** Events a recommender emits. Background failures arrive here; they are never swallowed. */
export interface RecommenderEvents {
  /** Something degraded but the SDK goes on (e.g. IndexedDB unavailable: memory only). */
  warning: EdgeRecoError;
  /** A background operation failed (e.g. a batch could not be stored). */
  error: EdgeRecoError;
  /** The worker is up and has read the history. */
  ready: EngineInfo;
  /** The model's TensorFlow.js backend was chosen by measurement, or changed after a failure. */
  backend: BackendInfo;
  /** The sync gateway accepted a batch of privatized reports (scheduled, or from `syncNow()`). */
  sync: SyncBatch;
}

export type RecommenderEventName = keyof RecommenderEvents;
type Handler<K extends RecommenderEventName> = (payload: RecommenderEvents[K]) => void;

export class Emitter {
  private readonly handlers = new Map<RecommenderEventName, Set<Handler<never>>>();
  /** Payloads emitted before anyone listened, replayed to the first listener (a warning at start-up is not lost). */
  private readonly early = new Map<RecommenderEventName, unknown[]>();
  private readonly console: Console | undefined = globalThis.console;

  on<K extends RecommenderEventName>(name: K, handler: Handler<K>): () => void {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    set.add(handler as Handler<never>);
    const queued = this.early.get(name);
    if (queued) {
      this.early.delete(name);
      for (const payload of queued) handler(payload as RecommenderEvents[K]);
    }
    return () => set.delete(handler as Handler<never>);
  }

  emit<K extends RecommenderEventName>(name: K, payload: RecommenderEvents[K]): void {
    const set = this.handlers.get(name);
    if (!set || set.size === 0) {
      // A failure nobody listens for still shows: on the console, as an uncaught error would.
      if (name === 'error') this.console?.error(payload);
      if (name === 'warning') this.console?.warn(payload);
      const queued = this.early.get(name) ?? [];
      if (queued.length < 20) queued.push(payload);
      this.early.set(name, queued);
      return;
    }
    for (const handler of set) {
      try {
        (handler as Handler<K>)(payload);
      } catch (error) {
        setTimeout(() => {
          throw error;
        });
      }
    }
  }
}
