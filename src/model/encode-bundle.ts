import { quantizeRows } from './int8-quantize.js';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, NEIGHBOUR_COUNTS, NEIGHBOUR_IDS, type StoredManifest, type TensorEntry, type TrainingRecord } from './model-bundle.js';
import type { SasrecConfig } from './sasrec-config.js';
import { sha256Hex } from './sha256.js';

/** A named float32 tensor, as read back from tfjs. */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface EncodedBundle {
  manifest: StoredManifest;
  /** File name → bytes (the weights file). */
  files: Map<string, Uint8Array>;
}

/**
 * Writes a bundle: with `int8`, every tensor of rank ≥ 2 is quantized per row (rows = product of all but the last
 * dimension; the scales as float16 after the values); vectors (LayerNorm, biases) stay float32. With `float32`,
 * nothing is quantized (the f32 twin). The co-occurrence lists (`neighbourCounts`, `neighbourIds`) are item indices:
 * they go, exact, to `neighbours.bin` in both.
 */
export async function encodeBundle(
  config: SasrecConfig,
  vocabulary: readonly string[],
  tensors: readonly NamedArray[],
  precision: 'int8' | 'float32',
  training?: TrainingRecord,
  attributes?: Int32Array,
): Promise<EncodedBundle> {
  const parts: Uint8Array[] = [];
  const entries: TensorEntry[] = [];
  let offset = 0;
  const push = (bytes: Uint8Array): void => {
    parts.push(bytes);
    offset += bytes.byteLength;
  };
  const lists = new Map(tensors.filter((t) => t.name === NEIGHBOUR_COUNTS || t.name === NEIGHBOUR_IDS).map((t) => [t.name, t.data]));
  for (const t of tensors) {
    if (lists.has(t.name)) continue;
    const cols = t.shape[t.shape.length - 1] ?? 1;
    if (precision === 'int8' && t.shape.length >= 2) {
      const q = quantizeRows(t.data, t.data.length / cols, cols, true);
      const valuesAt = offset;
      push(new Uint8Array(q.values.buffer, q.values.byteOffset, q.values.byteLength));
      if (offset % 2 === 1) push(new Uint8Array(1));
      entries.push({ name: t.name, shape: t.shape, dtype: 'int8', offset: valuesAt, byteLength: q.values.byteLength, scalesOffset: offset, scalesUnit: q.unit! });
      push(new Uint8Array(q.halves!.buffer));
    } else {
      const pad = (4 - (offset % 4)) % 4;
      if (pad > 0) push(new Uint8Array(pad));
      entries.push({ name: t.name, shape: t.shape, dtype: 'float32', offset, byteLength: t.data.byteLength });
      push(new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength)));
    }
  }
  const weights = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    weights.set(p, at);
    at += p.byteLength;
  }
  const weightsFile = 'weights.bin';
  const files = new Map<string, Uint8Array>([[weightsFile, weights]]);
  const checksums: Record<string, string> = { [weightsFile]: await sha256Hex(weights) };
  const attributesDtype = attributes && attributes.every((a) => a >= 0 && a < 65536) ? 'uint16' : 'int32';
  if (attributes) {
    const packed = attributesDtype === 'uint16' ? Uint16Array.from(attributes) : attributes.slice();
    const bytes = new Uint8Array(packed.buffer);
    files.set('attributes.bin', bytes);
    checksums['attributes.bin'] = await sha256Hex(bytes);
  }
  let neighboursDtype: 'uint16' | 'int32' | undefined;
  if (lists.size > 0) {
    const counts = lists.get(NEIGHBOUR_COUNTS);
    const ids = lists.get(NEIGHBOUR_IDS);
    if (!counts || !ids || counts.length !== config.numItems + 1 || counts.reduce((a, b) => a + b, 0) !== ids.length) {
      throw new Error('edgereco: co-occurrence lists need neighbourCounts [numItems + 1] summing to the length of neighbourIds');
    }
    neighboursDtype = config.numItems < 65536 ? 'uint16' : 'int32';
    const all = new Float32Array(counts.length + ids.length);
    all.set(counts);
    all.set(ids, counts.length);
    const bytes = new Uint8Array((neighboursDtype === 'uint16' ? Uint16Array.from(all) : Int32Array.from(all)).buffer);
    files.set('neighbours.bin', bytes);
    checksums['neighbours.bin'] = await sha256Hex(bytes);
  }
  // Item ids that are all whole decimal numbers (public data sets, many stores' product numbers) go to a binary file.
  const numeric = vocabulary.length > 0 && vocabulary.every((id) => /^(0|[1-9][0-9]{0,9})$/.test(id) && Number(id) < 2 ** 32);
  const vocabularyDtype = numeric && vocabulary.every((id) => Number(id) < 65536) ? 'uint16' : 'uint32';
  if (numeric) {
    const ids = vocabulary.map(Number);
    const bytes = new Uint8Array((vocabularyDtype === 'uint16' ? Uint16Array.from(ids) : Uint32Array.from(ids)).buffer);
    files.set('vocabulary.bin', bytes);
    checksums['vocabulary.bin'] = await sha256Hex(bytes);
  }
  const manifest: StoredManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    model: 'sasrec',
    config,
    ...(numeric ? { vocabularyFile: 'vocabulary.bin', vocabularyDtype } : { vocabulary: [...vocabulary] }),
    weightsFile,
    tensors: entries,
    ...(attributes ? { attributesFile: 'attributes.bin', attributesDtype } : {}),
    ...(neighboursDtype ? { neighboursFile: 'neighbours.bin', neighboursDtype } : {}),
    checksums,
    ...(training ? { training } : {}),
  };
  return { manifest, files };
}
