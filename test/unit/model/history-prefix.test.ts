import { beforeAll, describe, expect, it } from 'vitest';
import { historyState, plainSasrec, type PlainSasrec } from '../../../src/model/history-state.js';
import { matMat, type MatrixProduct } from '../../../src/model/matrix-product.js';
import { sasrecConfig, type SasrecConfig } from '../../../src/model/sasrec-config.js';
import { exportWeights } from '../../../models/cli/training/weights-io.js';
import { useCpu } from './tf-setup.js';
import { trainedLike } from './trained-like.js';

// A shopper's next event after a short history: the rows of the items before it are the last call's, so only the
// new row is computed in each block. It must give the same state, to the bit, as computing the window from scratch
// (what `evaluate` does for each user), or the worker's scores would drift from the CLI's.
describe('historyState after one more event (rows kept from the last call)', () => {
  beforeAll(useCpu);
  const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
  /** The same model with nothing kept (a fresh object: its own working arrays and kernel). */
  const fresh = (model: PlainSasrec): PlainSasrec => ({ ...model });
  const models: [string, SasrecConfig][] = [
    ['one head, the SIMD kernel\'s widths', sasrecConfig({ numItems: 30, dim: 16, blocks: 2, heads: 1, ffnDim: 32, maxLength: 6, dropout: 0, positions: 'distance' })],
    ['two heads, three blocks', sasrecConfig({ numItems: 30, dim: 16, blocks: 3, heads: 2, ffnDim: 16, maxLength: 6, dropout: 0, positions: 'distance' })],
    ['event types and gaps', sasrecConfig({ numItems: 30, dim: 16, blocks: 2, heads: 1, ffnDim: 16, maxLength: 6, dropout: 0, positions: 'distance', eventTypes: 4, gapBuckets: 5 })],
  ];

  it.each(models)('equals the state from scratch at every step: growing, sliding, branching, repeating, shrinking (%s)', (_, cfg) => {
    const model = plainSasrec(cfg, exportWeights(trainedLike(cfg, 5)));
    const reads = cfg.eventTypes > 0;
    const histories = [
      [3], [3, 7], [3, 7, 7], [3, 7, 7, 12], [3, 7, 7, 12, 30], [3, 7, 7, 12, 30, 1], // growing to the window
      [3, 7, 7, 12, 30, 1, 9], [3, 7, 7, 12, 30, 1, 9, 4], // past it: the window slides
      [3, 7, 7, 12, 30, 1, 9, 4, 4, 6], [3, 7, 7, 12, 30, 1, 9, 4, 4, 6, 12], // by two items at once; by one again
      [7, 7, 7, 7, 7, 7, 7], [7, 7, 7, 7, 7, 7, 7, 8], [8, 7, 7, 7, 7, 7, 7, 7], // one item throughout; then another at either end
      [3, 7, 20], [3, 7, 20, 2], [3, 7, 20, 2], // another branch after two items; the same history again
      [3, 7], [5], [5, 3, 7, 20], // shorter; another first item
    ];
    for (const history of histories) {
      const features = { types: history.map((item) => item % 4), gaps: history.map((item, i) => (item + i) % 5) };
      const kept = historyState(model, history, reads ? features : undefined);
      const scratch = historyState(fresh(model), history, reads ? features : undefined);
      expect(bits(kept), `history ${history.join(',')}`).toEqual(bits(scratch));
    }
    if (reads) {
      // The same items with another event type at an earlier position: that row and the ones after it change.
      const history = [3, 7, 7, 12];
      historyState(model, history, { types: [0, 0, 0, 0], gaps: [0, 0, 0, 0] });
      const changed = { types: [0, 2, 0, 0], gaps: [0, 0, 0, 0] };
      expect(bits(historyState(model, history, changed))).toEqual(bits(historyState(fresh(model), history, changed)));
    }
  });

  it('computes one row per block for an event added to a short history; in the first block only, once the window slides', () => {
    const cfg = models[0]![1];
    const model = plainSasrec(cfg, exportWeights(trainedLike(cfg, 6)));
    const rows = new Map<Float32Array, number>();
    const counting: MatrixProduct = (X, W, n, k, m, Y) => {
      rows.set(W, n);
      matMat(X, W, n, k, m, Y);
    };
    /** The rows of each block's `[q | k | v]` product (the last block's `[k | v]`). */
    const rowsFor = (m: PlainSasrec, history: number[]): number[] => {
      rows.clear();
      historyState(m, history, undefined, counting);
      return m.blocks.map((b, i) => rows.get(i === m.blocks.length - 1 ? b.wkv : b.wqkv)!);
    };
    expect(rowsFor(model, [3, 7, 7, 12])).toEqual([4, 4]); // nothing kept yet
    expect(rowsFor(model, [3, 7, 7, 12, 30])).toEqual([1, 1]);
    expect(rowsFor(model, [3, 7, 7, 12, 30, 1])).toEqual([1, 1]);
    // The window slid: the first block's rows move up, every later block's change.
    expect(rowsFor(model, [3, 7, 7, 12, 30, 1, 9])).toEqual([1, 6]);
    expect(rowsFor(model, [3, 7, 7, 12, 30, 1, 9, 4, 4])).toEqual([2, 6]);
    expect(rowsFor(model, [5, 6, 8, 9, 10, 11, 13])).toEqual([6, 6]); // another shopper
    // With recency vectors every row moves whenever an item is added.
    const recency = plainSasrec({ ...cfg, positions: 'recency' }, exportWeights(trainedLike({ ...cfg, positions: 'recency' }, 6)));
    rowsFor(recency, [3, 7, 7]);
    expect(rowsFor(recency, [3, 7, 7, 12])).toEqual([4, 4]);
  });
});
