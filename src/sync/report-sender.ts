import { EdgeRecoError, ERROR_CODES } from '../core/errors.js';
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
  now?: () => number;
  maxRequestBytes?: number;
}

/**
 * How one pass over the outbox ended. `retry`: a send failed (network, 5xx, 429) and the rest waits; `retryAfterMs`
 * is the server's `Retry-After` when it gave one. `offline`: the pass stopped because the browser is offline.
 */
export interface FlushResult {
  sent: number;
  dropped: number;
  outcome: 'done' | 'retry' | 'offline';
  retryAfterMs?: number;
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
    const result: FlushResult = { sent: 0, dropped: 0, outcome: 'done' };
    const { outbox } = this.options;
    const pending = await outbox.pending();
    if (pending.length === 0) return result;
    const { batches, oversized } = batchReports(pending.map((r) => r.report), this.options.maxRequestBytes ?? MAX_REQUEST_BYTES);
    if (oversized.length > 0) {
      await outbox.drop(oversized);
      result.dropped += oversized.length;
      this.options.onError(new EdgeRecoError(ERROR_CODES.SYNC_REJECTED, `edgereco: ${oversized.length} report(s) were too large to send and were dropped`, { details: { ids: oversized } }));
    }
    for (const batch of batches) {
      if (!this.options.isOnline()) return { ...result, outcome: 'offline' };
      let response: Response;
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
        this.options.onWarning(new EdgeRecoError(ERROR_CODES.SYNC_FAILED, `edgereco: could not reach the sync gateway at ${this.url}; the reports stay on the device and are retried`, { cause, retryable: true }));
        return { ...result, outcome: 'retry' };
      }
      const status = response.status;
      await response.body?.cancel().catch(() => {});
      if (status >= 200 && status < 300) {
        await outbox.confirm(batch.ids, utcDay(this.now()));
        result.sent += batch.ids.length;
        continue;
      }
      if (status >= 400 && status < 500 && status !== 429) {
        await outbox.drop(batch.ids);
        result.dropped += batch.ids.length;
        this.options.onError(new EdgeRecoError(ERROR_CODES.SYNC_REJECTED, `edgereco: the sync gateway refused ${batch.ids.length} report(s) with HTTP ${status}; they were dropped. Check options.syncKey, the gateway's allowed origins and options.syncTopic`, { details: { status, ids: batch.ids } }));
        continue;
      }
      // 429 (rate limited: the request was fine, only early) and 5xx: keep the reports, retry later.
      await outbox.failed(batch.ids);
      const after = retryAfterMs(response);
      this.options.onWarning(new EdgeRecoError(ERROR_CODES.SYNC_FAILED, `edgereco: the sync gateway answered HTTP ${status}; the reports stay on the device and are retried`, { retryable: true, ...(after !== undefined ? { retryAfterMs: after } : {}), details: { status } }));
      return after === undefined ? { ...result, outcome: 'retry' } : { ...result, outcome: 'retry', retryAfterMs: after };
    }
    return result;
  }
}
