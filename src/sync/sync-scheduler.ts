import { EdgeRecoError, ERROR_CODES } from '../core/errors.js';
import type { BehaviourEvent } from '../core/events.js';
import type { PrivacyBudgetPolicy } from '../core/ldp/privacy-budget.js';
import { cryptoRandom, type RandomSource } from '../core/ldp/random-source.js';
import { randomId } from '../core/random-id.js';
import type { OutboxCommit, OutboxState } from '../storage/idb-outbox.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { buildReports } from './build-reports.js';
import { batchReports } from './report-batches.js';
import { produceUrl, type FlushResult, type SenderOutbox } from './report-sender.js';
import { withSyncLock } from './sync-lock.js';

/** The largest beacon body: `sendBeacon` refuses more than 64 KiB queued per page, the URL included. */
export const MAX_BEACON_BYTES = 60_000;

/** The outbox as the scheduler uses it (IdbOutbox in the worker). */
export interface SchedulerOutbox extends SenderOutbox {
  commit(build: (state: OutboxState) => OutboxCommit | null): Promise<OutboxCommit | null>;
  clear(): Promise<void>;
}

export interface SchedulerOptions {
  /** Names the Web Lock: one sender per store across tabs. */
  storeId: string;
  /** Gateway base URL, publishable key and topic (for the beacon URL). */
  url: string;
  key: string;
  topic: string;
  outbox: SchedulerOutbox;
  sender: { flush(): Promise<FlushResult> };
  readEvents: () => Promise<BehaviourEvent[]>;
  policy: PrivacyBudgetPolicy;
  /** The page's ready-made beacon for `pagehide` (an empty body: nothing pending). */
  onBeacon: (url: string, body: string) => void;
  onError: (error: EdgeRecoError) => void;
  isOnline: () => boolean;
  /** How often a tab looks for a finished period or a stalled outbox. Default 5 minutes. */
  intervalMs?: number;
  /**
   * While offline, how often `navigator.onLine` is checked besides the `online` event (which some browsers, and
   * Chromium under network emulation, do not fire in workers). Default 2,000 ms.
   */
  offlinePollMs?: number;
  backoff?: BackoffPolicy;
  random?: RandomSource;
  now?: () => number;
}

/**
 * Drives sync in the worker: builds the reports of each finished period into the outbox (before any send), keeps
 * the page supplied with a beacon body for the pending outbox, and sends, holding the store's Web Lock so that one
 * tab sends at a time. Failed sends are retried with jittered exponential backoff; while offline it waits for the
 * `online` event. `setOptedOut(true)` empties the outbox and stops everything.
 */
export class SyncScheduler {
  private readonly random: RandomSource;
  private readonly now: () => number;
  private readonly beaconUrl: string;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private interval: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private optedOut: boolean;
  private readonly onOnline = (): void => void this.tick();

  constructor(private readonly options: SchedulerOptions, optedOut: boolean) {
    this.random = options.random ?? cryptoRandom();
    this.now = options.now ?? Date.now;
    this.beaconUrl = `${produceUrl(options.url, options.topic)}?key=${encodeURIComponent(options.key)}`;
    this.optedOut = optedOut;
  }

  /** Starts: one pass now, then one every `intervalMs`, and one whenever the browser comes back online. */
  start(): void {
    (globalThis as { addEventListener?: typeof addEventListener }).addEventListener?.('online', this.onOnline);
    this.interval = setInterval(() => void this.tick(), this.options.intervalMs ?? 300_000);
    void this.tick();
  }

  /** One pass (or, when a pass is running, one more right after it). Resolves when the passes are done. */
  tick(): Promise<void> {
    if (this.stopped || this.optedOut) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await withSyncLock(`edgereco-${this.options.storeId}-sync`, () => this.pass());
        } catch (cause) {
          this.options.onError(cause instanceof EdgeRecoError ? cause : new EdgeRecoError(ERROR_CODES.INTERNAL, 'edgereco: a sync pass failed; it is tried again later', { cause, retryable: true }));
        }
      } while (this.again && !this.stopped && !this.optedOut);
      this.running = null;
    })();
    return this.running;
  }

  private async pass(): Promise<void> {
    clearTimeout(this.retryTimer);
    const events = await this.options.readEvents();
    if (this.optedOut || this.stopped) return;
    const ctx = { nowMs: this.now(), policy: this.options.policy, random: this.random, newId: randomId };
    await this.options.outbox.commit((state) => buildReports(events, state, ctx));
    await this.publishBeacon();
    if (this.optedOut || this.stopped) return;
    if (!this.options.isOnline()) return this.waitOnline();
    const result = await this.options.sender.flush();
    await this.publishBeacon();
    if (result.outcome === 'offline') this.waitOnline();
    else if (result.outcome === 'retry') {
      const delay = Math.max(backoffDelay(this.failures, this.random, this.options.backoff ?? DEFAULT_BACKOFF), result.retryAfterMs ?? 0);
      this.failures += 1;
      this.retryTimer = setTimeout(() => void this.tick(), delay);
    } else if (result.outcome === 'done') {
      this.failures = 0;
    }
  }

  /** Paused while offline: the `online` event, or the next check that finds the browser online, resumes. */
  private waitOnline(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => (this.options.isOnline() ? void this.tick() : this.waitOnline()), this.options.offlinePollMs ?? 2_000);
  }

  /** Hands the page the first batch of the pending outbox as a beacon body (empty when nothing is pending). */
  async publishBeacon(): Promise<void> {
    const pending = this.optedOut ? [] : await this.options.outbox.pending();
    const first = batchReports(pending.map((r) => r.report), MAX_BEACON_BYTES - this.beaconUrl.length).batches[0];
    this.options.onBeacon(this.beaconUrl, first?.body ?? '');
  }

  /** Tells the page that nothing is pending any more (after `forget()` deleted the outbox). */
  clearBeacon(): void {
    this.options.onBeacon(this.beaconUrl, '');
  }

  /** The shopper's consent changed: opting out empties the outbox and the beacon; opting in resumes. */
  async setOptedOut(optedOut: boolean): Promise<void> {
    this.optedOut = optedOut;
    if (!optedOut) return this.tick();
    clearTimeout(this.retryTimer);
    this.clearBeacon();
    await this.running;
    await this.options.outbox.clear();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.interval);
    (globalThis as { removeEventListener?: typeof removeEventListener }).removeEventListener?.('online', this.onOnline);
  }
}
