import { beforeAll, describe, expect, it } from 'vitest';
import { readBundle } from '../../../models/cli/bundle-files.js';
import { exportWeights } from '../../../models/cli/training/weights-io.js';
import { buildCatalogScan, type CatalogScan } from '../../../src/model/catalog-scan.js';
import { addCooccurrence, historyState, memoryTerms, plainSasrec, rowDots, scoringRows, scoringVector, scoringWidth, vectorWidth, type PlainSasrec } from '../../../src/model/history-state.js';
import { sasrecConfig } from '../../../src/model/sasrec-config.js';
import { seededRandom } from '../../../src/core/seeded-random.js';
import { useCpu } from './tf-setup.js';
import { trainedLike } from './trained-like.js';

// The int8 scan must find exactly the items the full float product ranks first (recommend() answers from it), with
// the same scores to the bit: checked here against the full product on the committed Games bundle (an ensemble of
// two, with a prior and a co-occurrence memory) and on a single model.
describe('the catalog scan (int8 bounds, then the best items rescored exactly)', () => {
  beforeAll(useCpu);

  const scanOf = async (model: PlainSasrec): Promise<CatalogScan> => {
    const scan = await buildCatalogScan(scoringRows(model), scoringWidth(model), model.members?.length ?? 1, model.config.dim);
    if (!scan) throw new Error('no WebAssembly SIMD in this Node');
    return scan;
  };
  /** The full product's scores for a history, as the worker's plain path computes them. */
  const full = (model: PlainSasrec, history: number[]): Float32Array =>
    addCooccurrence(model, history, rowDots(scoringRows(model), scoringVector(model, historyState(model, history)), true));
  const histories = (numItems: number, count: number, seed: number): number[][] => {
    const random = seededRandom(seed);
    return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(random() * 60) }, () => 1 + Math.floor(random() * numItems)));
  };

  const check = async (model: PlainSasrec, count: number, seed: number): Promise<void> => {
    const scan = await scanOf(model);
    const rows = scoringRows(model);
    for (const history of histories(model.config.numItems, count, seed)) {
      const exact = full(model, history);
      const vector = scoringVector(model, historyState(model, history));
      const memory = memoryTerms(model, history);
      // Every item's exact score is within its bound of the approximate one.
      const { approx, bound } = scan.bounds(vector, memory);
      let outside = 0;
      for (let i = 1; i < exact.length; i++) if (Math.abs(exact[i]! - approx[i]!) > bound[i]!) outside++;
      expect(outside, `history ${history.join(',')}`).toBe(0);
      // The best 64 by bound: their scores are the full product's, and no item left out can pass `beyond`.
      const best = scan.best(vector, memory, 64)!;
      expect(best.items.length).toBe(64);
      expect(Array.from(best.scores)).toEqual(Array.from(best.items, (i) => exact[i]!));
      const kept = new Set(best.items);
      let above = 0;
      for (let i = 1; i < exact.length; i++) if (!kept.has(i) && exact[i]! > best.beyond) above++;
      expect(above).toBe(0);
      // So the full product's top 10 are among them, and the 10th is above `beyond`.
      const order = Array.from({ length: exact.length - 1 }, (_, i) => i + 1).sort((a, b) => exact[b]! - exact[a]! || a - b);
      for (const i of order.slice(0, 10)) expect(kept.has(i)).toBe(true);
      expect(exact[order[9]!]!).toBeGreaterThan(best.beyond);
      expect(rows.length).toBe(exact.length * scoringWidth(model));
    }
  };

  it('matches the full product on the Games bundle: 60 shoppers', async () => {
    const bundle = await readBundle('models/games-defaults');
    const model = plainSasrec(bundle.manifest.config, bundle.tensors, bundle.attributes);
    expect(model.members?.length).toBe(2);
    expect(model.itemPrior).toBeDefined();
    expect(model.neighbours).toBeDefined();
    await check(model, 60, 1);
  }, 60_000);

  it('matches the full product on the Beauty bundle (four members): 30 shoppers', async () => {
    const bundle = await readBundle('models/beauty-defaults');
    const model = plainSasrec(bundle.manifest.config, bundle.tensors, bundle.attributes);
    expect(model.members?.length).toBe(4);
    await check(model, 30, 5);
  }, 60_000);

  it('matches the full product on a single model without a prior', async () => {
    const cfg = sasrecConfig({ numItems: 500, dim: 16, blocks: 2, heads: 1, ffnDim: 16, maxLength: 20, dropout: 0, positions: 'distance' });
    const model = plainSasrec(cfg, exportWeights(trainedLike(cfg, 3)));
    expect(vectorWidth(model)).toBe(scoringWidth(model));
    await check(model, 40, 2);
  });

  it('answers null for a vector that is not finite (the caller then scores every item)', async () => {
    const cfg = sasrecConfig({ numItems: 50, dim: 16, blocks: 1, heads: 1, ffnDim: 16, maxLength: 5, dropout: 0, positions: 'distance' });
    const model = plainSasrec(cfg, exportWeights(trainedLike(cfg, 4)));
    const scan = await scanOf(model);
    const vector = new Float32Array(16).fill(1);
    vector[3] = NaN;
    expect(scan.best(vector, null, 8)).toBeNull();
  });
});
