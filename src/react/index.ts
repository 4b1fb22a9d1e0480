export { EdgeRecoProvider } from './provider.js';
export type { EdgeRecoProviderProps } from './provider.js';
export { useRecommender } from './use-recommender.js';
export { useRecommendations } from './use-recommendations.js';
export { useSearch } from './use-search.js';
export { useSuggest } from './use-suggest.js';
export { useRelated } from './use-related.js';
export { useTrack } from './use-track.js';
export type { ListState } from './use-async-list.js';
