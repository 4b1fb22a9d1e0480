import { beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeBundle } from '../../../models/cli/training/encode-bundle.js';
import { initSasrecWeights } from '../../../models/cli/training/sasrec-weights.js';
import { exportWeights } from '../../../models/cli/training/weights-io.js';
import { APPROXIMATE_FROM } from '../../../src/model/candidate-policy.js';
import { decodeBundle } from '../../../src/model/decode-bundle.js';
import { CLUSTERS_FORMAT_VERSION, packIntegers } from '../../../src/model/model-bundle.js';
import { ModelRuntime } from '../../../src/model/model-runtime.js';
import { sasrecConfig } from '../../../src/model/sasrec-config.js';
import { sha256Hex } from '../../../src/model/sha256.js';
import { useCpu } from './tf-setup.js';
import { validateEvent, type CatalogItem } from '../../../src/core/index.js';
import { CatalogIndex } from '../../../src/worker/catalog-index.js';
import { History } from '../../../src/worker/history.js';
import { modelRecommend } from '../../../src/worker/model-recommender.js';

beforeAll(useCpu);

/** A bundle of `numItems` items (untrained, seeded), with `clusters` as its clusters file when given. */
async function bundleOf(numItems: number, clusters?: Int32Array) {
  const vocabulary = Array.from({ length: numItems }, (_, i) => `item-${i + 1}`);
  const config = sasrecConfig({ numItems, dim: 8, maxLength: 5 });
  const encoded = await encodeBundle(config, vocabulary, exportWeights(initSasrecWeights(config, 5)), 'int8');
  const manifest: Record<string, unknown> = { ...encoded.manifest };
  const files = new Map(encoded.files);
  if (clusters) {
    const bytes = packIntegers(clusters, 'uint16');
    files.set('clusters.bin', bytes);
    Object.assign(manifest, { formatVersion: CLUSTERS_FORMAT_VERSION, clustersFile: 'clusters.bin', clustersDtype: 'uint16', checksums: { ...encoded.manifest.checksums, 'clusters.bin': await sha256Hex(bytes) } });
  }
  return decodeBundle(manifest, async (name) => files.get(name)!);
}

const runtimeOf = async (numItems: number, clusters?: Int32Array): Promise<ModelRuntime> =>
  ModelRuntime.load(await bundleOf(numItems, clusters), { preference: 'cpu', onBackend: () => {} });

const top10 = (scores: Float32Array): number[] =>
  Array.from(scores.keys())
    .slice(1)
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, 10);

describe('the runtime\'s candidate scoring (scoreShortlist)', () => {
  const numItems = APPROXIMATE_FROM;
  const history = ['item-3', 'item-17', 'item-40000'];

  it('ranks a catalog of one cluster (every item a candidate) as the full product does', async () => {
    const runtime = await runtimeOf(numItems, new Int32Array(numItems + 1));
    const input = runtime.featurize(history.map((itemId, i) => ({ itemId, type: 'view', ts: i })), 10);
    expect(await runtime.scoreShortlist(input)).toBeNull(); // the index is built after the first answer
    const exact = (await runtime.scoreInput(input))!;
    expect(await runtime.prepareCandidates()).toBe(true);
    const shortlist = await runtime.scoreShortlist(input);
    expect(shortlist).not.toBeNull();
    expect(shortlist!.scored).toBe(numItems);
    expect(Array.from(shortlist!.items.subarray(0, 10))).toEqual(top10(exact));
    // The shortlist's scores are the exact ones (float rows), not the int8 pass's: within float32 rounding of the product.
    const spread = Math.abs(exact[top10(exact)[0]!]!) + 1e-30;
    shortlist!.items.subarray(0, 10).forEach((item, r) => expect(Math.abs(shortlist!.scores[r]! - exact[item]!) / spread).toBeLessThan(1e-5));
    runtime.dispose();
  });

  it('scores about the policy\'s share of a clustered catalog, and nothing approximate without clusters or under the threshold', async () => {
    const assignment = Int32Array.from({ length: numItems + 1 }, (_, i) => i % 894);
    const clustered = await runtimeOf(numItems, assignment);
    const input = clustered.featurize(history.map((itemId, i) => ({ itemId, type: 'view', ts: i })), 10);
    await clustered.scoreInput(input); // the runtime starts building its index after the first answer
    await clustered.prepareCandidates();
    const shortlist = (await clustered.scoreShortlist(input))!;
    expect(shortlist.scored / numItems).toBeGreaterThan(0.015);
    expect(shortlist.scored / numItems).toBeLessThan(0.035);
    clustered.dispose();
    const old = await runtimeOf(numItems);
    expect(await old.prepareCandidates()).toBe(false);
    expect(await old.scoreShortlist(input)).toBeNull();
    old.dispose();
    const small = await runtimeOf(numItems - 1, assignment.subarray(0, numItems));
    expect(await small.prepareCandidates()).toBe(false);
    expect(await small.scoreShortlist(small.featurize([{ itemId: 'item-3', type: 'view', ts: 0 }], 1))).toBeNull();
    small.dispose();
  });

  it('recommend() takes its top k from the shortlist, and ranks the whole catalog when the filters leave fewer than k there', async () => {
    const runtime = await runtimeOf(numItems, new Int32Array(numItems + 1));
    const t = Date.UTC(2026, 10, 1);
    const history = new History(100);
    history.add(['item-3', 'item-17', 'item-40000'].map((itemId, i) => validateEvent({ type: 'view', itemId, ts: t + i }, undefined, t + 10_000)));
    const input = runtime.featurize(history.modelEvents(200), Date.now());
    const exact = (await runtime.scoreInput(input))!;
    const seen = new Set([3, 17, 40000]);
    const ranked = Array.from(exact.keys()).slice(1).filter((i) => !seen.has(i)).sort((a, b) => exact[b]! - exact[a]! || a - b);
    // The 20 items the model ranks last are the only ones in their category: the shortlist (256) holds none of them.
    const rare = new Set(ranked.slice(-20));
    const items: CatalogItem[] = Array.from({ length: numItems }, (_, i) => ({ id: `item-${i + 1}`, title: `Item ${i + 1}`, category: rare.has(i + 1) ? 'Rare' : 'Common' }));
    const catalog = new CatalogIndex(items);
    expect(await runtime.prepareCandidates()).toBe(true);
    const full = vi.spyOn(runtime, 'scoreInput');
    const top = await modelRecommend(runtime, history, catalog, { k: 5, filter: {}, attributionId: 'a' });
    expect(top!.map((r) => r.itemId)).toEqual(ranked.slice(0, 5).map((i) => `item-${i}`));
    expect(full).not.toHaveBeenCalled();
    const filtered = await modelRecommend(runtime, history, catalog, { k: 5, filter: { category: 'Rare' }, attributionId: 'a' });
    expect(filtered!.map((r) => r.itemId)).toEqual(ranked.filter((i) => rare.has(i)).slice(0, 5).map((i) => `item-${i}`));
    expect(full).toHaveBeenCalledTimes(1);
    runtime.dispose();
  });
});
