import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outcomeDomain, outcomeValue, OUTCOME_LEVELS } from '../../../src/core/experiment-outcome.js';
import type { Experiment } from '../../../src/core/experiments.js';
import { grrParams, grrPerturb, seededRandom, utcDay, type OutcomeWireReport } from '../../../src/core/ldp/index.js';
import { estimateOutcomes } from '../../../src/core/outcome-estimate.js';
import { ReportAggregator } from '../../../gateway/aggregator.js';
import { AggregatorStore } from '../../../gateway/aggregator-store.js';
import { buildEstimates, estimatesFromStore, parseEstimates } from '../../../gateway/experiment-estimates.js';
import { PartitionFold } from '../../../gateway/partition-fold.js';
import { DEFAULT_REPORT_POLICY } from '../../../gateway/report-policy.js';

const AB: Experiment = { id: 'reco-v1', arms: [{ name: 'baseline', weight: 1, recommender: 'baseline' }, { name: 'model', weight: 1 }] };
const NOW = Date.UTC(2026, 10, 27, 12);
const DAY = 86_400_000;
const work = mkdtempSync(join(tmpdir(), 'edgereco-estimates-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A shopper's true level in an arm: exposed with `exposure`, then clicks with `ctr`, buys (bucket 1) with `buy`. */
function shopperLevel(random: () => number, ctr: number, buy: number): number {
  if (random() < 0.2) return OUTCOME_LEVELS.notExposed;
  const u = random();
  if (u < buy) return OUTCOME_LEVELS.purchased + 1;
  return u < ctr ? OUTCOME_LEVELS.engaged : OUTCOME_LEVELS.exposed;
}

function report(value: number, random: () => number, n: number, period: string): OutcomeWireReport {
  const d = outcomeDomain(AB);
  return { v: 2, id: `outcome-report-${String(n).padStart(10, '0')}`, period, kind: 'outcome', eps: 2, mech: 'grr', exp: AB.id, d, y: grrPerturb(value, grrParams(2, d), random) };
}

describe('experiment estimates from privatized outcomes', () => {
  it('covers the true lift with its 95% interval (privacy and sampling noise), and the rates are unbiased', () => {
    const runs = 200;
    let covered = 0;
    const errors: number[] = [];
    const params = grrParams(2, outcomeDomain(AB));
    for (let run = 0; run < runs; run++) {
      const random = seededRandom(1000 + run);
      const counts = new Float64Array(params.d);
      for (let i = 0; i < 6000; i++) {
        const arm = random() < 0.5 ? 0 : 1;
        const value = outcomeValue(AB, arm, shopperLevel(random, arm === 0 ? 0.05 : 0.1, arm === 0 ? 0.01 : 0.02));
        counts[grrPerturb(value, params, random)]! += 1;
      }
      const est = estimateOutcomes(AB, [{ counts, params }]);
      const lift = est.lift[0]!.absolute.clickThrough!;
      if (lift.low <= 0.05 && 0.05 <= lift.high) covered++;
      errors.push(est.arms[1]!.rates.clickThrough!.estimate - 0.1);
      expect(est.lift[0]).toMatchObject({ arm: 'model', control: 'baseline' });
      expect(lift.se).toBeGreaterThan(lift.privacySe);
    }
    expect(covered).toBeGreaterThanOrEqual(180); // 95% of 200 is 190; 180 is 2.6 binomial sd below
    const bias = errors.reduce((a, b) => a + b, 0) / runs;
    const sd = Math.sqrt(errors.reduce((s, e) => s + (e - bias) ** 2, 0) / (runs - 1));
    expect(Math.abs(bias)).toBeLessThan(4 * sd / Math.sqrt(runs));
  });

  it('folds outcome reports per (experiment, day) in the aggregator, through its state file, into the versioned estimates', async () => {
    const random = seededRandom(7);
    const agg = new ReportAggregator(DEFAULT_REPORT_POLICY, () => NOW);
    const periods = [utcDay(NOW - 2 * DAY), utcDay(NOW - DAY)];
    let n = 0;
    for (const period of periods) {
      for (let i = 0; i < 3000; i++) {
        const arm = i % 2;
        expect(agg.add(report(outcomeValue(AB, arm, shopperLevel(random, arm ? 0.3 : 0.1, 0.05)), random, n++, period))).toBe('counted');
      }
    }
    // Another ε than the site's is refused, like any report kind's; a resend is a duplicate.
    expect(agg.add({ ...report(3, random, n, periods[1]!), eps: 4 })).toBe('refused');
    expect(agg.add(report(3, random, 5, periods[0]!))).toBe('duplicate');

    const store = new AggregatorStore(join(work, 'state'), 'edgereco-reports');
    const fold = new PartitionFold(0, DEFAULT_REPORT_POLICY);
    const random2 = seededRandom(7);
    n = 0;
    for (const period of periods) {
      for (let i = 0; i < 3000; i++) {
        const arm = i % 2;
        fold.fold(n, report(outcomeValue(AB, arm, shopperLevel(random2, arm ? 0.3 : 0.1, 0.05)), random2, n, period), NOW);
        n++;
      }
    }
    await fold.checkpoint(store, NOW);
    const fromStore = await estimatesFromStore(store, [AB], 31, NOW);
    const reloaded = await PartitionFold.load(store, 0, DEFAULT_REPORT_POLICY);
    expect([...reloaded.states.values()].map((s) => [...s.outcomes.values()][0]!.reports)).toEqual([3000, 3000]);
    const file = buildEstimates([...fold.states.values()].map((s) => s.toSketches()), [AB], 31, NOW);
    expect(JSON.stringify(fromStore)).toBe(JSON.stringify(file));
    expect(parseEstimates(JSON.parse(JSON.stringify(file)))).toMatchObject({ format: 'edgereco-experiment-estimates', version: 1 });
    expect(() => parseEstimates({ ...file, version: 2 })).toThrow(/version 2 is not supported/);
    const [e] = file.experiments;
    expect(e).toMatchObject({ id: 'reco-v1', control: 'baseline', arms: ['baseline', 'model'], reports: 6000, epsilon: [2], window: { from: periods[0], to: periods[1] } });
    expect(e!.daily.map((x) => x.period)).toEqual(periods);
    expect(e!.cumulative.map((x) => x.reports)).toEqual([3000, 6000]);
    const ctr = e!.window.arms.map((a) => a.rates.clickThrough!);
    // True click-through per exposed shopper-day: 0.1 and 0.3 (a purchase is also a click-through).
    expect([ctr[0]!.low, ctr[0]!.high]).toSatisfy(([lo, hi]: number[]) => lo! < 0.1 && 0.1 < hi!);
    expect([ctr[1]!.low, ctr[1]!.high]).toSatisfy(([lo, hi]: number[]) => lo! < 0.3 && 0.3 < hi!);
    const lift = e!.window.lift[0]!.absolute.clickThrough!;
    expect(lift.low).toBeGreaterThan(0);
  });
});
