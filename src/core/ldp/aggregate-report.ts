import { EPSILON_LIMITS } from './epsilon.js';
import { HADAMARD_MAX_SIZE } from './hadamard-response.js';
import { olhParams } from './olh.js';

/**
 * The aggregate report: the only thing about a shopper that leaves the browser (worker → gateway → Kafka →
 * aggregator). One privatized value per report, versioned, with no user id, no raw event and no time finer than the
 * UTC day of the reporting period. `id` is random (never derived from the shopper) and lets the server drop duplicates.
 */
export const AGGREGATE_REPORT_VERSION = 1;

/** What a report's value is: an item, an unordered item pair (bought together), or a search query. */
export const REPORT_KINDS = ['item', 'pair', 'query'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

interface ReportBase {
  v: typeof AGGREGATE_REPORT_VERSION;
  /** Random report id, 16–64 characters of [A-Za-z0-9_-] (a UUID fits). */
  id: string;
  /** The UTC day the report covers, `YYYY-MM-DD`. */
  period: string;
  kind: ReportKind;
  /** ε of this report. */
  eps: number;
}

/** Optimized local hashing: seed and bucket; `g` must be what ε implies (round(e^ε) + 1). */
export interface OlhWireReport extends ReportBase {
  mech: 'olh';
  g: number;
  seed: number;
  y: number;
}

/** Hadamard response over an indexed domain (`domain` names it, e.g. a model bundle's vocabulary checksum). */
export interface HadamardWireReport extends ReportBase {
  mech: 'hadamard';
  domain: string;
  size: number;
  col: number;
  bit: 0 | 1;
}

export type AggregateReport = OlhWireReport | HadamardWireReport;

export type ReportCheck = { ok: true; report: AggregateReport } | { ok: false; field: string; message: string };

const BASE_FIELDS = ['v', 'id', 'period', 'kind', 'eps', 'mech'];
const MECH_FIELDS: Record<AggregateReport['mech'], readonly string[]> = {
  olh: [...BASE_FIELDS, 'g', 'seed', 'y'],
  hadamard: [...BASE_FIELDS, 'domain', 'size', 'col', 'bit'],
};
const ID = /^[A-Za-z0-9_-]{16,64}$/;
const DOMAIN = /^[A-Za-z0-9._:-]{1,64}$/;
const PERIOD = /^(\d{4})-(\d{2})-(\d{2})$/;

function fail(field: string, message: string): ReportCheck {
  return { ok: false, field, message: `edgereco: report.${field} ${message}` };
}

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function validPeriod(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = PERIOD.exec(value);
  if (!m) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value && Number(m[1]) >= 2000;
}

/**
 * Checks an untrusted value (parsed JSON) against the v1 report schema: exact field set (unknown keys, including
 * `__proto__`, are refused), types and ranges. Never throws; returns the typed report or the first offending field.
 */
export function checkAggregateReport(value: unknown): ReportCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('', 'must be an object');
  const r = value as Record<string, unknown>;
  if (r.v !== AGGREGATE_REPORT_VERSION) return fail('v', `must be ${AGGREGATE_REPORT_VERSION} (this gateway knows report version ${AGGREGATE_REPORT_VERSION} only)`);
  if (r.mech !== 'olh' && r.mech !== 'hadamard') return fail('mech', 'must be "olh" or "hadamard"');
  const allowed = MECH_FIELDS[r.mech];
  const keys = Object.keys(r);
  for (const key of keys) if (!allowed.includes(key)) return fail(key.slice(0, 40), `is not a field of a ${r.mech} report`);
  if (keys.length !== allowed.length) return fail(allowed.find((k) => !keys.includes(k)) ?? '', 'is missing');
  if (typeof r.id !== 'string' || !ID.test(r.id)) return fail('id', 'must be 16 to 64 characters of A-Z, a-z, 0-9, _ or -');
  if (!validPeriod(r.period)) return fail('period', 'must be a UTC day, YYYY-MM-DD');
  if (!REPORT_KINDS.includes(r.kind as ReportKind)) return fail('kind', `must be one of ${REPORT_KINDS.join(', ')}`);
  const eps = r.eps;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < EPSILON_LIMITS.min || eps > EPSILON_LIMITS.max) {
    return fail('eps', `must be a number from ${EPSILON_LIMITS.min} to ${EPSILON_LIMITS.max}`);
  }
  if (r.mech === 'olh') {
    const g = olhParams(eps).g;
    if (r.g !== g) return fail('g', `must be ${g} for eps ${eps}`);
    if (!isInt(r.seed, 0, 0xffff_ffff)) return fail('seed', 'must be an unsigned 32-bit integer');
    if (!isInt(r.y, 0, g - 1)) return fail('y', `must be an integer from 0 to ${g - 1}`);
  } else {
    if (typeof r.domain !== 'string' || !DOMAIN.test(r.domain)) return fail('domain', 'must be 1 to 64 characters of A-Z, a-z, 0-9, ., _, : or -');
    const size = r.size;
    if (!isInt(size, 2, HADAMARD_MAX_SIZE) || (size & (size - 1)) !== 0) return fail('size', `must be a power of two from 2 to ${HADAMARD_MAX_SIZE}`);
    if (!isInt(r.col, 0, size - 1)) return fail('col', `must be an integer from 0 to ${size - 1}`);
    if (r.bit !== 0 && r.bit !== 1) return fail('bit', 'must be 0 or 1');
  }
  return { ok: true, report: r as unknown as AggregateReport };
}
