import { describe, expect, it } from 'vitest';
import { itemNeighbours } from '../../../models/cli/evaluation/item-knn-baseline.js';
import { memoryOffsets } from '../../../models/cli/training/sasrec-trainer.js';

describe('training beside a co-occurrence memory', () => {
  // Items 1..6; item 5 appears only in the first sequence, so for that sequence's positions the memory must not know it.
  const train = [
    [1, 2, 5, 3],
    [1, 2, 3],
    [2, 3, 4],
    [1, 3, 6],
    [4, 6, 2],
  ];
  const lists = itemNeighbours(train, 6, 10);

  /** The cosine of h and c over every sequence but `skip` (each user counted once per item). */
  function cosineWithout(h: number, c: number, skip: number): number {
    const others = train.filter((_, u) => u !== skip).map((s) => new Set(s));
    const both = others.filter((s) => s.has(h) && s.has(c)).length;
    const nh = others.filter((s) => s.has(h)).length;
    const nc = others.filter((s) => s.has(c)).length;
    return both > 0 ? both / Math.sqrt(nh * nc) : 0;
  }

  it('gives each position weight × log(1 + gain × Σ cosine over its prefix), counted without its own sequence', () => {
    const rows = [train[0]!, train[2]!];
    const L = 3;
    // Inputs: each row's first three items (left-aligned, no padding here); every position predicts the next item.
    const input = Int32Array.from([1, 2, 5, 2, 3, 4]);
    const validRows = [0, 1, 2, 3, 4, 5, 1]; // the last repeats position 1, as a later target does
    const candidates = [3, 5, 4, 6, 1];
    const out = memoryOffsets({ lists, weight: 0.5, gain: 10 }, rows, input, L, validRows, candidates);
    validRows.forEach((flat, k) => {
      const r = Math.floor(flat / L);
      const prefix = [...new Set(Array.from(input.subarray(r * L, flat + 1)))];
      const user = r === 0 ? 0 : 2;
      candidates.forEach((c, col) => {
        const sum = prefix.reduce((s, h) => s + (h === c ? 0 : cosineWithout(h, c, user)), 0);
        expect(out[k * candidates.length + col]).toBeCloseTo(sum > 0 ? 0.5 * Math.log1p(10 * sum) : 0, 5);
      });
    });
    // Item 5 co-occurs only within sequence 0: its own positions get nothing for it, although the lists hold the pair.
    expect(out[1 * candidates.length + 1]).toBe(0);
    expect(Array.from(lists.ids.subarray(lists.offsets[2]!, lists.offsets[3]!))).toContain(5);
  });
});
