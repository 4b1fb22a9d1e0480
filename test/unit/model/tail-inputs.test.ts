import { beforeAll, describe, expect, it } from 'vitest';
import { restrictBundle } from '../../../models/cli/head-bundle.js';
import { encodeBundle } from '../../../models/cli/training/encode-bundle.js';
import { initSasrecWeights } from '../../../models/cli/training/sasrec-weights.js';
import { exportWeights } from '../../../models/cli/training/weights-io.js';
import { decodeBundle, type DecodedBundle } from '../../../src/model/decode-bundle.js';
import { plainSasrec, scoringRows, scoringWidth } from '../../../src/model/history-state.js';
import type { NamedArray } from '../../../src/model/model-bundle.js';
import { ModelRuntime } from '../../../src/model/model-runtime.js';
import { sasrecConfig } from '../../../src/model/sasrec-config.js';
import { useCpu } from './tf-setup.js';

beforeAll(useCpu);

/**
 * A tiered catalog's tail items as inputs of the state (`ModelRuntime.addInputs`): the head bundle, given the tail
 * items' scoring rows from their shards, computes the same state for a history of head and tail items as the whole
 * bundle, so the shopper's tail views count. A two-member ensemble with a prior (the rows are sliced per member).
 */
describe('tail items as inputs of the head bundle', () => {
  it('gives the whole bundle\'s scores for a history that holds tail items', async () => {
    const numItems = 400;
    const member = sasrecConfig({ numItems, dim: 8, maxLength: 12 });
    const config = { ...member, members: 2, priorWeight: 0.5 };
    const vocabulary = Array.from({ length: numItems }, (_, i) => `sku-${i}`);
    const arrays: NamedArray[] = [0, 1].flatMap((k) => exportWeights(initSasrecWeights(member, 3 + k)).map((a) => ({ ...a, name: `members.${k}.${a.name}` })));
    arrays.push({ name: 'itemPrior', shape: [1, numItems + 1], data: Float32Array.from({ length: numItems + 1 }, (_, i) => Math.log1p((i * 13) % 29)) });
    const encoded = await encodeBundle(config, vocabulary, arrays, 'int8');
    const full = await decodeBundle(encoded.manifest, async (name) => new Map(encoded.files).get(name)!);
    const headIds = new Set(vocabulary.slice(0, 100));
    const parts = restrictBundle(full, headIds);
    const headBundle: DecodedBundle = { manifest: { ...full.manifest, config: parts.config, vocabulary: parts.vocabulary }, tensors: parts.arrays };
    const options = { preference: 'cpu' as const, onBackend: () => {} };
    const whole = ModelRuntime.plain(full, options);
    const head = ModelRuntime.plain(headBundle, options);
    const history = ['sku-3', 'sku-250', 'sku-17', 'sku-399', 'sku-120'];

    // The shards' rows: the whole model's scoring rows of the tail items.
    const fullModel = plainSasrec(full.manifest.config, full.tensors);
    const width = scoringWidth(fullModel);
    const table = scoringRows(fullModel);
    const tail = vocabulary.slice(100);
    const rows = new Float32Array(tail.length * width);
    tail.forEach((id, r) => rows.set(table.subarray((vocabulary.indexOf(id) + 1) * width, (vocabulary.indexOf(id) + 2) * width), r * width));

    const wholeScores = (await whole.score(history))!;
    const without = (await head.score(history))!;
    expect(head.addInputs(tail, rows)).toBe(300);
    expect(head.addInputs(tail, rows)).toBe(0); // once
    const withInputs = (await head.score(history))!;
    const gap = (scores: Float32Array) => Math.max(...[...headIds].map((id) => Math.abs(scores[head.indexOf(id)!]! - wholeScores[whole.indexOf(id)!]!)));
    expect(gap(withInputs)).toBeLessThan(1e-4);
    expect(gap(without)).toBeGreaterThan(1e-2); // without the tail views the state differs
    // The tail items scored by their rows against that state: the whole bundle's scores too.
    const input = head.featurize(history.map((itemId, i) => ({ itemId, type: 'view' as const, ts: 1000 + i })), 2000);
    const tailScores = head.scoreVectors(rows, input);
    const tailGap = Math.max(...tail.map((id, r) => Math.abs(tailScores[r]! - wholeScores[whole.indexOf(id)!]!)));
    expect(tailGap).toBeLessThan(1e-4);
    // Similarity reaches the tail items too (explanations, related items).
    expect(head.nearest(head.indexOf('sku-250')!, [head.indexOf('sku-3')!, head.indexOf('sku-399')!])).toBeDefined();
  });
});
