import type { KeyConfig } from '../ohttp/key-config.js';

/**
 * The secure mode's report as it travels (src/core/secure/report.ts builds it): its types, and the schema check the
 * gateway runs, without the Prio3 library (which only the builder and the aggregators load).
 */

/** A task: what both aggregators and every browser agree on for one kind of contribution. */
export interface SecureTask {
  /** The task's id (base64url, at least 16 bytes): binds every share to this task. */
  taskId: string;
  /** The domain's size: entry i of the vector is item i of the task's published item list. */
  length: number;
  /** The most entries one report may set to 1 (the L2 sensitivity of a report is √(2 · maxItems) when replaced). */
  maxItems: number;
  /** The aggregators' HPKE public keys (the OHTTP key configuration format, RFC 9458 section 3). */
  leaderKey: KeyConfig;
  helperKey: KeyConfig;
}

/** One input share sealed to one aggregator: its key id, HPKE's encapsulated key and the ciphertext (base64url). */
export interface SealedShare {
  keyId: number;
  enc: string;
  ct: string;
}

/** What a browser sends the leader for one period (as JSON). */
export interface SecureReport {
  v: 1;
  task: string;
  /** The period (UTC day, YYYY-MM-DD) the contribution belongs to. */
  period: string;
  /** 16 random bytes (base64url): the report's id, also Prio3's nonce. */
  nonce: string;
  /** Prio3's public share (base64url). */
  publicShare: string;
  leaderShare: SealedShare;
  helperShare: SealedShare;
}

const B64U = /^[A-Za-z0-9_-]+$/;
const PERIOD = /^\d{4}-\d{2}-\d{2}$/;
/** Largest field the checker takes (a share over a million entries, base64url): bounds what one record can hold. */
const MAX_FIELD = 24 * 1024 * 1024;

export type SecureReportCheck = { ok: true; report: SecureReport } | { ok: false; message: string };

function sealedShare(value: unknown, where: string): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${where} must be { keyId, enc, ct }`;
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) if (!['keyId', 'enc', 'ct'].includes(key)) return `${where} has an unknown field ${JSON.stringify(key.slice(0, 40))}`;
  if (!Number.isInteger(v.keyId) || (v.keyId as number) < 0 || (v.keyId as number) > 255) return `${where}.keyId must be an integer from 0 to 255`;
  for (const key of ['enc', 'ct']) if (typeof v[key] !== 'string' || !B64U.test(v[key] as string) || (v[key] as string).length > MAX_FIELD) return `${where}.${key} must be base64url`;
  return null;
}

/**
 * Checks a value against the secure report's schema (the fields {@link buildSecureReport} writes, nothing else), for
 * the gateway: the shares' contents are checked by the aggregators, which refuse what does not open or verify.
 */
export function checkSecureReport(value: unknown): SecureReportCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'a secure report must be an object' };
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!['v', 'task', 'period', 'nonce', 'publicShare', 'leaderShare', 'helperShare'].includes(key)) return { ok: false, message: `a secure report has no field ${JSON.stringify(key.slice(0, 40))}` };
  }
  if (v.v !== 1) return { ok: false, message: `report.v must be 1 for a secure report (got ${JSON.stringify(v.v)})` };
  if (typeof v.task !== 'string' || !B64U.test(v.task) || v.task.length > 100) return { ok: false, message: 'report.task must be the task id (base64url)' };
  if (typeof v.period !== 'string' || !PERIOD.test(v.period)) return { ok: false, message: 'report.period must be a UTC day, YYYY-MM-DD' };
  if (typeof v.nonce !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(v.nonce)) return { ok: false, message: 'report.nonce must be 16 bytes in base64url (22 characters)' };
  if (typeof v.publicShare !== 'string' || !B64U.test(v.publicShare) || v.publicShare.length > 1000) return { ok: false, message: 'report.publicShare must be base64url' };
  const problem = sealedShare(v.leaderShare, 'report.leaderShare') ?? sealedShare(v.helperShare, 'report.helperShare');
  if (problem) return { ok: false, message: problem };
  return { ok: true, report: canonicalSecureReport(v as unknown as SecureReport) };
}

/** The report with its fields in one order (what the gateway stores, and what a Privacy Pass token is bound to). */
export function canonicalSecureReport(r: SecureReport): SecureReport {
  const share = (s: SealedShare): SealedShare => ({ keyId: s.keyId, enc: s.enc, ct: s.ct });
  return { v: r.v, task: r.task, period: r.period, nonce: r.nonce, publicShare: r.publicShare, leaderShare: share(r.leaderShare), helperShare: share(r.helperShare) };
}

/** Whether a stored report is a secure one (the other kinds are `AggregateReport`s: src/core/ldp/aggregate-report.ts). */
export function isSecureReport(report: object): report is SecureReport {
  return 'publicShare' in report;
}
