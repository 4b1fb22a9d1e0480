import { quantizeRows } from './quantize-rows.js';
import { BUNDLE_FORMAT, formatVersionOf, NEIGHBOUR_COUNTS, NEIGHBOUR_IDS, packIntegers, type IntegerDtype, type NamedArray, type StoredManifest, type TensorEntry, type TrainingRecord } from '../../../src/model/model-bundle.js';
import type { SasrecConfig } from '../../../src/model/sasrec-config.js';
import { sha256Hex } from '../../../src/model/sha256.js';
import { createError, ERROR_CODES } from '../../../src/core/errors.js';

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
  const addFile = async (name: string, values: ArrayLike<number>, dtype: IntegerDtype): Promise<void> => {
    const bytes = packIntegers(values, dtype);
    files.set(name, bytes);
    checksums[name] = await sha256Hex(bytes);
  };
  const attributesDtype = attributes && attributes.every((a) => a >= 0 && a < 65536) ? 'uint16' : 'int32';
  if (attributes) await addFile('attributes.bin', attributes, attributesDtype);
  let neighboursDtype: 'uint16' | 'int32' | undefined;
  if (lists.size > 0) {
    const counts = lists.get(NEIGHBOUR_COUNTS);
    const ids = lists.get(NEIGHBOUR_IDS);
    if (!counts || !ids || counts.length !== config.numItems + 1 || counts.reduce((a, b) => a + b, 0) !== ids.length) {
      throw createError(ERROR_CODES.INVALID_DATA, { subject: 'the co-occurrence lists', requirement: 'need neighbourCounts [numItems + 1] summing to the length of neighbourIds' });
    }
    // In memory the lists are float32 arrays like every named array: exact for item indices below 2^24.
    if (config.numItems >= 2 ** 24) throw createError(ERROR_CODES.INVALID_DATA, { subject: 'the co-occurrence lists', requirement: 'support catalogs of up to 16,777,215 items', got: config.numItems });
    neighboursDtype = config.numItems < 65536 ? 'uint16' : 'int32';
    const all = new Float32Array(counts.length + ids.length);
    all.set(counts);
    all.set(ids, counts.length);
    await addFile('neighbours.bin', all, neighboursDtype);
  }
  // Item ids that are all whole decimal numbers (public data sets, many stores' product numbers) go to a binary file.
  const numeric = vocabulary.length > 0 && vocabulary.every((id) => /^(0|[1-9][0-9]{0,9})$/.test(id) && Number(id) < 2 ** 32);
  const vocabularyDtype = numeric && vocabulary.every((id) => Number(id) < 65536) ? 'uint16' : 'uint32';
  if (numeric) await addFile('vocabulary.bin', vocabulary.map(Number), vocabularyDtype);
  const manifest: StoredManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: formatVersionOf(config),
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
