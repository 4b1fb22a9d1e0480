import { asEdgeRecoError, type EdgeRecoError } from '../core/errors.js';
import type { BehaviourEvent } from '../core/events.js';
import { remainingToday, utcDay, type PrivacyBudgetPolicy } from '../core/ldp/privacy-budget.js';
import type { SyncSummary } from '../core/worker-api.js';
import { cryptoRandom, type RandomSource } from '../core/ldp/random-source.js';
import { randomId } from '../core/random-id.js';
import type { OutboxCommit, OutboxState } from '../storage/idb-outbox.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { buildReports } from './build-reports.js';
import type { OutcomeSource } from './outcome-draft.js';
import { batchReports } from './report-batches.js';
import { produceUrl, type FlushResult, type SenderOutbox } from './report-sender.js';
import { withSyncLock } from './sync-lock.js';
import { realActivity, type TokenWallet } from './token-wallet.js';

/** The largest beacon body: `sendBeacon` refuses more than 64 KiB queued per page, the URL included. */
export const MAX_BEACON_BYTES = 60_000;

/** The outbox as the scheduler uses it (IdbOutbox in the worker). */
export interface SchedulerOutbox extends SenderOutbox {
  state(): Promise<OutboxState>;
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
  /** Sends what is due; `all`: also what waits for its random time (`syncNow()`). */
  sender: { flush(options?: { all?: boolean }): Promise<FlushResult> };
  /**
   * With a relay: reports wait for a random time within the day after they are built (`notBefore`), and no beacon is
   * offered (a beacon cannot be encapsulated, and would leave at the end of the visit). Default 0: send at once.
   */
  sendWithinMs?: number;
  readEvents: () => Promise<BehaviourEvent[]>;
  policy: PrivacyBudgetPolicy;
  /** The experiments the shopper is in, read before each build: each period's outcome report comes first. */
  outcomes?: () => Promise<OutcomeSource | null>;
  /** The page's ready-made beacon for `pagehide` (an empty body: nothing pending). */
  onBeacon: (url: string, body: string) => void;
  onError: (error: EdgeRecoError) => void;
  isOnline: () => boolean;
  /** Life-cycle lines for `options.debug`. */
  log?: (message: string) => void;
  /** How often a tab looks for a finished period or a stalled outbox. Default 5 minutes. */
  intervalMs?: number;
  /**
   * While offline, how often `navigator.onLine` is checked besides the `online` event (which some browsers, and
   * Chromium under network emulation, do not fire in workers). Default 2,000 ms.
   */
  offlinePollMs?: number;
  backoff?: BackoffPolicy;
  /**
   * Privacy Pass (`syncTokens`): each report is built with one of the tokens held, and the wallet is topped up when
   * the shopper is active. Default: none, reports carry no token.
   */
  tokens?: TokenWallet;
  /**
   * The secure mode's sender (secure-sync.ts), when the priors bundle names a secure task: one pass of it after each
   * of the scheduler's, under its lock (`all` with `syncNow()`); `clear` when the shopper opts out.
   */
  secure?: { pass(events: readonly BehaviourEvent[], all: boolean, build: boolean): Promise<void>; clear(): Promise<void> };
  random?: RandomSource;
  now?: () => number;
}

/** What one pass did: the reports it built (with their period and ε) and how the send ended. */
interface PassResult {
  built: { count: number; period: string; epsilon: number }[];
  flush: FlushResult | null;
  /** The pass did not send because the browser is offline. */
  offline: boolean;
}

const DAY_MS = 86_400_000;
/** A secure report is built by the first pass this long after the scheduler started (or by `syncNow()`). */
const SECURE_BUILD_AFTER_MS = 60_000;

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
  private startedAt = 0;

  constructor(private readonly options: SchedulerOptions, optedOut: boolean) {
    this.random = options.random ?? cryptoRandom();
    this.now = options.now ?? Date.now;
    this.beaconUrl = `${produceUrl(options.url, options.topic)}?key=${encodeURIComponent(options.key)}`;
    this.optedOut = optedOut;
  }

  /** Starts: one pass now, then one every `intervalMs`, and one whenever the browser comes back online. */
  start(): void {
    this.startedAt = this.now();
    (globalThis as { addEventListener?: typeof addEventListener }).addEventListener?.('online', this.onOnline);
    const every = this.options.intervalMs ?? 300_000;
    this.interval = setInterval(() => void this.tick(), every);
    const nextDay = new Date((Math.floor(this.now() / DAY_MS) + 1) * DAY_MS).toISOString();
    this.options.log?.(`sync: on, to ${this.beaconUrl.replace(/\?key=.*/, '')}; each finished UTC day is reported by the first page after it (checked every ${Math.round(every / 1000)} s); today's reports are due after ${nextDay} (or now, with syncNow())`);
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
          await withSyncLock(`edgereco-${this.options.storeId}-sync`, async () => void (await this.pass(false)));
        } catch (cause) {
          this.options.onError(asEdgeRecoError(cause, 'a sync pass failed', 'it is tried again later'));
        }
      } while (this.again && !this.stopped && !this.optedOut);
      this.running = null;
    })();
    return this.running;
  }

  /**
   * One pass: build the latest finished day's reports (and, with `today`, today's so far, if the day's budget still
   * allows), then send the outbox.
   */
  private async pass(today: boolean): Promise<PassResult> {
    clearTimeout(this.retryTimer);
    const out: PassResult = { built: [], flush: null, offline: false };
    const events = await this.options.readEvents();
    const outcomes = (await this.options.outcomes?.()) ?? null;
    if (this.optedOut || this.stopped) return out;
    const wallet = this.options.tokens;
    // syncNow() reports now, so it needs tokens now; a scheduled pass uses those got on an earlier active day.
    if (wallet && today && this.options.isOnline()) await wallet.refill();
    for (const includeToday of today ? [false, true] : [false]) {
      const ctx = { nowMs: this.now(), policy: this.options.policy, random: this.random, newId: randomId, today: includeToday, sendWithinMs: this.options.sendWithinMs ?? 0, outcomes, tokens: wallet !== undefined };
      const commit = await this.options.outbox.commit((state) => buildReports(events, state, ctx));
      if (commit && commit.records.length > 0) {
        const epsilon = commit.records.reduce((sum, r) => sum + r.report.eps, 0);
        out.built.push({ count: commit.records.length, period: commit.reportedThrough, epsilon });
        this.options.log?.(`sync: built ${commit.records.length} report(s) of ${commit.reportedThrough} (ε ${epsilon}; ${commit.budget.spentToday} of ${this.options.policy.epsilonPerDay} spent today)`);
      }
    }
    if (wallet && !this.optedOut && this.options.isOnline() && realActivity(events, this.now())) await wallet.refill();
    await this.publishBeacon();
    if (this.optedOut || this.stopped) return out;
    if (!this.options.isOnline()) {
      this.waitOnline();
      return { ...out, offline: true };
    }
    const result = await this.options.sender.flush(today ? { all: true } : undefined);
    out.flush = result;
    if (this.options.secure && !this.optedOut && !this.stopped) {
      // Building a report is about a second of the worker's CPU (Prio3 over the catalog): not in the page's first
      // minute, when its first answers are asked for (syncNow() builds at once).
      const build = today || this.now() - this.startedAt >= SECURE_BUILD_AFTER_MS;
      await this.options.secure.pass(events, today, build).catch((cause: unknown) => this.options.onError(asEdgeRecoError(cause, 'the secure report could not be built or sent', 'it is tried again on a later pass')));
    }
    await this.publishBeacon();
    if (result.outcome === 'offline') this.waitOnline();
    else if (result.outcome === 'retry') {
      const delay = Math.max(backoffDelay(this.failures, this.random, this.options.backoff ?? DEFAULT_BACKOFF), result.retryAfterMs ?? 0);
      this.failures += 1;
      this.options.log?.(`sync: sending failed; next try in ${Math.round(delay / 1000)} s`);
      this.retryTimer = setTimeout(() => void this.tick(), delay);
    } else if (result.outcome === 'done') {
      this.failures = 0;
    }
    return out;
  }

  /**
   * Sends what today has so far (`syncNow()`): the latest finished day first, as a scheduled pass would, then today's
   * events, each within the same daily ε budget (`buildReports` spends it; when it is spent, nothing more is built and
   * the summary says so). Today is then reported: events tracked later today are never reported. Then sends the
   * outbox and resolves with what happened.
   */
  async syncNow(): Promise<SyncSummary> {
    while (this.running) await this.running;
    const policy = this.options.policy;
    const summary: SyncSummary = { status: 'done', period: null, built: 0, sent: 0, accepted: 0, rejected: 0, pending: 0, epsilonSpent: 0, epsilonLeftToday: 0, message: '' };
    if (this.stopped || this.optedOut) {
      return { ...summary, status: 'opted-out', message: 'edgereco: the shopper opted out (or the recommender closed): nothing is built or sent' };
    }
    let pass: PassResult | null = null;
    const running = (async () => {
      const locked = await withSyncLock(`edgereco-${this.options.storeId}-sync`, async () => void (pass = await this.pass(true)));
      if (!locked) summary.status = 'busy';
    })();
    this.running = running.catch(() => {}).finally(() => {
      this.running = null;
      if (this.again) void this.tick();
    });
    await running;
    const state = await this.options.outbox.state();
    summary.pending = (await this.options.outbox.pending()).length;
    summary.epsilonLeftToday = remainingToday(policy, state.budget, this.now());
    const done = pass as PassResult | null;
    if (done) {
      summary.built = done.built.reduce((n, b) => n + b.count, 0);
      summary.epsilonSpent = done.built.reduce((n, b) => n + b.epsilon, 0);
      summary.period = done.built.at(-1)?.period ?? null;
      summary.sent = done.flush?.attempted ?? 0;
      summary.accepted = done.flush?.sent ?? 0;
      summary.rejected = done.flush?.dropped ?? 0;
      if (done.offline || done.flush?.outcome === 'offline') summary.status = 'offline';
      else if (done.flush?.outcome === 'retry') summary.status = 'retry';
    }
    const tokensHeld = this.options.tokens ? (state.tokens ?? []).length : undefined;
    summary.message = describeSummary(summary, state.reportedThrough, utcDay(this.now()), policy, tokensHeld);
    this.options.log?.(summary.message.replace(/^edgereco: /, ''));
    return summary;
  }

  /** Paused while offline: the `online` event, or the next check that finds the browser online, resumes. */
  private waitOnline(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => (this.options.isOnline() ? void this.tick() : this.waitOnline()), this.options.offlinePollMs ?? 2_000);
  }

  /** Hands the page the first batch of the pending outbox as a beacon body (empty when nothing is pending). */
  async publishBeacon(): Promise<void> {
    const pending = this.optedOut || this.options.sendWithinMs ? [] : await this.options.outbox.pending();
    const first = batchReports(pending, MAX_BEACON_BYTES - this.beaconUrl.length).batches[0];
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
    await this.options.secure?.clear();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.interval);
    (globalThis as { removeEventListener?: typeof removeEventListener }).removeEventListener?.('online', this.onOnline);
  }
}

/** The summary in words: what was built and sent, and why nothing was when nothing was. */
function describeSummary(s: SyncSummary, reportedThrough: string | undefined, today: string, policy: PrivacyBudgetPolicy, tokensHeld?: number): string {
  const parts: string[] = [];
  if (s.built > 0) {
    parts.push(`built ${s.built} report(s) of ${s.period} (ε ${s.epsilonSpent})`);
    if (s.period !== today && s.epsilonLeftToday + 1e-9 < policy.epsilonPerReport) parts.push(`that spent today's budget (ε ${policy.epsilonPerDay}): today's events are reported after the UTC day ends`);
  }
  else if (s.status === 'busy') parts.push('another tab of this store is sending; nothing built here');
  else if (reportedThrough === today) parts.push(`today (${today}) was reported already; events tracked since are not reported (each day is reported once, within its ε ${policy.epsilonPerDay})`);
  else if (s.epsilonLeftToday + 1e-9 < policy.epsilonPerReport) parts.push(`today's privacy budget (ε ${policy.epsilonPerDay}) is spent; today's events are reported after the UTC day ends`);
  else if (tokensHeld === 0) parts.push("no Privacy Pass token to pay for a report (the gateway's issuer gave none; see the warnings)");
  else parts.push('nothing to report yet (no viewed, carted, bought or searched item)');
  if (s.sent > 0) parts.push(`sent ${s.sent}: ${s.accepted} accepted, ${s.rejected} rejected`);
  if (s.status === 'offline') parts.push('offline: the reports wait in the outbox');
  if (s.status === 'retry') parts.push('the gateway failed: the reports wait in the outbox and are retried');
  if (s.pending > 0) parts.push(`${s.pending} pending`);
  return `edgereco: sync: ${parts.join('; ')}; ε ${s.epsilonLeftToday} left today`;
}
