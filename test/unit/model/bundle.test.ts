import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { EdgeRecoError } from '../../../src/core/errors.js';
import { historyScorer, scoreCatalog } from '../../../models/cli/evaluation/catalog-scores.js';
import { base64ToFloats, floatsToBase64 } from '../../../src/model/base64-floats.js';
import { decodeBundle } from '../../../src/model/decode-bundle.js';
import { encodeBundle } from '../../../models/cli/training/encode-bundle.js';
import { dequantizeRows, halfScaleOf, halfToFloat } from '../../../src/model/int8-rows.js';
import { floatToHalf, quantizeRows } from '../../../models/cli/training/quantize-rows.js';
import { plainSasrec } from '../../../src/model/history-state.js';
import { BUNDLE_FORMAT_VERSION, DISTANCE_FORMAT_VERSION, NEIGHBOUR_COUNTS, NEIGHBOUR_IDS, NEIGHBOUR_WEIGHTS, type TensorEntry } from '../../../src/model/model-bundle.js';
import { sasrecConfig } from '../../../src/model/sasrec-config.js';
import { initSasrecWeights } from '../../../models/cli/training/sasrec-weights.js';
import { exportWeights, importWeights } from '../../../models/cli/training/weights-io.js';
import { useCpu } from './tf-setup.js';

beforeAll(useCpu);

describe('int8 per-row quantization', () => {
  it('reconstructs every entry within half a step of its row scale', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 36, maxLength: 36 }),
        (rows, cols, pool) => {
          const data = Float32Array.from(pool.slice(0, rows * cols));
          const q = quantizeRows(data, rows, cols);
          const back = dequantizeRows(q, cols);
          for (let i = 0; i < data.length; i++) {
            const scale = q.scales[Math.floor(i / cols)]!;
            expect(Math.abs(back[i]! - data[i]!)).toBeLessThanOrEqual(scale / 2 + 1e-6 * Math.abs(data[i]!) + 1e-30);
            expect(Math.abs(q.values[i]!)).toBeLessThanOrEqual(127);
          }
        },
      ),
    );
  });
});

describe('float16 scales', () => {
  it('round-trip any float16 exactly and round a float to within 2^-11 relative', () => {
    for (let h = 0; h < 0x7c00; h++) expect(floatToHalf(halfToFloat(h))).toBe(h);
    fc.assert(
      fc.property(fc.float({ min: Math.fround(1e-4), max: 6e4, noNaN: true }), (x) => {
        expect(Math.abs(halfToFloat(floatToHalf(x)) - x)).toBeLessThanOrEqual(x * 2 ** -11 * 1.0001);
      }),
    );
  });

  it('quantized with float16 scales, every entry is within half a step plus the scale’s rounding', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 24, maxLength: 24 }), (pool) => {
        const data = Float32Array.from(pool);
        const q = quantizeRows(data, 4, 6, true);
        const back = dequantizeRows(q, 6);
        const largest = Math.max(...data.map(Math.abs));
        for (let i = 0; i < data.length; i++) {
          const r = Math.floor(i / 6);
          const max = Math.max(...data.slice(r * 6, r * 6 + 6).map(Math.abs));
          expect(q.scales[r]).toBe(halfScaleOf(q.halves![r]!, q.unit!)); // what a bundle stores is what was used
          expect(Math.abs(back[i]! - data[i]!)).toBeLessThanOrEqual(q.scales[r]! / 2 + 5e-4 * max + 1e-7 * largest + 1e-30);
        }
      }),
    );
  });
});

describe('base64 scales', () => {
  it('round-trips float32 values exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { maxLength: 70_000 }), (values) => {
        const f = Float32Array.from(values);
        expect(base64ToFloats(floatsToBase64(f))).toEqual(f);
      }),
      { numRuns: 20 },
    );
  });
});

describe('model bundle', () => {
  const config = sasrecConfig({ numItems: 20, dim: 16, blocks: 1, maxLength: 8 });
  const vocabulary = Array.from({ length: 20 }, (_, i) => `sku-${i}`);

  async function encoded(precision: 'int8' | 'float32') {
    const w = initSasrecWeights(config, 11);
    return { w, bundle: await encodeBundle(config, vocabulary, exportWeights(w), precision) };
  }

  it('round-trips: the f32 bundle scores exactly, the int8 bundle closely and is under 0.3× the size', async () => {
    const { w, bundle: f32 } = await encoded('float32');
    const { bundle: i8 } = await encoded('int8');
    const read = (b: typeof f32) => (name: string) => Promise.resolve(b.files.get(name)!);
    const d32 = await decodeBundle(JSON.parse(JSON.stringify(f32.manifest)), read(f32));
    const d8 = await decodeBundle(JSON.parse(JSON.stringify(i8.manifest)), read(i8));
    expect(d8.manifest.vocabulary).toEqual(vocabulary);
    const h = [[1, 2, 3], [7]];
    const ref = scoreCatalog(config, w, h);
    const s32 = scoreCatalog(config, importWeights(config, d32.tensors), h);
    const s8 = scoreCatalog(config, importWeights(config, d8.tensors), h);
    for (let r = 0; r < h.length; r++) {
      for (let i = 1; i <= 20; i++) {
        expect(s32[r]![i]).toBe(ref[r]![i]);
        expect(Math.abs(s8[r]![i]! - ref[r]![i]!)).toBeLessThan(0.05 * Math.max(...ref[r]!.slice(1).map(Math.abs)) + 1e-4);
      }
    }
    // As downloaded (the manifest and every file), for a catalog-sized model (this one's vectors and manifest dominate).
    const size = (b: typeof f32) => JSON.stringify(b.manifest).length + [...b.files.values()].reduce((n, f) => n + f.byteLength, 0);
    const big = sasrecConfig({ numItems: 5000 });
    const ids = Array.from({ length: 5000 }, (_, i) => `sku-${i}`);
    const arrays = exportWeights(initSasrecWeights(big, 1));
    expect(size(await encodeBundle(big, ids, arrays, 'int8')) / size(await encodeBundle(big, ids, arrays, 'float32'))).toBeLessThan(0.3);
  });

  it('still loads a version-1 bundle (float32 scales in the manifest, as base64 or a number array)', async () => {
    const { bundle } = await encoded('int8');
    const weights = bundle.files.get('weights.bin')!;
    const read = async (n: string) => bundle.files.get(n)!;
    const current = await decodeBundle(bundle.manifest, read);
    const version1 = (asArray: boolean) => ({
      ...structuredClone(bundle.manifest),
      formatVersion: 1,
      tensors: bundle.manifest.tensors.map((e): TensorEntry => {
        if (e.scalesOffset === undefined) return e;
        const { scalesOffset, scalesUnit: _unit, ...rest } = e;
        const rows = e.byteLength / e.shape[e.shape.length - 1]!;
        const halves = new Uint16Array(weights.slice(scalesOffset, scalesOffset + 2 * rows).buffer);
        const scales = Float32Array.from(halves, (h) => halfScaleOf(h, e.scalesUnit!));
        return { ...rest, scales: asArray ? Array.from(scales) : floatsToBase64(scales) };
      }),
    });
    expect(bundle.manifest.formatVersion).toBe(BUNDLE_FORMAT_VERSION);
    for (const asArray of [false, true]) expect((await decodeBundle(version1(asArray), read)).tensors).toEqual(current.tensors);
  });

  it('stores whole-number item ids in a binary file, and any other ids in the manifest', async () => {
    const numeric = Array.from({ length: 20 }, (_, i) => String(i * 4000));
    const enc = await encodeBundle(config, numeric, exportWeights(initSasrecWeights(config, 1)), 'int8');
    expect(enc.manifest.vocabulary).toBeUndefined();
    expect(enc.manifest.vocabularyDtype).toBe('uint32');
    expect(enc.files.get('vocabulary.bin')!.byteLength).toBe(80);
    const decoded = await decodeBundle(JSON.parse(JSON.stringify(enc.manifest)), async (n) => enc.files.get(n)!);
    expect(decoded.manifest.vocabulary).toEqual(numeric);
    const padded = numeric.map((id, i) => (i === 3 ? '007' : id)); // would not survive as a number
    const kept = await encodeBundle(config, padded, exportWeights(initSasrecWeights(config, 1)), 'int8');
    expect(kept.manifest.vocabulary).toEqual(padded);
    expect(kept.files.has('vocabulary.bin')).toBe(false);
  });

  it('refuses a vocabulary file that fails its checksum', async () => {
    const enc = await encodeBundle(config, Array.from({ length: 20 }, (_, i) => String(i)), exportWeights(initSasrecWeights(config, 1)), 'int8');
    const bad = enc.files.get('vocabulary.bin')!.slice();
    bad[0] = bad[0]! ^ 1;
    await expect(decodeBundle(enc.manifest, async (n) => (n === 'vocabulary.bin' ? bad : enc.files.get(n)!))).rejects.toThrow(/vocabulary\.bin fails its checksum/);
  });

  it('hands over only files that passed their checksum, and says when the weights are cut short', async () => {
    const enc = await encodeBundle(config, Array.from({ length: 20 }, (_, i) => String(i)), exportWeights(initSasrecWeights(config, 1)), 'int8');
    const verified: string[] = [];
    const onVerified = (name: string) => void verified.push(name);
    await decodeBundle(enc.manifest, async (n) => enc.files.get(n)!, undefined, { onVerified });
    expect(verified.sort()).toEqual(['vocabulary.bin', 'weights.bin']);
    verified.length = 0;
    const weights = enc.files.get('weights.bin')!;
    const short = weights.subarray(0, 100);
    const failed = decodeBundle(enc.manifest, async (n) => (n === 'weights.bin' ? short : enc.files.get(n)!), 'https://cdn.example/m/manifest.json', { onVerified, checksumFix: 'try again later' });
    await expect(failed).rejects.toMatchObject({ code: 'INVALID_BUNDLE', details: { file: 'weights.bin' } });
    await expect(failed).rejects.toThrow(new RegExp(`weights\\.bin fails its checksum \\(expected [0-9a-f]{64}, got [0-9a-f]{64}; 100 bytes, cut short: its tensors need ${weights.length}\\); try again later$`));
    expect(verified).toEqual(['vocabulary.bin']);
  });

  it('writes a model that places items by distance as format 5, which decodes to the same states; refuses unknown positions', async () => {
    const cfg = sasrecConfig({ ...config, heads: 2, positions: 'distance' });
    const w = initSasrecWeights(cfg, 12);
    const enc = await encodeBundle(cfg, vocabulary, exportWeights(w), 'float32');
    expect(enc.manifest.formatVersion).toBe(DISTANCE_FORMAT_VERSION);
    expect(enc.manifest.tensors.map((e) => e.name)).toContain('distanceBias');
    expect(enc.manifest.tensors.map((e) => e.name)).not.toContain('positionEmbedding');
    const read = async (n: string) => enc.files.get(n)!;
    const decoded = await decodeBundle(JSON.parse(JSON.stringify(enc.manifest)), read);
    expect(decoded.manifest.config.positions).toBe('distance');
    const h = [[3, 1, 4, 1, 5, 9, 2, 6, 5, 3], [7]];
    expect(scoreCatalog(cfg, importWeights(cfg, decoded.tensors), h)).toEqual(scoreCatalog(cfg, w, h));
    // A recency model stays at version 3, which readers from before format 5 load.
    expect((await encodeBundle(config, vocabulary, exportWeights(initSasrecWeights(config, 1)), 'int8')).manifest.formatVersion).toBe(BUNDLE_FORMAT_VERSION);
    const unknown = { ...enc.manifest, config: { ...enc.manifest.config, positions: 'rotary' } };
    await expect(decodeBundle(unknown, read)).rejects.toMatchObject({ code: 'UNSUPPORTED_VERSION', message: expect.stringMatching(/config\.positions is "rotary"/) });
  });

  it('refuses an unknown format version', async () => {
    const { bundle } = await encoded('int8');
    const manifest = { ...bundle.manifest, formatVersion: 99 };
    await expect(decodeBundle(manifest, async (n) => bundle.files.get(n)!)).rejects.toMatchObject({
      code: 'UNSUPPORTED_VERSION',
    });
    await expect(decodeBundle({ format: 'other' }, async () => new Uint8Array())).rejects.toBeInstanceOf(EdgeRecoError);
  });

  it('refuses a weights file that fails its checksum', async () => {
    const { bundle } = await encoded('int8');
    const bytes = bundle.files.get('weights.bin')!.slice();
    bytes[10] = bytes[10]! ^ 1;
    await expect(decodeBundle(bundle.manifest, async () => bytes)).rejects.toThrow(/checksum/);
  });
});

describe('co-occurrence memory', () => {
  const config = sasrecConfig({ numItems: 20, dim: 16, blocks: 1, maxLength: 8 });
  const vocabulary = Array.from({ length: 20 }, (_, i) => `sku-${i}`);
  // Item 3's co-occurring items are 7 (weight 5) and 9 (weight 1); item 4's is 7 (weight 2); nobody else has any.
  const counts = new Float32Array(21);
  counts[3] = 2;
  counts[4] = 1;
  const lists = [
    { name: NEIGHBOUR_COUNTS, shape: [21], data: counts },
    { name: NEIGHBOUR_IDS, shape: [3], data: Float32Array.from([7, 9, 7]) },
    { name: NEIGHBOUR_WEIGHTS, shape: [1, 3], data: Float32Array.from([5, 1, 2]) },
  ];
  const arrays = exportWeights(initSasrecWeights(config, 5));

  it('adds weight × log(1 + Σ weights from the history’s distinct items) to exactly those items', () => {
    const plain = historyScorer(plainSasrec(config, arrays));
    const memory = historyScorer(plainSasrec({ ...config, neighbourWeight: 0.5 }, [...arrays, ...lists]));
    const histories = [[3, 4, 3], [4], [1, 2]];
    const a = plain(histories);
    const b = memory(histories);
    const expected = [{ 7: 0.5 * Math.log1p(7), 9: 0.5 * Math.log1p(1) }, { 7: 0.5 * Math.log1p(2) }, {}] as Record<number, number>[];
    histories.forEach((_, r) => {
      for (let i = 1; i <= 20; i++) expect(b[r]![i]! - a[r]![i]!).toBeCloseTo(expected[r]![i] ?? 0, 5);
    });
  });

  it('with more steps, also counts the paths h → m → item (and one step more) through the lists', () => {
    // As above, plus item 7's list (11 weight 3, 3 weight 0.5) and item 9's (11 weight 4).
    const pathCounts = counts.slice();
    pathCounts[7] = 2;
    pathCounts[9] = 1;
    const pathLists = [
      { name: NEIGHBOUR_COUNTS, shape: [21], data: pathCounts },
      { name: NEIGHBOUR_IDS, shape: [6], data: Float32Array.from([7, 9, 7, 11, 3, 11]) },
      { name: NEIGHBOUR_WEIGHTS, shape: [1, 6], data: Float32Array.from([5, 1, 2, 3, 0.5, 4]) },
    ];
    const scores = (hops: number) => historyScorer(plainSasrec({ ...config, neighbourWeight: 1, neighbourHops: hops, neighbourPathWeight: 0.1 }, [...arrays, ...pathLists]))([[3, 4]])[0]!;
    const plain = historyScorer(plainSasrec(config, arrays))([[3, 4]])[0]!;
    // One step: 7 ← 5 + 2, 9 ← 1. Two: 3→7→11 5·3, 3→9→11 1·4, 4→7→11 2·3; 3→7→3 5·0.5, 4→7→3 2·0.5 (× 0.1).
    // Three: the two-step sums pushed once more, only item 3 has a list: 7 ← 3.5·5, 9 ← 3.5·1 (× 0.1²).
    const expected: Record<number, number>[] = [
      { 7: 7, 9: 1 },
      { 7: 7, 9: 1, 11: 0.1 * 25, 3: 0.1 * 3.5 },
      { 7: 7 + 0.01 * 17.5, 9: 1 + 0.01 * 3.5, 11: 0.1 * 25, 3: 0.1 * 3.5 },
    ];
    expected.forEach((sums, step) => {
      const got = scores(step + 1);
      for (let i = 1; i <= 20; i++) expect(got[i]! - plain[i]!).toBeCloseTo(sums[i] === undefined ? 0 : Math.log1p(sums[i]!), 5);
    });
  });

  it('refuses a bundle that asks for a walk longer than this build takes', async () => {
    const enc = await encodeBundle({ ...config, neighbourWeight: 1, neighbourHops: 2, neighbourPathWeight: 0.1 }, vocabulary, [...arrays, ...lists], 'int8');
    const manifest = { ...enc.manifest, config: { ...enc.manifest.config, neighbourHops: 4 } };
    await expect(decodeBundle(JSON.parse(JSON.stringify(manifest)), async (n) => enc.files.get(n)!)).rejects.toMatchObject({
      code: 'UNSUPPORTED_VERSION',
      message: expect.stringMatching(/neighbourHops is 4/),
    });
  });

  it('round-trips through int8 and f32 bundles: the lists exact, the weights within int8 precision', async () => {
    const withMemory = { ...config, neighbourWeight: 1 };
    for (const precision of ['int8', 'float32'] as const) {
      const enc = await encodeBundle(withMemory, vocabulary, [...arrays, ...lists], precision);
      expect(enc.manifest.neighboursFile).toBe('neighbours.bin');
      expect(enc.files.get('neighbours.bin')!.byteLength).toBe(2 * (21 + 3)); // uint16 lengths then ids
      const decoded = await decodeBundle(JSON.parse(JSON.stringify(enc.manifest)), async (n) => enc.files.get(n)!);
      const get = (name: string) => decoded.tensors.find((t) => t.name === name)!.data;
      expect(Array.from(get(NEIGHBOUR_COUNTS))).toEqual(Array.from(counts));
      expect(Array.from(get(NEIGHBOUR_IDS))).toEqual([7, 9, 7]);
      Array.from(get(NEIGHBOUR_WEIGHTS)).forEach((w, i) => expect(Math.abs(w - [5, 1, 2][i]!)).toBeLessThanOrEqual(precision === 'int8' ? 5 / 254 + 1e-3 : 0));
    }
  });

  it('refuses lists whose lengths do not add up', async () => {
    const broken = [lists[0]!, { ...lists[1]!, data: Float32Array.from([7, 9]), shape: [2] }, lists[2]!];
    await expect(encodeBundle({ ...config, neighbourWeight: 1 }, vocabulary, [...arrays, ...broken], 'int8')).rejects.toThrow(/neighbourCounts/);
  });
});
