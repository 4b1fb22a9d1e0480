import { createError, ERROR_CODES, type EdgeRecoError } from '../core/errors.js';
import { utcDay } from '../core/ldp/privacy-budget.js';
import type { OutboxRecord } from '../storage/schema.js';
import { batchReports, MAX_REQUEST_BYTES } from './report-batches.js';

/** The Kafka REST Proxy v2 content type of a JSON produce request. */
export const KAFKA_JSON_V2 = 'application/vnd.kafka.json.v2+json';

/** The outbox as the sender uses it (IdbOutbox in the worker, a fake in tests). */
export interface SenderOutbox {
  pending(): Promise<OutboxRecord[]>;
  confirm(ids: readonly string[], day: string): Promise<void>;
  drop(ids: readonly string[]): Promise<void>;
  failed(ids: readonly string[]): Promise<void>;
}

export interface SenderOptions {
  /** The gateway's base URL (or a Confluent REST Proxy's), e.g. `https://ingest.shop.example`. */
  url: string;
  /** The publishable key, sent as `X-EdgeReco-Key`. */
  key: string;
  topic: string;
  outbox: SenderOutbox;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** Whether the browser believes it is online (`navigator.onLine`). */
  isOnline: () => boolean;
  /** Background failures: 4xx drops as `error`, retried failures as `warning`. */
  onError: (error: EdgeRecoError) => void;
  onWarning: (error: EdgeRecoError) => void;
  /** A batch the gateway accepted (2xx): the page's `sync` event. */
  onAccepted?: (batch: AcceptedBatch) => void;
  /** Life-cycle lines for `options.debug`. */
  log?: (message: string) => void;
  now?: () => number;
  maxRequestBytes?: number;
}

/**
 * How one pass over the outbox ended. `retry`: a send failed (network, 5xx, 429) and the rest waits; `retryAfterMs`
 * is the server's `Retry-After` when it gave one. `offline`: the pass stopped because the browser is offline.
 */
export interface FlushResult {
  /** Reports the gateway accepted. */
  sent: number;
  /** Reports dropped: refused with a 4xx, or too large to send. */
  dropped: number;
  /** Reports in the requests made (accepted, refused or failed). */
  attempted: number;
  outcome: 'done' | 'retry' | 'offline';
  retryAfterMs?: number;
}

/** One batch of reports the gateway accepted, as the `sync` event carries it. */
export interface AcceptedBatch {
  /** How many reports the gateway accepted in this request. */
  accepted: number;
  /** The UTC days the reports are about. */
  periods: string[];
  /** The produce URL they were sent to. */
  url: string;
}

/** The produce URL of a topic under a gateway's base URL. */
export function produceUrl(base: string, topic: string): string {
  return `${base.replace(/\/+$/, '')}/topics/${encodeURIComponent(topic)}`;
}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 3_600_000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.min(date - Date.now(), 3_600_000));
}

/**
 * Sends the outbox to the gateway, batched under 64 KB per request, and applies the delivery policy: a 2xx removes
 * the batch's reports from the outbox; a 4xx (except 429) removes them too and emits a `SYNC_REJECTED` error, since
 * no retry can fix a bad key, origin or schema; a 429, a 5xx or a network failure keeps them (one more attempt
 * counted) and ends the pass, so the caller retries with backoff. Nothing leaves while the browser is offline.
 * The sender itself never waits or retries: scheduling is the caller's (see `SyncScheduler`).
 */
export class ReportSender {
  private readonly url: string;
  private readonly now: () => number;

  constructor(private readonly options: SenderOptions) {
    this.url = produceUrl(options.url, options.topic);
    this.now = options.now ?? Date.now;
  }

  async flush(): Promise<FlushResult> {
    const result: FlushResult = { sent: 0, dropped: 0, attempted: 0, outcome: 'done' };
    const { outbox } = this.options;
    const pending = await outbox.pending();
    if (pending.length === 0) return result;
    const periodOf = new Map(pending.map((r) => [r.id, r.period]));
    const { batches, oversized } = batchReports(pending, this.options.maxRequestBytes ?? MAX_REQUEST_BYTES);
    if (oversized.length > 0) {
      await outbox.drop(oversized);
      result.dropped += oversized.length;
      this.options.onError(createError(ERROR_CODES.SYNC_REJECTED, { count: oversized.length, reason: `${oversized.length} report(s) were too large to send` }, { details: { ids: oversized } }));
    }
    for (const batch of batches) {
      if (!this.options.isOnline()) return { ...result, outcome: 'offline' };
      let response: Response;
      result.attempted += batch.ids.length;
      try {
        response = await this.options.fetch(this.url, {
          method: 'POST',
          headers: { 'Content-Type': KAFKA_JSON_V2, Accept: 'application/vnd.kafka.v2+json', 'X-EdgeReco-Key': this.options.key },
          body: batch.body,
          credentials: 'omit',
          referrerPolicy: 'no-referrer',
          cache: 'no-store',
        });
      } catch (cause) {
        await outbox.failed(batch.ids);
        if (!this.options.isOnline()) return { ...result, outcome: 'offline' };
        this.options.onWarning(createError(ERROR_CODES.SYNC_FAILED, { problem: `could not reach the sync gateway at ${this.url} (${String(cause)})`, url: this.url }, { cause, retryable: true }));
        return { ...result, outcome: 'retry' };
      }
      const status = response.status;
      await response.body?.cancel().catch(() => {});
      if (status >= 200 && status < 300) {
        await outbox.confirm(batch.ids, utcDay(this.now()));
        result.sent += batch.ids.length;
        this.options.log?.(`sync: the gateway accepted ${batch.ids.length} report(s) (HTTP ${status}, ${this.url})`);
        const periods = [...new Set(batch.ids.map((id) => periodOf.get(id) ?? ''))].filter(Boolean).sort();
        this.options.onAccepted?.({ accepted: batch.ids.length, periods, url: this.url });
        continue;
      }
      if (status >= 400 && status < 500 && status !== 429) {
        await outbox.drop(batch.ids);
        result.dropped += batch.ids.length;
        this.options.log?.(`sync: the gateway refused ${batch.ids.length} report(s) (HTTP ${status}, ${this.url}); dropped`);
        this.options.onError(
          createError(
            ERROR_CODES.SYNC_REJECTED,
            {
              count: batch.ids.length,
              status,
              reason: `the sync gateway at ${this.url} refused ${batch.ids.length} report(s) with HTTP ${status}`,
              // 401 and 409 are also the gateway's answers about Privacy Pass tokens (missing, invalid, spent).
              fix: status === 401 || status === 409 ? "Check options.syncKey and options.syncTokens (a gateway with tokens on wants one per report)" : "Check options.syncKey, the gateway's allowed origins and options.syncTopic",
            },
            { details: { ids: batch.ids } },
          ),
        );
        continue;
      }
      // 429 (rate limited: the request was fine, only early) and 5xx: keep the reports, retry later.
      await outbox.failed(batch.ids);
      const after = retryAfterMs(response);
      this.options.onWarning(createError(ERROR_CODES.SYNC_FAILED, { problem: `the sync gateway answered HTTP ${status}`, status }, { retryable: true, ...(after !== undefined ? { retryAfterMs: after } : {}) }));
      return after === undefined ? { ...result, outcome: 'retry' } : { ...result, outcome: 'retry', retryAfterMs: after };
    }
    return result;
  }
}
