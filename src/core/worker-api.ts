import type { PrivacyStatus } from './privacy-status.js';
import type { CatalogItem, CatalogUpdate } from './catalog.js';
import type { BusinessRules, RecommenderOptions } from './config.js';
import type { SerializedError } from './errors.js';
import type { BehaviourEvent } from './events.js';
import type { AggregateReport } from './ldp/aggregate-report.js';
import type { PrivacyBudgetPolicy, PrivacyBudgetState } from './ldp/privacy-budget.js';
import type { Explanation } from './explanation.js';
import type { RerankOptions, SearchOptions, SearchResponse, SearchSettings, Suggestion } from './search-types.js';
import type { TrackEnvelope } from './track-envelope.js';
import type { Recommendation, RecommendOptions, RelatedOptions } from './recommendation.js';
import type { Experiment } from './experiments.js';

/** What the page sends the worker when it starts. */
/** What the page sends the worker at start: the options as given (URLs made absolute), checked by the worker. */
export interface EngineInit {
  options: RecommenderOptions;
  /** Random id of this tab, to tell its own cross-tab messages apart. */
  tabId: string;
  /** The shopper's consent as the page knows it at start; changes arrive through `setConsent`. */
  optedOut: boolean;
}

/** The engine's settings, resolved in the worker from {@link EngineInit} (`engineSettings`). */
export interface EngineSettings {
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
  /** Absolute URL of the store's priors bundle (what many shoppers did, privatized). */
  priorsUrl?: string;
  /** The store's business rules for every list. */
  rules: BusinessRules;
  /**
   * Where privatized reports go (absolute gateway URL, key, topic as given; the worker checks them), through which
   * OHTTP relay and key configuration, at which ε per report, and whether each report is paid with a Privacy Pass
   * token; absent: no sync.
   */
  sync?: { url: string; key?: string | undefined; topic?: string | undefined; relayUrl?: string | undefined; keysUrl?: string | undefined; epsilon?: number | undefined; tokens?: boolean };
  /** The shopper's consent as the page knows it at start; changes arrive through `setConsent`. */
  optedOut: boolean;
  /** Log the life cycle to the console (`options.debug`). */
  debug: boolean;
  /** The store's search settings as given (checked when the index is built). */
  search?: SearchSettings;
  /** The store's experiments (checked); absent: the priors bundle's, if any. */
  experiments?: Experiment[];
}

/** What the SDK has queued and sent of privatized reports, and the privacy budget spent (in `exportData()`). */
export interface SyncExport {
  /** ε per report and per UTC day this SDK spends at most. */
  policy: PrivacyBudgetPolicy;
  /** The budget spent so far (null: nothing yet). */
  budget: PrivacyBudgetState | null;
  /** Reports built and not yet confirmed by the gateway, exactly as they will be sent. */
  pending: AggregateReport[];
  /** With a relay: the pending reports that wait for their random send time (ISO, UTC), by report id. */
  waiting: { id: string; notBefore: string }[];
  /** Reports the gateway confirmed (the most recent 200), with the UTC day of confirmation. */
  sent: { report: AggregateReport; sentDay: string }[];
  /**
   * The secure mode (when the store's priors name a task): the last day whose report was built, and the report that
   * waits to leave (its day and when it may leave; its content is two encrypted halves, not readable here).
   */
  secure?: { reportedThrough: string | null; pending: { period: string; notBefore: string } | null };
}

/**
 * What `syncNow()` did. `status`: `done` (built and/or sent what there was), `offline` or `retry` (the reports wait in
 * the outbox), `busy` (another tab of the store is sending), `opted-out`.
 */
export interface SyncSummary {
  status: 'done' | 'offline' | 'retry' | 'busy' | 'opted-out';
  /** The UTC day whose reports this call built (today, or the latest finished day), or null when it built none. */
  period: string | null;
  /** Reports this call built into the outbox. */
  built: number;
  /** Reports in the requests made (this call's and any still pending from before). */
  sent: number;
  /** Reports the gateway accepted (2xx). */
  accepted: number;
  /** Reports the gateway refused (4xx); dropped, and a `SYNC_REJECTED` error event says why. */
  rejected: number;
  /** Reports still in the outbox. */
  pending: number;
  /** ε this call spent (0 when today's budget was spent already). */
  epsilonSpent: number;
  /** ε left of today's budget. */
  epsilonLeftToday: number;
  /** The summary in words, e.g. why nothing was sent. */
  message: string;
}

/** A batch of reports the gateway accepted (the `sync` event). */
export interface SyncBatch {
  accepted: number;
  /** The UTC days the reports are about. */
  periods: string[];
  /** The produce URL they were sent to. */
  url: string;
}

export interface EngineInfo {
  historySize: number;
  catalogSize: number;
  storage: 'indexeddb' | 'memory';
  recommender: 'baseline' | 'model';
  /** The TensorFlow.js backend the model runs on, when a model is loaded. */
  backend?: string;
}

/**
 * The model's backend was chosen (`why`: the store's preference, WASM by default, or a remembered steady-state
 * measurement), or changed (`reason`: a failure, or a steady-state measurement that found another one faster).
 * Timings are medians in ms: the start-up probe's, or the steady state's when that moved it.
 */
export interface BackendInfo {
  backend: string;
  why: string;
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
  /** What was sent and what waits to be sent; null when the data is in memory only (sync needs IndexedDB). */
  sync: SyncExport | null;
  /** What protects the shopper: local ε, and the central ε the store's bundle states when reports go through a relay. */
  privacy: PrivacyStatus;
  /**
   * The shopper's arm in each running experiment and since when (UTC, ISO 8601); empty without experiments. Kept on the
   * device, never sent: outcome reports (`kind: "outcome"` in `sync`) carry it only inside the scrambled value.
   */
  experiments: { experiment: string; arm: string; since: string }[];
}

/** How the worker reports background events to the page, which emits them (`warning`, `error`, `backend`). */
export type EngineNotify = (
  event:
    | { kind: 'warning' | 'error'; error: SerializedError }
    | { kind: 'backend'; info: BackendInfo }
    /** The gateway accepted a batch of reports (the page's `sync` event). */
    | { kind: 'sync'; batch: SyncBatch }
    /** A life-cycle line for `options.debug`: the page logs it with `console.info`. */
    | { kind: 'debug'; message: string }
    /** The pending outbox as a ready-made beacon body (empty: nothing pending), for the page's `pagehide`. */
    | { kind: 'beacon'; url: string; body: string },
) => void;

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
  search(query: string, options: SearchOptions): Promise<SearchResponse>;
  suggest(prefix: string): Promise<Suggestion[]>;
  rerank(itemIds: string[], options: RerankOptions): Promise<Recommendation[]>;
  /** Applies a catalog change (no rebuild); resolves with the catalog's new size. */
  updateCatalog(update: CatalogUpdate): Promise<number>;
  explain(itemId: string): Promise<Explanation>;
  exportData(): Promise<Omit<ExportedData, 'optedOut'>>;
  /** The shopper's privacy status (see `PrivacyStatus`). */
  privacy(): Promise<PrivacyStatus>;
  /** The shopper opted out (true) or back in: opting out stops sync and empties the outbox. */
  setConsent(optedOut: boolean): Promise<void>;
  /** Reports today so far within the day's ε budget and sends the outbox now (see `SyncScheduler.syncNow`). */
  syncNow(): Promise<SyncSummary>;
  /** Deletes the store's databases and caches and the in-memory history, here and in the store's other tabs. */
  forget(): Promise<void>;
  close(): void;
}
