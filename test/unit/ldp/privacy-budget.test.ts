import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkBudgetPolicy, remainingToday, spendBudget, utcDay, type PrivacyBudgetState,
} from '../../../src/core/ldp/index.js';
import { EdgeRecoError } from '../../../src/core/errors.js';

const NOON = Date.UTC(2026, 10, 27, 12);
const DAY = 86_400_000;

describe('privacy budget', () => {
  it('allows epsilonPerDay / epsilonPerReport reports a day, then says when the next UTC day starts', () => {
    const policy = checkBudgetPolicy({ epsilonPerReport: 2, epsilonPerDay: 4 });
    let state: PrivacyBudgetState | undefined;
    for (let i = 0; i < 2; i++) {
      const spend = spendBudget(policy, state, NOON + i);
      expect(spend.ok).toBe(true);
      state = spend.state;
    }
    const refused = spendBudget(policy, state, NOON + 10);
    expect(refused).toMatchObject({ ok: false, reason: 'daily_budget_spent', retryAtMs: Date.UTC(2026, 10, 28) });
    expect(remainingToday(policy, state, NOON)).toBe(0);
    const tomorrow = spendBudget(policy, state, NOON + DAY);
    expect(tomorrow.ok).toBe(true);
    expect(tomorrow.state).toMatchObject({ day: '2026-11-28', spentToday: 2, reportsToday: 1, spentTotal: 6, reportsTotal: 3 });
  });

  it('never spends more than epsilonPerDay in any UTC day, whatever the timing of the attempts', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        fc.double({ min: 1, max: 20, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: 3 * DAY }), { maxLength: 200 }),
        (perReport, ratio, offsets) => {
          const policy = checkBudgetPolicy({ epsilonPerReport: perReport, epsilonPerDay: perReport * ratio });
          let state: PrivacyBudgetState | undefined;
          const spentPerDay = new Map<string, number>();
          for (const t of [...offsets].sort((a, b) => a - b)) {
            const spend = spendBudget(policy, state, NOON + t);
            state = spend.state;
            if (spend.ok) spentPerDay.set(utcDay(NOON + t), (spentPerDay.get(utcDay(NOON + t)) ?? 0) + perReport);
          }
          for (const spent of spentPerDay.values()) expect(spent).toBeLessThanOrEqual(policy.epsilonPerDay + 1e-9);
        },
      ),
      { seed: 5, numRuns: 100 },
    );
  });

  it('refuses a daily budget below one report, or a bad ε, with a typed error naming the field', () => {
    expect(() => checkBudgetPolicy({ epsilonPerReport: 2, epsilonPerDay: 1 })).toThrow(/privacy\.epsilonPerDay/);
    expect(() => checkBudgetPolicy({ epsilonPerReport: 0 })).toThrow(EdgeRecoError);
    expect(checkBudgetPolicy()).toEqual({ epsilonPerReport: 2, epsilonPerDay: 4 });
  });

  it('reports only the UTC day, never a finer time', () => {
    expect(utcDay(Date.UTC(2026, 0, 2, 23, 59, 59, 999))).toBe('2026-01-02');
  });
});
