import { createPageError, deserializeError, EdgeRecoError, type SerializedError } from '../core/errors.js';
import type { TrackInput } from '../core/events.js';
import { stampEvent, type TrackEnvelope } from '../core/track-envelope.js';
import type { Consent } from './consent.js';
import type { UnloadRescue } from './unload-rescue.js';

interface Pending {
  envelope: TrackEnvelope;
  resolve: (eventId: string) => void;
  reject: (error: unknown) => void;
}

/** Hands envelopes to the worker; resolves with one result each (null: stored; else why it was rejected). */
export type Send = (envelopes: TrackEnvelope[]) => Promise<(SerializedError | null)[]>;

const NOT_CLONEABLE = 'must be plain data (objects, arrays, strings, numbers, booleans); it could not be copied to the worker';

/**
 * The page's half of `track()`: stamp the event with its id and time and push it onto the open batch. At the end of
 * the task the batch goes to the worker in one message; the worker validates it, stores it in one IndexedDB
 * transaction and answers per event. Until then the batch is in flight: if the page goes away first, `pagehide` saves
 * it to localStorage and the store's next page sends it again (idempotent: events are keyed by `eventId`). When the
 * worker failed (it never started, or died), `track()` rejects with its `WORKER_FAILED` and the events are kept for
 * the next page the same way: a resolved `track()` always means the worker took the event.
 */
export class Tracker {
  private batch: Pending[] | null = null;
  /** Batches handed to the worker and not answered yet, with the promise of their answer. */
  private readonly inFlight = new Map<Pending[], Promise<void>>();
  /** Events the worker could not take (it failed to start or died): kept for the store's next page. */
  private readonly orphaned: TrackEnvelope[] = [];
  private closed = false;

  constructor(private readonly consent: Consent, private readonly rescue: UnloadRescue, private readonly send: Send) {
    globalThis.addEventListener?.('pagehide', () => this.onPageHide());
    const rescued = rescue.collect();
    if (rescued.length > 0) {
      const batch = rescued.map((envelope) => ({ envelope, resolve: () => {}, reject: () => {} }));
      void this.dispatch(batch).then(() => rescue.drop());
    }
  }

  track(input: TrackInput): Promise<string | null> {
    if (this.closed) return Promise.reject(createPageError('CLOSED', {}));
    if (this.consent.isOptedOut) return Promise.resolve(null);
    return new Promise<string>((resolve, reject) => {
      if (this.batch === null) {
        this.batch = [];
        queueMicrotask(() => this.flush());
      }
      this.batch.push({ envelope: stampEvent(input), resolve, reject });
    });
  }

  /** Hands the open batch to the worker now (before another call to it, so that call sees the batch). */
  flush(): void {
    const batch = this.batch;
    if (batch === null) return;
    this.batch = null;
    void this.dispatch(batch);
  }

  private dispatch(batch: Pending[]): Promise<void> {
    const done = this.deliver(batch).finally(() => this.inFlight.delete(batch));
    this.inFlight.set(batch, done);
    return done;
  }

  private async deliver(batch: Pending[]): Promise<void> {
    let results: (SerializedError | null)[] | undefined;
    let lost: EdgeRecoError | undefined;
    try {
      results = await this.send(batch.map((p) => p.envelope));
    } catch (error) {
      if ((error as { name?: string })?.name === 'DataCloneError' && batch.length > 1) {
        // One event holds something that cannot be copied (a function, a DOM node): send them one by one.
        await Promise.all(batch.map((p) => this.dispatch([p])));
        return;
      }
      if ((error as { name?: string })?.name === 'DataCloneError') {
        results = [{ code: 'INVALID_EVENT', message: `edgereco: event ${NOT_CLONEABLE}`, retryable: false, details: { field: 'event' } }];
      } else {
        // The worker is gone: keep the events for the next page, and tell the caller they are not stored.
        for (const p of batch) this.orphaned.push(p.envelope);
        this.inFlight.delete(batch); // now among the orphaned: saved once
        this.rescue.save(this.unconfirmed());
        lost = error as EdgeRecoError; // the WorkerClient's WORKER_FAILED (or CLOSED)
        results = [];
      }
    }
    batch.forEach((p, i) => {
      const error = results[i];
      if (lost) p.reject(lost);
      else if (error) p.reject(deserializeError(error));
      else p.resolve(p.envelope.eventId);
    });
  }

  /** Resolves once everything tracked so far is stored (or rejected). */
  async settle(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight.values());
  }

  /** Drops the batch not yet handed over (opt-out, forget); its `track()` promises resolve with null. */
  dropPending(): void {
    for (const p of this.batch ?? []) (p.resolve as (id: string | null) => void)(null);
    this.batch = null;
  }

  private unconfirmed(): TrackEnvelope[] {
    return [...this.orphaned, ...[...this.inFlight.keys()].flatMap((b) => b.map((p) => p.envelope))];
  }

  private onPageHide(): void {
    this.flush();
    this.rescue.save(this.unconfirmed());
  }

  close(): void {
    this.closed = true;
  }
}
