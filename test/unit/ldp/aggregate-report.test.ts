import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkAggregateReport, itemKey, olhParams, olhPerturb, seededRandom, type AggregateReport,
} from '../../../src/core/ldp/index.js';

const arbitraryReport: fc.Arbitrary<AggregateReport> = fc
  .record({
    epsilon: fc.double({ min: 0.1, max: 10, noNaN: true }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    id: fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/),
    kind: fc.constantFrom('item' as const, 'pair' as const, 'query' as const),
  })
  .map(({ epsilon, seed, id, kind }) => {
    const random = seededRandom(seed);
    const base = { v: 2 as const, id, period: '2026-11-27', kind, eps: epsilon };
    const params = olhParams(epsilon);
    const { seed: s, value } = olhPerturb(itemKey(`sku-${seed}`), params, random);
    return { ...base, mech: 'olh' as const, g: params.g, seed: s, y: value };
  });

describe('aggregate report v2', () => {
  it('accepts every report the SDK\'s mechanisms produce', () => {
    fc.assert(fc.property(arbitraryReport, (report) => {
      expect(checkAggregateReport(report)).toEqual({ ok: true, report });
    }), { seed: 1, numRuns: 300 });
  });

  it('refuses a report with any one field replaced by a value of the wrong type, or with an extra field', () => {
    // No field of a report is null, a boolean, an array or an object, so each of these replacements must be refused.
    const wrongType = fc.oneof(fc.constant(null), fc.boolean(), fc.array(fc.jsonValue(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }));
    fc.assert(
      fc.property(arbitraryReport, fc.nat(), wrongType, fc.string({ minLength: 1, maxLength: 12 }), (report, pick, value, extra) => {
        const keys = Object.keys(report);
        const key = keys[pick % keys.length] as string;
        expect(checkAggregateReport({ ...report, [key]: value })).toMatchObject({ ok: false, field: key });
        if (!keys.includes(extra)) expect(checkAggregateReport({ ...report, [extra]: 1 }).ok).toBe(false);
        const { [key]: _dropped, ...missing } = report as unknown as Record<string, unknown>;
        expect(checkAggregateReport(missing).ok).toBe(false);
      }),
      { seed: 2, numRuns: 500 },
    );
  });

  it('refuses a version 1 report (a random 32-bit seed) and a seed outside the family, saying what to do', () => {
    const ok = fc.sample(arbitraryReport, { seed: 4, numRuns: 1 })[0]!;
    const v1 = checkAggregateReport({ ...ok, v: 1, seed: 3_000_000_000 });
    expect(v1).toMatchObject({ ok: false, field: 'v' });
    expect(v1.ok === false && v1.message).toMatch(/^edgereco: report\.v is 1: .*no longer accepted.*version 2 \(update the edgereco SDK\)/);
    const { seeds } = olhParams(ok.eps);
    expect(checkAggregateReport({ ...ok, seed: seeds - 1 }).ok).toBe(true);
    expect(checkAggregateReport({ ...ok, seed: seeds })).toMatchObject({ ok: false, field: 'seed' });
  });

  it('refuses a Hadamard-response report, which earlier gateways accepted and then dropped, saying so', () => {
    const hadamard = { v: 2, id: 'hadamard-report-0001', period: '2026-11-27', kind: 'item', eps: 2, mech: 'hadamard', domain: 'vocab-1', size: 1024, col: 7, bit: 1 };
    const check = checkAggregateReport(hadamard);
    expect(check).toMatchObject({ ok: false, field: 'mech' });
    expect(check.ok === false && check.message).toMatch(/^edgereco: report\.mech is "hadamard": .*not accepted.*"olh"/);
  });

  it('refuses own __proto__ keys, huge numbers and timestamps finer than a day', () => {
    const ok = fc.sample(arbitraryReport, { seed: 3, numRuns: 1 })[0] as AggregateReport;
    expect(checkAggregateReport(JSON.parse(`{"__proto__":{},${JSON.stringify(ok).slice(1)}`)).ok).toBe(false);
    expect(checkAggregateReport({ ...ok, eps: Number('1e400') }).ok).toBe(false);
    expect(checkAggregateReport({ ...ok, period: '2026-11-27T12:00' }).ok).toBe(false);
    expect(checkAggregateReport({ ...ok, period: '2026-02-30' }).ok).toBe(false);
  });
});
