import { HEAD_FRACTION } from './candidate-policy.js';
import { nextTask } from '../core/next-task.js';
import { int8Dots, type Int8Dots } from './int8-dots.js';

/**
 * An inverted-file (IVF) index over the item scoring rows, for scoring candidates instead of the whole catalog
 * (`scoreCandidates`): each item belongs to one cluster; a shopper's scoring vector is dotted with the clusters'
 * centroids, and only the items of the best clusters (plus the head and the memory's items) are scored.
 *
 * The clustering (k-means, seconds to minutes at 1,000,000 items) is done by the CLI, which ships each item's cluster
 * in the bundle (`clustersFile`); what is built here at load is linear in the catalog: the centroids (each cluster's
 * mean row), the items in cluster order, and an int8 copy of their rows in that order (a quarter of the float rows'
 * memory, read contiguously, dotted by a WebAssembly SIMD kernel where there is one: `int8Dots`).
 */
export interface CandidateIndex {
  readonly clusters: number;
  /** Floats per scoring row. */
  readonly width: number;
  /** `[clusters, width]`: each cluster's mean scoring row. */
  readonly centroids: Float32Array;
  /** Cluster `c`'s items are `items[starts[c] .. starts[c + 1]]`. */
  readonly starts: Int32Array;
  /** Item indices (1-based) in cluster order. */
  readonly items: Int32Array;
  /** Where each item's row is in cluster order (`[numItems + 1]`; -1 for padding). */
  readonly position: Int32Array;
  /** The items' scoring rows in cluster order, int8 with one scale per row (`scales`), and their dot products. */
  readonly dots: Int8Dots;
  readonly scales: Float32Array;
  /** The most popular items by the model's prior, most popular first ({@link HEAD_FRACTION} of the catalog), as positions in cluster order; empty without a prior. */
  readonly head: Int32Array;
  /** Per position in cluster order: the call that last took it (so each is scored once without clearing a catalog-sized array); the last entry holds the call counter. */
  readonly stamps: Uint32Array;
  /** Per position in cluster order: the memory term of an item the memory reached beyond its candidates, for the history in `termsOf`. */
  readonly memory: Float32Array;
  /** Whose terms `memory` holds now (a history's memory laid out by `scoreCandidates`; null: none). */
  readonly termsOf: { current: { beyond: Int32Array } | null };
  /** Per candidate of a call (parallel to `dots.positions`): its memory term. */
  readonly termOf: Float32Array;
}

/** What {@link candidateIndex} and {@link buildCandidateIndex} take besides the rows. */
export interface IndexOptions {
  /** false: plain loops instead of the WebAssembly kernel (see `int8Dots`). */
  simd?: boolean;
}

/**
 * Builds the index from the scoring rows (`[numItems + 1, width]`, row 0 padding) and each item's cluster
 * (`assignment[i]` ≥ 0, the clusters being numbered from 0; entry 0 ignored). `prior`: the model's `log(1 + count)`
 * per item, for the head.
 */
export function candidateIndex(rows: Float32Array, width: number, assignment: ArrayLike<number>, prior?: Float32Array, options: IndexOptions = {}): CandidateIndex {
  const steps = indexSteps(rows, width, assignment, prior, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Rows quantized between two yields of {@link buildCandidateIndex} (about 5 ms at 65 columns in Node). */
const ROWS_PER_STEP = 5_000;

/**
 * {@link candidateIndex} in steps of {@link ROWS_PER_STEP} rows, each in its own task (the worker: 1.4 s at 1,000,000
 * items in Node, which would otherwise hold every message sent to it meanwhile).
 */
export async function buildCandidateIndex(rows: Float32Array, width: number, assignment: ArrayLike<number>, prior?: Float32Array, options: IndexOptions = {}): Promise<CandidateIndex> {
  const steps = indexSteps(rows, width, assignment, prior, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await nextTask();
  }
}

function* indexSteps(rows: Float32Array, width: number, assignment: ArrayLike<number>, prior: Float32Array | undefined, options: IndexOptions): Generator<void, CandidateIndex> {
  const size = rows.length / width;
  let clusters = 1;
  for (let i = 1; i < size; i++) clusters = Math.max(clusters, assignment[i]! + 1);
  const counts = new Int32Array(clusters + 1);
  for (let i = 1; i < size; i++) counts[assignment[i]! + 1]!++;
  const starts = new Int32Array(clusters + 1);
  for (let c = 0; c < clusters; c++) starts[c + 1] = starts[c]! + counts[c + 1]!;
  const fill = starts.slice(0, clusters);
  const items = new Int32Array(size - 1);
  const position = new Int32Array(size).fill(-1);
  for (let i = 1; i < size; i++) {
    const at = fill[assignment[i]!]!++;
    items[at] = i;
    position[i] = at;
  }
  const sums = new Float64Array(clusters * width);
  const dots = int8Dots(items.length, width, options);
  const { values, stride } = dots;
  const scales = new Float32Array(items.length);
  for (let r = 0; r < items.length; r++) {
    if (r > 0 && r % ROWS_PER_STEP === 0) yield;
    const from = items[r]! * width;
    const c = assignment[items[r]!]! * width;
    let max = 0;
    for (let j = 0; j < width; j++) {
      const v = rows[from + j]!;
      sums[c + j]! += v;
      if (Math.abs(v) > max) max = Math.abs(v);
    }
    const scale = max / 127 || 1;
    scales[r] = scale;
    for (let j = 0; j < width; j++) values[r * stride + j] = Math.round(rows[from + j]! / scale);
  }
  yield;
  const centroids = new Float32Array(clusters * width);
  for (let c = 0; c < clusters; c++) {
    const n = starts[c + 1]! - starts[c]!;
    for (let j = 0; j < width; j++) centroids[c * width + j] = n > 0 ? sums[c * width + j]! / n : 0;
  }
  const head = headItems(prior, size).map((item) => position[item]!);
  return { clusters, width, centroids, starts, items, position, dots, scales, head, stamps: new Uint32Array(size), memory: new Float32Array(size - 1), termsOf: { current: null }, termOf: new Float32Array(size - 1) };
}

/** The {@link HEAD_FRACTION} most popular items by `prior` (index 0 padding), most popular first. */
function headItems(prior: Float32Array | undefined, size: number): Int32Array {
  if (!prior) return new Int32Array(0);
  const n = Math.min(size - 1, Math.ceil((size - 1) * HEAD_FRACTION));
  if (n === 0) return new Int32Array(0);
  const sorted = prior.slice(1, size).sort();
  const threshold = sorted[sorted.length - n]!;
  const head: number[] = [];
  for (let i = 1; i < size && head.length < n; i++) if (prior[i]! > threshold) head.push(i);
  for (let i = 1; i < size && head.length < n; i++) if (prior[i]! === threshold) head.push(i);
  return Int32Array.from(head.sort((a, b) => prior[b]! - prior[a]! || a - b));
}
