import { transferHandlers, wrap, type Remote } from 'comlink';
import { receiveErrorCodes } from '../core/comlink-errors.js';
import { EdgeRecoError, ERROR_CODES } from '../core/errors.js';
import type { EngineApi } from '../core/worker-api.js';
import type { WorkerSource } from './worker-source.js';


function startWorker(source: WorkerSource): Worker {
  if (typeof source === 'object' && 'start' in source) return source.start();
  return new Worker(source, { type: 'module', name: 'edgereco' });
}

/** The page's handle on the engine worker: every call is ordered, timed out, and fails fast if the worker died. */
export class WorkerClient {
  private readonly worker: Worker | null;
  private readonly api: Remote<EngineApi> | null;
  private failure: EdgeRecoError | null = null;
  private readonly died: Promise<never>;
  private markDead!: (error: EdgeRecoError) => void;

  constructor(source: WorkerSource, private readonly timeoutMs: number, onFailure: (error: EdgeRecoError) => void) {
    receiveErrorCodes(transferHandlers as Map<string, unknown>);
    this.died = new Promise<never>((_, reject) => {
      this.markDead = (error) => {
        if (this.failure) return;
        this.failure = error;
        reject(error);
        onFailure(error);
      };
    });
    this.died.catch(() => {});
    const url = typeof source === 'object' && 'start' in source ? source.label : source;
    let worker: Worker | null = null;
    try {
      worker = startWorker(source);
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        this.markDead(new EdgeRecoError(ERROR_CODES.WORKER_FAILED, `edgereco: the worker at ${String(url)} failed to load or crashed (${event.message || 'no message'}); check options.workerUrl and your Content-Security-Policy (worker-src)`));
      });
    } catch (cause) {
      this.markDead(new EdgeRecoError(ERROR_CODES.WORKER_FAILED, `edgereco: could not start the worker at ${String(url)}; check options.workerUrl and your Content-Security-Policy (worker-src)`, { cause }));
    }
    this.worker = worker;
    this.api = worker ? wrap<EngineApi>(worker) : null;
  }

  /** Calls the engine. Rejects with the engine's own error, `TIMEOUT`, or `WORKER_FAILED`. */
  call<T>(name: string, fn: (api: Remote<EngineApi>) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    if (this.failure || !this.api) return Promise.reject(this.failure);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const racers: Promise<T>[] = [fn(this.api), this.died];
    if (timeoutMs !== Infinity) {
      racers.push(
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new EdgeRecoError(ERROR_CODES.TIMEOUT, `edgereco: ${name}() took longer than ${timeoutMs} ms; raise options.timeoutMs or retry`, { retryable: true })),
            timeoutMs,
          );
        }),
      );
    }
    return Promise.race(racers).finally(() => clearTimeout(timer));
  }

  terminate(): void {
    this.worker?.terminate();
    this.markDead(new EdgeRecoError(ERROR_CODES.CLOSED, 'edgereco: this recommender was closed; create a new one'));
  }
}
