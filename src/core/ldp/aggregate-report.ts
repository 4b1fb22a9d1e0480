import { EPSILON_LIMITS } from './epsilon.js';
import { olhParams, type OlhParams } from './olh.js';
import { canonicalOutcome, checkOutcomeReport, type OutcomeWireReport } from './outcome-report.js';

/**
 * The aggregate report: the only thing about a shopper that leaves the browser (worker → gateway → Kafka →
 * aggregator). One privatized value per report, versioned, with no user id, no raw event and no time finer than the
 * UTC day of the reporting period. `id` is random (never derived from the shopper) and lets the server drop duplicates.
 *
 * Version 2: the OLH seed is the index of a hash function in a public family of `olhParams(eps).seeds` (8,192 at
 * ε = 2), so the aggregator folds a report into a fixed array in O(1). Version 1 (a random 32-bit seed, which the
 * server had to test against every candidate) is refused.
 */
export const AGGREGATE_REPORT_VERSION = 2;

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

/**
 * Optimized local hashing: seed and bucket; `g` must be what ε implies (round(e^ε) + 1), `seed` an index into the
 * family of `olhParams(eps).seeds` hash functions, `y` a bucket in [0, g).
 */
export interface OlhWireReport extends ReportBase {
  mech: 'olh';
  g: number;
  seed: number;
  y: number;
}

/**
 * OLH for items, pairs and queries (Hadamard response was accepted once and never aggregated: docs/experiments.md);
 * randomized response over a small domain for experiment outcomes (outcome-report.ts).
 */
export type AggregateReport = OlhWireReport | OutcomeWireReport;

/** The report with its fields in the wire format's order (what the gateway stores; the aggregator reads it fastest). */
export function canonicalReport(r: AggregateReport): AggregateReport {
  if (r.mech === 'grr') return canonicalOutcome(r);
  return { v: r.v, id: r.id, period: r.period, kind: r.kind, eps: r.eps, mech: r.mech, g: r.g, seed: r.seed, y: r.y };
}

export type ReportCheck = { ok: true; report: AggregateReport } | { ok: false; field: string; message: string };

const BASE_FIELDS = ['v', 'id', 'period', 'kind', 'eps', 'mech'];
const OLH_FIELDS: readonly string[] = [...BASE_FIELDS, 'g', 'seed', 'y'];
const ID = /^[A-Za-z0-9_-]{16,64}$/;
const PERIOD = /^(\d{4})-(\d{2})-(\d{2})$/;

function fail(field: string, message: string): ReportCheck {
  return { ok: false, field, message: `edgereco: report.${field} ${message}` };
}

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function checkPeriod(value: string): boolean {
  const m = PERIOD.exec(value);
  if (!m) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value && Number(m[1]) >= 2000;
}

/** OLH parameters by ε: a server checks millions of reports at the site's one ε. Bounded; cleared when full. */
const paramsByEpsilon = new Map<number, OlhParams>();

function paramsFor(eps: number): OlhParams {
  let params = paramsByEpsilon.get(eps);
  if (!params) {
    if (paramsByEpsilon.size >= 64) paramsByEpsilon.clear();
    paramsByEpsilon.set(eps, (params = olhParams(eps)));
  }
  return params;
}

/** Periods already checked: a server sees the same few days millions of times. Bounded; cleared when full. */
const periodsSeen = new Map<string, boolean>();

function validPeriod(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  let valid = periodsSeen.get(value);
  if (valid === undefined) {
    valid = checkPeriod(value);
    if (periodsSeen.size >= 4096) periodsSeen.clear();
    periodsSeen.set(value, valid);
  }
  return valid;
}

/**
 * Checks an untrusted value (parsed JSON) against the v2 report schema: exact field set (unknown keys, including
 * `__proto__`, are refused), types and ranges. Never throws; returns the typed report or the first offending field.
 * (Whether the site accepts the report's ε and period is the gateway's policy, checked after this.)
 */
export function checkAggregateReport(value: unknown): ReportCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('', 'must be an object');
  const r = value as Record<string, unknown>;
  if (r.v === 1) {
    return fail('v', `is 1: version 1 reports (a random 32-bit OLH seed) are no longer accepted; this gateway takes report version ${AGGREGATE_REPORT_VERSION} (update the edgereco SDK)`);
  }
  if (r.v !== AGGREGATE_REPORT_VERSION) return fail('v', `must be ${AGGREGATE_REPORT_VERSION} (this gateway knows report version ${AGGREGATE_REPORT_VERSION} only)`);
  if (r.mech === 'hadamard') {
    return fail('mech', 'is "hadamard": Hadamard-response reports are not accepted (they were never aggregated); send OLH reports (mech "olh"), as every edgereco SDK does');
  }
  if (r.mech === 'grr') return checkOutcomeReport(r, (id) => typeof id === 'string' && ID.test(id), validPeriod);
  if (r.mech !== 'olh') return fail('mech', 'must be "olh" (or "grr" for an experiment outcome)');
  const allowed = OLH_FIELDS;
  const keys = Object.keys(r);
  for (const key of keys) if (!allowed.includes(key)) return fail(key.slice(0, 40), 'is not a field of an olh report');
  if (keys.length !== allowed.length) return fail(allowed.find((k) => !keys.includes(k)) ?? '', 'is missing');
  if (typeof r.id !== 'string' || !ID.test(r.id)) return fail('id', 'must be 16 to 64 characters of A-Z, a-z, 0-9, _ or -');
  if (!validPeriod(r.period)) return fail('period', 'must be a UTC day, YYYY-MM-DD');
  if (!REPORT_KINDS.includes(r.kind as ReportKind)) return fail('kind', `must be one of ${REPORT_KINDS.join(', ')}`);
  const eps = r.eps;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < EPSILON_LIMITS.min || eps > EPSILON_LIMITS.max) {
    return fail('eps', `must be a number from ${EPSILON_LIMITS.min} to ${EPSILON_LIMITS.max}`);
  }
  const { g, seeds } = paramsFor(eps);
  if (r.g !== g) return fail('g', `must be ${g} for eps ${eps}`);
  if (!isInt(r.seed, 0, seeds - 1)) return fail('seed', `must be an integer from 0 to ${seeds - 1} for eps ${eps} (the index of a hash function in the family)`);
  if (!isInt(r.y, 0, g - 1)) return fail('y', `must be an integer from 0 to ${g - 1}`);
  return { ok: true, report: r as unknown as AggregateReport };
}
