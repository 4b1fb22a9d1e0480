import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRanking } from '../../../models/cli/evaluation/evaluate-ranking.js';
import { itemKnnScorer } from '../../../models/cli/evaluation/item-knn-baseline.js';
import { neighbourSums } from '../../../src/model/cooccurrence-walk.js';
import { historyAndTarget, leaveOneOut } from '../../../models/cli/evaluation/leave-one-out.js';
import { sampleNegatives } from '../../../models/cli/evaluation/negative-sampler.js';
import { popularityScorer } from '../../../models/cli/evaluation/popularity-baseline.js';
import { rankAmong, rankFull, RankingAccumulator } from '../../../models/cli/evaluation/ranking-metrics.js';

const sequences = fc.array(fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 12 }), { maxLength: 20 });

describe('leave-one-out', () => {
  it('train + validation + test rebuilds every sequence; short users are train only', () => {
    fc.assert(
      fc.property(sequences, (seqs) => {
        const split = leaveOneOut(seqs);
        seqs.forEach((seq, u) => {
          if (seq.length < 3) {
            expect(split.train[u]).toEqual(seq);
            expect(split.validation[u]).toBe(0);
            expect(split.test[u]).toBe(0);
          } else {
            expect([...split.train[u]!, split.validation[u], split.test[u]]).toEqual(seq);
            // The test history includes the validation item, never the test item.
            expect(historyAndTarget(split, u, 'test').history).toEqual(seq.slice(0, -1));
            expect(historyAndTarget(split, u, 'validation').history).toEqual(seq.slice(0, -2));
          }
        });
      }),
    );
  });
});

describe('ranking metrics', () => {
  it('stay within [0, 1] with NDCG@10 ≤ HR@10 and MRR ≥ NDCG@10 / 1 bounds', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 200 }), { minLength: 1, maxLength: 50 }), (ranks) => {
        const acc = new RankingAccumulator();
        ranks.forEach((r) => acc.add(r));
        const m = acc.result();
        for (const v of [m.hr10, m.ndcg10, m.mrr]) expect(v).toBeGreaterThanOrEqual(0);
        expect(m.hr10).toBeLessThanOrEqual(1);
        expect(m.ndcg10).toBeLessThanOrEqual(m.hr10 + 1e-12);
        expect(m.mrr).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('gives exact values for known ranks', () => {
    const acc = new RankingAccumulator();
    acc.add(0);
    acc.add(1);
    acc.add(10);
    const m = acc.result();
    expect(m.hr10).toBeCloseTo(2 / 3);
    expect(m.ndcg10).toBeCloseTo((1 + 1 / Math.log2(3)) / 3);
    expect(m.mrr).toBeCloseTo((1 + 1 / 2 + 1 / 11) / 3);
  });

  it('counts ties against the target and skips excluded items', () => {
    const scores = [-Infinity, 5, 5, 9, 1];
    expect(rankAmong(scores, 1, [1, 2, 4])).toBe(1);
    expect(rankFull(scores, 1, new Set())).toBe(2);
    expect(rankFull(scores, 1, new Set([3, 1]))).toBe(1); // the target is never excluded
  });
});

describe('negative sampling', () => {
  it('draws distinct items the user never interacted with, deterministically per (seed, user)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 39 }), fc.nat({ max: 60 }), fc.nat(), (seen, n, seed) => {
        const set = new Set(seen);
        const a = sampleNegatives(40, set, n, seed, 3);
        expect(a).toEqual(sampleNegatives(40, set, n, seed, 3));
        expect(new Set(a).size).toBe(a.length);
        expect(a.length).toBe(Math.min(n, 40 - set.size));
        for (const x of a) {
          expect(set.has(x)).toBe(false);
          expect(x).toBeGreaterThanOrEqual(1);
          expect(x).toBeLessThanOrEqual(40);
        }
      }),
    );
  });
});

describe('protocols and baselines', () => {
  // Items 1..6; every user goes 1 → 2 → 3 (so 3 follows 2), plus noise.
  const seqs = [
    [1, 2, 3, 4],
    [5, 1, 2, 3],
    [1, 2, 3, 6],
    [4, 1, 2, 3],
    [6, 5, 1, 2],
  ];
  const split = leaveOneOut(seqs);

  it('an oracle scorer scores HR@10 = NDCG@10 = MRR = 1 under both protocols', async () => {
    for (const protocol of ['full', 'sampled'] as const) {
      const m = await evaluateRanking(
        split,
        (histories) =>
          histories.map((h) => {
            const u = split.train.findIndex((t) => t === h);
            const s = new Float32Array(7);
            s[split.validation[u]!] = 1;
            return s;
          }),
        { target: 'validation', protocol, numItems: 6, negatives: 3, sequences: seqs },
      );
      expect(m).toEqual({ users: 5, hr10: 1, ndcg10: 1, mrr: 1 });
    }
  });

  it('a constant scorer ranks last (ties count against the target)', async () => {
    const m = await evaluateRanking(split, (h) => h.map(() => new Float32Array(7)), {
      target: 'test', protocol: 'full', numItems: 6, sequences: seqs,
    });
    expect(m.mrr).toBeLessThan(0.5);
  });

  it('popularity scores training counts; item-kNN recommends co-occurring items', async () => {
    const pop = await popularityScorer(split.train, 6)([[1]]);
    expect(Array.from(pop[0]!).slice(1)).toEqual([4, 2, 0, 1, 2, 1]);
    const knn = await itemKnnScorer([[1, 2], [1, 2], [3, 4]], 4)([[1]]);
    const row = knn[0]!;
    expect(row[2]).toBeCloseTo(1);
    expect(row[3]).toBe(0);
  });
});

describe('the co-occurrence walk (neighbourSums with more steps)', () => {
  it('equals the sum over every path of up to H steps, weighted pathWeight per extra step, zero weights walking nowhere', () => {
    const lists = fc.array(fc.array(fc.tuple(fc.integer({ min: 1, max: 8 }), fc.constantFrom(0, 0.5, 1, 2)), { maxLength: 4 }), { minLength: 9, maxLength: 9 });
    fc.assert(
      fc.property(lists, fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(0, 0.3, 1), (rows, history, hops, pathWeight) => {
        // Item 0 is padding: no list. Within a list an item appears once (as itemNeighbours builds them).
        const byItem = rows.map((row, i) => (i === 0 ? [] : [...new Map(row).entries()]));
        const offsets = new Int32Array(byItem.length + 1);
        byItem.forEach((row, i) => (offsets[i + 1] = offsets[i]! + row.length));
        const built = { offsets, ids: Int32Array.from(byItem.flat().map(([j]) => j)), sims: Float32Array.from(byItem.flat().map(([, w]) => w)) };
        const expected = new Float64Array(9);
        const walk = (item: number, weight: number, step: number) => {
          for (const [j, w] of byItem[item]!) {
            expected[j]! += weight * w * pathWeight ** (step - 1);
            if (step < (pathWeight > 0 ? hops : 1)) walk(j, weight * w, step + 1);
          }
        };
        for (const h of new Set(history)) walk(h, 1, 1);
        const got = neighbourSums(built, history, 50, new Float32Array(9), hops, pathWeight);
        for (let i = 0; i < 9; i++) expect(got[i]!).toBeCloseTo(expected[i]!, 4);
        // A second call gives the same (the walk's scratch space is left clean).
        expect(Array.from(neighbourSums(built, history, 50, new Float32Array(9), hops, pathWeight))).toEqual(Array.from(got));
      }),
    );
  });
});
