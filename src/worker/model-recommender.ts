import type { HistoryFeatures } from '../core/featurize.js';
import type { Recommendation, RecommendFilter } from '../core/recommendation.js';
import type { ModelRuntime } from '../model/model-runtime.js';
import { passesFilter } from './list-filter.js';
import type { CatalogIndex } from './catalog-index.js';
import type { History } from './history.js';
import { contentVectors } from './content-vectors.js';
import { CLUSTER_WAIT_MS, TAIL_CLUSTERS, TAIL_MEMORY_CLUSTERS, TAIL_PACKS } from '../model/candidate-policy.js';
import { POINTERS_PER_ITEM } from '../core/catalog-tiers.js';

/** How much of the history the model reads (its own `maxLength` caps it further). */
const HISTORY_ITEMS = 50;
const VERBS: Record<string, string> = { view: 'viewed', click: 'viewed', add_to_cart: 'added', remove_from_cart: 'looked at', purchase: 'bought' };

/**
 * The model's input for the shopper: the log through the featurization training used (`featurizeHistory`), the item
 * in view (if any) counting as viewed now.
 */
export function shopperInput(runtime: ModelRuntime, history: History, contextItemId?: string): HistoryFeatures {
  const now = Date.now();
  const events = history.modelEvents(4 * HISTORY_ITEMS);
  if (contextItemId !== undefined) events.push({ itemId: contextItemId, type: 'view', ts: now });
  return runtime.featurize(events, now);
}

/**
 * `recommend()` with the click model: the shopper's recent items (oldest first, the item in view last) score every item
 * the model knows in one batched call (a large catalog: its candidates, see `ModelRuntime.scoreShortlist`); filters
 * apply before the top-k. Returns null when the model knows none of the history (a first-time visitor): the caller
 * falls back to the baseline. Each reason names the history item the
 * result is closest to in the model's item space, which is evidence present in the log.
 */
export async function modelRecommend(
  runtime: ModelRuntime,
  history: History,
  catalog: CatalogIndex,
  options: { k: number; contextItemId?: string; filter: RecommendFilter; attributionId: string },
): Promise<Recommendation[] | null> {
  const recent = history.recentItems(HISTORY_ITEMS).reverse();
  const ids = recent.map((r) => r.itemId);
  if (options.contextItemId !== undefined) ids.push(options.contextItemId);
  const input = shopperInput(runtime, history, options.contextItemId);
  // A large catalog scores its candidates only (see `candidate-policy.ts`); the whole catalog when that is not enough.
  // Else the int8 scan's best items (`catalog-scan.ts`), exactly the full product's list when its kth score is above
  // every item the scan left out; the whole catalog when not (filters that leave few of them).
  const shortlist = await runtime.scoreShortlist(input);
  const best = shortlist ? null : runtime.scoreBest(input, 4 * options.k);
  const scores = shortlist || best ? null : await runtime.scoreInput(input);
  if (shortlist === null && best === null && scores === null) return null;
  const exclude = new Set(options.filter.exclude ?? []);
  if (options.contextItemId !== undefined) exclude.add(options.contextItemId);
  // Items already in the history are not recommended back as if new.
  for (const id of ids) exclude.add(id);
  // Vocabulary items (index ≥ 1), then catalog items the model never saw, scored by their content vector (index < 0).
  const top: { index: number; score: number }[] = [];
  const vocabulary = runtime.vocabulary;
  const fresh = contentVectors(runtime, catalog);
  const freshScores = runtime.scoreVectors(fresh.vectors, input);
  // A tiered catalog's tail items loaded on this page (the shopper's history's shards), scored from their own rows.
  const tail = catalog.tail?.scoringRows(runtime.weightsChecksum, runtime.rowWidth) ?? null;
  const tailScores = tail && tail.itemIds.length > 0 ? runtime.scoreVectors(tail.vectors, input) : null;
  // And the tail clusters whose centroids score best for this shopper (fetched now if new: see `TAIL_CLUSTERS`).
  const clustered = await clusterCandidates(runtime, catalog, input, ids);
  const tailFrom = -1 - fresh.itemIds.length;
  const tailId = (index: number): string => (index > tailFrom - (tail?.itemIds.length ?? 0) ? tail!.itemIds[tailFrom - index]! : clustered.itemIds[tailFrom - (tail?.itemIds.length ?? 0) - index]!);
  /** Whether a score would enter the top k as it stands (checked before any look-up of the item: most do not). */
  const enters = (score: number): boolean => top.length < options.k || score > top[top.length - 1]!.score;
  const consider = (index: number, itemId: string, score: number): void => {
    if (!enters(score)) return;
    if (!passesFilter(itemId, options.filter, catalog, history, exclude)) return;
    // A tail item can come both from its shard and from its cluster (the same rows; the cluster's with the memory's
    // term): once, at its higher score.
    if (index <= tailFrom) {
      const twin = top.findIndex((t) => t.index <= tailFrom && tailId(t.index) === itemId);
      if (twin >= 0 && top[twin]!.score >= score) return;
      if (twin >= 0) top.splice(twin, 1);
    }
    let at = top.length;
    while (at > 0 && top[at - 1]!.score < score) at--;
    top.splice(at, 0, { index, score });
    if (top.length > options.k) top.pop();
  };
  const sells = (itemId: string): boolean => catalog.size === 0 || catalog.get(itemId) !== undefined; // not a model item the store no longer sells
  if (shortlist) shortlist.items.forEach((i, r) => enters(shortlist.scores[r]!) && sells(vocabulary[i - 1]!) && consider(i, vocabulary[i - 1]!, shortlist.scores[r]!));
  if (best) best.items.forEach((i, r) => enters(best.scores[r]!) && sells(vocabulary[i - 1]!) && consider(i, vocabulary[i - 1]!, best.scores[r]!));
  const certain = best !== null && (best.beyond === -Infinity || (top.length >= options.k && top[top.length - 1]!.score > best.beyond));
  const all = scores ?? ((shortlist && top.length < options.k) || (best && !certain) ? await runtime.scoreInput(input) : null);
  if (all) {
    top.length = 0; // the filters left fewer than k of the shortlist: rank the whole catalog
    // The catalog's loop, the hot one: a score must beat the kth's (a local, not looked up per item) once k are in.
    let floor = -Infinity;
    for (let i = 1; i < all.length; i++) {
      const score = all[i]!;
      if (score <= floor && top.length >= options.k) continue;
      if (!sells(vocabulary[i - 1]!)) continue;
      consider(i, vocabulary[i - 1]!, score);
      if (top.length >= options.k) floor = top[top.length - 1]!.score;
    }
  }
  freshScores.forEach((score, j) => consider(-1 - j, fresh.itemIds[j]!, score));
  tailScores?.forEach((score, j) => consider(tailFrom - j, tail!.itemIds[j]!, score));
  const clusterFrom = tailFrom - (tail?.itemIds.length ?? 0);
  clustered.scores.forEach((score, j) => consider(clusterFrom - j, clustered.itemIds[j]!, score));
  const known = new Map<number, { itemId: string; verb: string }>();
  for (const r of recent) {
    const index = runtime.indexOf(r.itemId);
    if (index !== undefined) known.set(index, { itemId: r.itemId, verb: VERBS[r.event.type] ?? 'viewed' });
  }
  const contextIndex = options.contextItemId === undefined ? undefined : runtime.indexOf(options.contextItemId);
  if (contextIndex !== undefined) known.set(contextIndex, { itemId: options.contextItemId!, verb: 'are looking at' });
  // Each vocabulary result's closest history item, in one product (a new or tail item, index < 0, takes no reason from it).
  const nearest = runtime.nearestEach(top.map(({ index }) => Math.max(index, 0)), [...known.keys()]);
  return top.map(({ index, score }, at) => {
    if (index <= tailFrom) {
      const itemId = tailId(index);
      const rec: Recommendation = { itemId, score, reason: 'Picked for you by the model from your history', source: 'model', attributionId: options.attributionId };
      const title = catalog.get(itemId)?.title;
      if (title !== undefined) rec.title = title;
      return rec;
    }
    if (index < 0) {
      const itemId = fresh.itemIds[-1 - index]!;
      const rec: Recommendation = {
        itemId,
        score,
        reason: `New in “${fresh.sources[-1 - index]!}”, scored from the items there that the model knows`,
        source: 'model',
        attributionId: options.attributionId,
      };
      const title = catalog.get(itemId)?.title;
      if (title !== undefined) rec.title = title;
      return rec;
    }
    const itemId = vocabulary[index - 1]!;
    const near = known.get(nearest[at] ?? -1);
    const rec: Recommendation = {
      itemId,
      score,
      reason: near ? `Because you ${near.verb} “${catalog.title(near.itemId)}”` : 'Picked for you by the model from your history',
      source: 'model',
      attributionId: options.attributionId,
    };
    const title = catalog.get(itemId)?.title;
    if (title !== undefined) rec.title = title;
    return rec;
  });
}

/**
 * A tiered catalog's tail clusters for this shopper (src/core/catalog-tiers.ts): the {@link TAIL_CLUSTERS} whose
 * centroids score best for the state and, with a memory, the {@link TAIL_MEMORY_CLUSTERS} the shopper's items point to
 * most (`TailMemoryPointers`), and the memory packs of the {@link TAIL_PACKS} latest distinct items (their own tail
 * neighbours), fetched if new (the packs awaited, as a call awaits the shards of the items it names; new clusters for
 * {@link CLUSTER_WAIT_MS} at most once the engine has answered); their items scored from
 * their rows, plus the memory's term from the items that list them (one step of the walk, as the head
 * bundle's memory adds it to head items). Empty for a whole catalog or one tiered by hash only.
 */
async function clusterCandidates(runtime: ModelRuntime, catalog: CatalogIndex, input: HistoryFeatures, historyIds: readonly string[]): Promise<{ itemIds: string[]; scores: Float32Array }> {
  const none = { itemIds: [], scores: new Float32Array(0) };
  const tail = catalog.tail;
  const count = tail?.tiers.clusters?.count ?? 0;
  if (!tail || count === 0) return none;
  const centroids = await tail.centroidRows();
  const state = runtime.stateOf(input);
  if (!centroids || !state || centroids.weights !== runtime.weightsChecksum || centroids.width !== runtime.rowWidth) return none;
  // A warm call (the same state, the same clusters loaded) reuses the last answer: the state changes with every event.
  const last = lastClusters.get(tail);
  if (last?.state === state && last.loaded === tail.loadedClusters) return last.result;
  const best = bestIndices(runtime.scoreVectors(centroids.rows, input), TAIL_CLUSTERS);
  const weight = runtime.memoryWeight;
  const shopper = [...new Set(historyIds)];
  if (weight > 0) {
    // The clusters the shopper's items point to: a head item's pointers come with the centroids, a tail item's with its rows.
    const mass = new Float32Array(count);
    // The head's pointers, when written for this head bundle's vocabulary (the weights' checksum says it is).
    const per = POINTERS_PER_ITEM;
    const head = centroids.pointers?.clusters.length === per * runtime.vocabulary.length ? centroids.pointers : undefined;
    for (const id of shopper) {
      const at = runtime.indexOf(id);
      if (head && at !== undefined && at <= runtime.vocabulary.length) {
        for (let j = 0; j < per; j++) {
          const k = head.clusters[(at - 1) * per + j]!;
          if (k >= 0) mass[k]! += head.mass[(at - 1) * per + j]!;
        }
      } else for (const [k, m] of tail.pointersOf(id)) if (k < count) mass[k]! += m;
    }
    for (const k of bestIndices(mass, TAIL_MEMORY_CLUSTERS)) if (mass[k]! > 0 && !best.includes(k)) best.push(k);
  }
  // And the memory packs of the shopper's latest items: their own tail neighbours, item by item.
  const latest = [...new Set([...historyIds].reverse())].slice(0, TAIL_PACKS);
  const packed = weight > 0 ? tail.packRows(latest) : Promise.resolve([]);
  // Once this engine has answered, new clusters are waited for a short time only (`CLUSTER_WAIT_MS`): the next call
  // scores those that came late.
  const parts = [...(await tail.clusterRows(best, last ? CLUSTER_WAIT_MS : undefined)), ...(await packed)].filter((p) => p.weights === runtime.weightsChecksum && p.width === runtime.rowWidth);
  // The walk's steps before the last, from the latest items through their packs' lists (a memory of one step: none).
  const sources = weight > 0 ? tail.sourceWeights(shopper, latest, runtime.memoryHops, runtime.memoryPathWeight) : null;
  const memory = sources ? tail.memorySums(parts, sources) : null;
  const scores = new Float32Array(parts.reduce((sum, p) => sum + p.ids.length, 0));
  const itemIds: string[] = [];
  for (const p of parts) {
    const own = runtime.scoreVectors(p.rows, input);
    const sums = memory?.get(p);
    // `memoryTerm` (history-state.ts) written out: importing it here moves the model's code between chunks (+720 B).
    if (sums) for (let r = 0; r < sums.length; r++) if (sums[r]! > 0) own[r]! += weight * Math.log1p(sums[r]!);
    scores.set(own, itemIds.length);
    for (const id of p.ids) itemIds.push(id);
  }
  const result = { itemIds, scores };
  lastClusters.set(tail, { state, loaded: tail.loadedClusters, result });
  return result;
}

/** Per tail, the last {@link clusterCandidates} answer: for its state and count of clusters loaded then. */
const lastClusters = new WeakMap<object, { state: Float32Array; loaded: number; result: { itemIds: string[]; scores: Float32Array } }>();

/**
 * The indices of the `k` largest values, largest first. (candidate-scoring.ts has a heap for large k; importing it
 * here would pull the model's code into the worker's first chunk, as `memoryTerm` would.)
 */
function bestIndices(values: Float32Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (best.length === k && values[i]! <= values[best[k - 1]!]!) continue;
    let at = best.length;
    while (at > 0 && values[best[at - 1]!]! < values[i]!) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}
