import { describe, expect, it } from 'vitest';
import { validateEvent, type BehaviourEvent, type TrackInput } from '../../../src/core/index.js';
import { checkAggregateReport, itemKey, olhParams, olhSupports, pairKey, queryKey, seededRandom, utcDay } from '../../../src/core/ldp/index.js';
import { buildReports, nextPeriod, periodValues } from '../../../src/sync/build-reports.js';

const NOW = Date.UTC(2026, 10, 27, 15, 30);
const YESTERDAY = NOW - 86_400_000;
const policy = { epsilonPerReport: 2, epsilonPerDay: 4 };

function ev(input: TrackInput, ts: number): BehaviourEvent {
  return validateEvent({ ...input, ts } as TrackInput, undefined, NOW);
}

function ctx(seed = 1) {
  let n = 0;
  return { nowMs: NOW, policy, random: seededRandom(seed), newId: () => `report-id-${String(++n).padStart(8, '0')}-${seed}` };
}

const day = [
  ev({ type: 'view', itemId: 'mug' }, YESTERDAY),
  ev({ type: 'search', query: '  Red  MUG ', resultCount: 3 }, YESTERDAY + 1),
  ev({ type: 'purchase', lines: [{ itemId: 'mug', quantity: 1, price: 5, currency: 'GBP' }, { itemId: 'tea', quantity: 1, price: 3, currency: 'GBP' }] }, YESTERDAY + 2),
  ev({ type: 'view', itemId: 'today-only' }, NOW - 1000),
];

describe('buildReports', () => {
  it('reports only a finished period, within the day budget, as valid v1 OLH reports with no finer time than the day', () => {
    const commit = buildReports(day, { budget: undefined, reportedThrough: undefined }, ctx())!;
    expect(commit.reportedThrough).toBe(utcDay(YESTERDAY));
    expect(commit.records).toHaveLength(2); // 4 / 2
    expect(commit.budget).toMatchObject({ day: utcDay(NOW), spentToday: 4, reportsToday: 2, spentTotal: 4 });
    expect(commit.records[0]!.report.kind).toBe('item');
    for (const { id, period, attempts, report } of commit.records) {
      expect(checkAggregateReport(report)).toMatchObject({ ok: true });
      expect(Object.keys(report).sort()).toEqual(['eps', 'g', 'id', 'kind', 'mech', 'period', 'seed', 'v', 'y']);
      expect({ id, period, attempts }).toEqual({ id: report.id, period: utcDay(YESTERDAY), attempts: 0 });
      expect(JSON.stringify(report)).not.toMatch(/mug|tea|today|T\d\d:/);
    }
  });

  it('builds nothing for today, nothing for a period already reported, and nothing once the day budget is spent', () => {
    expect(buildReports([day[3]!], { budget: undefined, reportedThrough: undefined }, ctx())).toBeNull();
    expect(buildReports(day, { budget: undefined, reportedThrough: utcDay(YESTERDAY) }, ctx())).toBeNull();
    const spent = { version: 1 as const, day: utcDay(NOW), spentToday: 4, reportsToday: 2, spentTotal: 10, reportsTotal: 5 };
    expect(buildReports(day, { budget: spent, reportedThrough: undefined }, ctx())).toBeNull();
    const half = { ...spent, spentToday: 2, reportsToday: 1 };
    expect(buildReports(day, { budget: half, reportedThrough: undefined }, ctx())!.records).toHaveLength(1);
  });

  it('skips older unreported periods for the latest finished one (never more than a day budget at once)', () => {
    const old = [ev({ type: 'view', itemId: 'a' }, YESTERDAY - 3 * 86_400_000), ...day];
    expect(nextPeriod(old, NOW, undefined)).toBe(utcDay(YESTERDAY));
    expect(nextPeriod(old, NOW, utcDay(YESTERDAY))).toBeNull();
  });

  it('collects items, bought-together pairs and normalized queries; a report kind does not depend on what the shopper did', () => {
    const values = periodValues(day.slice(0, 3));
    expect(new Set(values.item)).toEqual(new Set([itemKey('mug'), itemKey('tea')]));
    expect(values.pair).toEqual([pairKey('tea', 'mug')]);
    expect(values.query).toEqual([queryKey('red mug')]);
    // A shopper with only a view still sends a second report of a coin-flipped kind (a random key when it has none).
    const kinds = new Map<string, number>();
    for (let seed = 1; seed <= 400; seed++) {
      const commit = buildReports([day[0]!], { budget: undefined, reportedThrough: undefined }, ctx(seed))!;
      expect(commit.records).toHaveLength(2);
      const kind = commit.records[1]!.report.kind;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    expect(kinds.get('pair')! + kinds.get('query')!).toBe(400);
    expect(kinds.get('pair')!).toBeGreaterThan(150);
    expect(kinds.get('query')!).toBeGreaterThan(150);
  });

  it('privatizes: the item report supports the true item with probability p (not always, not never)', () => {
    const params = olhParams(2);
    let support = 0;
    const n = 3000;
    for (let seed = 1; seed <= n; seed++) {
      const r = buildReports([day[0]!], { budget: undefined, reportedThrough: undefined }, ctx(seed))!.records[0]!.report;
      if (r.mech === 'olh' && olhSupports({ seed: r.seed, value: r.y }, itemKey('mug'), r.g)) support++;
    }
    // The reported bucket is the true one with probability p (≈ 0.51 at ε = 2); any other bucket never supports it.
    expect(support / n).toBeGreaterThan(params.p - 0.04);
    expect(support / n).toBeLessThan(params.p + 0.04);
  });
});
