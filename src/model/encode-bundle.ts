import { floatsToBase64 } from './base64-floats.js';
import { quantizeRows } from './int8-quantize.js';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, type ModelManifest, type TensorEntry, type TrainingRecord } from './model-bundle.js';
import type { SasrecConfig } from './sasrec-config.js';
import { sha256Hex } from './sha256.js';

/** A named float32 tensor, as read back from tfjs. */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface EncodedBundle {
  manifest: ModelManifest;
  /** File name → bytes (the weights file). */
  files: Map<string, Uint8Array>;
}

/**
 * Writes a bundle: with `int8`, every tensor of rank ≥ 2 is quantized per row (rows = product of all but the last
 * dimension); vectors (LayerNorm, biases) stay float32. With `float32`, nothing is quantized (the f32 twin).
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
  for (const t of tensors) {
    const cols = t.shape[t.shape.length - 1] ?? 1;
    if (precision === 'int8' && t.shape.length >= 2) {
      const q = quantizeRows(t.data, t.data.length / cols, cols);
      entries.push({ name: t.name, shape: t.shape, dtype: 'int8', offset, byteLength: q.values.byteLength, scales: floatsToBase64(q.scales) });
      push(new Uint8Array(q.values.buffer, q.values.byteOffset, q.values.byteLength));
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
  const manifest: ModelManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    model: 'sasrec',
    config,
    vocabulary: [...vocabulary],
    weightsFile,
    tensors: entries,
    ...(attributes ? { attributesFile: 'attributes.bin', attributesDtype } : {}),
    checksums,
    ...(training ? { training } : {}),
  };
  return { manifest, files };
}
