import type { HistoryFeatures } from '../core/featurize.js';
import type { Recommendation, RecommendFilter } from '../core/recommendation.js';
import type { ModelRuntime } from '../model/model-runtime.js';
import { passesFilter } from './list-filter.js';
import type { CatalogIndex } from './catalog-index.js';
import type { History } from './history.js';
import { contentVectors } from './content-vectors.js';

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
  const shortlist = await runtime.scoreShortlist(input);
  const scores = shortlist ? null : await runtime.scoreInput(input);
  if (shortlist === null && scores === null) return null;
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
  /** Whether a score would enter the top k as it stands (checked before any look-up of the item: most do not). */
  const enters = (score: number): boolean => top.length < options.k || score > top[top.length - 1]!.score;
  const consider = (index: number, itemId: string, score: number): void => {
    if (!enters(score)) return;
    if (!passesFilter(itemId, options.filter, catalog, history, exclude)) return;
    let at = top.length;
    while (at > 0 && top[at - 1]!.score < score) at--;
    top.splice(at, 0, { index, score });
    if (top.length > options.k) top.pop();
  };
  const sells = (itemId: string): boolean => catalog.size === 0 || catalog.get(itemId) !== undefined; // not a model item the store no longer sells
  if (shortlist) shortlist.items.forEach((i, r) => enters(shortlist.scores[r]!) && sells(vocabulary[i - 1]!) && consider(i, vocabulary[i - 1]!, shortlist.scores[r]!));
  const all = scores ?? (shortlist && top.length < options.k ? await runtime.scoreInput(input) : null);
  if (all) {
    top.length = 0; // the filters left fewer than k of the shortlist: rank the whole catalog
    for (let i = 1; i < all.length; i++) if (enters(all[i]!) && sells(vocabulary[i - 1]!)) consider(i, vocabulary[i - 1]!, all[i]!);
  }
  freshScores.forEach((score, j) => consider(-1 - j, fresh.itemIds[j]!, score));
  const tailFrom = -1 - fresh.itemIds.length;
  tailScores?.forEach((score, j) => consider(tailFrom - j, tail!.itemIds[j]!, score));
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
      const itemId = tail!.itemIds[tailFrom - index]!;
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
