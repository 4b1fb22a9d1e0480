import type { Suggestion } from 'edgereco';
import { useAsyncList, type ListState } from './use-async-list.js';

/** `suggest(prefix)`: autocomplete for what the shopper is typing; an empty prefix gives an empty list. */
export function useSuggest(prefix: string): ListState<Suggestion> {
  return useAsyncList('useSuggest', prefix, (reco) => (prefix.trim() ? reco.suggest(prefix) : null));
}
