import type { CatalogItem } from './catalog.js';
import type { SearchSettings } from './search-types.js';
import { createPageError, type EdgeRecoError } from './errors.js';
import { checkExperiments, type Experiment } from './experiments.js';

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
  /**
   * How long a call to the worker may take before it rejects with `TIMEOUT`. Default 10,000 ms. Counted once the
   * engine is ready (the `ready` event): a call made while the catalog or the model still loads waits for them.
   */
  timeoutMs?: number;
  /** URL of a model bundle's `manifest.json` (made by `edgereco train`). Default: none (the baseline ranks). */
  modelUrl?: string;
  /**
   * Where the model runs. `"auto"`: WASM, unless a steady-state measurement (in the background, after the first
   * answer, on a hardware GPU adapter) finds WebGPU at least 25% faster; the decision is remembered per device and
   * model (IndexedDB) and measured again every 30 days; CPU only when neither works. A named backend is used when it
   * works, the others are its fallback. Default `"auto"`.
   */
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
  /**
   * Pay for each report with a Privacy Pass token from the gateway's issuer (the gateway's `tokens` section must be
   * on). The worker gets a few tokens at a time while the shopper is active and keeps them in IndexedDB; the issuer
   * cannot link a token it gave to the report it later pays for. Default `false`.
   */
  syncTokens?: boolean;
  /**
   * An Oblivious HTTP relay (RFC 9458) to send reports through, e.g. `https://relay.example/` (the gateway package's
   * `edgereco-gateway relay`, or any RFC 9458 relay service run by another party). Each request is encrypted to the
   * gateway's key (`syncKeysUrl`) and posted to the relay: the relay sees the browser's address but not the reports,
   * the gateway the reports but not the address. Reports then leave at a random time within the day after they are
   * built, not when the shopper visits. Without it, the guarantee is the local ε alone. Default: none.
   */
  syncRelayUrl?: string;
  /**
   * Where the gateway's OHTTP key configuration (`application/ohttp-keys`) is fetched, once an hour at most. Default:
   * `<syncRelayUrl>/ohttp-keys` (served by edgereco's relay); with another relay service, serve the gateway's
   * `/ohttp-keys` from your CDN (not from the gateway itself, which would then see the browser's address).
   */
  syncKeysUrl?: string;
  /**
   * ε of one report: must equal the gateway's `privacy.epsilon` (other reports are refused). A browser sends two
   * reports a day, so it spends at most twice this per day. With a relay the store may choose a larger ε (the
   * central ε the priors bundle states is then what protects the shopper); see docs/privacy.md. Default 2.
   */
  syncEpsilon?: number;
  /** URL of the store's priors bundle (trending items, bought-together pairs, popular queries). Default: none. */
  priorsUrl?: string;
  /** Business rules applied to every list (boosts, at most N per brand or category). Default: none. */
  rules?: BusinessRules;
  /**
   * Search settings: the catalog's language, a dictionary of words to keep whole, synonyms, merchandising pins, price
   * ranges, automatic correction, pinyin completion. Checked in the worker: a bad one rejects `search()` and
   * `suggest()` with `INVALID_OPTION` and emits an `error` event. Default: none.
   */
  search?: SearchSettings;
  /**
   * A/B experiments run on the device: `[{ id, arms: [{ name, weight, recommender, rules }], control,
   * attributionHours, revenueBuckets }]` (see `Experiment`). Each shopper's browser draws an arm once per experiment,
   * shows that arm's lists and, with sync on, reports each day's outcome privatized, the arm inside the scrambled
   * value, never as an id. Default: the priors bundle's experiments, if it has any; else none.
   */
  experiments?: Experiment[];
  /**
   * Logs the life cycle to the console with an `edgereco:` prefix (`console.info`): the worker up, the model's backend
   * and why (timings, what was skipped), catalog items indexed and skipped, the model loaded (URL, items, ms), sync
   * passes (what was built, when the next is due, sent, accepted, rejected). Failures are `error` / `warning` events
   * either way. Default `false`.
   */
  debug?: boolean;
}

/** A store's rules for every list: boosts and diversity caps. Filters and "exclude purchased" are per call. */
export interface BusinessRules {
  /** Multiplies the score of matching items, e.g. `{ brand: 'Acme', factor: 1.5 }` or a category prefix. */
  boosts?: { brand?: string; category?: string; itemIds?: string[]; factor: number }[];
  /** At most this many results of one brand in a list. */
  maxPerBrand?: number;
  /** At most this many results of one category (the full category path) in a list. */
  maxPerCategory?: number;
}

/** Options given as URLs: the page makes them absolute (relative to itself) before the worker sees them. */
export const URL_OPTIONS = ['catalogUrl', 'modelUrl', 'syncUrl', 'syncRelayUrl', 'syncKeysUrl', 'priorsUrl'] as const;

const OPTIONAL = ['catalog', 'catalogUrl', 'workerUrl', 'modelUrl', 'syncUrl', 'syncKey', 'syncTopic', 'syncTokens', 'syncRelayUrl', 'syncKeysUrl', 'syncEpsilon', 'priorsUrl', 'search', 'experiments'] as const;
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
  rules: {},
  debug: false,
} as const satisfies Partial<ResolvedOptions>;

/** Every option: those with a default and those without (one list each, so a new option cannot be missed here). */
const KNOWN: readonly string[] = [...Object.keys(DEFAULT_OPTIONS), ...OPTIONAL];
const BACKEND_CHOICES = ['auto', 'webgpu', 'wasm', 'cpu'];

function bad(name: string, requirement: string, value: unknown): EdgeRecoError {
  const field = name === '' ? 'options' : `options.${name}`;
  return createPageError('INVALID_OPTION', { field, requirement, got: value }, { details: { field } });
}

function positiveInt(value: unknown, name: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) throw bad(name, `must be an integer from 1 to ${max}`, value);
  return value;
}

/** Checks options and fills in the defaults; throws `INVALID_OPTION` naming the bad option. */
export function resolveOptions(options: RecommenderOptions = {}): ResolvedOptions {
  const { storeId, timeoutMs } = checkPageOptions(options);
  const storage = options.storage ?? DEFAULT_OPTIONS.storage;
  if (storage !== 'indexeddb' && storage !== 'memory') throw bad('storage', 'must be "indexeddb" or "memory"', storage);
  for (const key of [...URL_OPTIONS, 'syncKey', 'syncTopic'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'string') throw bad(key, 'must be a URL string', options[key]);
  }
  if (options.syncEpsilon !== undefined && !(typeof options.syncEpsilon === 'number' && options.syncEpsilon >= 0.1 && options.syncEpsilon <= 10)) throw bad('syncEpsilon', 'must be a number from 0.1 to 10 (the gateway\'s privacy.epsilon)', options.syncEpsilon);
  const backend = options.backend ?? DEFAULT_OPTIONS.backend;
  if (!BACKEND_CHOICES.includes(backend)) throw bad('backend', `must be one of ${BACKEND_CHOICES.join(', ')}`, backend);
  const resolved: ResolvedOptions = {
    storeId,
    storage,
    backend,
    maxEvents: positiveInt(options.maxEvents ?? DEFAULT_OPTIONS.maxEvents, 'maxEvents', 1_000_000),
    maxAgeDays: positiveInt(options.maxAgeDays ?? DEFAULT_OPTIONS.maxAgeDays, 'maxAgeDays', 3650),
    batchSize: positiveInt(options.batchSize ?? DEFAULT_OPTIONS.batchSize, 'batchSize', 100_000),
    timeoutMs,
    rules: checkRules(options.rules ?? DEFAULT_OPTIONS.rules),
    debug: options.debug ?? DEFAULT_OPTIONS.debug,
  };
  if (typeof resolved.debug !== 'boolean') throw bad('debug', 'must be true or false', resolved.debug);
  if (options.syncTokens !== undefined && typeof options.syncTokens !== 'boolean') throw bad('syncTokens', 'must be true or false', options.syncTokens);
  for (const key of OPTIONAL) if (options[key] !== undefined) (resolved as Record<string, unknown>)[key] = options[key];
  if (options.experiments !== undefined) resolved.experiments = checkExperiments(options.experiments);
  return resolved;
}

/** Checks business rules; `name` is the option's path after `options.` (an experiment arm's rules have their own). */
export function checkRules(rules: unknown, name = 'rules'): BusinessRules {
  if (typeof rules !== 'object' || rules === null || Array.isArray(rules)) throw bad(name, 'must be an object { boosts, maxPerBrand, maxPerCategory }', rules);
  const r = rules as BusinessRules;
  for (const key of ['maxPerBrand', 'maxPerCategory'] as const) if (r[key] !== undefined) positiveInt(r[key], `${name}.${key}`, 1000);
  if (r.boosts !== undefined) {
    if (!Array.isArray(r.boosts)) throw bad(`${name}.boosts`, 'must be an array of { brand | category | itemIds, factor }', r.boosts);
    r.boosts.forEach((b, i) => {
      if (typeof b?.factor !== 'number' || !Number.isFinite(b.factor) || b.factor <= 0) throw bad(`${name}.boosts[${i}].factor`, 'must be a number > 0', b?.factor);
    });
  }
  return r;
}

/**
 * The page's share of option checking, kept small for the loader: the shape, unknown names (typos), and what the page
 * itself uses. Everything else is checked by {@link resolveOptions} in the worker, which rejects a bad option with
 * `INVALID_OPTION` on every call and as an `error` event.
 */
export function checkPageOptions(options: RecommenderOptions = {}): { storeId: string; timeoutMs: number } {
  if (typeof options !== 'object' || options === null) throw bad('', 'must be an object', options);
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw bad(key, `is not an option (known: ${KNOWN.join(', ')})`, (options as Record<string, unknown>)[key]);
  }
  const storeId = options.storeId ?? DEFAULT_OPTIONS.storeId;
  if (typeof storeId !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(storeId)) throw bad('storeId', 'must be 1 to 64 letters, digits, "_", "." or "-"', storeId);
  return { storeId, timeoutMs: positiveInt(options.timeoutMs ?? DEFAULT_OPTIONS.timeoutMs, 'timeoutMs', 600_000) };
}

/** The IndexedDB database that holds a store's data. */
export function databaseName(storeId: string): string {
  return `edgereco-${storeId}`;
}

/** The prefix of every Cache Storage cache a store's SDK creates (model bundles, priors). */
export function cachePrefix(storeId: string): string {
  return `edgereco-${storeId}`;
}
