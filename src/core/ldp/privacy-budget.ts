import { createError, ERROR_CODES } from '../errors.js';
import { checkEpsilon } from './epsilon.js';

/**
 * The published privacy budget of one shopper's browser. Every report privatizes one value with `epsilonPerReport`;
 * reports on the same day compose sequentially, so at most `epsilonPerDay` is spent per UTC day. (Persisting the state
 * is the storage layer's job; these functions are pure.)
 */
export interface PrivacyBudgetPolicy {
  /** ε of one report. Default 2. */
  readonly epsilonPerReport: number;
  /** Total ε one browser may spend per UTC day. Default 4 (two reports). */
  readonly epsilonPerDay: number;
}

export const DEFAULT_PRIVACY_BUDGET: PrivacyBudgetPolicy = { epsilonPerReport: 2, epsilonPerDay: 4 };

/** What the browser has spent: today's total and a lifetime total (shown to the shopper through the API). */
export interface PrivacyBudgetState {
  readonly version: 1;
  /** The UTC day `spentToday` belongs to, `YYYY-MM-DD`. */
  readonly day: string;
  readonly spentToday: number;
  readonly reportsToday: number;
  readonly spentTotal: number;
  readonly reportsTotal: number;
}

export type BudgetSpend =
  | { readonly ok: true; readonly state: PrivacyBudgetState }
  | { readonly ok: false; readonly reason: 'daily_budget_spent'; readonly state: PrivacyBudgetState; readonly retryAtMs: number };

const DAY_MS = 86_400_000;
/** Floating-point slack, so that 4 reports of 0.1 fit in 0.4. */
const SLACK = 1e-9;

export function checkBudgetPolicy(policy: Partial<PrivacyBudgetPolicy> = {}): PrivacyBudgetPolicy {
  const epsilonPerReport = checkEpsilon(policy.epsilonPerReport ?? DEFAULT_PRIVACY_BUDGET.epsilonPerReport, 'privacy.epsilonPerReport');
  const epsilonPerDay = policy.epsilonPerDay ?? DEFAULT_PRIVACY_BUDGET.epsilonPerDay;
  if (typeof epsilonPerDay !== 'number' || !Number.isFinite(epsilonPerDay) || epsilonPerDay < epsilonPerReport || epsilonPerDay > 100) {
    throw createError(ERROR_CODES.INVALID_OPTION, { field: 'privacy.epsilonPerDay', requirement: `must be a number from privacy.epsilonPerReport (${epsilonPerReport}) to 100`, got: epsilonPerDay });
  }
  return { epsilonPerReport, epsilonPerDay };
}

/** The UTC day of a time, `YYYY-MM-DD`: the finest time granularity any report carries. */
export function utcDay(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

export function emptyBudgetState(nowMs: number): PrivacyBudgetState {
  return { version: 1, day: utcDay(nowMs), spentToday: 0, reportsToday: 0, spentTotal: 0, reportsTotal: 0 };
}

/** The state as of `nowMs`: a new day starts with nothing spent. */
export function budgetStateAt(state: PrivacyBudgetState | undefined, nowMs: number): PrivacyBudgetState {
  if (!state) return emptyBudgetState(nowMs);
  const day = utcDay(nowMs);
  return state.day === day ? state : { ...state, day, spentToday: 0, reportsToday: 0 };
}

/** ε still available today. */
export function remainingToday(policy: PrivacyBudgetPolicy, state: PrivacyBudgetState | undefined, nowMs: number): number {
  return Math.max(0, policy.epsilonPerDay - budgetStateAt(state, nowMs).spentToday);
}

/** Spends one report's ε if today's budget allows it; otherwise says when the next UTC day starts. */
export function spendBudget(policy: PrivacyBudgetPolicy, state: PrivacyBudgetState | undefined, nowMs: number): BudgetSpend {
  const current = budgetStateAt(state, nowMs);
  const epsilon = policy.epsilonPerReport;
  if (current.spentToday + epsilon > policy.epsilonPerDay + SLACK) {
    return { ok: false, reason: 'daily_budget_spent', state: current, retryAtMs: (Math.floor(nowMs / DAY_MS) + 1) * DAY_MS };
  }
  return {
    ok: true,
    state: {
      ...current,
      spentToday: current.spentToday + epsilon,
      reportsToday: current.reportsToday + 1,
      spentTotal: current.spentTotal + epsilon,
      reportsTotal: current.reportsTotal + 1,
    },
  };
}
