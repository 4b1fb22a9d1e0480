import MiniSearch from 'minisearch';
import { SearchIndex } from '../../src/search/search-index.js';
import { type SearchConfigInput, SEARCH_FIELDS } from '../../src/search/search-config.js';
import { searchFieldText } from '../../src/search/search-field-text.js';
import type { SearchItem } from '../../src/search/search-item.js';
import { condensedNdcg, gradedNdcg } from './graded-ndcg.js';
import { queryHalf } from './query-half.js';
import type { Judgments } from './read-search-files.js';

/** Returns the ranked item ids for a query. */
export type Searcher = (query: string) => string[];

/** How many results each system returns: 10 are scored, the rest feed the judged-only NDCG. */
const DEPTH = 100;

/**
 * The library's plain default BM25: MiniSearch with its default tokenizer, term processing and search options (no
 * boosts, no typo tolerance, no prefix, OR), over the same fields and the same field text as ours.
 */
export function plainBaseline(items: readonly SearchItem[]): Searcher {
  const mini = new MiniSearch<SearchItem>({
    fields: [...SEARCH_FIELDS],
    extractField: (item, field) => (field === 'id' ? item.id : searchFieldText(item, field as (typeof SEARCH_FIELDS)[number])),
  });
  mini.addAll(items);
  return (query) => mini.search(query).slice(0, DEPTH).map((r) => r.id as string);
}

/** Our index with the given options (defaults when none), built the way the worker builds it. */
export async function ourSearch(items: readonly SearchItem[], options: SearchConfigInput = {}): Promise<Searcher> {
  const index = await SearchIndex.create(items, options);
  return (query) => index.search(query, { k: DEPTH }).map((h) => h.id);
}

export interface QueryScores {
  query: string;
  half: 'A' | 'B';
  ndcg10: number;
  ndcg10JudgedOnly: number;
}

export function scoreQueries(search: Searcher, judgments: Judgments): QueryScores[] {
  return [...judgments].map(([query, grades]) => {
    const ranked = search(query);
    return { query, half: queryHalf(query), ndcg10: gradedNdcg(ranked, grades), ndcg10JudgedOnly: condensedNdcg(ranked, grades) };
  });
}

export interface Comparison {
  queries: number;
  baseline: { ndcg10: number; ndcg10_judged_only: number };
  ours: { ndcg10: number; ndcg10_judged_only: number };
  wins: number;
  losses: number;
  ties: number;
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const round = (x: number): number => Math.round(x * 10000) / 10000;

/** Means and per-query wins/losses (by NDCG@10, ties within 1e-9) over the queries that `keep` selects. */
export function compare(baseline: readonly QueryScores[], ours: readonly QueryScores[], keep: (q: QueryScores) => boolean = () => true): Comparison {
  const pairs = baseline.map((b, i) => [b, ours[i]!] as const).filter(([b]) => keep(b));
  let wins = 0;
  let losses = 0;
  for (const [b, o] of pairs) {
    if (o.ndcg10 > b.ndcg10 + 1e-9) wins++;
    else if (o.ndcg10 < b.ndcg10 - 1e-9) losses++;
  }
  const summary = (side: readonly QueryScores[]) => ({ ndcg10: round(mean(side.map((s) => s.ndcg10))), ndcg10_judged_only: round(mean(side.map((s) => s.ndcg10JudgedOnly))) });
  return {
    queries: pairs.length,
    baseline: summary(pairs.map(([b]) => b)),
    ours: summary(pairs.map(([, o]) => o)),
    wins,
    losses,
    ties: pairs.length - wins - losses,
  };
}
