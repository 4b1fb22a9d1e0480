import { join } from 'node:path';
import { countInteractions } from './datasets/sequence-dataset.js';
import { EdgeRecoError, ERROR_CODES } from '../../src/core/errors.js';
import { evaluateRanking, type CatalogScorer, type Protocol } from './evaluation/evaluate-ranking.js';
import { itemKnnScorer } from './evaluation/item-knn-baseline.js';
import { leaveOneOut, type EvaluationTarget } from './evaluation/leave-one-out.js';
import { trainedSequences, validationUse } from './evaluation/held-out.js';
import { popularityScorer } from './evaluation/popularity-baseline.js';
import type { RankingMetrics } from './evaluation/ranking-metrics.js';
import type { SequenceFeatures } from './datasets/sequence-dataset.js';
import { historyScorer, prefixFeatures } from './evaluation/catalog-scores.js';
import { memoryTerm, memoryTerms, plainSasrec, readsEventFeatures, scoringRows, scoringWidth, type PlainSasrec } from '../../src/model/history-state.js';
import { ModelRuntime } from '../../src/model/model-runtime.js';
import { shardOf } from '../../src/core/catalog-tiers.js';
import { neighbourReach, neighbourWalk, type NeighbourLists } from '../../src/model/cooccurrence-walk.js';
import { restrictBundle } from './head-bundle.js';
import { invalidOption } from './args.js';
import { candidateIndex, type CandidateIndex } from '../../src/model/candidate-index.js';
import { candidateSettings, clusterCount, type CandidateSettings } from '../../src/model/candidate-policy.js';
import { clusterRows } from './candidate-clusters.js';
import { POINTERS, tailClusters, tailMemory, type TailMemory } from './tail-clusters.js';
import type { DecodedBundle } from '../../src/model/decode-bundle.js';
import { trainingDataHash } from './training/training-data-hash.js';
import { parseArgs } from './args.js';
import { EVALUATE } from './commands.js';
import { readBundle } from './bundle-files.js';
import { EVENT_FORMATS, readEvents, RETAIL_SEQUENCES } from './read-events.js';
import { useBackend } from './wasm-backend.js';

/**
 * A scorer over the dataset's item indices backed by a bundle whose vocabulary may differ (remapped by item id; items
 * the bundle does not know score -Infinity). States go through `historyState`, the function the worker runs.
 */
export function bundleScorer(bundle: DecodedBundle, itemIds: readonly string[], features: SequenceFeatures | undefined, approximate?: { probe?: number; onScored?: (scored: number) => void }): CatalogScorer {
  const model = plainSasrec(bundle.manifest.config, bundle.tensors, bundle.attributes);
  const scoreCatalog = historyScorer(model, approximate ? { ...bundleIndex(bundle, model, approximate.probe), ...(approximate.onScored ? { onScored: approximate.onScored } : {}) } : undefined);
  const index = new Map(bundle.manifest.vocabulary.map((id, i) => [id, i + 1]));
  const toBundle = Int32Array.from([0, ...itemIds.map((id) => index.get(id) ?? 0)]);
  const reads = readsEventFeatures(bundle.manifest.config);
  return (histories, users) => {
    const known = (h: readonly number[]): number[] => h.map((_, j) => j).filter((j) => toBundle[h[j]!]! > 0);
    const kept = histories.map(known);
    const mapped = histories.map((h, i) => kept[i]!.map((j) => toBundle[h[j]!]!));
    const prefix = reads ? prefixFeatures(features, histories, users) : undefined;
    const perHistory = prefix?.map((f, i) => ({ types: kept[i]!.map((j) => f.types[j]!), gaps: kept[i]!.map((j) => f.gaps[j]!) }));
    return scoreCatalog(mapped, perHistory).map((row) => {
      const out = new Float32Array(itemIds.length + 1);
      for (let i = 1; i < out.length; i++) out[i] = toBundle[i]! > 0 ? row[toBundle[i]!]! : -Infinity;
      out[0] = -Infinity;
      return out;
    });
  };
}

/**
 * `--scoring tiered`: how the worker scores a tiered catalog (docs/large-catalogs.md), through the worker's own
 * `ModelRuntime`, at the proportions of a store (by default the bench's 1,000,000 products: a head of 2%, shards of
 * 0.05%). The head is the `headShare` most popular items by training count; the head bundle (`restrictBundle`, as
 * `edgereco tiers` writes it) scores the head, its memory included; the tail items of the shards named by the
 * history's latest 50 tail items are scored by the same state against their own rows (no memory); every other item
 * cannot be recommended (-Infinity); a history the model cannot read gets popularity, as the worker's baseline does.
 * `tailInputs`: the state also reads the history's tail items (`addInputs`), as the worker does; without it, as the
 * worker did before. `tail.clusters`: the tail is also cut by clusters of its rows (`tailClusters`, a shard's size
 * each, as `edgereco tiers` writes them) and the clusters whose centroids score best are scored too, as the worker's
 * `clusterCandidates` does (0: hash shards only, the worker before). `tail.memoryLists`: with a memory, also the
 * clusters the history's items point to most, and the memory's one-step terms for the loaded clusters' items from
 * their incoming lists, as the worker does (0: none); `tail.memoryPacks`: and every tail neighbour of the latest
 * distinct history items, as the worker scores their memory packs (a pack file also holds the neighbours of the few
 * other items that share it, which are left out here). `tail.memoryClusters` (an experiment, an upper bound): also the
 * clusters holding most of the whole model's memory terms over tail items, scored with those terms.
 */
function tieredScorer(bundle: DecodedBundle, itemIds: readonly string[], train: readonly (readonly number[])[], headShare: number, shardShare: number, tailInputs: boolean, tail: { clusters: number; memoryClusters: number; memoryLists: number; exactHead: boolean; memoryItems: number; memoryPacks: number; walkTerms: boolean; walkIncoming: number; headWalk: boolean; longerPacks: number; packWalk: boolean; lateClusters: boolean }): { scorer: CatalogScorer; described: () => Record<string, unknown> } {
  if (readsEventFeatures(bundle.manifest.config)) throw invalidOption('--scoring tiered reads bundles without event features (eventTypes, gapBuckets)');
  const n = itemIds.length;
  const counts = new Float64Array(n + 1);
  for (const seq of train) for (const i of seq) counts[i]! += 1;
  const order = Array.from({ length: n }, (_, j) => j + 1).sort((a, b) => counts[b]! - counts[a]! || a - b);
  const headSize = Math.max(1, Math.round(n * headShare));
  const headIds = new Set(order.slice(0, headSize).map((i) => itemIds[i - 1]!));
  const shards = Math.max(1, Math.round((n - headSize) / Math.max(1, n * shardShare)));
  const parts = restrictBundle(bundle, headIds);
  const headBundle: DecodedBundle = { manifest: { ...bundle.manifest, config: parts.config, vocabulary: parts.vocabulary }, tensors: parts.arrays, ...(parts.attributes ? { attributes: parts.attributes } : {}) };
  const runtime = ModelRuntime.plain(headBundle, { preference: 'cpu', onBackend: () => {} });
  // The shards' rows: the whole model's scoring rows of the tail items it knows, by shard.
  const full = plainSasrec(bundle.manifest.config, bundle.tensors, bundle.attributes);
  const table = scoringRows(full);
  const width = scoringWidth(full);
  const fullIndex = new Map(bundle.manifest.vocabulary.map((id, i) => [id, i + 1]));
  const byShard = Array.from({ length: shards }, () => ({ items: [] as number[], rows: [] as Float32Array[] }));
  const shardOfItem = new Int32Array(n + 1).fill(-1);
  for (let i = 1; i <= n; i++) {
    const id = itemIds[i - 1]!;
    const f = fullIndex.get(id);
    if (headIds.has(id) || f === undefined) continue;
    const k = shardOf(id, shards);
    shardOfItem[i] = k;
    byShard[k]!.items.push(i);
    byShard[k]!.rows.push(table.subarray(f * width, (f + 1) * width));
  }
  const packed = byShard.map(({ items, rows }) => {
    const out = new Float32Array(items.length * width);
    rows.forEach((r, j) => out.set(r, j * width));
    return { items, rows: out };
  });
  if (tailInputs) for (const { items, rows } of packed) runtime.addInputs(items.map((i) => itemIds[i - 1]!), rows);
  // The tail also cut by clusters of its rows, as `edgereco tiers` cuts it (a cluster about a shard's size).
  const tailItems = packed.flatMap((p) => p.items);
  const clusterRowsOf: { items: number[]; rows: Float32Array }[] = [];
  const clusterOfItem = new Int32Array(n + 1).fill(-1);
  let centroids: Float32Array = new Float32Array(0);
  if (tail.clusters > 0 || tail.memoryClusters > 0 || tail.memoryLists > 0) {
    const rows = new Float32Array(tailItems.length * width);
    tailItems.forEach((i, j) => rows.set(table.subarray(fullIndex.get(itemIds[i - 1]!)! * width, (fullIndex.get(itemIds[i - 1]!)! + 1) * width), j * width));
    const clustering = tailClusters(rows, width, Math.max(1, Math.round(n * shardShare)));
    centroids = clustering.centroids;
    clustering.members.forEach((m, k) => {
      const part = new Float32Array(m.length * width);
      m.forEach((j, r) => part.set(rows.subarray(j * width, (j + 1) * width), r * width));
      clusterRowsOf.push({ items: Array.from(m, (j) => tailItems[j]!), rows: part });
      for (const j of m) clusterOfItem[tailItems[j]!] = k;
    });
  }
  // For --tail-memory (as `edgereco tiers` writes them): each item's two clusters of most neighbour weight toward the
  // tail, and each clustered tail item's incoming lists.
  const lists = full.neighbours;
  let memoryToward: TailMemory | null = null;
  if (tail.memoryLists > 0 && lists && clusterRowsOf.length > 0) {
    const clusterOfFull = new Int32Array(bundle.manifest.vocabulary.length + 1).fill(-1);
    clusterRowsOf.forEach((c, k) => c.items.forEach((i) => (clusterOfFull[fullIndex.get(itemIds[i - 1]!)!] = k)));
    memoryToward = tailMemory(lists, clusterOfFull);
  }
  // For --tail-memory-clusters: the whole model's memory walk, mapped to dataset indices.
  const toFull = Int32Array.from([0, ...itemIds.map((id) => fullIndex.get(id) ?? 0)]);
  const fromFull = new Int32Array(bundle.manifest.vocabulary.length + 1);
  toFull.forEach((f, i) => f > 0 && (fromFull[f] = i));
  const popularity = popularityScorer(train, n);
  // Dataset index → the head bundle's index, for the head items.
  const headAt: [number, number][] = [];
  for (let i = 1; i <= n; i++) {
    const at = headIds.has(itemIds[i - 1]!) ? runtime.indexOf(itemIds[i - 1]!) : undefined;
    if (at !== undefined) headAt.push([i, at]);
  }
  let histories = 0;
  let scored = 0;
  let baseline = 0;
  // --exact-head (an experiment): the head items scored by the whole bundle, as if the head's walk had the whole memory.
  const exactHead = tail.exactHead ? bundleScorer(bundle, itemIds, undefined) : null;
  // --tail-head-walk (an experiment): the full model's lists between head items only (the head bundle's), by full index.
  let headLists: NeighbourLists | null = null;
  if (tail.headWalk && lists && full.config.neighbourHops > 1) {
    const isHead = new Uint8Array(lists.offsets.length);
    for (const id of headIds) if (fullIndex.has(id)) isHead[fullIndex.get(id)!] = 1;
    const offsets = new Int32Array(lists.offsets.length);
    const ids: number[] = [];
    const sims: number[] = [];
    for (let f = 0; f + 1 < lists.offsets.length; f++) {
      for (let e = lists.offsets[f]!; isHead[f] && e < lists.offsets[f + 1]!; e++) {
        if (!isHead[lists.ids[e]!]) continue;
        ids.push(lists.ids[e]!);
        sims.push(lists.sims[e]!);
      }
      offsets[f + 1] = ids.length;
    }
    headLists = { offsets, ids: Int32Array.from(ids), sims: Float32Array.from(sims) };
  }
  // The steps of the whole walk before its last, from `sources` through `through`: pathWeight^k × the k-step sums, for
  // k = 1 … hops − 1, added into `inner` (the weight each item's own list then counts with; none for a one-step walk).
  const addLongerSteps = (inner: Float32Array, through: NeighbourLists, sources: readonly number[], historyLength: number): void => {
    if (full.config.neighbourHops < 2) return;
    let factor = full.config.neighbourPathWeight;
    for (const step of neighbourWalk(through, sources, historyLength, full.config.neighbourHops - 1)) {
      for (let f = 0; f < inner.length; f++) inner[f]! += factor * step[f]!;
      factor *= full.config.neighbourPathWeight;
    }
  };
  // The whole walk from one item alone, toward the clustered tail (the walk is linear in its sources): for
  // --tail-longer-packs and --tail-walk-incoming, [full index, dataset index, sum], largest first.
  const reachTowardTail = (f: number): [number, number, number][] => {
    const reach = neighbourReach(lists!, [f], 1, full.config.neighbourHops, full.config.neighbourPathWeight);
    const out: [number, number, number][] = [];
    reach.items.forEach((j, r) => {
      const i = fromFull[j]!;
      if (i > 0 && clusterOfItem[i]! >= 0 && reach.sums[r]! > 0) out.push([j, i, reach.sums[r]!]);
    });
    return out.sort((a, b) => b[2] - a[2] || a[1] - b[1]);
  };
  const longerOf = new Map<number, [number, number][]>();
  const longerSteps = (f: number): [number, number][] => {
    let out = longerOf.get(f);
    if (!out) {
      const direct = new Map<number, number>();
      for (let e = lists!.offsets[f]!; e < lists!.offsets[f + 1]!; e++) if (lists!.sims[e]! > 0) direct.set(lists!.ids[e]!, (direct.get(lists!.ids[e]!) ?? 0) + lists!.sims[e]!);
      out = reachTowardTail(f)
        .map(([j, i, w]): [number, number] => [i, w - (direct.get(j) ?? 0)])
        .filter(([, w]) => w > 1e-9)
        .sort((a, b) => b[1] - a[1] || a[0] - b[0])
        .slice(0, tail.longerPacks);
      longerOf.set(f, out);
    }
    return out;
  };
  let incomingWalk: [number, number][][] | null = null;
  const walkIncoming = (): [number, number][][] => {
    if (!incomingWalk) {
      const into: [number, number][][] = [];
      for (let f = 1; f < lists!.offsets.length - 1; f++) for (const [j, , w] of reachTowardTail(f).slice(0, 1000)) (into[j] ??= []).push([f, w]);
      incomingWalk = into.map((from) => from.sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, tail.walkIncoming));
    }
    return incomingWalk;
  };
  const scorer: CatalogScorer = async (batch, users) => {
    const popular = (await popularity(batch, users))[0]!;
    const exact = exactHead ? await exactHead(batch, users) : null;
    const out: Float32Array[] = [];
    for (const [b, h] of batch.entries()) {
      histories++;
      const input = runtime.featurize(h.map((i, t) => ({ itemId: itemIds[i - 1]!, type: 'view' as const, ts: t })), h.length);
      const head = await runtime.scoreInput(input);
      if (head === null) {
        baseline++;
        out.push(Float32Array.from(popular));
        continue;
      }
      const row = new Float32Array(n + 1).fill(-Infinity);
      for (const [i, at] of headAt) row[i] = exact ? exact[b]![i]! : head[at]!;
      let count = headSize;
      for (const k of new Set(h.slice(-50).map((i) => shardOfItem[i]!).filter((k) => k >= 0))) {
        const shard = packed[k]!;
        const scores = runtime.scoreVectors(shard.rows, input);
        shard.items.forEach((i, j) => (row[i] = scores[j]!));
        count += shard.items.length;
      }
      const loaded: number[] = [];
      const scoreCluster = (k: number): void => {
        loaded.push(k);
        const part = clusterRowsOf[k]!;
        const scores = runtime.scoreVectors(part.rows, input);
        part.items.forEach((i, j) => {
          if (row[i] === -Infinity) count++;
          row[i] = scores[j]!;
        });
      };
      // --tail-late-clusters: the clusters a page's first answer has when the new ones it asks for come late (the
      // worker waits `CLUSTER_WAIT_MS` for them once it has answered before): those chosen for the history before
      // its last item, the previous page's (a history of one item is a first visit, which waits for them).
      const late = tail.lateClusters && h.length > 1;
      const chosenFor = late ? h.slice(0, -1) : h;
      const chooseInput = late ? runtime.featurize(chosenFor.map((i, t) => ({ itemId: itemIds[i - 1]!, type: 'view' as const, ts: t })), chosenFor.length) : input;
      if (tail.clusters > 0) {
        // The clusters whose centroids score best, as `clusterCandidates` in the worker.
        const fit = runtime.scoreVectors(centroids, chooseInput);
        for (const k of Array.from(fit.keys()).sort((a, b) => fit[b]! - fit[a]! || a - b).slice(0, tail.clusters)) scoreCluster(k);
      }
      if (memoryToward) {
        const { pointers, mass: pointerMass, incoming } = memoryToward;
        // As the worker's `clusterCandidates`: the clusters the history's items point to most (each item's two of most
        // neighbour weight toward the tail), and the one-step memory terms of the loaded clusters' items.
        const distinct = [...new Set(h.slice(-full.config.maxLength).map((i) => toFull[i]!).filter((f) => f > 0))];
        // The latest distinct items first (the packs a page fetches are those of the shopper's latest items).
        const latest = [...new Set(h.slice(-full.config.maxLength).reverse().map((i) => toFull[i]!).filter((f) => f > 0))];
        const mass = new Map<number, number>();
        for (const f of late ? [...new Set(chosenFor.slice(-full.config.maxLength).map((i) => toFull[i]!).filter((f) => f > 0))] : distinct) {
          for (let j = 0; j < POINTERS; j++) if (pointers[f * POINTERS + j]! >= 0) mass.set(pointers[f * POINTERS + j]!, (mass.get(pointers[f * POINTERS + j]!) ?? 0) + pointerMass[f * POINTERS + j]!);
        }
        for (const [k] of [...mass].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, tail.memoryLists)) scoreCluster(k);
        // --tail-memory-items N (an experiment): also the N tail items of largest one-step terms, wherever they lie
        // (a page would need their rows item by item).
        if (tail.memoryItems > 0 || tail.memoryPacks > 0) {
          // --tail-memory-packs P: every tail neighbour of the P latest distinct items, as the worker scores their
          // memory packs (--tail-memory-items: the largest terms over the whole history instead).
          const sums = new Map<number, number>();
          for (const f of tail.memoryPacks > 0 ? latest.slice(0, tail.memoryPacks) : distinct) {
            for (let e = lists!.offsets[f]!; e < lists!.offsets[f + 1]!; e++) {
              const i = fromFull[lists!.ids[e]!]!;
              if (i > 0 && shardOfItem[i]! >= 0 && lists!.sims[e]! > 0) sums.set(i, (sums.get(i) ?? 0) + lists!.sims[e]!);
            }
          }
          for (const [i] of [...sums].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, tail.memoryPacks > 0 ? sums.size : tail.memoryItems)) {
            if (row[i] !== -Infinity) continue;
            const part = clusterRowsOf[clusterOfItem[i]!]!;
            const r = part.items.indexOf(i);
            row[i] = runtime.scoreVectors(part.rows.subarray(r * width, (r + 1) * width), input)[0]!;
            count++;
            loaded.push(-1 - i);
          }
        }
        const inHistory = new Set(distinct);
        // --tail-walk-terms (an experiment): the loaded tail items get the whole walk's terms instead (below);
        // --tail-walk-incoming T (an experiment): each one's T largest incoming terms of the whole walk (from each
        // source alone) instead of its one-step incoming lists.
        const into = tail.walkIncoming > 0 ? walkIncoming() : incoming;
        // --tail-head-walk: each source b of an incoming list weighted as the head's walk reaches it: 1 in the
        // history, plus pathWeight^k × its k-step sum over head items (the walk is linear in its paths), so a tail
        // item also gets the paths through head items, from what a page has.
        const inner = headLists || tail.packWalk ? new Float32Array(lists!.offsets.length) : null;
        // As the worker walks the lists of the memory packs (`TailShards.sourceWeights`): the packs of the P latest
        // distinct items carry each item's own lists and its neighbours', from which the steps before the last are
        // walked from those items (--tail-one-step: the first step only, as before 2026-12-07).
        if (tail.packWalk && inner) addLongerSteps(inner, lists!, latest.slice(0, tail.memoryPacks), tail.memoryPacks);
        if (headLists && inner) addLongerSteps(inner, headLists, distinct, full.config.maxLength);
        // --tail-longer-packs M (an experiment): the packs of the 24 latest distinct items also carry each item's M
        // largest terms of the walk's longer steps (two and three) toward the tail, added to the one-step lists.
        const longer = new Map<number, number>();
        if (tail.longerPacks > 0) {
          for (const f of latest.slice(0, 24)) for (const [i, w] of longerSteps(f)) longer.set(i, (longer.get(i) ?? 0) + w);
        }
        if (!tail.walkTerms) for (const i of new Set(loaded.flatMap((k) => (k < 0 ? [-1 - k] : clusterRowsOf[k]!.items)))) {
          let sum = longer.get(i) ?? 0;
          for (const [f, sim] of into[toFull[i]!] ?? []) sum += sim * ((inHistory.has(f) ? 1 : 0) + (inner ? inner[f]! : 0));
          if (sum > 0) row[i]! += memoryTerm(sum, full.config.neighbourWeight);
        }
      }
      const memory = tail.memoryClusters > 0 || tail.walkTerms ? memoryTerms(full, h.map((i) => toFull[i]!).filter((f) => f > 0)) : null;
      if (memory) {
        // Upper bound, not what a page can do: the clusters holding the most of the whole model's memory terms over
        // tail items, scored with those terms.
        const mass = new Map<number, number>();
        const terms = new Map<number, number>();
        memory.items.forEach((f, r) => {
          const i = fromFull[f]!;
          if (clusterOfItem[i]! < 0 || !(memory.terms[r]! > 0)) return;
          mass.set(clusterOfItem[i]!, (mass.get(clusterOfItem[i]!) ?? 0) + memory.terms[r]!);
          terms.set(i, memory.terms[r]!);
        });
        for (const [k] of [...mass].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, tail.memoryClusters)) scoreCluster(k);
        for (const [i, term] of terms) if (row[i] !== -Infinity) row[i]! += term;
      }
      scored += count;
      out.push(row);
    }
    return out;
  };
  return { scorer, described: () => ({ tiered: { headItems: headSize, shards, shardItems: Math.round((n - headSize) / shards), tailInputs, tailClusters: tail.clusters, clusters: clusterRowsOf.length, tailMemoryClusters: tail.memoryClusters, tailMemoryPacks: memoryToward ? tail.memoryPacks : 0, scoredFraction: scored / Math.max(1, histories - baseline) / n, baselineShare: baseline / Math.max(1, histories) } }) };
}

/**
 * The approximate scoring's index for a bundle: its clusters (`clustersFile`) when it has them, else k-means here
 * (seeded, {@link clusterCount} clusters), with the settings the worker would use at this catalog's size.
 */
function bundleIndex(bundle: DecodedBundle, model: PlainSasrec, probe?: number): { index: CandidateIndex; settings: CandidateSettings } {
  const numItems = model.config.numItems;
  const rows = scoringRows(model);
  const width = scoringWidth(model);
  const index = candidateIndex(rows, width, bundle.clusters ?? clusterRows(rows, width, clusterCount(numItems)), model.itemPrior);
  return { index, settings: candidateSettings(numItems, index.clusters, probe) };
}

/**
 * Refuses a bundle that was trained on data including the held-out items of this split: the test items always, the
 * validation items when they are the target.
 */
async function checkNoLeak(bundle: DecodedBundle, sequences: readonly (readonly number[])[], itemIds: readonly string[], target: EvaluationTarget): Promise<void> {
  const training = bundle.manifest.training;
  const expected = training?.split === 'leave-one-out' ? await trainingDataHash(trainedSequences(training, sequences), itemIds) : '';
  if (!training || training.split !== 'leave-one-out' || training.dataHash !== expected) {
    throw new EdgeRecoError(
      ERROR_CODES.INVALID_OPTION,
      `edgereco: this bundle was not trained on the training part of this data's leave-one-out split (split ${training?.split ?? 'unknown'}); its training data may include the test items. Train with \`--split leave-one-out\` on the same events file`,
    );
  }
  if (target === 'validation' && validationUse(training) === 'trained') {
    throw new EdgeRecoError(
      ERROR_CODES.INVALID_OPTION,
      'edgereco: this bundle learned from the validation items after its choices were made (`train --continue`), so they cannot rank them; evaluate `--target test`, or train with `--continue 0` to rank the validation items',
    );
  }
}

/**
 * `evaluate --events FILE --format F [--model DIR] --protocol sampled|full [--negatives N] [--target validation|test]
 * [--scoring exact|approximate] [--json]`: the model (int8), its f32 twin (DIR/f32) and the popularity and item-kNN
 * baselines, in one run; with `--scoring approximate`, the int8 model by the worker's candidate scoring only, and the
 * mean share of the catalog it scored per history (`scoredFraction`).
 */
export async function evaluateCommand(argv: readonly string[]): Promise<void> {
  const args = parseArgs(EVALUATE, argv);
  const format = args.choice<(typeof EVENT_FORMATS)[number]>('format');
  const data = readEvents(args.str('events'), format, args.choice<(typeof RETAIL_SEQUENCES)[number]>('sequence'));
  const numItems = data.itemIds.length;
  console.error(`data: ${data.userIds.length} sequences, ${numItems} items, ${countInteractions(data)} interactions`);
  const split = leaveOneOut(data.items);
  const protocol = args.choice<Protocol>('protocol');
  const target = args.choice<EvaluationTarget>('target');
  const options = {
    target,
    protocol,
    numItems,
    negatives: args.num('negatives'),
    seed: args.num('seed'),
    sequences: data.items,
  };
  const result: Record<string, unknown> = {};
  let users = 0;
  const run = async (name: string, scorer: CatalogScorer): Promise<void> => {
    const { users: n, ...metrics } = await evaluateRanking(split, scorer, options);
    users = n;
    result[name] = metrics satisfies RankingMetrics;
  };
  const modelDir = args.get('model');
  const scoring = args.choice<'exact' | 'approximate' | 'tiered'>('scoring');
  if (typeof modelDir === 'string') {
    await useBackend(args.choice<'wasm' | 'cpu'>('backend'));
    const int8 = await readBundle(modelDir);
    await checkNoLeak(int8, data.items, data.itemIds, target);
    if (scoring === 'tiered') {
      const tiered = tieredScorer(int8, data.itemIds, split.train, args.num('head-share'), args.num('shard-share'), !args.has('without-tail-inputs'), { clusters: args.num('tail-clusters'), memoryClusters: args.num('tail-memory-clusters'), memoryLists: args.num('tail-memory'), exactHead: args.has('exact-head'), memoryItems: args.num('tail-memory-items'), memoryPacks: args.num('tail-memory-packs'), walkTerms: args.has('tail-walk-terms'), walkIncoming: args.num('tail-walk-incoming'), headWalk: args.has('tail-head-walk'), longerPacks: args.num('tail-longer-packs'), packWalk: args.num('tail-memory-packs') > 0 && !args.has('tail-one-step'), lateClusters: args.has('tail-late-clusters') });
      await run('model', tiered.scorer);
      Object.assign(result, tiered.described());
    } else if (scoring === 'approximate') {
      // The worker's scoring for large catalogs; each history's scored items are tallied, to report the share scored.
      let scored = 0;
      let histories = 0;
      const onScored = (n: number): void => {
        scored += n;
        histories++;
      };
      await run('model', bundleScorer(int8, data.itemIds, data.features, { probe: args.num('probe'), onScored }));
      result['scoredFraction'] = scored / histories / int8.manifest.config.numItems;
    } else {
      await run('model', bundleScorer(int8, data.itemIds, data.features));
      await run('f32', bundleScorer(await readBundle(join(modelDir, 'f32')), data.itemIds, data.features));
    }
  }
  if (scoring === 'exact' || typeof modelDir !== 'string') {
    await run('popularity', popularityScorer(split.train, numItems));
    await run('itemknn', itemKnnScorer(split.train, numItems));
  }
  const summary = { users, target, protocol, scoring, ...(protocol === 'sampled' ? { negatives: options.negatives } : {}), ...result };
  if (args.has('json')) console.log(JSON.stringify(summary));
  else console.log(JSON.stringify(summary, null, 2));
}
