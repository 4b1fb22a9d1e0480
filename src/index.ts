import { createRecommenderWith, type Recommender } from './client/create-recommender.js';
import type { RecommenderOptions } from './core/config.js';

/** File name of the worker bundle, next to this module. A variable, so bundlers leave the URL alone. */
const WORKER_FILE = 'edgereco.worker.js';

/**
 * Creates a recommender for one store. It starts the engine worker, opens the on-device event log, and is usable at
 * once: calls made before the worker is ready wait for it.
 *
 * @example
 * const reco = createRecommender({ storeId: 'my-shop', catalogUrl: '/catalog.json' });
 * await reco.track({ type: 'view', itemId: 'sku-42' });
 * const items = await reco.recommend({ k: 8 });
 */
export function createRecommender(options?: RecommenderOptions): Recommender {
  return createRecommenderWith({ defaultWorkerUrl: () => new URL(WORKER_FILE, import.meta.url) }, options);
}

export type { Recommender } from './client/create-recommender.js';
export type { ExportedData, SyncExport, SyncSummary, SyncBatch } from './core/worker-api.js';
export type { AggregateReport, PrivacyBudgetPolicy, PrivacyBudgetState } from './core/ldp/index.js';
export type { RecommenderEvents, RecommenderEventName } from './client/emitter.js';
export type { RecommenderOptions } from './core/config.js';
export type { CatalogItem, CatalogUpdate } from './core/catalog.js';
export { EdgeRecoError, ERROR_CODES, isEdgeRecoError } from './core/errors.js';
export type { ErrorCode } from './core/errors.js';
export { EVENT_TYPES } from './core/events.js';
export type {
  TrackInput, BehaviourEvent, EventType, PurchaseLine, ViewEvent, ClickEvent, AddToCartEvent, RemoveFromCartEvent,
  PurchaseEvent, SearchEvent, ImpressionEvent,
} from './core/events.js';
export type { Recommendation, RecommendOptions, RecommendFilter, RecommendContext, RelatedOptions, ResultSource } from './core/recommendation.js';
export type { SearchOptions, SearchFilters, Suggestion, RerankOptions } from './core/search-types.js';
export type { Explanation, Evidence } from './core/explanation.js';
export type { EngineInfo, BackendInfo } from './core/worker-api.js';
