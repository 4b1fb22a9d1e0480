import { describe, expect, it } from 'vitest';
import { assignArms, parseAssignments } from '../../../src/core/arm-assignment.js';
import { EdgeRecoError } from '../../../src/core/errors.js';
import { outcomeDomain, outcomeValue, revenueLevel } from '../../../src/core/experiment-outcome.js';
import { checkExperiments, controlArm, pickArm, type Experiment } from '../../../src/core/experiments.js';
import { seededRandom } from '../../../src/core/ldp/index.js';

const AB: Experiment = { id: 'reco-v1', arms: [{ name: 'baseline', weight: 1, recommender: 'baseline' }, { name: 'model', weight: 1 }] };

describe('experiment definitions', () => {
  it('accepts { id, arms: [{ name, weight, recommender, rules }] } and names the field of a mistake', () => {
    expect(checkExperiments([AB])).toEqual([AB]);
    const cases: [unknown, RegExp][] = [
      [{}, /options\.experiments must be an array/],
      [[{ id: 'a b', arms: AB.arms }], /options\.experiments\[0\]\.id must be 1 to 64 characters/],
      [[{ id: 'x', arms: [AB.arms[0]] }], /arms must be an array of 2 to 4 arms/],
      [[{ id: 'x', arms: [AB.arms[0], { ...AB.arms[1], weight: 0 }] }], /arms\[1\]\.weight must be a number > 0/],
      [[{ id: 'x', arms: [AB.arms[0], { ...AB.arms[1], recommender: 'magic' }] }], /arms\[1\]\.recommender must be one of model, baseline, store, off \(got "magic"\)/],
      [[{ id: 'x', arms: [AB.arms[0], { ...AB.arms[1], colour: 'red' }] }], /arms\[1\]\.colour is not a setting of an arm/],
      [[{ id: 'x', arms: [AB.arms[0], { ...AB.arms[1], rules: { maxPerBrand: 0 } }] }], /options\.experiments\[0\]\.arms\[1\]\.rules\.maxPerBrand must be an integer/],
      [[{ id: 'x', arms: [AB.arms[0], { ...AB.arms[0] }] }], /distinct names/],
      [[{ ...AB, control: 'nope' }], /control must name one of the arms/],
      [[{ ...AB, revenueBuckets: [50, 10] }], /revenueBuckets must be 1 to 4 increasing numbers/],
      [[AB, AB], /is used by another experiment/],
    ];
    for (const [value, message] of cases) {
      const error = (() => { try { checkExperiments(value); } catch (e) { return e; } })() as EdgeRecoError;
      expect(error).toBeInstanceOf(EdgeRecoError);
      expect(error.code).toBe('INVALID_OPTION');
      expect(error.message).toMatch(message);
    }
  });

  it('the control is `control` or the first arm; a draw falls in an arm by weight', () => {
    expect(controlArm(AB)).toBe('baseline');
    expect(controlArm({ ...AB, control: 'model' })).toBe('model');
    const weighted: Experiment = { id: 'w', arms: [{ name: 'a', weight: 1 }, { name: 'b', weight: 3 }] };
    expect(pickArm(weighted, 0.2).name).toBe('a');
    expect(pickArm(weighted, 0.3).name).toBe('b');
    const random = seededRandom(1);
    let b = 0;
    for (let i = 0; i < 40_000; i++) if (pickArm(weighted, random()).name === 'b') b++;
    expect(Math.abs(b - 30_000)).toBeLessThan(4.5 * Math.sqrt(40_000 * 0.75 * 0.25));
  });

  it('keeps a device\'s arm when the weights change, draws a new one only for a new experiment or a removed arm', () => {
    const random = seededRandom(2);
    const first = assignArms([AB], [], 1000, random);
    expect(first.changed).toBe(true);
    const [a] = first.assignments;
    expect(a).toMatchObject({ experiment: 'reco-v1', since: 1000 });
    const again = assignArms([{ ...AB, arms: AB.arms.map((arm) => ({ ...arm, weight: arm.name === a!.arm ? 0.001 : 1000 })) }], first.assignments, 5000, random);
    expect(again).toEqual({ assignments: first.assignments, changed: false });
    const renamed = assignArms([{ ...AB, arms: [{ name: 'x', weight: 1 }, { name: 'y', weight: 1 }] }], first.assignments, 6000, random);
    expect(renamed.changed).toBe(true);
    expect(renamed.assignments[0]).toMatchObject({ since: 6000 });
    expect(['x', 'y']).toContain(renamed.assignments[0]!.arm);
    expect(parseAssignments({ version: 1, assignments: first.assignments })).toEqual(first.assignments);
    expect(parseAssignments({ version: 2, assignments: first.assignments })).toEqual([]);
    expect(parseAssignments('junk')).toEqual([]);
  });

  it('lays out the privatized value as arm × level (14 values for two arms and three revenue buckets)', () => {
    expect(outcomeDomain(AB)).toBe(14);
    expect(outcomeValue(AB, 1, 2)).toBe(9);
    expect(outcomeDomain({ ...AB, revenueBuckets: [20] })).toBe(10);
  });

  it('rounds revenue at random to its neighbouring buckets, keeping its mean within the buckets\' range', () => {
    const random = seededRandom(4);
    for (const revenue of [5, 10, 30, 123, 200, 999]) {
      let sum = 0;
      const n = 20_000;
      for (let i = 0; i < n; i++) sum += [10, 50, 200][revenueLevel(AB, revenue, random) - 4]!;
      const expected = Math.min(200, Math.max(10, revenue));
      expect(Math.abs(sum / n - expected)).toBeLessThan(expected === revenue && revenue > 10 && revenue < 200 ? 2.5 : 1e-9);
    }
  });
});
