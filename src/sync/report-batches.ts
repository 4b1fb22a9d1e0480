import type { AggregateReport } from '../core/ldp/aggregate-report.js';

/** The gateway's (and a Confluent REST Proxy's default) largest body; requests stay at or under it. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** The gateway's most records per request. */
export const MAX_REQUEST_RECORDS = 500;

/** A report to send, with the Privacy Pass token that pays for it when the gateway wants one (an outbox record). */
export type BatchEntry = AggregateReport | { report: AggregateReport; token?: string | undefined };

/** One request's worth of reports and its Kafka REST v2 produce body. */
export interface ReportBatch {
  ids: string[];
  body: string;
}

const OPEN = '{"records":[';
const CLOSE = ']}';

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? (i++, 4) : 3;
  }
  return bytes;
}

/**
 * Splits reports into Kafka REST v2 produce bodies, `{"records":[{"value":report},...]}` (with `"token"` beside
 * `"value"` for a report that has one), each at most `maxBytes`
 * (UTF-8) and `maxRecords` records, in order. A report too large for any body on its own (impossible for a valid v1
 * report, which is ~150 bytes) is left out and named in `oversized`.
 */
export function batchReports(
  reports: readonly BatchEntry[],
  maxBytes = MAX_REQUEST_BYTES,
  maxRecords = MAX_REQUEST_RECORDS,
): { batches: ReportBatch[]; oversized: string[] } {
  const batches: ReportBatch[] = [];
  const oversized: string[] = [];
  let ids: string[] = [];
  let parts: string[] = [];
  let bytes = OPEN.length + CLOSE.length;
  const close = (): void => {
    if (ids.length > 0) batches.push({ ids, body: OPEN + parts.join(',') + CLOSE });
    ids = [];
    parts = [];
    bytes = OPEN.length + CLOSE.length;
  };
  for (const entry of reports) {
    const report = 'report' in entry ? entry.report : entry;
    const token = 'report' in entry ? entry.token : undefined;
    const part = token === undefined ? `{"value":${JSON.stringify(report)}}` : `{"value":${JSON.stringify(report)},"token":${JSON.stringify(token)}}`;
    const size = utf8Length(part);
    if (OPEN.length + CLOSE.length + size > maxBytes) {
      oversized.push(report.id);
      continue;
    }
    if (ids.length >= maxRecords || bytes + size + (ids.length > 0 ? 1 : 0) > maxBytes) close();
    bytes += size + (ids.length > 0 ? 1 : 0);
    ids.push(report.id);
    parts.push(part);
  }
  close();
  return { batches, oversized };
}
