import type { Evidence, Explanation } from '../core/explanation.js';
import type { PriorsEntrySource } from '../core/priors.js';
import type { ModelRuntime } from '../model/model-runtime.js';
import type { CatalogIndex } from './catalog-index.js';
import type { History } from './history.js';
import { boughtWithText, popularTexts } from './priors-words.js';

const VERBS: Record<string, string> = { view: 'viewed', click: 'viewed', add_to_cart: 'added to your cart', remove_from_cart: 'removed from your cart', purchase: 'bought' };
const OWN: Record<string, string> = { view: 'You viewed it', click: 'You viewed it', add_to_cart: 'You added it to your cart', remove_from_cart: 'You removed it from your cart', purchase: 'You bought it' };

function ago(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 2) return 'just now';
  if (minutes < 90) return `${minutes} minutes ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 36) return `${hours} hours ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/**
 * The local evidence for an item, strongest first: what the shopper did with it, what it was seen together with in
 * their sessions, which of their items the model finds it closest to, a shared category, and popularity (the store's
 * sales or many shoppers' privatized reports, named as such, or the catalog's). Each statement is checked against the
 * log, the catalog, the model or the priors bundle's label; nothing is said that is not there.
 */
export function explainItem(
  itemId: string,
  history: History,
  catalog: CatalogIndex,
  model: ModelRuntime | null,
  now = Date.now(),
  boughtWith: (itemId: string) => readonly { itemId: string; source: PriorsEntrySource }[] = () => [],
): Explanation {
  const evidence: Evidence[] = [];
  const title = (id: string) => `“${catalog.title(id)}”`;
  const recent = history.recentItems(50);
  const own = recent.find((r) => r.itemId === itemId);
  if (own) evidence.push({ kind: 'history', text: `${OWN[own.event.type] ?? 'You viewed it'} ${ago(now - own.event.ts)}` });

  const together = [...(history.cooccurrence(itemId) ?? new Map<string, number>())].filter(([id]) => id !== itemId).sort((a, b) => b[1] - a[1]);
  for (const [id, sessions] of together.slice(0, 2)) {
    evidence.push({ kind: 'together', text: `Seen together with ${title(id)} in ${sessions === 1 ? 'one of your visits' : `${sessions} of your visits`}`, relatedItemId: id });
  }

  const pair = boughtWith(itemId).find((p) => recent.some((r) => r.itemId === p.itemId));
  if (pair) evidence.push({ kind: 'together', text: boughtWithText(title(pair.itemId), pair.source), relatedItemId: pair.itemId });

  const target = model?.indexOf(itemId);
  if (model && target !== undefined) {
    const known = recent.filter((r) => r.itemId !== itemId).map((r) => ({ r, index: model.indexOf(r.itemId) })).filter((x) => x.index !== undefined);
    const nearest = model.nearest(target, known.map((x) => x.index!));
    const match = known.find((x) => x.index === nearest);
    if (match) evidence.push({ kind: 'similar', text: `Similar to ${title(match.r.itemId)}, which you ${VERBS[match.r.event.type] ?? 'viewed'}`, relatedItemId: match.r.itemId });
  }

  const category = catalog.get(itemId)?.category;
  if (category) {
    const same = recent.find((r) => r.itemId !== itemId && catalog.get(r.itemId)?.category === category);
    if (same) evidence.push({ kind: 'category', text: `In ${category}, like ${title(same.itemId)} you ${VERBS[same.event.type] ?? 'viewed'}`, relatedItemId: same.itemId });
  }
  // Store-wide popularity, one sentence per source that lists the item: its sales, or many shoppers' privatized reports.
  if (catalog.isTrending(itemId)) for (const text of popularTexts(catalog.trendingSources(itemId))) evidence.push({ kind: 'popular', text });
  else if (catalog.popularity(itemId) >= 0.5) evidence.push({ kind: 'popular', text: category ? `Popular in ${category}` : 'Popular in this store' });

  const out: Explanation = { itemId, evidence };
  const name = catalog.get(itemId)?.title;
  if (name !== undefined) out.title = name;
  return out;
}
