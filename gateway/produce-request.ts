import { checkAggregateReport, type AggregateReport } from '../src/core/ldp/aggregate-report.js';
import { RestError } from './rest-errors.js';

/** Content types of the produce call: the Kafka REST v2 JSON type, and text/plain for navigator.sendBeacon. */
export const PRODUCE_CONTENT_TYPES = ['application/vnd.kafka.json.v2+json', 'text/plain'] as const;
/** The response content type of Kafka REST v2. */
export const V2_RESPONSE_TYPE = 'application/vnd.kafka.v2+json';

/** The media type without parameters, lower case (`text/plain;charset=UTF-8` → `text/plain`). */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export function checkContentType(header: string | undefined): void {
  const type = mediaType(header);
  if (!(PRODUCE_CONTENT_TYPES as readonly string[]).includes(type)) {
    throw new RestError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be ${PRODUCE_CONTENT_TYPES.join(' or ')} (got ${JSON.stringify(type.slice(0, 60))})`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses a Kafka REST v2 produce body, `{ "records": [ { "value": <report> } ] }`, and checks every value against the
 * aggregate report schema. All or nothing: one invalid record refuses the whole request, and nothing is written.
 */
export function parseProduceBody(body: Buffer, maxRecords: number): AggregateReport[] {
  return parseProduceRecords(body, maxRecords).map((r) => r.report);
}

/**
 * {@link parseProduceBody}, with each record's Privacy Pass token when it has one: `{ "value": <report>, "token":
 * "<base64url>" }` (one token per report; the gateway checks it when its config has `tokens`, and never stores it).
 */
export function parseProduceRecords(body: Buffer, maxRecords: number): { report: AggregateReport; token?: string }[];
export function parseProduceRecords<R>(body: Buffer, maxRecords: number, check: (value: unknown) => { ok: true; report: R } | { ok: false; message: string }): { report: R; token?: string }[];
export function parseProduceRecords(body: Buffer, maxRecords: number, check: (value: unknown) => { ok: true; report: unknown } | { ok: false; message: string } = checkAggregateReport): { report: unknown; token?: string }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RestError('BAD_JSON', 'the request body is not valid JSON');
  }
  if (!isObject(parsed) || !Array.isArray(parsed.records)) throw new RestError('INVALID_RECORD', 'the body must be { "records": [ { "value": <report> }, ... ] }');
  for (const key of Object.keys(parsed)) {
    if (key !== 'records') throw new RestError('INVALID_RECORD', `unknown top-level field ${JSON.stringify(key.slice(0, 40))}; only "records" is accepted`);
  }
  const records = parsed.records;
  if (records.length === 0 || records.length > maxRecords) throw new RestError('INVALID_RECORD', `records must hold 1 to ${maxRecords} records (got ${records.length})`);
  return records.map((record, i) => {
    if (!isObject(record)) throw new RestError('INVALID_RECORD', `records[${i}] must be an object { "value": <report> }`);
    for (const key of Object.keys(record)) {
      if (key !== 'value' && key !== 'token' && !(key === 'key' && record.key === null)) {
        throw new RestError('INVALID_RECORD', `records[${i}] has field ${JSON.stringify(key.slice(0, 40))}; only "value" and "token" are accepted (keys and partitions are chosen by the gateway)`);
      }
    }
    if (record.token !== undefined && typeof record.token !== 'string') throw new RestError('INVALID_RECORD', `records[${i}].token must be a string (a Privacy Pass token, base64url)`);
    const checked = check(record.value);
    if (!checked.ok) throw new RestError('INVALID_RECORD', `records[${i}]: ${checked.message}`);
    return record.token === undefined ? { report: checked.report } : { report: checked.report, token: record.token };
  });
}
