import { createError, ERROR_CODES, describeValue, type EdgeRecoError } from '../core/errors.js';
import { base64ToFloats } from './base64-floats.js';
import { dequantizeRows, halfScaleOf } from './int8-rows.js';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, BUNDLE_FORMAT_VERSIONS, MAX_NEIGHBOUR_HOPS, NEIGHBOUR_COUNTS, NEIGHBOUR_IDS, unpackIntegers, type ModelManifest, type StoredManifest } from './model-bundle.js';
import type { NamedArray } from './model-bundle.js';
import { sha256Hex } from './sha256.js';
import { sasrecConfig } from './sasrec-config.js';

export interface DecodedBundle {
  manifest: ModelManifest;
  /** Float32 tensors (int8 entries dequantized; the co-occurrence lists, if any, as `neighbourCounts` and `neighbourIds`). */
  tensors: NamedArray[];
  /** The item attribute table, when the model has attributes. */
  attributes?: Int32Array;
  /** Each item's cluster for the approximate scoring (`candidateIndex`), when the bundle has them (`clustersFile`). */
  clusters?: Int32Array;
}

/** What the caller does with each file once it passed its checksum, and says when one fails it. */
export interface DecodeOptions {
  /** Called with each file's bytes once they match the manifest's SHA-256 (the worker caches them then, not before). */
  onVerified?: (name: string, bytes: Uint8Array) => void | Promise<void>;
  /** What to do about a file that fails its checksum. Default: upload every file of the bundle again, unchanged. */
  checksumFix?: string;
}

/** The bytes the manifest's tensors need of the weights file (a shorter file was cut short). */
function weightsLength(manifest: ModelManifest): number {
  let needed = 0;
  for (const e of manifest.tensors ?? []) {
    needed = Math.max(needed, e.offset + e.byteLength);
    if (e.scalesOffset !== undefined) needed = Math.max(needed, e.scalesOffset + (2 * e.byteLength) / (e.shape[e.shape.length - 1] ?? 1));
  }
  return needed;
}

/** A bundle this build cannot take: a version or a feature it does not know. */
function unsupported(what: string, supported: string, fix: string, version?: unknown): EdgeRecoError {
  return createError(ERROR_CODES.UNSUPPORTED_VERSION, { what, supported, fix, ...(version !== undefined ? { version } : {}) });
}

/**
 * Checks and decodes a bundle: refuses an unknown format version (UNSUPPORTED_VERSION), anything that is not a
 * bundle and any file whose SHA-256 does not match the manifest (INVALID_BUNDLE), then dequantizes int8 tensors to
 * float32. `readFile` returns a bundle file's bytes by name (fetch, Cache Storage or disk); `url`, where the
 * manifest came from, is named in the errors. `options.onVerified` gets each file once it passed its checksum.
 */
export async function decodeBundle(
  manifestJson: unknown,
  readFile: (name: string) => Promise<Uint8Array>,
  url?: string,
  options: DecodeOptions = {},
): Promise<DecodedBundle> {
  const bad = (problem: string, file?: string): EdgeRecoError => createError(ERROR_CODES.INVALID_BUNDLE, { ...(url ? { url } : {}), ...(file ? { file } : {}), problem });
  const m = manifestJson as Partial<StoredManifest> | null;
  if (typeof m !== 'object' || m === null || m.format !== BUNDLE_FORMAT) {
    throw bad(`manifest.json is not an edgereco model manifest (its format is ${describeValue(m?.format)}, not "${BUNDLE_FORMAT}")`);
  }
  if (!BUNDLE_FORMAT_VERSIONS.includes(m.formatVersion as number)) {
    throw unsupported('model bundle format', `versions ${BUNDLE_FORMAT_VERSIONS.join(', ')}, writes ${BUNDLE_FORMAT_VERSION}`, 'retrain or upgrade edgereco', m.formatVersion);
  }
  if (typeof m.config !== 'object' || m.config === null || !Number.isInteger(m.config.numItems)) {
    throw bad('manifest.json has no valid config');
  }
  const members = (m.config as Partial<ModelManifest['config']>).members;
  if (members !== undefined && !(Number.isInteger(members) && members >= 1)) {
    throw bad(`config.members is ${describeValue(members)}, not a whole number ≥ 1`);
  }
  const hops = (m.config as Partial<ModelManifest['config']>).neighbourHops;
  if (hops !== undefined && !(Number.isInteger(hops) && hops >= 1 && hops <= MAX_NEIGHBOUR_HOPS)) {
    throw unsupported(`the model bundle's walk (config.neighbourHops is ${describeValue(hops)})`, `walks of 1 to ${MAX_NEIGHBOUR_HOPS} steps`, 'rebuild it with `edgereco neighbours`');
  }
  const positions = (m.config as Partial<ModelManifest['config']>).positions;
  if (positions !== undefined && positions !== 'recency' && positions !== 'distance') {
    throw unsupported(`the model's positions (config.positions is ${describeValue(positions)})`, '"recency" and "distance"', 'retrain or upgrade edgereco');
  }
  // Fields added since format version 1 default to off (event features, prior, one member, memory paths, positions by
  // recency), so older bundles load unchanged.
  const manifest: ModelManifest = { ...(m as ModelManifest), config: sasrecConfig((m as ModelManifest).config) };
  const checked = async (name: string): Promise<Uint8Array> => {
    const bytes = await readFile(name);
    const expected = manifest.checksums[name];
    const actual = await sha256Hex(bytes);
    if (expected !== actual) {
      const needed = name === manifest.weightsFile ? weightsLength(manifest) : 0;
      const short = bytes.length < needed ? `, cut short: its tensors need ${needed}` : '';
      const problem = `${name} fails its checksum (expected ${expected ?? 'none'}, got ${actual}; ${bytes.length} bytes${short}${bytes[0] === 0x3c ? ', HTML' : ''})`;
      throw createError(ERROR_CODES.INVALID_BUNDLE, { ...(url ? { url } : {}), file: name, problem, fix: options.checksumFix ?? 'upload every file of the bundle again, unchanged' });
    }
    await options.onVerified?.(name, bytes);
    return bytes;
  };
  if (manifest.vocabularyFile) {
    manifest.vocabulary = Array.from(unpackIntegers(await checked(manifest.vocabularyFile), manifest.vocabularyDtype ?? 'uint32'), String);
  }
  if (!Array.isArray(manifest.vocabulary) || manifest.vocabulary.length !== manifest.config.numItems) {
    throw bad(`its vocabulary has ${describeValue(manifest.vocabulary?.length)} items, not config.numItems (${manifest.config.numItems})`);
  }
  const weights = await checked(manifest.weightsFile);
  let attributes: Int32Array | undefined;
  if (manifest.attributesFile) {
    attributes = Int32Array.from(unpackIntegers(await checked(manifest.attributesFile), manifest.attributesDtype ?? 'int32'));
  }
  const tensors = manifest.tensors.map((e): NamedArray => {
    const size = e.shape.reduce((a, b) => a * b, 1);
    const bytes = weights.slice(e.offset, e.offset + e.byteLength);
    if (e.dtype === 'float32') return { name: e.name, shape: e.shape, data: new Float32Array(bytes.buffer, 0, size) };
    const cols = e.shape[e.shape.length - 1] ?? 1;
    const scales =
      e.scalesOffset !== undefined
        ? Float32Array.from(new Uint16Array(weights.slice(e.scalesOffset, e.scalesOffset + (2 * size) / cols).buffer), (h) => halfScaleOf(h, e.scalesUnit ?? 1))
        : typeof e.scales === 'string'
          ? base64ToFloats(e.scales)
          : Float32Array.from(e.scales ?? []);
    const data = dequantizeRows({ values: new Int8Array(bytes.buffer, 0, size), scales }, cols);
    return { name: e.name, shape: e.shape, data };
  });
  if (manifest.neighboursFile) {
    const all = Float32Array.from(unpackIntegers(await checked(manifest.neighboursFile), manifest.neighboursDtype ?? 'int32'));
    const rows = manifest.config.numItems + 1;
    tensors.push({ name: NEIGHBOUR_COUNTS, shape: [rows], data: all.slice(0, rows) }, { name: NEIGHBOUR_IDS, shape: [all.length - rows], data: all.slice(rows) });
  }
  let clusters: Int32Array | undefined;
  if (manifest.clustersFile) {
    clusters = Int32Array.from(unpackIntegers(await checked(manifest.clustersFile), manifest.clustersDtype ?? 'int32'));
    if (clusters.length !== manifest.config.numItems + 1 || clusters.some((c) => c < 0)) throw bad(`${manifest.clustersFile} has ${clusters.length} entries, not config.numItems + 1 (${manifest.config.numItems + 1}), or a negative one`, manifest.clustersFile);
  }
  return { manifest, tensors, ...(attributes ? { attributes } : {}), ...(clusters ? { clusters } : {}) };
}
