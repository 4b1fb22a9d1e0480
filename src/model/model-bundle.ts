import type { SasrecConfig } from './sasrec-config.js';

/** A named float32 tensor, as read back from tfjs. */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** The bundle format this build writes. */
export const BUNDLE_FORMAT = 'edgereco-model';
/**
 * The version this build writes for a bundle without clusters. Version 2 added float16 int8 scales in the weights file (`scalesOffset`) and the
 * co-occurrence lists (`neighboursFile`); version 3 the memory's longer paths (`config.neighbourHops`,
 * `neighbourPathWeight`), which a version 2 reader would silently ignore. Versions 1 and 2 still load.
 */
export const BUNDLE_FORMAT_VERSION = 3;
/**
 * The version of a bundle with the approximate scoring's clusters (`clustersFile`, written by `edgereco index`).
 * Without them a large catalog is scored exactly, so a bundle without clusters stays version 3.
 */
export const CLUSTERS_FORMAT_VERSION = 4;
/**
 * The version of a bundle whose model places items by distance (`config.positions` `distance`): a version 4 reader
 * would ignore the field and its `distanceBias` and score with the wrong model.
 */
export const DISTANCE_FORMAT_VERSION = 5;
/** The versions this build loads. */
export const BUNDLE_FORMAT_VERSIONS: readonly number[] = [1, 2, 3, 4, 5];

/** The format version a bundle of this config needs (with clusters: at least {@link CLUSTERS_FORMAT_VERSION}). */
export function formatVersionOf(config: Pick<SasrecConfig, 'positions'>, clusters = false): number {
  return Math.max(BUNDLE_FORMAT_VERSION, clusters ? CLUSTERS_FORMAT_VERSION : 0, config.positions === 'distance' ? DISTANCE_FORMAT_VERSION : 0);
}

/**
 * The co-occurrence memory's arrays among a model's named arrays: each item's list length (`[numItems + 1]`), the
 * lists' item indices (`[n]`; both stored in `neighboursFile`, exact integers), and their weights (`[1, n]`, a tensor
 * of the weights file, quantized like the others).
 */
export const NEIGHBOUR_COUNTS = 'neighbourCounts';
export const NEIGHBOUR_IDS = 'neighbourIds';
export const NEIGHBOUR_WEIGHTS = 'neighbourWeights';
/** The longest walk through the co-occurrence lists a bundle may ask for (`config.neighbourHops`). */
export const MAX_NEIGHBOUR_HOPS = 3;

/** Element types of the bundle's integer files (attributes, co-occurrence lists, vocabulary), little-endian. */
export type IntegerDtype = 'uint16' | 'uint32' | 'int32';

/** Integers as the bytes of an integer file. */
export function packIntegers(values: ArrayLike<number>, dtype: IntegerDtype): Uint8Array {
  const typed = dtype === 'uint16' ? Uint16Array.from(values) : dtype === 'uint32' ? Uint32Array.from(values) : Int32Array.from(values);
  return new Uint8Array(typed.buffer);
}

/** The integers of an integer file's bytes. */
export function unpackIntegers(bytes: Uint8Array, dtype: IntegerDtype): Uint16Array | Uint32Array | Int32Array {
  const buffer = bytes.slice().buffer;
  return dtype === 'uint16' ? new Uint16Array(buffer) : dtype === 'uint32' ? new Uint32Array(buffer) : new Int32Array(buffer);
}

/** A manifest as stored: the vocabulary may be in `vocabularyFile` instead. */
export type StoredManifest = Omit<ModelManifest, 'vocabulary'> & { vocabulary?: string[] };

/** How a tensor is stored in `weights.bin`. */
export interface TensorEntry {
  name: string;
  shape: number[];
  /** `int8`: per-row scales in `scales` (one per leading-dimension row, i.e. per row of the `[rows, cols]` view). */
  dtype: 'int8' | 'float32';
  /** Byte offset in the weights file (float32 entries are 4-byte aligned). */
  offset: number;
  byteLength: number;
  /** Per-row scales of an int8 entry: base64 of little-endian float32 (a plain number array is also read). Version 1. */
  scales?: string | number[];
  /**
   * Byte offset in the weights file of an int8 entry's per-row scales (version 2): little-endian float16 fractions of
   * `scalesUnit`, so a row's scale is float16 × scalesUnit.
   */
  scalesOffset?: number;
  scalesUnit?: number;
}

/** What the model was trained on, so `evaluate` can refuse a bundle that saw the test items. */
export interface TrainingRecord {
  /** SHA-256 of the training sequences (see `sequencesHash`). */
  dataHash: string;
  /** `leave-one-out`: trained on the training part only; `none`: on all the data. */
  split: 'leave-one-out' | 'none';
  /**
   * Whether it learned from the validation items (the last item before the test item; with `split: 'none'`, each
   * sequence's last item): `held-out` when they were only used to choose (the default with a split), `trained` when
   * training went on over them after the choices (the default without one).
   */
  validation?: 'held-out' | 'trained';
  format: string;
  epochs: number;
  seed: number;
  /** An ensemble's members: each one's seed and kept epoch (`epochs` is then the largest). */
  members?: { seed: number; epochs: number }[];
  command?: string;
}

/** `manifest.json` of a model bundle. */
export interface ModelManifest {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  model: 'sasrec';
  config: SasrecConfig;
  /**
   * Item ids; item index `i` (1-based) is `vocabulary[i - 1]`. Always present once decoded; on disk absent when the ids
   * are all whole decimal numbers, which version 2 stores in `vocabularyFile` instead (a fifth of the JSON's size).
   */
  vocabulary: string[];
  /** The item ids as little-endian unsigned integers (`vocabularyDtype`), when they are all whole decimal numbers. */
  vocabularyFile?: string;
  vocabularyDtype?: 'uint16' | 'uint32';
  weightsFile: string;
  tensors: TensorEntry[];
  /** Item attribute table `[numItems + 1, config.maxAttributes]`, little-endian, for a model with attributes. */
  attributesFile?: string;
  /** Element type of `attributesFile`: uint16 when every attribute id fits, else int32. */
  attributesDtype?: 'uint16' | 'int32';
  /**
   * Each item's co-occurring items, for a model with a co-occurrence memory (`config.neighbourWeight > 0`): the
   * `[numItems + 1]` list lengths, then the lists (item indices, most similar first), little-endian. Their weights are
   * the tensor `neighbourWeights`.
   */
  neighboursFile?: string;
  /** Element type of `neighboursFile`: uint16 when every item index fits, else int32. */
  neighboursDtype?: 'uint16' | 'int32';
  /**
   * Each item's cluster (`[numItems + 1]`, entry 0 unused), little-endian, for scoring candidates instead of the whole
   * catalog (`candidateIndex`; version 4, optional: written by `edgereco index`).
   */
  clustersFile?: string;
  /** Element type of `clustersFile`. */
  clustersDtype?: 'uint16' | 'int32';
  /** SHA-256 (hex) of each file of the bundle other than the manifest. */
  checksums: Record<string, string>;
  training?: TrainingRecord;
}
