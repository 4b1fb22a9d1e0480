import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCandidateIndex, candidateIndex } from '../../../src/model/candidate-index.js';
import { candidateSettings, clusterCount, type CandidateSettings } from '../../../src/model/candidate-policy.js';
import { memoryCandidates, scoreCandidates } from '../../../src/model/candidate-scoring.js';
import type { NeighbourLists } from '../../../src/model/cooccurrence-walk.js';
import { addMemoryTerm, memoryTerms, type MemoryTerms, type PlainSasrec } from '../../../src/model/history-state.js';
import { neighbourSums } from '../../../src/model/cooccurrence-walk.js';
import { sasrecConfig } from '../../../src/model/sasrec-config.js';
import { seededRandom } from '../../../src/core/seeded-random.js';

/** `n` items in `clusters` clusters (item i in cluster i % clusters): rows `[n + 1, width]` around each cluster's centre. */
function clusteredTable(n: number, clusters: number, width: number, spread: number, seed: number): { rows: Float32Array; assignment: Int32Array } {
  const random = seededRandom(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Float32Array.from({ length: clusters * width }, gauss);
  const rows = new Float32Array((n + 1) * width);
  const assignment = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    const c = i % clusters;
    assignment[i] = c;
    for (let j = 0; j < width; j++) rows[i * width + j] = centres[c * width + j]! + spread * gauss();
  }
  return { rows, assignment };
}

/** The exact path's scores: every row · the vector, plus the memory's term (what `scoreState` and `addCooccurrence` give). */
function exactScores(rows: Float32Array, width: number, vector: Float32Array, memory: MemoryTerms | null): Float32Array {
  const out = new Float32Array(rows.length / width);
  for (let i = 1; i < out.length; i++) {
    let s = 0;
    for (let j = 0; j < width; j++) s += vector[j]! * rows[i * width + j]!;
    out[i] = s;
  }
  memory?.items.forEach((item, r) => (out[item]! += memory.terms[r]!));
  out[0] = -Infinity;
  return out;
}

function topK(scores: Float32Array, k: number): number[] {
  return Array.from(scores.keys())
    .slice(1)
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, k);
}

/** A model with only a co-occurrence memory (each item's lists: the next three items), enough for `memoryCandidates`. */
function memoryModel(n: number): PlainSasrec {
  const offsets = new Int32Array(n + 2);
  const ids: number[] = [];
  const sims: number[] = [];
  for (let i = 1; i <= n; i++) {
    for (let s = 1; s <= 3; s++) {
      ids.push(((i + s * 7 - 1) % n) + 1);
      sims.push(0.5 / s);
    }
    offsets[i + 1] = ids.length;
  }
  offsets[1] = 0;
  const neighbours: NeighbourLists = { offsets, ids: Int32Array.from(ids), sims: Float32Array.from(sims) };
  const config = sasrecConfig({ numItems: n, maxLength: 50, neighbourWeight: 2, neighbourHops: 2, neighbourPathWeight: 0.3 });
  return { config, neighbours } as PlainSasrec;
}

describe('candidate scoring (scoreCandidates)', () => {
  const n = 300;
  const width = 9;
  const { rows, assignment } = clusteredTable(n, 12, width, 0.8, 7);
  const vector = Float32Array.from({ length: width }, (_, j) => Math.sin(j + 1));
  const index = candidateIndex(rows, width, assignment);

  it('ranks as the exact product when every cluster is probed and the shortlist holds every item', () => {
    const model = memoryModel(n);
    const history = [5, 40, 41, 200];
    const all: CandidateSettings = { probe: index.clusters, head: 0, memory: 0, shortlist: n };
    const top = scoreCandidates(index, rows, vector, memoryCandidates(model, history), all);
    const exact = exactScores(rows, width, vector, memoryTerms(model, history));
    expect(top.scored).toBe(n);
    expect(Array.from(top.items.subarray(0, 10))).toEqual(topK(exact, 10));
    top.items.forEach((item, r) => expect(top.scores[r]).toBeCloseTo(exact[item]!, 4));
  });

  it('builds the same index in steps of their own tasks (the worker\'s way) as at once', async () => {
    const big = clusteredTable(120_000, 50, 3, 0.5, 11);
    const prior = Float32Array.from({ length: 120_001 }, (_, i) => (i * 7919) % 1000);
    const once = candidateIndex(big.rows, 3, big.assignment, prior);
    const stepped = await buildCandidateIndex(big.rows, 3, big.assignment, prior);
    for (const key of ['centroids', 'starts', 'items', 'position', 'scales', 'head'] as const) expect(stepped[key]).toEqual(once[key]);
    expect(stepped.dots.values).toEqual(once.dots.values);
  });

  it('gives the memory the terms of the dense walk (every item\'s sum, then its term), largest first', () => {
    const model = memoryModel(n);
    const history = [3, 3, 17, 250];
    const sparse = memoryCandidates(model, history)!;
    const { maxLength, neighbourWeight, neighbourHops, neighbourPathWeight } = model.config;
    const sums = neighbourSums(model.neighbours!, history, maxLength, new Float32Array(n + 1), neighbourHops, neighbourPathWeight);
    const dense = addMemoryTerm(new Float32Array(n + 1), sums, neighbourWeight);
    expect(sparse.items.length).toBe(dense.filter((t) => t > 0).length);
    sparse.items.forEach((item, r) => expect(sparse.terms[r]).toBe(dense[item]));
    for (let r = 1; r < sparse.terms.length; r++) expect(sparse.terms[r]!).toBeLessThanOrEqual(sparse.terms[r - 1]!);
  });

  it('scores only the probed clusters, plus the head and the memory\'s items from other clusters', () => {
    const prior = new Float32Array(n + 1);
    prior[77] = 9; // the head (0.2% of 300 items: one)
    const withHead = candidateIndex(rows, width, assignment, prior);
    const model = memoryModel(n);
    const history = [100];
    const memory = memoryCandidates(model, history)!;
    const one: CandidateSettings = { probe: 1, head: 1, memory: 1, shortlist: n };
    const top = scoreCandidates(withHead, rows, vector, memory, one);
    const extra = new Set([77, memory.items[0]!]);
    const probed = new Set(Array.from(top.items, (i) => i).filter((i) => !extra.has(i)).map((i) => assignment[i]));
    expect(probed.size).toBe(1);
    expect(top.items).toContain(77);
    expect(top.items).toContain(memory.items[0]);
    const clusterSize = assignment.filter((c, i) => i > 0 && probed.has(c)).length;
    expect(top.scored).toBeLessThanOrEqual(clusterSize + 2);
    expect(top.scored).toBe(top.items.length);
  });

  it('keeps a high recall@10 of the exact top 10 on clustered tables (seeded)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 2000, max: 6000 }), (seed, items) => {
        const w = 17;
        const clusters = clusterCount(items);
        const table = clusteredTable(items, clusters, w, 0.35, seed);
        const ivf = candidateIndex(table.rows, w, table.assignment);
        const settings = candidateSettings(items, clusters, 1 / 20);
        const random = seededRandom(seed ^ 0x5bd1e995);
        let found = 0;
        const queries = 20;
        for (let q = 0; q < queries; q++) {
          const v = Float32Array.from({ length: w }, () => random() * 2 - 1);
          const exact = new Set(topK(exactScores(table.rows, w, v, null), 10));
          const approx = scoreCandidates(ivf, table.rows, v, null, settings);
          found += Array.from(approx.items.subarray(0, 10)).filter((i) => exact.has(i)).length;
          expect(approx.scored).toBeLessThan(items * 0.1);
        }
        expect(found / (10 * queries)).toBeGreaterThanOrEqual(0.9);
      }),
      { seed: 17, numRuns: 8 },
    );
  });
});
