import type { CatalogItem, CatalogUpdate } from '../core/catalog.js';
import { createError, ERROR_CODES } from '../core/errors.js';
import type { Recommendation } from '../core/recommendation.js';
import type { SearchOptions, Suggestion } from '../core/search-types.js';
import type { ModelRuntime } from '../model/model-runtime.js';
import type { SearchIndex } from '../search/search-index.js';
import type { CatalogIndex } from './catalog-index.js';
import type { History } from './history.js';
import { shopperInput } from './model-recommender.js';
import { fuseWithModel } from '../search/rerank.js';

/**
 * Puts `ids` in the shopper's order (reciprocal rank fusion of the given order and the model's scores for the
 * shopper's history) when the model knows the history; otherwise keeps the order. A result the model moved up says
 * which history item it is close to.
 */
export function personalize(
  ids: readonly string[],
  context: { history: History; catalog: CatalogIndex; model: ModelRuntime | null; scores: Float32Array | null; lead: string; attributionId: string },
): Recommendation[] {
  const { history, catalog, model, scores } = context;
  const fused = model && scores ? fuseWithModel(ids, (id) => { const i = model.indexOf(id); return i === undefined ? undefined : scores[i]; }) : ids.map((id, inputRank) => ({ id, inputRank, score: 1 / (60 + inputRank), personal: false }));
  const known = model ? history.recentItems(50).map((r) => ({ itemId: r.itemId, index: model.indexOf(r.itemId) })).filter((r) => r.index !== undefined) : [];
  return fused.map((h) => {
    let reason = context.lead;
    if (h.personal && model) {
      const near = model.nearest(model.indexOf(h.id)!, known.map((r) => r.index!));
      const item = known.find((r) => r.index === near);
      if (item) reason += `; ranked up because you viewed “${catalog.title(item.itemId)}”`;
    }
    const rec: Recommendation = { itemId: h.id, score: h.score, reason, source: h.personal ? 'model' : 'search', attributionId: context.attributionId };
    const title = catalog.get(h.id)?.title;
    if (title !== undefined) rec.title = title;
    return rec;
  });
}

/** Lexical candidates the model re-ranks for a shopper. */
const RERANK_DEPTH = 100;
const MAX_K = 200;

function normalizeQuery(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, ' ');
}

/**
 * The catalog search of the worker: the MiniSearch index (src/search) plus the shopper's history. `search()` takes the
 * lexical top 100 and, with a model that knows the shopper's history, fuses the lexical rank with the model's rank
 * (reciprocal rank fusion); `suggest()` puts the shopper's own past queries first.
 */
export class CatalogSearch {
  private constructor(private readonly index: SearchIndex) {}

  /** Builds the index in chunks, yielding between them (the worker stays responsive to other calls). */
  static async build(catalog: CatalogItem[]): Promise<CatalogSearch> {
    const { SearchIndex } = await import('../search/search-index.js');
    return new CatalogSearch(await SearchIndex.create(catalog));
  }

  async search(
    query: string,
    options: SearchOptions,
    context: { history: History; catalog: CatalogIndex; model: ModelRuntime | null; attributionId: string },
  ): Promise<Recommendation[]> {
    if (typeof query !== 'string') throw createError(ERROR_CODES.INVALID_OPTION, { field: 'search(query)', requirement: 'must be a string', got: query }, { details: { field: 'query' } });
    const k = options.k ?? 20;
    if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw createError(ERROR_CODES.INVALID_OPTION, { field: 'options.k', requirement: `must be an integer from 1 to ${MAX_K}`, got: k });
    const request = options.filters ? { k: Math.max(k, RERANK_DEPTH), filters: options.filters } : { k: Math.max(k, RERANK_DEPTH) };
    const hits = this.index.search(query, request);
    const { history, catalog, model } = context;
    const scores = model ? await model.scoreInput(shopperInput(model, history)) : null;
    const ranked = personalize(hits.map((h) => h.id), { history, catalog, model, scores, lead: `Matches “${query.trim()}”`, attributionId: context.attributionId });
    if (!(model && scores)) ranked.forEach((r, i) => (r.score = hits[i]!.score));
    return ranked.slice(0, k);
  }

  /** Applies a catalog change to the index incrementally (no rebuild). */
  apply(update: CatalogUpdate): void {
    if (update.remove?.length) this.index.remove(update.remove);
    if (update.upsert?.length) this.index.add(update.upsert);
    for (const p of update.patch ?? []) {
      const patch: { price?: number; available?: boolean } = {};
      if (p.price !== undefined) patch.price = p.price;
      if (p.available !== undefined) patch.available = p.available;
      this.index.update(p.id, patch);
    }
  }

  /** The shopper's own past queries that start with `prefix` (most recent first), then catalog completions. */
  suggest(prefix: string, history: History, popular: (typed: string) => readonly string[] = () => [], k = 8): Suggestion[] {
    if (typeof prefix !== 'string') throw createError(ERROR_CODES.INVALID_OPTION, { field: 'suggest(prefix)', requirement: 'must be the text typed so far, a string', got: prefix }, { details: { field: 'prefix' } });
    const typed = normalizeQuery(prefix);
    if (typed.length === 0) return [];
    const out: Suggestion[] = [];
    const seen = new Set<string>();
    const events = history.events();
    for (let i = events.length - 1; i >= 0 && out.length < k; i--) {
      const e = events[i]!;
      if (e.type !== 'search') continue;
      const q = normalizeQuery(e.query);
      if (q.startsWith(typed) && !seen.has(q)) {
        seen.add(q);
        out.push({ text: e.query.trim(), source: 'history' });
      }
    }
    for (const q of popular(typed)) {
      if (out.length >= k) break;
      if (!seen.has(q)) {
        seen.add(q);
        out.push({ text: q, source: 'popular' });
      }
    }
    for (const s of this.index.suggest(prefix, k)) {
      if (out.length >= k) break;
      const q = normalizeQuery(s.text);
      if (!seen.has(q)) {
        seen.add(q);
        out.push({ text: s.text, source: 'catalog' });
      }
    }
    return out;
  }
}
