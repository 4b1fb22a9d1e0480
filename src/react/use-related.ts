import type { Recommendation, RelatedOptions } from 'edgereco';
import { useAsyncList, type ListState } from './use-async-list.js';

/** `related(itemId, options)`: items like this one (a product page); no item id gives an empty list. */
export function useRelated(itemId: string | null | undefined, options?: RelatedOptions): ListState<Recommendation> {
  return useAsyncList('useRelated', JSON.stringify([itemId ?? null, options ?? {}]), (reco) => (itemId ? reco.related(itemId, options) : null));
}
