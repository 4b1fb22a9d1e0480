import { proxy } from 'comlink';
import type { CatalogUpdate } from '../core/catalog.js';
import { checkPageOptions, URL_OPTIONS, type RecommenderOptions } from '../core/config.js';
import { createPageError, deserializeError, type EdgeRecoError } from '../core/errors.js';
import type { TrackInput } from '../core/events.js';
import { randomId } from '../core/random-id.js';
import type { Recommendation, RecommendOptions, RelatedOptions } from '../core/recommendation.js';
import type { Explanation } from '../core/explanation.js';
import type { RerankOptions, SearchOptions, SearchResponse, SearchResults, Suggestion } from '../core/search-types.js';
import type { PrivacyStatus } from '../core/privacy-status.js';
import type { EngineInit, EngineNotify, ExportedData, SyncSummary } from '../core/worker-api.js';
import { Consent } from './consent.js';
import { Emitter, type RecommenderEventName, type RecommenderEvents } from './emitter.js';
import { Tracker } from './tracker.js';
import { UnloadRescue } from './unload-rescue.js';
import { WorkerClient } from './worker-client.js';
import type { WorkerSource } from './worker-source.js';

/** The object `createRecommender()` returns. Every method is safe to call at once: calls wait for the worker. */
export interface Recommender {
  /** Records a behaviour event. Resolves with its `eventId` once stored (null when the shopper opted out). */
  track(event: TrackInput): Promise<string | null>;
  /** Items for this shopper, best first. Reflects every event whose `track()` was called before. */
  recommend(options?: RecommendOptions): Promise<Recommendation[]>;
  /** Items related to `itemId` (which the shopper need not have seen). */
  related(itemId: string, options?: RelatedOptions): Promise<Recommendation[]>;
  /** Items bought in the same orders as `itemIds`; topped up with related items, whose reasons say so. */
  frequentlyBoughtTogether(itemIds: string[], options?: RelatedOptions): Promise<Recommendation[]>;
  /**
   * Searches the catalog on the device in any language the browser segments (Chinese and Japanese also inside
   * unsegmented runs): prefix matching, typo tolerance, field boosts, the store's synonyms and pins; with a model loaded
   * and a history, the top results are re-ranked for this shopper. Each hit carries a `reason`, an `attributionId` and
   * its `highlight`; the array also carries `total`, the `facets` asked for and a `didYouMean` when little matched.
   */
  search(query: string, options?: SearchOptions): Promise<SearchResults>;
  /**
   * Re-ranks a list from the store's own search or merchandising backend for this shopper (same fusion as `search()`);
   * without a model or a history the order is kept. At most 1,000 ids.
   */
  rerank(itemIds: string[], options?: RerankOptions): Promise<Recommendation[]>;
  /** Applies a catalog change in the worker without a rebuild (new items, removals, price or stock changes). */
  updateCatalog(update: CatalogUpdate): Promise<number>;
  /** Autocomplete for what the shopper is typing: their own past queries first, then words from the catalog. */
  suggest(prefix: string): Promise<Suggestion[]>;
  /** The local evidence behind an item, in words a shopper understands; only evidence present in the log or catalog. */
  explain(itemId: string): Promise<Explanation>;
  /** Deletes everything stored about the shopper on this device (databases, caches), in every tab of the store. */
  forget(): Promise<void>;
  /** Stops recording (and syncing); remembered across reloads. Stored data stays until `forget()`. */
  optOut(): Promise<void>;
  /** Undoes `optOut()`. */
  optIn(): Promise<void>;
  isOptedOut(): boolean;
  /** Everything stored about the shopper, as JSON-ready data (with `privacy`, below). */
  exportData(): Promise<ExportedData>;
  /**
   * What protects this shopper's data: the local ε of what the browser sends, and when reports go through an
   * Oblivious HTTP relay (`syncRelayUrl`), the central (ε, δ) per shopper and day that the store's priors bundle states,
   * with who must not collude for it to hold; `summary` says it in plain words. Without a relay, the local ε alone.
   */
  privacy(): Promise<PrivacyStatus>;
  /**
   * Reports today so far and sends the outbox now, within the same daily ε budget as the scheduled sync (the latest
   * finished day first; today then counts as reported, so events tracked later today are not). Resolves with what
   * was built, sent, accepted and rejected, the ε spent and left, and why nothing was sent when nothing was; rejects
   * with `NOT_AVAILABLE` when sync is not configured. Each accepted batch also fires a `sync` event.
   */
  syncNow(): Promise<SyncSummary>;
  on<K extends RecommenderEventName>(name: K, handler: (payload: RecommenderEvents[K]) => void): () => void;
  /** Stores what is pending, stops the worker. Later calls reject with `CLOSED`. */
  close(): Promise<void>;
}

export interface FacadeInternals {
  /** Where the worker comes from when `options.workerUrl` is not given. */
  defaultWorker: () => WorkerSource;
}

export function createRecommenderWith(internals: FacadeInternals, options: RecommenderOptions = {}): Recommender {
  const opts = checkPageOptions(options);
  const emitter = new Emitter();
  // Sync in the worker follows the consent; a change in another tab arrives through the storage event.
  const tellWorker = (optedOut: boolean): Promise<void> => worker.call('setConsent', (api) => api.setConsent(optedOut)).catch(() => {});
  const consent = new Consent(opts.storeId, tellWorker);
  const tabId = randomId();
  const rescue = new UnloadRescue(opts.storeId, tabId);
  let closed = false;

  const worker = new WorkerClient(options.workerUrl ?? internals.defaultWorker(), opts.timeoutMs, (error) => {
    if (!closed) emitter.emit('error', error);
  });
  /** The worker keeps a beacon body of the pending outbox ready; `pagehide` sends it (the gateway drops duplicates). */
  let beacon: { url: string; body: string } | undefined;
  globalThis.addEventListener?.('pagehide', () => beacon?.body && !consent.isOptedOut && navigator.sendBeacon(beacon.url, beacon.body));
  const notify = proxy<EngineNotify>((event) => {
    if (event.kind === 'beacon') beacon = event;
    else if (event.kind === 'backend') emitter.emit('backend', event.info);
    else if (event.kind === 'sync') emitter.emit('sync', event.batch);
    else if (event.kind === 'debug') console.info(`edgereco: ${event.message}`);
    else emitter.emit(event.kind, deserializeError(event.error));
  });
  // The worker checks the options; the page only makes URLs absolute (relative to itself) and leaves out workerUrl.
  const { workerUrl: _, ...given } = options;
  const init: EngineInit = { options: given, tabId, optedOut: consent.isOptedOut };
  for (const key of URL_OPTIONS) if (typeof given[key] === 'string') given[key] = new URL(given[key], globalThis.location?.href).href;
  // Storage must not time out (a slow disk is not a failure); only a dead worker ends the wait.
  const engineReady = worker.call('init', (api) => api.init(init, notify), Infinity);
  let started = false;
  // A bad option is found by the worker (the page only checks what it uses): every call rejects with it, and it is
  // emitted once. A dead worker was already emitted by the WorkerClient.
  engineReady.then(
    (info) => {
      started = true;
      emitter.emit('ready', info);
    },
    (error: EdgeRecoError) => error.code === 'INVALID_OPTION' && emitter.emit('error', error),
  );
  const tracker = new Tracker(consent, rescue, (envelopes) => worker.call('track', (api) => api.ingest(envelopes), Infinity));

  const guard = (): void => {
    if (closed) throw createPageError('CLOSED', {});
  };
  /** An engine call that sees every event tracked before it (the batch is handed over first; messages stay ordered). */
  const ask = async <T>(name: string, fn: Parameters<WorkerClient['call']>[1]): Promise<T> => {
    guard();
    tracker.flush();
    // Sent at once, after init (messages keep their order): each call waits in the worker for what it needs (a repeat
    // page view's suggest() does not wait for the model), with no time limit until the engine is ready; a bad option
    // rejects it there.
    return worker.call(name, fn, started ? undefined : Infinity) as Promise<T>;
  };

  return {
    track: (event) => tracker.track(event),
    recommend: (options = {}) => ask('recommend', (api) => api.recommend(options)),
    related: (itemId, options = {}) => ask('related', (api) => api.related(itemId, options)),
    frequentlyBoughtTogether: (itemIds, options = {}) => ask('frequentlyBoughtTogether', (api) => api.frequentlyBoughtTogether(itemIds, options)),
    search: async (query, options = {}) => {
      const { hits, ...rest } = await ask<SearchResponse>('search', (api) => api.search(query, options));
      return Object.assign(hits, rest);
    },
    suggest: (prefix) => ask('suggest', (api) => api.suggest(prefix)),
    rerank: (itemIds, options = {}) => ask('rerank', (api) => api.rerank(itemIds, options)),
    updateCatalog: (update) => ask('updateCatalog', (api) => api.updateCatalog(update)),
    explain: (itemId) => ask('explain', (api) => api.explain(itemId)),
    async forget() {
      tracker.dropPending();
      await tracker.settle();
      rescue.clearAll();
      await ask('forget', (api) => api.forget());
    },
    async optOut() {
      consent.set(true);
      tracker.dropPending();
      await tellWorker(true);
    },
    async optIn() {
      consent.set(false);
      await tellWorker(false);
    },
    isOptedOut: () => consent.isOptedOut,
    async exportData() {
      await tracker.settle();
      const data = await ask<Omit<ExportedData, 'optedOut'>>('exportData', (api) => api.exportData());
      return { ...data, optedOut: consent.isOptedOut };
    },
    privacy: () => ask<PrivacyStatus>('privacy', (api) => api.privacy()),
    async syncNow() {
      await tracker.settle();
      return ask<SyncSummary>('syncNow', (api) => api.syncNow());
    },
    on: (name, handler) => emitter.on(name, handler),
    async close() {
      if (closed) return;
      await tracker.settle();
      closed = true;
      tracker.close();
      await worker.call('close', (api) => api.close()).catch(() => {});
      worker.terminate();
    },
  };
}
