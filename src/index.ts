import { createRecommenderWith, type Recommender } from './client/create-recommender.js';
import type { RecommenderOptions } from './core/config.js';
import { viteDevWorkerUrl } from './client/vite-dev-worker.js';

/**
 * Starts the engine worker. The `new Worker(new URL('./…', import.meta.url), { type: 'module' })` is written out
 * literally so that a store's bundler (Vite, webpack 5) finds the worker and bundles it with its `.wasm` files; the
 * `@vite-ignore` comments keep edgereco's own build from doing so (the minifier drops them; vite.config.ts puts in the
 * version and checks dist/ keeps the literal). Under `vite dev` this module is pre-bundled into `.vite/deps/`, where
 * no worker lies next to it: the worker then comes from the package's own folder (src/client/vite-dev-worker.ts).
 */
function startWorker(): Worker {
  const dev = viteDevWorkerUrl(import.meta.url);
  if (dev) return new Worker(dev, { type: 'module', name: 'edgereco' });
  return new Worker(new URL(/* @vite-ignore */ './cdn/edgereco-__EDGERECO_VERSION__/edgereco.worker.js', import.meta.url), { type: 'module', name: 'edgereco' });
}

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
  return createRecommenderWith({ defaultWorker: () => ({ label: 'edgereco.worker.js (next to the edgereco package)', start: startWorker }) }, options);
}

export type { Recommender } from './client/create-recommender.js';
export type { ExportedData, SyncExport, SyncSummary, SyncBatch } from './core/worker-api.js';
export type { PrivacyStatus } from './core/privacy-status.js';
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
export type {
  FacetName,
  FacetValue,
  Highlight,
  PinRule,
  RerankOptions,
  SearchFilters,
  SearchHit,
  SearchOptions,
  SearchResults,
  SearchSettings,
  Suggestion,
  SynonymRule,
  TextRange,
} from './core/search-types.js';
export type { Explanation, Evidence } from './core/explanation.js';
export type { EngineInfo, BackendInfo } from './core/worker-api.js';
