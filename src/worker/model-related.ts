import type { Recommendation, RecommendFilter } from '../core/recommendation.js';
import type { ModelRuntime } from '../model/model-runtime.js';
import { passesFilter } from './list-filter.js';
import type { CatalogIndex } from './catalog-index.js';
import type { History } from './history.js';

/**
 * `related(itemId)` from the model: the items whose embeddings are closest to it (items shoppers interact with in the
 * same contexts), with the shopper's own co-occurrence as a bonus. Works for an item the shopper never saw, as long as
 * the model knows it; returns null otherwise (the caller uses the baseline: category, brand, popularity).
 */
export function modelRelated(
  runtime: ModelRuntime,
  history: History,
  catalog: CatalogIndex,
  itemId: string,
  options: { k: number; filter: RecommendFilter; attributionId: string },
): Recommendation[] | null {
  const target = runtime.indexOf(itemId);
  if (target === undefined) return null;
  const sims = runtime.similarities(target);
  const together = history.cooccurrence(itemId);
  const exclude = new Set([...(options.filter.exclude ?? []), itemId]);
  const scored: { id: string; score: number; seen: number }[] = [];
  for (let i = 1; i < sims.length; i++) {
    const id = runtime.vocabulary[i - 1]!;
    const seen = together?.get(id) ?? 0;
    scored.push({ id, score: sims[i]! + (seen > 0 ? 0.5 * (seen / (seen + 1)) : 0), seen });
  }
  scored.sort((a, b) => b.score - a.score);
  const out: Recommendation[] = [];
  const anchor = `“${catalog.title(itemId)}”`;
  for (const s of scored) {
    if (out.length >= options.k) break;
    if (!passesFilter(s.id, options.filter, catalog, history, exclude)) continue;
    if (catalog.size > 0 && !catalog.get(s.id)) continue;
    const rec: Recommendation = {
      itemId: s.id,
      score: s.score,
      reason: s.seen > 0 ? `Seen together with ${anchor} in your history` : `Often chosen by shoppers who chose ${anchor}`,
      source: 'model',
      attributionId: options.attributionId,
    };
    const title = catalog.get(s.id)?.title;
    if (title !== undefined) rec.title = title;
    out.push(rec);
  }
  return out;
}
