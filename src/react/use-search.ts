import type { Recommendation, SearchOptions } from 'edgereco';
import { useAsyncList, type ListState } from './use-async-list.js';

/** `search(query, options)`; an empty (or blank) query gives an empty list without asking. */
export function useSearch(query: string, options?: SearchOptions): ListState<Recommendation> {
  return useAsyncList('useSearch', JSON.stringify([query, options ?? {}]), (reco) => (query.trim() ? reco.search(query, options) : null));
}
