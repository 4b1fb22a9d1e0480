import type { CatalogItem } from '../core/catalog.js';
import type { Recommendation, RecommendFilter } from '../core/recommendation.js';
import type { CatalogIndex } from './catalog-index.js';
import type { History } from './history.js';
import { passesFilter } from './list-filter.js';
import { popularTexts } from './priors-words.js';

/** Said in every baseline result, so nobody mistakes it for the model. */
const BASELINE_NOTE = 'baseline ranking: recency, popularity and co-occurrence; no model loaded';

/** Weight of an item in the history by what the shopper did with it. */
const ACTION_WEIGHT: Record<string, number> = { view: 1, click: 1, add_to_cart: 2, remove_from_cart: 0.3, purchase: 1.5 };
/** Each older distinct item counts this much less than the one after it. */
const RECENCY_DECAY = 0.85;
const HISTORY_ITEMS = 20;

interface Anchor {
  itemId: string;
  weight: number;
  verb: string;
}

interface Scored {
  itemId: string;
  score: number;
  reason: string;
}

function categoryOf(item: CatalogItem | undefined): string | undefined {
  return item?.category;
}

function parentCategory(category: string | undefined): string | undefined {
  if (!category) return undefined;
  const cut = category.lastIndexOf(' > ');
  return cut > 0 ? category.slice(0, cut) : undefined;
}

function scoreAgainst(anchors: readonly Anchor[], candidates: Iterable<string>, catalog: CatalogIndex, history: History, inCart: ReadonlySet<string>): Scored[] {
  const anchorInfo = anchors.map((a) => {
    const item = catalog.get(a.itemId);
    return { ...a, item, category: categoryOf(item), parent: parentCategory(categoryOf(item)), cooc: history.cooccurrence(a.itemId) };
  });
  const out: Scored[] = [];
  for (const itemId of candidates) {
    const item = catalog.get(itemId);
    const category = categoryOf(item);
    let best = 0;
    let reason = '';
    let score = 0;
    const consider = (value: number, why: () => string): void => {
      score += value;
      if (value > best) {
        best = value;
        reason = why();
      }
    };
    for (const a of anchorInfo) {
      if (a.itemId === itemId) continue;
      const together = a.cooc?.get(itemId) ?? 0;
      if (together > 0) consider(a.weight * (together / (together + 1)), () => `Seen together with “${catalog.title(a.itemId)}” in your history`);
      if (category !== undefined && category === a.category) {
        consider(a.weight * 0.5, () => `Because you ${a.verb} “${catalog.title(a.itemId)}” (also in ${category})`);
      } else if (a.parent !== undefined && parentCategory(category) === a.parent) {
        consider(a.weight * 0.25, () => `Because you ${a.verb} “${catalog.title(a.itemId)}” (also in ${a.parent})`);
      }
      if (item?.brand !== undefined && item.brand === a.item?.brand) {
        consider(a.weight * 0.3, () => `Because you ${a.verb} “${catalog.title(a.itemId)}” (also by ${item.brand})`);
      }
    }
    if (inCart.has(itemId)) consider(0.8, () => 'In your cart');
    const popularity = catalog.popularity(itemId);
    if (popularity > 0) consider(0.2 * popularity, () => (catalog.isTrending(itemId) ? popularTexts(catalog.trendingSources(itemId))[0]! : category ? `Popular in ${category}` : 'Popular in this store'));
    out.push({ itemId, score, reason: reason || 'From the catalog (nothing in your history points to it yet)' });
  }
  return out;
}

function topK(scored: Scored[], k: number, filter: RecommendFilter, catalog: CatalogIndex, history: History, exclude: ReadonlySet<string>, attributionId: string): Recommendation[] {
  const kept = scored.filter((s) => passesFilter(s.itemId, filter, catalog, history, exclude));
  // Stable: ties keep catalog order, so results do not shuffle between calls.
  kept.sort((a, b) => b.score - a.score);
  return kept.slice(0, k).map((s) => {
    const rec: Recommendation = { itemId: s.itemId, score: s.score, reason: `${s.reason} (${BASELINE_NOTE})`, source: 'baseline', attributionId };
    const title = catalog.get(s.itemId)?.title;
    if (title !== undefined) rec.title = title;
    return rec;
  });
}

/** Every item the engine knows: the catalog's, then any seen only in the history. */
function candidates(catalog: CatalogIndex, history: History): Set<string> {
  const ids = new Set(catalog.items.map((i) => i.id));
  for (const id of catalog.trendingIds()) ids.add(id);
  for (const { itemId } of history.recentItems(Number.MAX_SAFE_INTEGER)) ids.add(itemId);
  return ids;
}

const VERBS: Record<string, string> = { view: 'viewed', click: 'viewed', add_to_cart: 'added', remove_from_cart: 'looked at', purchase: 'bought' };

/** `recommend()` before the model lands: the shopper's recent items pull in what co-occurs with them and their categories. */
export function baselineRecommend(
  history: History,
  catalog: CatalogIndex,
  options: { k: number; contextItemId?: string; filter: RecommendFilter; attributionId: string },
): Recommendation[] {
  const anchors: Anchor[] = history.recentItems(HISTORY_ITEMS).map(({ itemId, event, rank }) => ({
    itemId,
    weight: (ACTION_WEIGHT[event.type] ?? 1) * RECENCY_DECAY ** rank,
    verb: VERBS[event.type] ?? 'viewed',
  }));
  if (options.contextItemId !== undefined) anchors.unshift({ itemId: options.contextItemId, weight: 2, verb: 'are looking at' });
  const exclude = new Set(options.filter.exclude ?? []);
  if (options.contextItemId !== undefined) exclude.add(options.contextItemId);
  const scored = scoreAgainst(anchors, candidates(catalog, history), catalog, history, history.inCart());
  return topK(scored, options.k, options.filter, catalog, history, exclude, options.attributionId);
}

/** `related()` before the model lands: co-occurrence in the shopper's log, then same category and brand, then popularity. */
export function baselineRelated(
  history: History,
  catalog: CatalogIndex,
  itemId: string,
  options: { k: number; filter: RecommendFilter; attributionId: string },
): Recommendation[] {
  const exclude = new Set([...(options.filter.exclude ?? []), itemId]);
  const scored = scoreAgainst([{ itemId, weight: 1, verb: 'are looking at' }], candidates(catalog, history), catalog, history, new Set());
  for (const s of scored) s.reason = s.reason.replace(/^Because you are looking at (“[^”]*”) \(also (in|by) (.*)\)$/, 'Also $2 $3, like $1');
  return topK(scored, options.k, options.filter, catalog, history, exclude, options.attributionId);
}
