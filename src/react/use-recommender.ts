import type { Recommender } from 'edgereco';
import { useEdgeRecoContext } from './use-edgereco-context.js';

/** The provider's recommender: `null` during a server render and until the provider's effect has created it. */
export function useRecommender(): Recommender | null {
  return useEdgeRecoContext('useRecommender').recommender;
}
