import type { CatalogItem } from './catalog.js';
import { EdgeRecoError, ERROR_CODES, describeValue } from './errors.js';

/** Options of `createRecommender()`. Every option is optional; the default is given on each. */
export interface RecommenderOptions {
  /** Names this store's data on the device (database, caches, cross-tab channel). Default `"default"`. */
  storeId?: string;
  /** The catalog as an array (small stores). Default: none. */
  catalog?: CatalogItem[];
  /** URL of the catalog as a JSON array, fetched by the worker (keeps large catalogs off the main thread). Default: none. */
  catalogUrl?: string;
  /** Most events kept on the device; the oldest are evicted first. Default 5,000. */
  maxEvents?: number;
  /** Events older than this many days are evicted. Default 90. */
  maxAgeDays?: number;
  /** Most events written in one IndexedDB transaction. Default 500. */
  batchSize?: number;
  /** `"indexeddb"` (durable; falls back to memory with a warning when unavailable) or `"memory"`. Default `"indexeddb"`. */
  storage?: 'indexeddb' | 'memory';
  /** URL of `edgereco.worker.js`. Default: next to the SDK's own script. */
  workerUrl?: string | URL;
  /** How long a call to the worker may take before it rejects with `TIMEOUT`. Default 10,000 ms. */
  timeoutMs?: number;
  /** URL of a model bundle's `manifest.json` (made by `edgereco train`). Default: none (the baseline ranks). */
  modelUrl?: string;
  /** Where the model runs: `"auto"` measures WebGPU, WASM and CPU and takes the fastest. Default `"auto"`. */
  backend?: 'auto' | 'webgpu' | 'wasm' | 'cpu';
  /**
   * Base URL of the sync gateway (or a Confluent REST Proxy) that privatized reports go to, e.g.
   * `https://ingest.shop.example`. Default: none, and nothing is ever sent. Needs `syncKey`.
   */
  syncUrl?: string;
  /** The store's publishable key for the gateway (not a secret). Default: none; required with `syncUrl`. */
  syncKey?: string;
  /**
   * The Kafka topic reports are produced to. Default `"edgereco-reports"`. (The worker checks `syncKey` and
   * `syncTopic`, to keep the page's loader small: a bad one emits an `INVALID_OPTION` error and sync stays off.)
   */
  syncTopic?: string;
}

const OPTIONAL = ['catalog', 'catalogUrl', 'workerUrl', 'modelUrl', 'syncUrl', 'syncKey', 'syncTopic'] as const;
type Optional = (typeof OPTIONAL)[number];
export type ResolvedOptions = Required<Omit<RecommenderOptions, Optional>> & Pick<RecommenderOptions, Optional>;

export const DEFAULT_OPTIONS = {
  storeId: 'default',
  maxEvents: 5_000,
  maxAgeDays: 90,
  batchSize: 500,
  storage: 'indexeddb',
  timeoutMs: 10_000,
  backend: 'auto',
} as const satisfies Partial<ResolvedOptions>;

const KNOWN = new Set(['storeId', 'catalog', 'catalogUrl', 'maxEvents', 'maxAgeDays', 'batchSize', 'storage', 'workerUrl', 'timeoutMs', 'modelUrl', 'backend', 'syncUrl', 'syncKey', 'syncTopic']);
const BACKEND_CHOICES = ['auto', 'webgpu', 'wasm', 'cpu'];

function bad(name: string, requirement: string, value: unknown): EdgeRecoError {
  return new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: options.${name} ${requirement} (got ${describeValue(value)})`, {
    details: { field: `options.${name}` },
  });
}

function positiveInt(value: unknown, name: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) throw bad(name, `must be an integer from 1 to ${max}`, value);
  return value;
}

/** Checks options and fills in the defaults; throws `INVALID_OPTION` naming the bad option. */
export function resolveOptions(options: RecommenderOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw bad('', 'must be an object', options);
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw bad(key, `is not an option (known: ${[...KNOWN].join(', ')})`, (options as Record<string, unknown>)[key]);
  }
  const storeId = options.storeId ?? DEFAULT_OPTIONS.storeId;
  if (typeof storeId !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(storeId)) throw bad('storeId', 'must be 1 to 64 letters, digits, "_", "." or "-"', storeId);
  const storage = options.storage ?? DEFAULT_OPTIONS.storage;
  if (storage !== 'indexeddb' && storage !== 'memory') throw bad('storage', 'must be "indexeddb" or "memory"', storage);
  for (const key of ['catalogUrl', 'modelUrl', 'syncUrl', 'syncKey', 'syncTopic'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'string') throw bad(key, 'must be a URL string', options[key]);
  }
  const backend = options.backend ?? DEFAULT_OPTIONS.backend;
  if (!BACKEND_CHOICES.includes(backend)) throw bad('backend', `must be one of ${BACKEND_CHOICES.join(', ')}`, backend);
  const resolved: ResolvedOptions = {
    storeId,
    storage,
    backend,
    maxEvents: positiveInt(options.maxEvents ?? DEFAULT_OPTIONS.maxEvents, 'maxEvents', 1_000_000),
    maxAgeDays: positiveInt(options.maxAgeDays ?? DEFAULT_OPTIONS.maxAgeDays, 'maxAgeDays', 3650),
    batchSize: positiveInt(options.batchSize ?? DEFAULT_OPTIONS.batchSize, 'batchSize', 100_000),
    timeoutMs: positiveInt(options.timeoutMs ?? DEFAULT_OPTIONS.timeoutMs, 'timeoutMs', 600_000),
  };
  for (const key of OPTIONAL) if (options[key] !== undefined) (resolved as Record<string, unknown>)[key] = options[key];
  return resolved;
}

/** The IndexedDB database that holds a store's data. */
export function databaseName(storeId: string): string {
  return `edgereco-${storeId}`;
}

/** The prefix of every Cache Storage cache a store's SDK creates (model bundles, priors). */
export function cachePrefix(storeId: string): string {
  return `edgereco-${storeId}`;
}
