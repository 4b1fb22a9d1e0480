import { checkEpsilon } from '../src/core/ldp/epsilon.js';
import { REPORT_KINDS, type AggregateReport } from '../src/core/ldp/aggregate-report.js';
import { OUTCOME_KIND } from '../src/core/ldp/outcome-report.js';
import { utcDay } from '../src/core/ldp/privacy-budget.js';
import { createError, ERROR_CODES } from '../src/core/errors.js';

/**
 * What a site accepts beyond the report schema: its ε for each report kind, fixed, and the periods it still counts.
 * The gateway refuses any other report with a 422 (nothing of the request is written), and the aggregator never
 * counts one that reaches the topic anyway. A crafted report at a smaller ε would otherwise weigh more in the
 * estimate (18 reports at ε = 0.1 published an item nobody viewed), and a period far in the past or the future would
 * sit outside every window the store looks at.
 */
/** Every kind a site fixes an ε for: the priors' kinds and experiment outcomes. */
export const POLICY_KINDS = [...REPORT_KINDS, OUTCOME_KIND] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

export interface ReportPolicy {
  /** ε of every report of each kind: the SDK's `privacy.epsilonPerReport`. Default 2 for every kind. */
  readonly epsilon: Readonly<Record<PolicyKind, number>>;
  /** Periods (UTC days) from today − retentionDays to today are accepted; older and future ones are not. Default 30. */
  readonly retentionDays: number;
}

/** The config's form: `epsilon` may be one number for every kind. */
export interface ReportPolicyInput {
  epsilon?: number | Partial<Record<PolicyKind, number>>;
  retentionDays?: number;
}

export const DEFAULT_REPORT_POLICY: ReportPolicy = { epsilon: { item: 2, pair: 2, query: 2, outcome: 2 }, retentionDays: 30 };

/**
 * A browser's clock may run ahead of the gateway's: a period is "today" until this long after the gateway's UTC
 * midnight. (A report for tomorrow with a clock 10 minutes fast, sent at 23:55, is not a poisoning attempt.)
 */
export const PERIOD_CLOCK_SKEW_MS = 10 * 60_000;

const DAY_MS = 86_400_000;

/** Checks the config's `privacy` section and fills its defaults. */
export function resolveReportPolicy(input: ReportPolicyInput | undefined): ReportPolicy {
  const raw = input?.epsilon;
  const epsilon = {} as Record<PolicyKind, number>;
  if (raw !== undefined && typeof raw !== 'number' && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    throw createError(ERROR_CODES.INVALID_OPTION, { field: 'config.privacy.epsilon', requirement: 'must be a number, or { "item": ε, "pair": ε, "query": ε, "outcome": ε }', got: raw });
  }
  for (const key of typeof raw === 'object' ? Object.keys(raw) : []) {
    if (!(POLICY_KINDS as readonly string[]).includes(key)) throw createError(ERROR_CODES.INVALID_OPTION, { field: `config.privacy.epsilon.${key}`, requirement: `is not a report kind (${POLICY_KINDS.join(', ')})` });
  }
  for (const kind of POLICY_KINDS) {
    const value = typeof raw === 'number' ? raw : (raw?.[kind] ?? DEFAULT_REPORT_POLICY.epsilon[kind]);
    epsilon[kind] = checkEpsilon(value, `config.privacy.epsilon.${kind}`);
  }
  const retentionDays = input?.retentionDays ?? DEFAULT_REPORT_POLICY.retentionDays;
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 366) {
    throw createError(ERROR_CODES.INVALID_OPTION, { field: 'config.privacy.retentionDays', requirement: 'must be an integer from 1 to 366', got: retentionDays });
  }
  return { epsilon, retentionDays };
}

/** The periods accepted at `nowMs`: UTC days from `from` to `to`, both included. */
export function acceptedPeriods(policy: ReportPolicy, nowMs: number): { from: string; to: string } {
  return { from: utcDay(nowMs - policy.retentionDays * DAY_MS), to: utcDay(nowMs + PERIOD_CLOCK_SKEW_MS) };
}

export type PolicyCheck = { ok: true } | { ok: false; field: 'eps' | 'period'; message: string };

/**
 * Whether the site accepts a report (already schema-checked) at `nowMs`; the message says why not. Never throws.
 * `window` may be given when many reports are checked at one time (it is `acceptedPeriods(policy, nowMs)`).
 */
export function checkReportPolicy(report: AggregateReport, policy: ReportPolicy, nowMs: number, window = acceptedPeriods(policy, nowMs)): PolicyCheck {
  const epsilon = policy.epsilon[report.kind];
  if (report.eps !== epsilon) {
    return { ok: false, field: 'eps', message: `edgereco: report.eps must be ${epsilon} for ${report.kind} reports on this site (got ${report.eps}): the site's ε per report kind is fixed (config privacy.epsilon)` };
  }
  const { from, to } = window;
  if (report.period < from || report.period > to) {
    const why = report.period > to ? 'it is in the future' : `it is older than the ${policy.retentionDays}-day retention`;
    return { ok: false, field: 'period', message: `edgereco: report.period ${report.period} is outside the periods this site accepts, ${from} to ${to} (UTC days): ${why}` };
  }
  return { ok: true };
}
