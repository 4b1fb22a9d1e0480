import type { Recommendation, RecommendOptions } from 'edgereco';
import { useAsyncList, type ListState } from './use-async-list.js';

/** `recommend(options)` for this shopper, asked again after each event tracked through `useTrack()`. */
export function useRecommendations(options?: RecommendOptions): ListState<Recommendation> {
  return useAsyncList('useRecommendations', JSON.stringify(options ?? {}), (reco) => reco.recommend(options));
}
