import type { CatalogItem, CatalogUpdate } from '../core/catalog.js';
import { createError, ERROR_CODES } from '../core/errors.js';
import type { Recommendation } from '../core/recommendation.js';
import type { SearchHit, SearchOptions, SearchResponse, SearchSettings, Suggestion } from '../core/search-types.js';
import type { ModelRuntime } from '../model/model-runtime.js';
import type { QuickCompletions, SearchIndex, SearchSuggestSnapshot } from '../search/search-index.js';
import { highlightItem } from '../search/highlight.js';
import { normalizeTerm } from '../search/normalize-term.js';
import { PINNED_REASON, Pins } from '../search/pins.js';
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
  // The history item closest to each result the model moved up, in one product for the list.
  const moved = model ? fused.filter((h) => h.personal) : [];
  const nearest = new Map(model ? model.nearestEach(moved.map((h) => model.indexOf(h.id)!), known.map((r) => r.index!)).map((near, i) => [moved[i]!.id, near]) : []);
  return fused.map((h) => {
    let reason = context.lead;
    if (h.personal && model) {
      const near = nearest.get(h.id);
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
  private readonly pins: Pins;

  private constructor(private readonly index: SearchIndex) {
    this.pins = new Pins(index.config.pins);
  }

  /**
   * Builds the index in chunks, yielding between them (the worker stays responsive to other calls). Rejects with
   * `INVALID_OPTION` when a store's search setting is bad.
   */
  static async build(catalog: CatalogItem[], settings: SearchSettings = {}): Promise<CatalogSearch> {
    return CatalogSearch.staged(catalog, settings).search;
  }

  /**
   * {@link build} in two stages (`SearchIndex.staged`): `completions` for a single word being typed as soon as they
   * are counted (or taken from `gates.kept`, the last page view's), `search` with the full index, built once
   * `gates.index` settles.
   */
  static staged(catalog: CatalogItem[], settings: SearchSettings = {}, gates: { index?: Promise<unknown>; kept?: Promise<SearchSuggestSnapshot | null> } = {}): { completions: Promise<QuickCompletions>; search: Promise<CatalogSearch> } {
    const stages = import('../search/search-index.js').then(({ SearchIndex }) => {
      if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
        throw createError(ERROR_CODES.INVALID_OPTION, { field: 'options.search', requirement: 'must be an object { locale, dictionary, synonyms, pins, priceRanges, autoCorrect, pinyin }', got: settings });
      }
      return SearchIndex.staged(catalog, settings, gates);
    });
    const completions = stages.then((s) => s.completions);
    completions.catch(() => {}); // the caller may read only `search`
    return { completions, search: stages.then(async (s) => new CatalogSearch(await s.index)) };
  }

  async search(
    query: string,
    options: SearchOptions,
    context: { history: History; catalog: CatalogIndex; model: ModelRuntime | null; attributionId: string },
  ): Promise<SearchResponse> {
    if (typeof query !== 'string') throw createError(ERROR_CODES.INVALID_OPTION, { field: 'search(query)', requirement: 'must be a string', got: query }, { details: { field: 'query' } });
    const k = options.k ?? 20;
    if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw createError(ERROR_CODES.INVALID_OPTION, { field: 'options.k', requirement: `must be an integer from 1 to ${MAX_K}`, got: k });
    const { history, catalog, model } = context;
    const answer = this.index.query(query, { ...options, k: Math.max(k, RERANK_DEPTH), history: pastQueries(history) });
    const { hits } = answer;
    const scores = model ? await model.scoreInput(shopperInput(model, history)) : null;
    const searched = answer.correctedFrom === undefined ? query.trim() : answer.didYouMean!;
    const lead = searched.length > 0 ? `Matches “${searched}”` : `In “${options.filters?.category ?? ''}”`;
    const ranked: SearchHit[] = personalize(hits.map((h) => h.id), { history, catalog, model, scores, lead, attributionId: context.attributionId });
    if (!(model && scores)) ranked.forEach((r, i) => (r.score = hits[i]!.score));
    const terms = new Map(hits.map((h) => [h.id, h.terms]));
    const out = ranked.slice(0, k);
    for (const r of out) this.addHighlight(r, terms.get(r.itemId) ?? []);
    const response: SearchResponse = { hits: out, total: answer.total, facets: answer.facets };
    if (answer.didYouMean !== undefined) response.didYouMean = answer.didYouMean;
    if (answer.correctedFrom !== undefined) response.correctedFrom = answer.correctedFrom;
    return response;
  }

  /**
   * Applies the store's pins and buries for this query (or category listing) to the final list: a pinned item is at
   * its position whatever the shopper's history, if it passes the active filters.
   */
  pin(list: SearchHit[], query: string, options: SearchOptions, context: { catalog: CatalogIndex; attributionId: string }): SearchHit[] {
    const k = list.length === 0 ? (options.k ?? 20) : Math.max(list.length, options.k ?? 20);
    const queryTerms = this.index.analyzer.queryTerms(query).map((t) => normalizeTerm(t)).filter((t): t is string => t !== null);
    const make = (id: string): SearchHit | undefined => {
      const item = this.index.get(id);
      if (!item) return undefined;
      const hit: SearchHit = { itemId: id, score: 0, reason: PINNED_REASON, source: 'search', attributionId: context.attributionId };
      if (item.title !== undefined) hit.title = item.title;
      this.addHighlight(hit, queryTerms);
      return hit;
    };
    const passes = (id: string): boolean => this.index.passes(id, options.filters);
    return this.pins.apply(list, { query, category: options.filters?.category }, passes, make).slice(0, k);
  }

  private addHighlight(hit: SearchHit, terms: readonly string[]): void {
    const item = this.index.get(hit.itemId);
    if (item) hit.highlight = highlightItem(item, new Set(terms), this.index.analyzer, normalizeTerm);
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

  /** The completions as plain JSON, kept for the next page view (see warm-start.ts). */
  suggestSnapshot(): SearchSuggestSnapshot {
    return this.index.suggestSnapshot();
  }

  /** The shopper's own past queries that start with `prefix` (most recent first), then catalog completions. */
  suggest(prefix: string, history: History, popular: (typed: string) => readonly string[] = () => [], k = 8): Suggestion[] {
    return suggestFrom((text, n) => this.index.suggest(text, n), prefix, history, popular, k)!;
  }
}

/**
 * `suggest()`: the shopper's own past queries that start with `prefix` (most recent first), the store's popular
 * queries, then `complete`'s catalog completions; null when `complete` cannot answer this prefix (a repeat page view's
 * quick completions, for text with words before the last: the full index answers it).
 */
export function suggestFrom(
  complete: (prefix: string, k: number) => { text: string }[] | null,
  prefix: string,
  history: History,
  popular: (typed: string) => readonly string[],
  k = 8,
): Suggestion[] | null {
  if (typeof prefix !== 'string') throw createError(ERROR_CODES.INVALID_OPTION, { field: 'suggest(prefix)', requirement: 'must be the text typed so far, a string', got: prefix }, { details: { field: 'prefix' } });
  const typed = normalizeQuery(prefix);
  if (typed.length === 0) return [];
  const completions = complete(prefix, k);
  if (completions === null) return null;
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
  for (const s of completions) {
    if (out.length >= k) break;
    const q = normalizeQuery(s.text);
    if (!seen.has(q)) {
      seen.add(q);
      out.push({ text: s.text, source: 'catalog' });
    }
  }
  return out;
}

/** The shopper's own past queries, most recent first, each once. */
function pastQueries(history: History): string[] {
  const out = new Set<string>();
  const events = history.events();
  for (let i = events.length - 1; i >= 0 && out.size < 50; i--) {
    const e = events[i]!;
    if (e.type === 'search') out.add(e.query.trim());
  }
  return [...out];
}
