import { seededRandom } from '../../src/core/seeded-random.js';
import type { NeighbourLists } from '../../src/model/cooccurrence-walk.js';
import { POINTERS_PER_ITEM } from '../../src/core/catalog-tiers.js';
import { assign, clusterRows } from './candidate-clusters.js';

/** Rows k-means is fitted on at most, per cluster (the rest are assigned to the fitted centroids once). */
const SAMPLE_PER_CLUSTER = 20;

/** A tail cut into clusters: each cluster's rows (indices into the rows given) and its mean row. */
export interface TailClustering {
  members: Int32Array[];
  /** `[members.length, width]`: each cluster's mean row. */
  centroids: Float32Array;
}

/**
 * The tail's scoring rows (`[n, width]`, no padding row) cut into clusters of about `target` rows, for a tiered
 * catalog's `tiers.clusters` (src/core/catalog-tiers.ts): k-means (`clusterRows`, seeded) into ⌈n / target⌉ clusters,
 * fitted on at most {@link SAMPLE_PER_CLUSTER} sampled rows per cluster and then assigning every row (a million rows
 * stay a matter of seconds); a cluster past twice `target` is cut again by k-means of its own rows (and what that
 * cannot split, in pieces of `target`), so no cluster holds more than twice `target`. Empty clusters are dropped.
 */
export function tailClusters(rows: Float32Array, width: number, target: number, seed = 42): TailClustering {
  const n = rows.length / width;
  const count = Math.max(1, Math.ceil(n / target));
  const fitted = fit(rows, width, count, seed);
  const members: Int32Array[] = [];
  for (const group of fitted) {
    if (group.length <= 2 * target) {
      if (group.length > 0) members.push(group);
      continue;
    }
    const sub = fit(gather(rows, width, group), width, Math.ceil(group.length / target), seed);
    for (const part of sub) {
      // Rows k-means cannot tell apart (equal rows) are cut in pieces of `target`.
      for (let at = 0; at < part.length; at += part.length > 2 * target ? target : part.length) members.push(part.subarray(at, at + (part.length > 2 * target ? target : part.length)).map((r) => group[r]!));
    }
  }
  const centroids = new Float32Array(members.length * width);
  members.forEach((group, c) => {
    for (const r of group) for (let j = 0; j < width; j++) centroids[c * width + j]! += rows[r * width + j]!;
    for (let j = 0; j < width; j++) centroids[c * width + j]! /= group.length;
  });
  return { members, centroids };
}

/** K-means of `rows` into `count` groups (row indices, ascending). */
function fit(rows: Float32Array, width: number, count: number, seed: number): Int32Array[] {
  const n = rows.length / width;
  const sampled = Math.min(n, SAMPLE_PER_CLUSTER * count);
  const random = seededRandom(seed);
  // A seeded sample (partial Fisher–Yates), with the padding row `clusterRows` expects first.
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < sampled; i++) {
    const j = i + Math.floor(random() * (n - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const sample = new Float32Array((sampled + 1) * width);
  for (let i = 0; i < sampled; i++) sample.set(rows.subarray(order[i]! * width, (order[i]! + 1) * width), (i + 1) * width);
  const k = Math.min(count, sampled);
  const labels = clusterRows(sample, width, k, { seed });
  const centroids = new Float32Array(k * width);
  const sizes = new Int32Array(k);
  for (let i = 1; i <= sampled; i++) {
    const c = labels[i]!;
    sizes[c]!++;
    for (let j = 0; j < width; j++) centroids[c * width + j]! += sample[i * width + j]!;
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < width; j++) centroids[c * width + j]! /= Math.max(1, sizes[c]!);
  const padded = new Float32Array((n + 1) * width);
  padded.set(rows, width);
  const assignment = new Int32Array(n + 1);
  assign(padded, width, centroids, k, assignment, new Float32Array(n + 1));
  const groups: number[][] = Array.from({ length: k }, () => []);
  for (let i = 1; i <= n; i++) groups[assignment[i]!]!.push(i - 1);
  return groups.map((g) => Int32Array.from(g));
}

function gather(rows: Float32Array, width: number, group: Int32Array): Float32Array {
  const out = new Float32Array(group.length * width);
  group.forEach((r, i) => out.set(rows.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

/** Tail clusters to fetch per history item: each item's clusters holding most of its memory weight toward the tail. */
export const POINTERS = POINTERS_PER_ITEM;

/** The memory toward a clustered tail, by the full model's item index (see `TailMemoryPointers` / `TailMemoryIncoming`). */
export interface TailMemory {
  /** `[size, POINTERS]`: each item's clusters of most weight (−1 where fewer), and `mass` that weight. */
  pointers: Int32Array;
  mass: Float32Array;
  /** For each clustered item, who lists it and with what weight. */
  incoming: [number, number][][];
}

/**
 * The memory toward the clustered tail (`edgereco tiers` writes it; `evaluate --scoring tiered` scores with it): for
 * every item of the full model's `lists`, the {@link POINTERS} clusters holding most of its neighbour weight toward
 * the tail (mass, then the lower cluster first); for every clustered item (`clusterOf` ≥ 0, by the full model's
 * index), who lists it as a neighbour and with what weight: one step of the walk.
 */
export function tailMemory(lists: NeighbourLists, clusterOf: Int32Array): TailMemory {
  const size = lists.offsets.length - 1;
  const pointers = new Int32Array(size * POINTERS).fill(-1);
  const mass = new Float32Array(size * POINTERS);
  const incoming: [number, number][][] = [];
  for (let f = 1; f < size; f++) {
    const toward = new Map<number, number>();
    for (let e = lists.offsets[f]!; e < lists.offsets[f + 1]!; e++) {
      const t = lists.ids[e]!;
      const sim = lists.sims[e]!;
      if (!(sim > 0) || clusterOf[t]! < 0) continue;
      toward.set(clusterOf[t]!, (toward.get(clusterOf[t]!) ?? 0) + sim);
      (incoming[t] ??= []).push([f, sim]);
    }
    [...toward].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, POINTERS).forEach(([k, m], j) => {
      pointers[f * POINTERS + j] = k;
      mass[f * POINTERS + j] = m;
    });
  }
  return { pointers, mass, incoming };
}

/**
 * The memory packs (`tiers.packs`; src/core/catalog-tiers.ts): for each of `count` packs, the clustered tail items
 * (`clusterOf` ≥ 0) listed as neighbours by the items whose pack it is (`packOf`, by the full model's index; −1: no
 * pack), each once, in index order. A page fetches the pack of each of the shopper's latest items and so scores
 * their own tail neighbours.
 */
export function memoryPacks(lists: NeighbourLists, clusterOf: Int32Array, packOf: Int32Array, count: number): Int32Array[] {
  const targets = Array.from({ length: count }, () => new Set<number>());
  for (let f = 1; f < lists.offsets.length - 1; f++) {
    if (packOf[f]! < 0) continue;
    for (let e = lists.offsets[f]!; e < lists.offsets[f + 1]!; e++) if (lists.sims[e]! > 0 && clusterOf[lists.ids[e]!]! >= 0) targets[packOf[f]!]!.add(lists.ids[e]!);
  }
  return targets.map((set) => Int32Array.from(set).sort());
}
