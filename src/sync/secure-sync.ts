import { fromBase64url } from '../core/base64url.js';
import { createError, ERROR_CODES, type EdgeRecoError } from '../core/errors.js';
import type { BehaviourEvent } from '../core/events.js';
import { utcDay } from '../core/ldp/privacy-budget.js';
import type { RandomSource } from '../core/ldp/random-source.js';
import { decodeKeyConfigList } from '../core/ohttp/key-config.js';
import type { SecureReport, SecureTask } from '../core/secure/report-schema.js';
import { nextPeriod } from './build-reports.js';
import { produceUrl } from './report-sender.js';

/**
 * The browser's side of two-server secure aggregation (gateway/secure-aggregation.ts), when the store's priors bundle
 * names a secure task (`secureTask.url`, written by the aggregator): once per finished period (and today with
 * `syncNow()`), the shopper's latest distinct items of that day that the task lists (viewed, clicked, carted or
 * bought; at most the task's `maxItems`) become one report (src/core/secure/report.ts, loaded only then), kept in the
 * store's database until it is sent (with a relay, at a random time within the day after it was built, as the other
 * reports) to the task's topic. A day with none of the task's items sends nothing. Runs inside the sync scheduler's
 * passes: its lock, its opt-out, its offline checks.
 */
export interface SecureSyncOptions {
  /** The task file's URL (absolute), for messages. */
  taskUrl: string;
  /** Fetches the task file and reads it as JSON (rejecting with a typed error naming the URL and what came back). */
  readTask: () => Promise<unknown>;
  /** The gateway and its publishable key. */
  url: string;
  key: string;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** The durable state (`meta` record of the store's database). */
  read: () => Promise<SecureSyncState | undefined>;
  write: (state: SecureSyncState | undefined) => Promise<void>;
  /** With a relay: a report waits for a random time within this many ms after it is built. */
  sendWithinMs: number;
  /**
   * With `syncTokens`: takes one of the held Privacy Pass tokens (the report's, sent beside it), or undefined when
   * none is held (the report is then built on a later pass, which may hold some).
   */
  takeToken?: () => Promise<string | undefined>;
  random: RandomSource;
  now: () => number;
  onError: (error: EdgeRecoError) => void;
  onWarning: (error: EdgeRecoError) => void;
  log?: (message: string) => void;
}

/** What the browser keeps between passes: the last period built, and the report waiting to leave. */
export interface SecureSyncState {
  reportedThrough?: string;
  pending?: { report: SecureReport; notBefore: number; topic: string; token?: string };
}

/** The task file (gateway/secure-aggregate.ts `SecureTaskFile`) as the browser needs it. */
interface TaskFile {
  task: SecureTask;
  topic: string;
  index: Map<string, number>;
}

const KAFKA_JSON_V2 = 'application/vnd.kafka.json.v2+json';

/** The distinct items of `events` the shopper chose (viewed, clicked, carted, bought), latest first. */
function chosenItems(events: readonly BehaviourEvent[]): string[] {
  const out: string[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    const ids = e.type === 'view' || e.type === 'click' || e.type === 'add_to_cart' ? [e.itemId] : e.type === 'purchase' ? e.lines.map((l) => l.itemId) : [];
    for (const id of ids) if (!out.includes(id)) out.push(id);
  }
  return out;
}

export class SecureSync {
  private task: Promise<TaskFile> | null = null;

  constructor(private readonly options: SecureSyncOptions) {}

  private loadTask(): Promise<TaskFile> {
    this.task ??= (async () => {
      const url = this.options.taskUrl;
      const bad = (requirement: string) => createError(ERROR_CODES.INVALID_DATA, { subject: `the secure task at ${url}`, requirement, fix: 'serve the file edgereco-gateway aggregate writes (aggregate.secure.taskOut)' });
      const doc = ((await this.options.readTask()) ?? {}) as Record<string, unknown>;
      if (doc.format !== 'edgereco-secure-task' || doc.version !== 1) throw bad('must be an edgereco secure task, version 1');
      const items = doc.items;
      if (!Array.isArray(items) || items.length === 0 || items.some((i) => typeof i !== 'string')) throw bad('items must be a list of item ids');
      if (typeof doc.taskId !== 'string' || typeof doc.topic !== 'string' || !Number.isInteger(doc.maxItems)) throw bad('taskId, topic and maxItems are required');
      const leaderKey = decodeKeyConfigList(fromBase64url(String(doc.leaderKeys)))[0];
      const helperKey = decodeKeyConfigList(fromBase64url(String(doc.helperKeys)))[0];
      if (!leaderKey || !helperKey) throw bad('leaderKeys and helperKeys must each hold a key configuration');
      return { task: { taskId: doc.taskId, length: items.length, maxItems: doc.maxItems as number, leaderKey, helperKey }, topic: doc.topic, index: new Map((items as string[]).map((id, i) => [id, i])) };
    })().catch((error: unknown) => {
      this.task = null; // tried again on the next pass
      throw error;
    });
    return this.task;
  }

  /**
   * One pass: builds the next period's report when none waits and `build` allows (about a second of CPU: the
   * scheduler allows it outside a page's first minute), then sends the waiting one when it is due (`all`: at once,
   * and today's events count as a period, as `syncNow()` does for the other reports).
   */
  async pass(events: readonly BehaviourEvent[], all: boolean, build = true): Promise<void> {
    const { options } = this;
    let state = (await options.read()) ?? {};
    if (!state.pending && build) {
      const period = nextPeriod(events, options.now(), state.reportedThrough, all);
      if (period !== null) {
        const file = await this.loadTask();
        const items = chosenItems(events.filter((e) => utcDay(e.ts) === period))
          .map((id) => file.index.get(id))
          .filter((i): i is number => i !== undefined)
          .slice(0, file.task.maxItems);
        const token = items.length > 0 && options.takeToken ? await options.takeToken() : undefined;
        if (items.length > 0 && options.takeToken && token === undefined) {
          options.log?.(`sync: the secure report of ${period} waits for a Privacy Pass token`);
        } else {
          if (items.length === 0) state = { reportedThrough: period };
          else {
            const { buildSecureReport } = await import('../core/secure/report.js');
            const report = await buildSecureReport(file.task, period, items);
            const delay = options.sendWithinMs > 0 ? Math.floor(options.random() * options.sendWithinMs) : 0;
            state = { reportedThrough: period, pending: { report, notBefore: options.now() + delay, topic: file.topic, ...(token !== undefined ? { token } : {}) } };
            options.log?.(`sync: built the secure report of ${period} (${items.length} of the task's items)`);
          }
          await options.write(state);
        }
      }
    }
    const pending = state.pending;
    if (!pending || (!all && options.now() < pending.notBefore)) return;
    const url = produceUrl(options.url, pending.topic);
    let response: Response;
    try {
      response = await options.fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': KAFKA_JSON_V2, Accept: 'application/vnd.kafka.v2+json', 'X-EdgeReco-Key': options.key },
        body: JSON.stringify({ records: [pending.token === undefined ? { value: pending.report } : { value: pending.report, token: pending.token }] }),
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
        cache: 'no-store',
      });
    } catch (cause) {
      options.onWarning(createError(ERROR_CODES.SYNC_FAILED, { problem: `could not send the secure report to ${url} (${String(cause)}); it is tried again later`, url }, { cause, retryable: true }));
      return;
    }
    await response.body?.cancel().catch(() => {});
    if (response.status >= 500 || response.status === 429) return; // tried again on a later pass
    await options.write({ reportedThrough: state.reportedThrough! });
    if (response.ok) options.log?.(`sync: the gateway accepted the secure report of ${pending.report.period} (HTTP ${response.status})`);
    else options.onError(createError(ERROR_CODES.SYNC_REJECTED, { count: 1, reason: `the sync gateway at ${url} refused the secure report with HTTP ${response.status}`, fix: "check the gateway's secure section (topic, task id) and options.syncKey" }));
  }
}
