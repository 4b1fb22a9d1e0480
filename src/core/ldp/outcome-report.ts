import { EPSILON_LIMITS } from './epsilon.js';
import { GRR_MAX_DOMAIN } from './grr.js';

/** The report kind of experiment outcomes (its ε is the site's `privacy.epsilon.outcome`). */
export const OUTCOME_KIND = 'outcome';

/**
 * An experiment outcome report (report v2, `kind: "outcome"`): one shopper-day's (arm, outcome level) privatized with
 * randomized response over the experiment's public domain of `d` values (src/core/experiment-outcome.ts). `exp` is the
 * experiment's id, chosen by the store and the same for every shopper; the arm travels only inside `y`, scrambled
 * like the outcome. No user id, no raw event, no time finer than the day.
 */
export interface OutcomeWireReport {
  v: 2;
  id: string;
  period: string;
  kind: typeof OUTCOME_KIND;
  eps: number;
  mech: 'grr';
  /** The experiment's id. */
  exp: string;
  /** Domain size: arms × outcome levels. */
  d: number;
  /** The privatized value in [0, d). */
  y: number;
}

const FIELDS: readonly string[] = ['v', 'id', 'period', 'kind', 'eps', 'mech', 'exp', 'd', 'y'];
const EXPERIMENT_ID = /^[A-Za-z0-9_.-]{1,64}$/;

export type OutcomeCheck = { ok: true; report: OutcomeWireReport } | { ok: false; field: string; message: string };

function fail(field: string, message: string): OutcomeCheck {
  return { ok: false, field, message: `edgereco: report.${field} ${message}` };
}

/**
 * Checks an untrusted outcome report (`mech: "grr"`) field by field: exact field set, types, ranges. `validId` and
 * `validPeriod` are the report schema's own checks (aggregate-report.ts), shared by every kind.
 */
export function checkOutcomeReport(r: Record<string, unknown>, validId: (v: unknown) => boolean, validPeriod: (v: unknown) => boolean): OutcomeCheck {
  const keys = Object.keys(r);
  for (const key of keys) if (!FIELDS.includes(key)) return fail(key.slice(0, 40), 'is not a field of an outcome report');
  if (keys.length !== FIELDS.length) return fail(FIELDS.find((k) => !keys.includes(k)) ?? '', 'is missing');
  if (!validId(r.id)) return fail('id', 'must be 16 to 64 characters of A-Z, a-z, 0-9, _ or -');
  if (!validPeriod(r.period)) return fail('period', 'must be a UTC day, YYYY-MM-DD');
  if (r.kind !== OUTCOME_KIND) return fail('kind', `must be "${OUTCOME_KIND}" for a grr report`);
  const eps = r.eps;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < EPSILON_LIMITS.min || eps > EPSILON_LIMITS.max) {
    return fail('eps', `must be a number from ${EPSILON_LIMITS.min} to ${EPSILON_LIMITS.max}`);
  }
  if (typeof r.exp !== 'string' || !EXPERIMENT_ID.test(r.exp)) return fail('exp', 'must be an experiment id, 1 to 64 characters of A-Z, a-z, 0-9, _, . or -');
  const d = r.d;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 2 || d > GRR_MAX_DOMAIN) return fail('d', `must be an integer from 2 to ${GRR_MAX_DOMAIN}`);
  if (typeof r.y !== 'number' || !Number.isInteger(r.y) || r.y < 0 || r.y >= d) return fail('y', `must be an integer from 0 to ${d - 1}`);
  return { ok: true, report: r as unknown as OutcomeWireReport };
}

/** The outcome report with its fields in the wire format's order. */
export function canonicalOutcome(r: OutcomeWireReport): OutcomeWireReport {
  return { v: r.v, id: r.id, period: r.period, kind: r.kind, eps: r.eps, mech: r.mech, exp: r.exp, d: r.d, y: r.y };
}
