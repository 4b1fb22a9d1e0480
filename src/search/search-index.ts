import MiniSearch, { type Query, type SearchOptions, type SearchResult } from 'minisearch';
import { createError, ERROR_CODES } from '../core/errors.js';
import { inSlices, nextTask, SLICE_MS } from '../core/next-task.js';
import type { FacetName, FacetValue } from '../core/search-types.js';
import { TextAnalyzer, isSingleCjk } from './analyzer.js';
import type { HanFold } from './fold-text.js';
import { loadHanFolding, needsHanFolding } from './han-folding.js';
import { loadPinyin } from './pinyin-completions.js';
import { correctQuery } from './did-you-mean.js';
import { countFacets, derivePriceRanges, validateFacets } from './facets.js';
import { fuzzyEdits } from './fuzzy-edits.js';
import { cjkKeyLength, normalizeTerm } from './normalize-term.js';
import { type SearchConfig, type SearchConfigInput, SEARCH_FIELDS, resolveSearchConfig } from './search-config.js';
import { searchFieldText } from './search-field-text.js';
import { type SearchFilters, matchesFilters, validateFilters } from './search-filters.js';
import { type SearchItem, validateSearchItems } from './search-item.js';
import { type Suggestion, SuggestIndex, type SuggestSnapshot } from './suggest-index.js';
import { Synonyms } from './synonyms.js';

/** How many of the best items matching the words before the last one are read to rank its completions. */
const SUGGEST_CONTEXT = 200;
/** Catalogs from this size look for query words in every item (see `everyItemWords`); smaller ones are fast either way. */
const EVERY_ITEM_FROM = 1_000;
/** How many of the items a word in every item ranks first are kept to fill a list (a larger k searches as before). */
const EVERY_ITEM_FILL = 1_000;
/** A query word made of letters and digits only. */
const PLAIN_WORD = /^[\p{L}\p{N}]+$/u;

/** A query matching at most this many items also gets a `didYouMean`. */
const FEW_MATCHES = 2;

/** One search result: the item id, its lexical score (higher is better) and the index terms it matched. */
export interface SearchHit {
  id: string;
  score: number;
  /** The index terms that matched (after prefix and typo expansion): what highlighting marks. */
  terms: string[];
}

export interface SearchRequest {
  /** How many results, default `config.defaultK`. */
  k?: number;
  filters?: SearchFilters;
  /** Facets to count over every matching item. */
  facets?: readonly FacetName[];
  /** Search the correction when the query matches nothing. Default `config.autoCorrect`. */
  correct?: boolean;
  /** The shopper's own past queries, most recent first (for `didYouMean`). */
  history?: readonly string[];
}

/** The answer of {@link SearchIndex.query}: the top `k`, how many matched, the facet counts, a correction. */
export interface SearchAnswer {
  hits: SearchHit[];
  total: number;
  facets: Partial<Record<FacetName, FacetValue[]>>;
  didYouMean?: string;
  correctedFrom?: string;
}

/** A change to an item that does not touch its text: applied without re-indexing. */
export interface ItemPatch {
  price?: number;
  available?: boolean;
}

/**
 * The catalog search index of the worker: BM25 over title, brand, category, attributes and description (MiniSearch),
 * with field boosts, typo tolerance, prefix matching on the last term, filters, and `suggest()` completions. Items can be
 * added, replaced, removed and re-priced without rebuilding the index.
 */
export class SearchIndex {
  readonly config: SearchConfig;
  private readonly items = new Map<string, SearchItem>();
  private readonly mini: MiniSearch<SearchItem>;
  private suggestions: SuggestIndex;
  /** Every indexed term (normalized). Terms of removed items stay: that only spares them typo matching. */
  private readonly vocabulary = new Set<string>();
  private readonly searchOptions: SearchOptions;
  readonly analyzer: TextAnalyzer;
  private readonly synonyms: Synonyms;
  /** The `price` facet's bounds when the store gives none: derived from the catalog, again after it changes. */
  private derivedRanges: number[] | null = null;
  /** The items matching the words typed before the last one, for the last such words (see textChanged). */
  private lastContext: { head: string; context: SearchItem[] } | null = null;
  /** Query words every item matches, with the items each alone ranks first; null for the others (see textChanged). */
  private readonly everyItem = new Map<string, readonly string[] | null>();

  /**
   * Builds the index from catalog rows (validated; throws `INVALID_OPTION` naming the bad row). Traditional Chinese is
   * folded to Simplified only when `foldHan` is given: {@link SearchIndex.create} loads it when the catalog needs it.
   */
  constructor(rows: unknown = [], options: SearchConfigInput = {}, foldHan?: HanFold) {
    this.config = resolveSearchConfig(options);
    this.analyzer = new TextAnalyzer({ locale: this.config.locale, dictionary: this.config.dictionary, foldHan });
    this.synonyms = new Synonyms(this.config.synonyms, this.analyzer);
    this.suggestions = new SuggestIndex(this.analyzer);
    const { boost, fuzzyOneEditFrom, fuzzyTwoEditsFrom, fuzzyUnknownTermsOnly, prefixMinLength } = this.config;
    this.mini = new MiniSearch<SearchItem>({
      fields: [...SEARCH_FIELDS],
      storeFields: [],
      extractField: (item, field) => (field === 'id' ? item.id : searchFieldText(item, field as (typeof SEARCH_FIELDS)[number])),
      // MiniSearch passes the field name when indexing, and nothing when tokenizing a query.
      tokenize: (text, field) => (field === undefined ? this.analyzer.queryTerms(text) : this.analyzer.indexTerms(text, field === 'title' || field === 'description')),
      // MiniSearch passes the field name when indexing (a number, the token's position, when searching).
      processTerm: (token, field) => {
        const term = normalizeTerm(token);
        // The vocabulary serves typo tolerance, plural folding and corrections: none of them reads CJK terms.
        if (term !== null && typeof field === 'string' && cjkKeyLength(term) === 0) this.vocabulary.add(term);
        return term;
      },
      autoVacuum: true,
    });
    this.searchOptions = {
      // A query word is folded to its singular only when the catalog knows that form: "batteries" → "battery", but a
      // typo such as "wireles" stays as typed (not "wirele"), so typo matching starts from what the shopper meant.
      processTerm: (token) => {
        const stemmed = normalizeTerm(token);
        return stemmed !== null && this.vocabulary.has(stemmed) ? stemmed : normalizeTerm(token, false);
      },
      boost: { ...boost },
      weights: { fuzzy: this.config.fuzzyWeight, prefix: this.config.prefixWeight },
      // Chinese, Japanese and Korean terms (bigrams, dictionary words) are matched as written, never fuzzily.
      fuzzy: (term) => (cjkKeyLength(term) > 0 || (fuzzyUnknownTermsOnly && this.vocabulary.has(term)) ? false : fuzzyEdits(term, fuzzyOneEditFrom, fuzzyTwoEditsFrom) || false),
      prefix: (term, i, terms) => (i === terms.length - 1 && term.length >= prefixMinLength && cjkKeyLength(term) === 0) || isSingleCjk(term),
    };
    const items = validateSearchItems(rows);
    for (const item of items) this.items.set(item.id, item);
    this.mini.addAll(items);
    this.suggestions.addAll(items);
  }

  /**
   * Builds the index in slices of about `sliceMs`, each in its own task (`inSlices`), so the worker keeps answering
   * other calls while a large catalog is indexed (a call waits for one slice, not for the build). Loads Traditional → Simplified Chinese folding first
   * when the catalog's locale is Chinese or its titles hold Chinese characters, and pinyin completion (`pinyin-pro`)
   * when `pinyin` is on.
   */
  static async create(rows: unknown, options: SearchConfigInput = {}, sliceMs = SLICE_MS): Promise<SearchIndex> {
    return SearchIndex.staged(rows, options, {}, sliceMs).index;
  }

  /**
   * {@link create} in two stages, for the worker's first answers: `completions` answers a single word being typed (as
   * {@link quickSuggest} does) once the completions are counted, the quick part; the BM25 index is built after
   * `gates.index` settles (the model's start-up, which then has the worker to itself) and `index` resolves with
   * everything. When `gates.kept` gives a {@link suggestSnapshot} of these rows and settings (a repeat page view), the
   * index takes its completions from it instead of counting them again, all after `gates.index`. A bad row or setting
   * rejects both.
   */
  static staged(rows: unknown, options: SearchConfigInput = {}, gates: { index?: Promise<unknown>; kept?: Promise<SearchSuggestSnapshot | null> } = {}, sliceMs = SLICE_MS): { completions: Promise<QuickCompletions>; index: Promise<SearchIndex> } {
    const ready = (async () => {
      const kept = (await gates.kept?.catch(() => null)) ?? null;
      if (kept) {
        // The page answers from the kept completions meanwhile; what follows is one task, run when the page is quiet.
        await gates.index?.catch(() => {});
        await nextTask();
      }
      const config = resolveSearchConfig(options);
      const items = validateSearchItems(rows);
      const foldHan = needsHanFolding(config.locale, itemTexts(items)) ? await loadHanFolding() : undefined;
      const index = new SearchIndex([], options, foldHan);
      for (const item of items) index.items.set(item.id, item);
      if (kept) index.suggestions = SuggestIndex.restore(kept.suggest, index.analyzer);
      else index.suggestions.addAll(items);
      if (config.pinyin) index.suggestions.enablePinyin(await loadPinyin());
      return { index, items };
    })();
    const completions = ready.then(({ index }): QuickCompletions => (input, k = 8) => (headOf(input) ? null : index.suggestions.suggest(input, k)));
    const built = ready.then(async ({ index, items }) => {
      await gates.index?.catch(() => {});
      await inSlices(items, (item) => index.mini.add(item), sliceMs);
      return index;
    });
    completions.catch(() => {}); // the caller may read only `index`
    return { completions, index: built };
  }

  /**
   * The completions as plain JSON, for a repeat page view to answer `suggest()` at once ({@link quickSuggest}) while
   * the full index is built again in the background.
   */
  suggestSnapshot(): SearchSuggestSnapshot {
    return { hanFolding: this.analyzer.foldsHan, suggest: this.suggestions.snapshot() };
  }

  /**
   * Completions from a {@link suggestSnapshot} taken with the same settings: what {@link suggest} answers for a single
   * word (or unspaced run) being typed, and null for text with words before the last, which needs the full index.
   */
  static async quickSuggest(snapshot: SearchSuggestSnapshot, options: SearchConfigInput = {}): Promise<QuickCompletions> {
    const config = resolveSearchConfig(options);
    const analyzer = new TextAnalyzer({ locale: config.locale, dictionary: config.dictionary, ...(snapshot.hanFolding ? { foldHan: await loadHanFolding() } : {}) });
    const suggestions = SuggestIndex.restore(snapshot.suggest, analyzer);
    if (config.pinyin) suggestions.enablePinyin(await loadPinyin());
    return (input, k = 8) => (headOf(input) ? null : suggestions.suggest(input, k));
  }

  /** Number of items in the index. */
  get size(): number {
    return this.items.size;
  }

  get(id: string): SearchItem | undefined {
    return this.items.get(id);
  }

  /** Whether an item is in the index and passes the filters. */
  passes(id: string, filters: SearchFilters | undefined): boolean {
    const item = this.items.get(id);
    return item !== undefined && (filters === undefined || matchesFilters(item, filters));
  }

  /** What is read from the items' text and kept between queries is read again after items are added or removed. */
  private textChanged(): void {
    this.lastContext = null;
    this.everyItem.clear();
  }

  /** Adds items, or replaces the items with the same id (re-indexing only those). */
  add(rows: unknown): void {
    this.textChanged();
    this.derivedRanges = null;
    for (const item of validateSearchItems(rows)) {
      const old = this.items.get(item.id);
      if (old) {
        this.mini.replace(item);
        this.suggestions.remove(old);
      } else {
        this.mini.add(item);
      }
      this.suggestions.add(item);
      this.items.set(item.id, item);
    }
  }

  /** Removes items by id; unknown ids are ignored. Returns how many were removed. */
  remove(ids: readonly string[]): number {
    this.textChanged();
    this.derivedRanges = null;
    let removed = 0;
    for (const id of ids) {
      const old = this.items.get(id);
      if (!old) continue;
      this.mini.discard(id);
      this.suggestions.remove(old);
      this.items.delete(id);
      removed++;
    }
    return removed;
  }

  /** Changes an item's price or stock in place: filters see it at once, the text index is untouched. */
  update(id: string, patch: ItemPatch): void {
    const item = this.items.get(id);
    if (!item) throw createError(ERROR_CODES.INVALID_OPTION, { field: 'id', requirement: 'must name a catalog item', got: id, fix: 'add() it first' });
    if (patch.price !== undefined && (typeof patch.price !== 'number' || !Number.isFinite(patch.price) || patch.price < 0)) {
      throw createError(ERROR_CODES.INVALID_OPTION, { field: 'price', requirement: 'must be a number ≥ 0', got: patch.price });
    }
    if (patch.available !== undefined && typeof patch.available !== 'boolean') {
      throw createError(ERROR_CODES.INVALID_OPTION, { field: 'available', requirement: 'must be true or false', got: patch.available });
    }
    this.derivedRanges = null;
    const next: SearchItem = { ...item };
    if (patch.price !== undefined) next.price = patch.price;
    if (patch.available !== undefined) next.available = patch.available;
    this.items.set(id, next);
  }

  /** The best `k` items for a query, best first. A blank query returns nothing. */
  search(query: string, request: SearchRequest = {}): SearchHit[] {
    return this.query(query, request).hits;
  }

  /**
   * The best `k` items for a query with the store's synonyms, how many items match it and the filters, the facet
   * counts over all of them, and a `didYouMean` when it matches nothing or little (searched instead when `correct`).
   * A blank query with a category filter lists that category; otherwise a blank query matches nothing.
   */
  query(query: string, request: SearchRequest = {}): SearchAnswer {
    const k = request.k ?? this.config.defaultK;
    if (!Number.isInteger(k) || k < 1) throw createError(ERROR_CODES.INVALID_OPTION, { field: 'k', requirement: 'must be a whole number ≥ 1', got: k });
    const filters = request.filters;
    if (filters) validateFilters(filters);
    const facets = request.facets === undefined ? [] : validateFacets(request.facets);
    const text = query.trim();
    const browse = text.length === 0 && filters?.category !== undefined;
    if (text.length === 0 && !browse) return { hits: [], total: 0, facets: this.countFacets([], request, facets) };
    const answer = this.run(browse ? MiniSearch.wildcard : this.synonyms.expand(text), k, request, facets);
    if (browse || answer.total > FEW_MATCHES) return answer;
    const didYouMean = correctQuery(text, {
      known: (term) => this.vocabulary.has(term),
      words: () => this.suggestions.words(),
      history: request.history ?? [],
    });
    if (didYouMean === undefined) return answer;
    if (answer.total === 0 && (request.correct ?? this.config.autoCorrect)) {
      return { ...this.run(this.synonyms.expand(didYouMean), k, request, facets), didYouMean, correctedFrom: text };
    }
    return { ...answer, didYouMean };
  }

  private run(query: Query, k: number, request: SearchRequest, facets: readonly FacetName[]): SearchAnswer {
    const filters = request.filters;
    const mode = this.config.combineWith;
    if (mode === 'AND_THEN_OR' && typeof query === 'string') return this.runOnce(query, k, request, facets);
    const all = this.mini.search(query, { ...this.searchOptions, combineWith: mode === 'OR' ? 'OR' : 'AND' });
    const matched = filters ? all.filter((r) => matchesFilters(this.items.get(r.id as string)!, filters)) : all;
    const hits = matched.slice(0, k).map(toHit);
    const counted = facets.length > 0 ? this.countFacets(all, request, facets) : {};
    const total = matched.length;
    if (mode !== 'AND_THEN_OR' || hits.length >= k || query === MiniSearch.wildcard) return { hits, total, facets: counted };
    const seen = new Set(hits.map((h) => h.id));
    const options: SearchOptions = { ...this.searchOptions, combineWith: 'OR' };
    if (filters) options.filter = (r: SearchResult) => matchesFilters(this.items.get(r.id as string)!, filters);
    for (const r of this.mini.search(query, options)) {
      if (hits.length >= k) break;
      if (!seen.has(r.id as string)) hits.push(toHit(r));
    }
    return { hits, total, facets: counted };
  }

  /**
   * AND, then OR to fill up to k, in one OR search: a result holding every query term has the score the AND search
   * gives it (MiniSearch sums the terms' scores and multiplies by the number of query terms matched, either way), so
   * the AND matches are the OR results that match every term, in the same order. A term in most of the catalog
   * (every "Game …" of a games store) is scored once, not twice. For a plain query (synonyms make a query tree).
   */
  private runOnce(given: string, k: number, request: SearchRequest, facets: readonly FacetName[]): SearchAnswer {
    const filters = request.filters;
    const processTerm = this.searchOptions.processTerm!;
    // Words every item holds are left out of the search and weighed back in (see everyItemWords).
    const universal = k <= EVERY_ITEM_FILL ? this.everyItemWords(given) : null;
    const query = universal?.query ?? given;
    const needed = new Set(this.analyzer.queryTerms(query).flatMap((t) => processTerm(t) || [])).size;
    let all = this.mini.search(query, { ...this.searchOptions, combineWith: 'OR' });
    if (universal) {
      // Every result also matched the words left out: MiniSearch multiplies a result's score by the number of query
      // words it matched, so the order is the one with them (their own terms, near 0 for a word in every item, aside),
      // and the items that match none of the others follow, as the first left-out word alone ranks them.
      const dropped = universal.dropped;
      const weighed = (r: SearchResult) => (r.score * (r.queryTerms.length + dropped)) / r.queryTerms.length;
      all = all.map((r) => ({ ...r, score: weighed(r) })).sort((a, b) => b.score - a.score);
      const seen = new Set(all.map((r) => r.id as string));
      for (const id of universal.fill) if (!seen.has(id)) all.push({ id, score: 0, terms: [], queryTerms: [], match: {} });
    }
    const everyTerm = all.filter((r) => r.queryTerms.length >= needed);
    const hits: SearchHit[] = [];
    let total = 0;
    for (const r of everyTerm) {
      if (filters && !matchesFilters(this.items.get(r.id as string)!, filters)) continue;
      total++;
      if (hits.length < k) hits.push(toHit(r));
    }
    if (hits.length < k) {
      for (const r of all) {
        if (hits.length >= k) break;
        if (r.queryTerms.length < needed && (!filters || matchesFilters(this.items.get(r.id as string)!, filters))) hits.push(toHit(r));
      }
    }
    const counted = facets.length > 0 ? this.countFacets(everyTerm, request, facets) : {};
    return { hits, total, facets: counted };
  }

  /**
   * A query's words that every item holds (a single-brand store's brand in every title; "game" in a catalog of
   * "Game …"), but its last word (which completes as a prefix): they change neither which items match every word nor
   * their order, and MiniSearch reads and sorts every item for each of them. The query without them, how many there
   * were, and the items the first of them alone ranks first (to fill up to k as the search with them would); null
   * when there is none or nothing else. Whether a word is in every item is asked once per word until the items change.
   */
  private everyItemWords(query: string): { query: string; dropped: number; fill: readonly string[] } | null {
    const tokens = this.analyzer.queryTerms(query);
    // Plain words only (no Chinese, Japanese or Korean): the query is put back together with spaces and must read the same.
    if (tokens.length < 2 || this.mini.documentCount < EVERY_ITEM_FROM || !tokens.every((t) => PLAIN_WORD.test(t) && cjkKeyLength(t) === 0)) return null;
    const kept: string[] = [];
    const left: string[] = [];
    const fills: (readonly string[])[] = [];
    tokens.forEach((token, i) => {
      const fill = i < tokens.length - 1 ? this.inEveryItem(token) : null;
      if (!fill) return void kept.push(token);
      fills.push(fill);
      left.push(token);
    });
    if (fills.length === 0 || kept.length === 0) return null;
    // MiniSearch counts a result's distinct query terms: a word typed twice, or also kept, counts once.
    const termOf = (token: string) => String(this.searchOptions.processTerm!(token) ?? token);
    const keptTerms = new Set(kept.map(termOf));
    const dropped = new Set(left.map(termOf).filter((term) => !keptTerms.has(term))).size;
    return { query: kept.join(' '), dropped, fill: fills[0]! };
  }

  /** For a query word every item matches: the items it alone ranks first ({@link EVERY_ITEM_FILL} of them); else null. */
  private inEveryItem(token: string): readonly string[] | null {
    let known = this.everyItem.get(token);
    if (known === undefined) {
      // As in the whole query, where it is not the last word: no prefix.
      const found = this.mini.search(token, { ...this.searchOptions, prefix: false, combineWith: 'OR' });
      known = found.length === this.mini.documentCount ? found.slice(0, EVERY_ITEM_FILL).map((r) => r.id as string) : null;
      this.everyItem.set(token, known);
    }
    return known;
  }

  private countFacets(results: readonly SearchResult[], request: SearchRequest, facets: readonly FacetName[]): Partial<Record<FacetName, FacetValue[]>> {
    if (facets.length === 0) return {};
    const ranges = this.config.priceRanges ?? (this.derivedRanges ??= derivePriceRanges(this.items.values()));
    return countFacets(results.map((r) => this.items.get(r.id as string)!), request.filters, facets, ranges);
  }

  /**
   * Completions of the last word of `input` from catalog words, most frequent first. When words come before it, the
   * completions are counted first among the (at most {@link SUGGEST_CONTEXT}) best items matching all of them.
   */
  suggest(input: string, k = 8): Suggestion[] {
    const head = headOf(input);
    if (!head) return this.suggestions.suggest(input, k);
    // As the shopper types the last word the words before it stay the same: their items are searched once.
    if (this.lastContext?.head !== head) {
      const { processTerm } = this.searchOptions;
      const context = this.mini
        .search(head, { processTerm, combineWith: 'AND' })
        .slice(0, SUGGEST_CONTEXT)
        .map((r) => this.items.get(r.id as string)!);
      this.lastContext = { head, context };
    }
    return this.suggestions.suggest(input, k, this.lastContext.context);
  }
}

/** Completions of a single word being typed; null for text with words before the last (the full index answers it). */
export type QuickCompletions = (input: string, k?: number) => Suggestion[] | null;

/** {@link SearchIndex.suggestSnapshot}: the completions, and whether Chinese was folded when they were counted. */
export interface SearchSuggestSnapshot {
  hanFolding: boolean;
  suggest: SuggestSnapshot;
}

/** The words typed before the last one (suggest() counts completions among the items matching them), if any. */
function headOf(input: string): string | undefined {
  return /^(.*)\s\S+$/su.exec(input.trim())?.[1]?.trim() || undefined;
}

function* itemTexts(items: readonly SearchItem[]): Generator<string> {
  for (const item of items) yield `${item.title ?? ''} ${item.brand ?? ''} ${item.category ?? ''}`;
}

function toHit(r: SearchResult): SearchHit {
  return { id: r.id as string, score: r.score, terms: r.terms };
}
