import type { CatalogItem } from './catalog.js';
import type { SerializedError } from './errors.js';
import type { BehaviourEvent } from './events.js';
import type { Explanation } from './explanation.js';
import type { RerankOptions, SearchOptions, Suggestion } from './search-types.js';
import type { TrackEnvelope } from './track-envelope.js';
import type { Recommendation, RecommendOptions, RelatedOptions } from './recommendation.js';

/** What the page sends the worker when it starts. */
export interface EngineInit {
  storeId: string;
  /** Random id of this tab, to tell its own cross-tab messages apart. */
  tabId: string;
  storage: 'indexeddb' | 'memory';
  maxEvents: number;
  maxAgeDays: number;
  batchSize: number;
  catalog?: CatalogItem[];
  /** Absolute URL of a catalog JSON array, fetched by the worker. */
  catalogUrl?: string;
  /** Absolute URL of a model bundle's manifest.json. */
  modelUrl?: string;
  backend: 'auto' | 'webgpu' | 'wasm' | 'cpu';
}

export interface EngineInfo {
  historySize: number;
  catalogSize: number;
  storage: 'indexeddb' | 'memory';
  recommender: 'baseline' | 'model';
  /** The TensorFlow.js backend the model runs on, when a model is loaded. */
  backend?: string;
}

/** The model's backend was chosen, or changed after a failure (`reason`). Timings are the probe's median, in ms. */
export interface BackendInfo {
  backend: string;
  timings: Record<string, number>;
  skipped: Record<string, string>;
  reason?: string;
}

/** Everything the SDK stores about the shopper, as `exportData()` returns it. */
export interface ExportedData {
  format: 'edgereco-export';
  version: 1;
  storeId: string;
  exportedAt: string;
  storage: 'indexeddb' | 'memory';
  optedOut: boolean;
  events: BehaviourEvent[];
}

/** How the worker reports background events to the page, which emits them (`warning`, `error`, `backend`). */
export type EngineNotify = (event: { kind: 'warning' | 'error'; error: SerializedError } | { kind: 'backend'; info: BackendInfo }) => void;

/**
 * The worker's API, the one interface both sides of the comlink boundary use. Every method may reject with an
 * `EdgeRecoError`; its `code` survives the boundary.
 */
export interface EngineApi {
  init(init: EngineInit, notify: EngineNotify): Promise<EngineInfo>;
  /**
   * Validates this tab's new events; the valid ones are in the history at once (a later call sees them) and the answer
   * comes once they are durable: one entry per envelope, null when stored, else the validation error.
   */
  ingest(envelopes: TrackEnvelope[]): Promise<(SerializedError | null)[]>;
  recommend(options: RecommendOptions): Promise<Recommendation[]>;
  related(itemId: string, options: RelatedOptions): Promise<Recommendation[]>;
  frequentlyBoughtTogether(itemIds: string[], options: RelatedOptions): Promise<Recommendation[]>;
  search(query: string, options: SearchOptions): Promise<Recommendation[]>;
  suggest(prefix: string): Promise<Suggestion[]>;
  rerank(itemIds: string[], options: RerankOptions): Promise<Recommendation[]>;
  explain(itemId: string): Promise<Explanation>;
  exportData(): Promise<Omit<ExportedData, 'optedOut'>>;
  /** Deletes the store's databases and caches and the in-memory history, here and in the store's other tabs. */
  forget(): Promise<void>;
  close(): void;
}
