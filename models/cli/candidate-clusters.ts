import * as tf from '@tensorflow/tfjs-core';
import { seededRandom } from '../../src/core/seeded-random.js';

/** Rows per assignment product (`[batch, width] · [width, clusters]`). */
const BATCH = 4096;

/**
 * K-means (Lloyd) of the item scoring rows (`[numItems + 1, width]`, row 0 padding) into `clusters` clusters, for the
 * approximate scoring's index (`candidateIndex`): each item's cluster (`[numItems + 1]`, entry 0 is 0). Seeded: the
 * first centroids are `clusters` distinct items drawn with `seed`; an emptied cluster takes the item farthest from its
 * centroid. The distances run as tfjs products on the active backend.
 */
export function clusterRows(rows: Float32Array, width: number, clusters: number, options: { iterations?: number; seed?: number } = {}): Int32Array {
  const size = rows.length / width;
  const n = size - 1;
  const k = Math.max(1, Math.min(clusters, n));
  const random = seededRandom(options.seed ?? 42);
  const centroids = new Float32Array(k * width);
  const picked = new Set<number>();
  while (picked.size < k) picked.add(1 + Math.floor(random() * n));
  [...picked].forEach((item, c) => centroids.set(rows.subarray(item * width, (item + 1) * width), c * width));
  const assignment = new Int32Array(size);
  const distance = new Float32Array(size);
  for (let it = 0; it < (options.iterations ?? 10); it++) {
    assign(rows, width, centroids, k, assignment, distance);
    const sums = new Float64Array(k * width);
    const counts = new Int32Array(k);
    for (let i = 1; i < size; i++) {
      const c = assignment[i]!;
      counts[c]!++;
      for (let j = 0; j < width; j++) sums[c * width + j]! += rows[i * width + j]!;
    }
    const far = Array.from({ length: n }, (_, i) => i + 1).sort((a, b) => distance[b]! - distance[a]!);
    let next = 0;
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        const item = far[next++]!;
        centroids.set(rows.subarray(item * width, (item + 1) * width), c * width);
        continue;
      }
      for (let j = 0; j < width; j++) centroids[c * width + j] = sums[c * width + j]! / counts[c]!;
    }
  }
  assign(rows, width, centroids, k, assignment, distance);
  return assignment;
}

/** Each item's nearest centroid (squared L2) and its distance (up to the item's own squared norm). */
export function assign(rows: Float32Array, width: number, centroids: Float32Array, k: number, assignment: Int32Array, distance: Float32Array): void {
  const size = rows.length / width;
  const c = tf.tensor2d(centroids, [k, width]);
  const halfNorms = tf.tidy(() => tf.mul(tf.sum(tf.square(c), 1), 0.5));
  try {
    for (let start = 1; start < size; start += BATCH) {
      const end = Math.min(size, start + BATCH);
      const [best, score] = tf.tidy(() => {
        const x = tf.tensor2d(rows.subarray(start * width, end * width), [end - start, width]);
        const s = tf.sub(tf.matMul(x, c, false, true), halfNorms);
        return [tf.argMax(s, 1), tf.max(s, 1)];
      });
      const b = best!.dataSync();
      const s = score!.dataSync();
      best!.dispose();
      score!.dispose();
      for (let i = start; i < end; i++) {
        assignment[i] = b[i - start]!;
        distance[i] = -s[i - start]!;
      }
    }
  } finally {
    c.dispose();
    halfNorms.dispose();
  }
}
