import type { SasrecConfig } from './sasrec-config.js';

/** The bundle format this build writes and the only one it loads. */
export const BUNDLE_FORMAT = 'edgereco-model';
export const BUNDLE_FORMAT_VERSION = 1;

/** How a tensor is stored in `weights.bin`. */
export interface TensorEntry {
  name: string;
  shape: number[];
  /** `int8`: per-row scales in `scales` (one per leading-dimension row, i.e. per row of the `[rows, cols]` view). */
  dtype: 'int8' | 'float32';
  /** Byte offset in the weights file (float32 entries are 4-byte aligned). */
  offset: number;
  byteLength: number;
  /** Per-row scales of an int8 entry: base64 of little-endian float32 (a plain number array is also read). */
  scales?: string | number[];
}

/** What the model was trained on, so `evaluate` can refuse a bundle that saw the test items. */
export interface TrainingRecord {
  /** SHA-256 of the training sequences (see `sequencesHash`). */
  dataHash: string;
  /** `leave-one-out`: trained on the training part only; `none`: on all the data. */
  split: 'leave-one-out' | 'none';
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
  /** Item ids; item index `i` (1-based) is `vocabulary[i - 1]`. */
  vocabulary: string[];
  weightsFile: string;
  tensors: TensorEntry[];
  /** Item attribute table `[numItems + 1, config.maxAttributes]`, little-endian, for a model with attributes. */
  attributesFile?: string;
  /** Element type of `attributesFile`: uint16 when every attribute id fits, else int32. */
  attributesDtype?: 'uint16' | 'int32';
  /** SHA-256 (hex) of each file of the bundle other than the manifest. */
  checksums: Record<string, string>;
  training?: TrainingRecord;
}
