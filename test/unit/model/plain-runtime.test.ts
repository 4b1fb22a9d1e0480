import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBundle } from '../../../models/cli/training/encode-bundle.js';
import { initSasrecWeights } from '../../../models/cli/training/sasrec-weights.js';
import { exportWeights } from '../../../models/cli/training/weights-io.js';
import { decodeBundle } from '../../../src/model/decode-bundle.js';
import { ModelRuntime } from '../../../src/model/model-runtime.js';
import { sasrecConfig } from '../../../src/model/sasrec-config.js';
import { useCpu } from './tf-setup.js';
import { validateEvent } from '../../../src/core/index.js';
import { CatalogIndex } from '../../../src/worker/catalog-index.js';
import { personalize } from '../../../src/worker/catalog-search.js';
import { History } from '../../../src/worker/history.js';

beforeAll(useCpu);

/** A runtime before TensorFlow.js (`ModelRuntime.plain`) for an untrained int8 bundle of `item-1` … `item-N`. */
async function plainRuntime(numItems: number, seed: number, onBackend: (backend: string) => void = () => {}): Promise<ModelRuntime> {
  const vocabulary = Array.from({ length: numItems }, (_, i) => `item-${i + 1}`);
  const config = sasrecConfig({ numItems, dim: 16, maxLength: 10 });
  const encoded = await encodeBundle(config, vocabulary, exportWeights(initSasrecWeights(config, seed)), 'int8');
  const bundle = await decodeBundle(encoded.manifest, async (name) => new Map(encoded.files).get(name)!);
  return ModelRuntime.plain(bundle, { preference: 'cpu', onBackend: (r) => onBackend(r.backend) });
}

/**
 * A page view's first answers come from the runtime before TensorFlow.js is loaded (`ModelRuntime.plain`: the same
 * state, the catalog product in plain loops); after `accelerate()` the backend scores. The shopper must not see the
 * difference: the same scores to float rounding, the same ranking.
 */
describe('the model before and after TensorFlow.js', () => {
  it('scores every item as the backend does, and moves to the backend on accelerate()', async () => {
    const numItems = 3000;
    const reports: string[] = [];
    const runtime = await plainRuntime(numItems, 7, (backend) => reports.push(backend));
    const histories = [['item-5'], ['item-10', 'item-2999', 'item-7'], Array.from({ length: 12 }, (_, i) => `item-${i * 97 + 1}`)];
    const before = [];
    for (const h of histories) before.push((await runtime.score(h))!);
    expect(runtime.accelerated).toBe(false);
    expect(reports).toEqual([]);
    await runtime.accelerate();
    expect(runtime.accelerated).toBe(true);
    expect(reports).toEqual(['cpu']);
    const rank = (s: Float32Array) => Array.from(s.keys()).slice(1).sort((a, b) => s[b]! - s[a]! || a - b).slice(0, 20);
    for (const [i, h] of histories.entries()) {
      const after = (await runtime.score(h))!;
      expect(before[i]![0]).toBe(-Infinity);
      let gap = 0;
      for (let j = 1; j < after.length; j++) gap = Math.max(gap, Math.abs(after[j]! - before[i]![j]!));
      expect(gap).toBeLessThan(1e-4);
      expect(rank(before[i]!)).toEqual(rank(after));
    }
    runtime.dispose();
  });
});

describe('a repeat of the same history', () => {
  it('gets the same scores, each call its own copy (one list may not change another\'s)', async () => {
    const runtime = await plainRuntime(500, 3);
    const history = ['item-5', 'item-9', 'item-200'];
    const first = (await runtime.score(history))!;
    const again = (await runtime.score(history))!;
    expect(again).not.toBe(first);
    expect(Array.from(again)).toEqual(Array.from(first));
    again.fill(7);
    expect(Array.from((await runtime.score(history))!)).toEqual(Array.from(first));
    // Another history in between, then the first again: scored afresh, the same.
    expect(Array.from((await runtime.score(['item-1']))!)).not.toEqual(Array.from(first));
    expect(Array.from((await runtime.score(history))!)).toEqual(Array.from(first));
    runtime.dispose();
  });
});

/** A list's reasons name, for each result, the history item closest to it: one product for the list (`nearestEach`). */
describe('the reasons\' nearest history items', () => {
  it('are, for every target, the candidate of highest cosine, as one target at a time finds them', async () => {
    const runtime = await plainRuntime(500, 11);
    const targets = Array.from({ length: 10 }, (_, i) => 3 + i * 41);
    const candidates = Array.from({ length: 50 }, (_, i) => 7 + i * 9);
    const similarities = targets.map((t) => runtime.similarities(t));
    const expected = similarities.map((s) => candidates.reduce((best, c) => (s[c]! > s[best]! ? c : best), candidates[0]!));
    expect(runtime.nearestEach(targets, candidates)).toEqual(expected);
    expect(targets.map((t) => runtime.nearest(t, candidates))).toEqual(expected);
    // Distinct answers: the test would not pass by naming one candidate for every target.
    expect(new Set(expected).size).toBeGreaterThan(3);
    expect(runtime.nearestEach(targets, [])).toEqual(targets.map(() => undefined));
    runtime.dispose();
  });
});

describe('a search re-ranked for the shopper', () => {
  it('says, for each result the model moved up, which viewed item it is closest to', async () => {
    const numItems = 500;
    const vocabulary = Array.from({ length: numItems }, (_, i) => `item-${i + 1}`);
    const runtime = await plainRuntime(numItems, 13);
    const catalog = new CatalogIndex(vocabulary.map((id) => ({ id, title: `Title of ${id}` })));
    const history = new History(100);
    const viewed = ['item-5', 'item-77', 'item-300'];
    history.add(viewed.map((itemId, i) => validateEvent({ type: 'view', itemId, ts: Date.UTC(2026, 0, 1) + i }, undefined, Date.UTC(2026, 0, 2))));
    const scores = await runtime.score(viewed);
    const ids = Array.from({ length: 40 }, (_, i) => `item-${400 - i * 9}`);
    const list = personalize(ids, { history, catalog, model: runtime, scores, lead: 'Matches', attributionId: 'a' });
    const moved = list.filter((r) => r.source === 'model');
    expect(moved.length).toBeGreaterThan(5);
    for (const r of moved) {
      const s = runtime.similarities(runtime.indexOf(r.itemId)!);
      const closest = viewed.reduce((best, id) => (s[runtime.indexOf(id)!]! > s[runtime.indexOf(best)!]! ? id : best));
      expect(r.reason).toBe(`Matches; ranked up because you viewed “Title of ${closest}”`);
    }
    expect(new Set(moved.map((r) => r.reason)).size).toBeGreaterThan(1);
    runtime.dispose();
  });
});
