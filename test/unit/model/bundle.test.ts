import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { EdgeRecoError } from '../../../src/core/errors.js';
import { scoreCatalog } from '../../../src/model/catalog-scores.js';
import { base64ToFloats, floatsToBase64 } from '../../../src/model/base64-floats.js';
import { decodeBundle } from '../../../src/model/decode-bundle.js';
import { encodeBundle } from '../../../src/model/encode-bundle.js';
import { dequantizeRows, quantizeRows } from '../../../src/model/int8-quantize.js';
import { sasrecConfig } from '../../../src/model/sasrec-config.js';
import { initSasrecWeights } from '../../../src/model/sasrec-weights.js';
import { exportWeights, importWeights } from '../../../src/model/weights-io.js';
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
    const bytes8 = i8.files.get('weights.bin')!.byteLength;
    const bytes32 = f32.files.get('weights.bin')!.byteLength;
    expect(bytes8 / bytes32).toBeLessThan(0.3);
  });

  it('reads scales written as a plain number array too', async () => {
    const { bundle } = await encoded('int8');
    const manifest = structuredClone(bundle.manifest);
    for (const e of manifest.tensors) if (typeof e.scales === 'string') e.scales = Array.from(base64ToFloats(e.scales));
    const read = async (n: string) => bundle.files.get(n)!;
    const a = await decodeBundle(bundle.manifest, read);
    const b = await decodeBundle(manifest, read);
    expect(b.tensors).toEqual(a.tensors);
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
