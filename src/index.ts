import { createRecommenderWith, type Recommender } from './client/create-recommender.js';
import type { RecommenderOptions } from './core/config.js';
import { viteDevWorkerUrl } from './client/vite-dev-worker.js';
import { fnv1a32 } from './core/fnv1a.js';

/**
 * Starts the engine worker. The `new Worker(new URL('./…', import.meta.url), { type: 'module' })` (and its
 * `SharedWorker` twin) is written out literally so that a store's bundler (Vite, webpack 5) finds the worker and
 * bundles it with its `.wasm` files; the `@vite-ignore` comments keep edgereco's own build from doing so (the minifier
 * drops them; vite.config.ts puts in the version and checks dist/ keeps both literals). Under `vite dev` this module is
 * pre-bundled into `.vite/deps/`, where no worker lies next to it: the worker then comes from the package's own folder
 * (src/client/vite-dev-worker.ts).
 *
 * Where the browser keeps a SharedWorker alive across a navigation (`extendedLifetime`, Chrome and Edge 148+), the
 * engine is one SharedWorker for the store's pages and tabs with the same options: the next page of a multi-page
 * storefront finds it running, with its catalog, model and index (DESIGN.md, BENCHMARKS.md "Page views at any catalog
 * size"). Elsewhere, under `vite dev`, with `workerUrl` and from the script tag, each page has its dedicated worker.
 */
function startWorker(options: RecommenderOptions | undefined): Worker {
  const dev = viteDevWorkerUrl(import.meta.url);
  if (dev) return new Worker(dev, { type: 'module', name: 'edgereco' });
  if (sharesEngine(options) && keepsSharedWorkers()) {
    // Pages with other options (another store, catalog, model or setting) get an engine of their own.
    const name = `edgereco:${fnv1a32(JSON.stringify(options ?? {})).toString(16)}`;
    const shared = new SharedWorker(new URL(/* @vite-ignore */ './cdn/edgereco-__EDGERECO_VERSION__/edgereco.worker.js', import.meta.url), { type: 'module', name, extendedLifetime: true } as WorkerOptions);
    return portAsWorker(shared);
  }
  return new Worker(new URL(/* @vite-ignore */ './cdn/edgereco-__EDGERECO_VERSION__/edgereco.worker.js', import.meta.url), { type: 'module', name: 'edgereco' });
}

/** Inline catalogs up to this many items are hashed into the shared engine's name; larger ones keep a worker per page. */
const SHARED_INLINE_ITEMS = 1_000;

/**
 * Whether these options may share an engine between pages: not with `storage: 'memory'` (the store asked that nothing
 * outlive the page), nor with a large inline catalog (naming the engine would hash it on every page).
 */
function sharesEngine(options: RecommenderOptions | undefined): boolean {
  return options?.storage !== 'memory' && !(Array.isArray(options?.catalog) && options.catalog.length > SHARED_INLINE_ITEMS);
}

/**
 * Whether this browser knows SharedWorker's `extendedLifetime`: only then does the constructor read the option (the
 * probe's getter stops that constructor before it starts anything).
 */
function keepsSharedWorkers(): boolean {
  return (sharedWorkersKept ??= probeExtendedLifetime());
}
let sharedWorkersKept: boolean | undefined;

function probeExtendedLifetime(): boolean {
  if (typeof SharedWorker === 'undefined') return false;
  let known = false;
  try {
    new SharedWorker('data:,', {
      get extendedLifetime(): boolean {
        known = true;
        throw new Error('probe only');
      },
    } as WorkerOptions);
  } catch {
    // the probe's end
  }
  return known;
}

/** The SharedWorker's port as the worker client uses a Worker: messages, its load errors, and terminate() as close(). */
function portAsWorker(shared: SharedWorker): Worker {
  const port = shared.port;
  shared.addEventListener('error', (event) => port.dispatchEvent(new ErrorEvent('error', { message: (event as ErrorEvent).message || 'the shared worker failed to load' })));
  // The engine stops reporting to a page that went (src/worker/worker.ts; the engine's LEAVE, written out here so the
  // page does not import the engine). A page restored from the back-forward cache is still answered, without events.
  globalThis.addEventListener?.('pagehide', () => port.postMessage('edgereco:leave'));
  port.start();
  return Object.assign(port, { terminate: () => port.close() }) as unknown as Worker;
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
  return createRecommenderWith({ defaultWorker: () => ({ label: 'edgereco.worker.js (next to the edgereco package)', start: () => startWorker(options) }) }, options);
}

export type { Recommender } from './client/create-recommender.js';
export type { ExportedData, SyncExport, SyncSummary, SyncBatch } from './core/worker-api.js';
export type { PrivacyStatus } from './core/privacy-status.js';
export type { AggregateReport, OlhWireReport, OutcomeWireReport, PrivacyBudgetPolicy, PrivacyBudgetState } from './core/ldp/index.js';
export type { Experiment, ExperimentArm, ArmRecommender, ArmRef } from './core/experiments.js';
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
