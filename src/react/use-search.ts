import type { FacetName, FacetValue, SearchHit, SearchOptions, SearchResults } from 'edgereco';
import { useAsyncList, type ListState } from './use-async-list.js';

/** What `useSearch` returns: the hits (with highlights) and what a results page shows beside them. */
export interface SearchState extends ListState<SearchHit> {
  /** How many items match (before `k`); 0 while loading or for a blank query. */
  total: number;
  /** The facet counts asked for in `options.facets`. */
  facets: Partial<Record<FacetName, FacetValue[]>>;
  /** A corrected query when this one matched nothing or little. */
  didYouMean?: string;
  /** Set when the hits are for `didYouMean` (correction on and nothing matched). */
  correctedFrom?: string;
}

/** `search(query, options)`; an empty (or blank) query gives an empty list without asking, unless it lists a category. */
export function useSearch(query: string, options?: SearchOptions): SearchState {
  const browse = options?.filters?.category !== undefined;
  const state = useAsyncList<SearchHit>('useSearch', JSON.stringify([query, options ?? {}]), (reco) => (query.trim() || browse ? reco.search(query, options) : null));
  const results = state.items as Partial<SearchResults>;
  const out: SearchState = { ...state, total: results.total ?? 0, facets: results.facets ?? {} };
  if (results.didYouMean !== undefined) out.didYouMean = results.didYouMean;
  if (results.correctedFrom !== undefined) out.correctedFrom = results.correctedFrom;
  return out;
}
