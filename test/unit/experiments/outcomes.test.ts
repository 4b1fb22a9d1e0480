import { describe, expect, it } from 'vitest';
import { newListAttributionId, listAttributionTime } from '../../../src/core/attribution-id.js';
import { validateEvent, type BehaviourEvent, type TrackInput } from '../../../src/core/index.js';
import { OUTCOME_LEVELS } from '../../../src/core/experiment-outcome.js';
import type { Experiment } from '../../../src/core/experiments.js';
import { checkAggregateReport, grrParams, seededRandom, utcDay, type OutcomeWireReport } from '../../../src/core/ldp/index.js';
import { buildReports } from '../../../src/sync/build-reports.js';
import { outcomeDraft } from '../../../src/sync/outcome-draft.js';
import { periodOutcome } from '../../../src/sync/period-outcome.js';

const NOW = Date.UTC(2026, 10, 27, 15, 30);
const DAY = 86_400_000;
const Y = NOW - DAY; // yesterday, 15:30 UTC
const PERIOD = utcDay(Y);
const H = 3_600_000;
const AB: Experiment = { id: 'reco-v1', arms: [{ name: 'baseline', weight: 1, recommender: 'baseline' }, { name: 'model', weight: 1 }] };

function ev(input: TrackInput, ts: number): BehaviourEvent {
  return validateEvent({ ...input, ts } as TrackInput, undefined, NOW);
}

const level = (events: BehaviourEvent[], since = Y - 10 * DAY) => periodOutcome(events, PERIOD, AB, since, seededRandom(1));

describe('a shopper-day\'s outcome from the local log', () => {
  it('edgereco list ids carry the time the list was made; other ids are not lists', () => {
    const id = newListAttributionId(Y);
    expect(id).toMatch(/^er-[0-9a-f-]{36}$/);
    expect(listAttributionTime(id)).toBe(Y);
    expect(listAttributionTime('0190a6b2-0000-7000-8000-000000000000')).toBeNull();
    expect(listAttributionTime('er-not-a-uuid')).toBeNull();
    expect(listAttributionTime(undefined)).toBeNull();
  });

  it('goes through the funnel: active, exposed, engaged, carted, bought (by revenue)', () => {
    const list = newListAttributionId(Y - H);
    const seen = ev({ type: 'impression', itemIds: ['a', 'b'], listId: 'home', attributionId: list }, Y - H);
    expect(level([ev({ type: 'view', itemId: 'a' }, Y)])).toBe(OUTCOME_LEVELS.notExposed);
    expect(level([seen])).toBe(OUTCOME_LEVELS.exposed);
    const click = ev({ type: 'click', itemId: 'a', position: 0, listId: 'home', attributionId: list }, Y);
    expect(level([seen, click])).toBe(OUTCOME_LEVELS.engaged);
    // An add-to-cart without the id still counts: the item was clicked through the list within the window.
    expect(level([seen, click, ev({ type: 'add_to_cart', itemId: 'a' }, Y + 1)])).toBe(OUTCOME_LEVELS.carted);
    expect(level([seen, click, ev({ type: 'add_to_cart', itemId: 'zzz' }, Y + 1)])).toBe(OUTCOME_LEVELS.engaged);
    const buy = (price: number) => ev({ type: 'purchase', lines: [{ itemId: 'a', quantity: 2, price, currency: 'GBP' }, { itemId: 'other', quantity: 1, price: 1000, currency: 'GBP' }] }, Y + 2);
    // Only the attributed line counts: 2 × 25 = 50, exactly the second bucket.
    expect(level([seen, click, buy(25)])).toBe(OUTCOME_LEVELS.purchased + 1);
    expect(level([seen, click, buy(1)])).toBe(OUTCOME_LEVELS.purchased);
  });

  it('counts an action only within the attribution window, and nothing from before the shopper entered the experiment', () => {
    const old = newListAttributionId(Y - 30 * H);
    const late = ev({ type: 'click', itemId: 'a', position: 0, listId: 'home', attributionId: old }, Y);
    expect(level([late])).toBe(OUTCOME_LEVELS.notExposed);
    expect(periodOutcome([late], PERIOD, { ...AB, attributionHours: 48 }, Y - 10 * DAY, seededRandom(1))).toBe(OUTCOME_LEVELS.engaged);
    const list = newListAttributionId(Y - H);
    const events = [ev({ type: 'impression', itemIds: ['a'], listId: 'home', attributionId: list }, Y - H), ev({ type: 'view', itemId: 'a' }, Y)];
    // Entered after the list was shown: that list is not the experiment's.
    expect(level(events, Y - 30 * 60_000)).toBe(OUTCOME_LEVELS.notExposed);
    // Entered after the day's last event: no outcome that day.
    expect(level(events, Y + H)).toBeNull();
    // A search result's id (a plain UUID) is not a list.
    expect(level([ev({ type: 'click', itemId: 'a', position: 0, listId: 'search', attributionId: '0190a6b2-0000-7000-8000-000000000000' }, Y)])).toBe(OUTCOME_LEVELS.notExposed);
  });
});

describe('outcome reports in the day\'s budget', () => {
  const list = newListAttributionId(Y - H);
  const day = [
    ev({ type: 'impression', itemIds: ['mug', 'tea'], listId: 'home', attributionId: list }, Y - H),
    ev({ type: 'click', itemId: 'mug', position: 0, listId: 'home', attributionId: list }, Y),
    ev({ type: 'view', itemId: 'mug' }, Y + 1),
  ];
  const source = { experiments: [AB], assignments: [{ experiment: 'reco-v1', arm: 'model', u: 0.7, since: Y - 10 * DAY }] };
  const ctx = (seed: number) => {
    let n = 0;
    return { nowMs: NOW, policy: { epsilonPerReport: 2, epsilonPerDay: 4 }, random: seededRandom(seed), newId: () => `report-id-${String(++n).padStart(8, '0')}`, outcomes: source };
  };

  it('reports the outcome first, then an item, within ε = 4 a day; the arm is only inside the scrambled value', () => {
    const commit = buildReports(day, { budget: undefined, reportedThrough: undefined }, ctx(1))!;
    expect(commit.records.map((r) => r.report.kind)).toEqual(['outcome', 'item']);
    expect(commit.budget).toMatchObject({ spentToday: 4, reportsToday: 2 });
    const report = commit.records[0]!.report as OutcomeWireReport;
    expect(checkAggregateReport(report)).toMatchObject({ ok: true });
    expect(Object.keys(report)).toEqual(['v', 'id', 'period', 'kind', 'eps', 'mech', 'exp', 'd', 'y']);
    expect(report).toMatchObject({ v: 2, period: PERIOD, kind: 'outcome', eps: 2, mech: 'grr', exp: 'reco-v1', d: 14 });
    const wire = JSON.stringify(commit.records.map((r) => r.report));
    expect(wire).not.toMatch(/model|baseline|mug|tea|er-|home/);
  });

  it('a day with impressions only sends its outcome alone; without an experiment, nothing', () => {
    const only = [day[0]!];
    const commit = buildReports(only, { budget: undefined, reportedThrough: undefined }, ctx(2))!;
    expect(commit.records.map((r) => r.report.kind)).toEqual(['outcome']);
    expect(commit.budget.spentToday).toBe(2);
    expect(buildReports(only, { budget: undefined, reportedThrough: undefined }, { ...ctx(2), outcomes: null })!.records).toEqual([]);
  });

  it('with tokens and a relay, the outcome report pays its own token and leaves at its own random time, like the others', () => {
    const held = [{ token: 't1', key: 'k' }, { token: 't2', key: 'k' }, { token: 't3', key: 'k' }];
    const commit = buildReports(day, { budget: undefined, reportedThrough: undefined, tokens: held }, { ...ctx(5), tokens: true, sendWithinMs: 86_400_000 })!;
    expect(commit.records.map((r) => [r.report.kind, r.token])).toEqual([['outcome', 't1'], ['item', 't2']]);
    expect(commit.tokens).toEqual([held[2]]);
    for (const r of commit.records) expect(r.notBefore).toBeGreaterThan(NOW);
  });

  it('with half the day\'s budget left, only the outcome is sent', () => {
    const half = { version: 1 as const, day: utcDay(NOW), spentToday: 2, reportsToday: 1, spentTotal: 2, reportsTotal: 1 };
    expect(buildReports(day, { budget: half, reportedThrough: undefined }, ctx(3))!.records.map((r) => r.report.kind)).toEqual(['outcome']);
  });

  it('the true value is (arm, level), and the report keeps it with probability e^ε / (e^ε + 13)', () => {
    const draft = outcomeDraft(day, PERIOD, source, seededRandom(4))!;
    expect(draft).toEqual({ experiment: 'reco-v1', d: 14, value: 7 + OUTCOME_LEVELS.engaged });
    let kept = 0;
    const runs = 5000;
    for (let i = 0; i < runs; i++) {
      const report = buildReports(day, { budget: undefined, reportedThrough: undefined }, ctx(100 + i))!.records[0]!.report as OutcomeWireReport;
      if (report.y === draft.value) kept++;
    }
    const p = grrParams(2, 14).p;
    expect(Math.abs(kept - runs * p)).toBeLessThan(4.5 * Math.sqrt(runs * p * (1 - p)));
  });
});

describe('the outcome report on the wire', () => {
  const good = { v: 2, id: 'report-id-0000000001', period: '2026-11-26', kind: 'outcome', eps: 2, mech: 'grr', exp: 'reco-v1', d: 14, y: 3 };
  it('refuses anything but the exact fields, an arm name included', () => {
    expect(checkAggregateReport(good)).toMatchObject({ ok: true });
    for (const [bad, field] of [
      [{ ...good, arm: 'model' }, 'arm'],
      [{ ...good, y: 14 }, 'y'],
      [{ ...good, d: 65 }, 'd'],
      [{ ...good, exp: 'a b' }, 'exp'],
      [{ ...good, kind: 'item' }, 'kind'],
      [{ ...good, eps: 0 }, 'eps'],
      [{ ...good, user: 'u1' }, 'user'],
    ] as const) {
      expect(checkAggregateReport(bad)).toMatchObject({ ok: false, field });
    }
    const { y: _, ...missing } = good;
    expect(checkAggregateReport(missing)).toMatchObject({ ok: false, field: 'y' });
  });
});
