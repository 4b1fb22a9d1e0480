import { catalogProblems, checkCatalog, parseCatalogDocument, validateCatalog, type CatalogCheck, type CatalogUpdate } from '../core/catalog.js';
import { cachePrefix, databaseName } from '../core/config.js';
import { asEdgeRecoError, createError, ERROR_CODES, serializeError, type EdgeRecoError, type SerializedError } from '../core/errors.js';
import { validateEvent, type BehaviourEvent } from '../core/events.js';
import type { TrackEnvelope } from '../core/track-envelope.js';
import { randomId } from '../core/random-id.js';
import type { Recommendation, RecommendOptions, RelatedOptions } from '../core/recommendation.js';
import type { Explanation } from '../core/explanation.js';
import type { RerankOptions, SearchOptions, SearchResponse, SearchSettings, Suggestion } from '../core/search-types.js';
import type { BackendInfo, EngineApi, EngineInfo, EngineInit, EngineSettings, EngineNotify, ExportedData, SyncBatch, SyncSummary } from '../core/worker-api.js';
import { engineSettings } from './engine-settings.js';
import type { ModelRuntime } from '../model/model-runtime.js';
import type { BackendReport } from '../model/backend-select.js';
import { deleteStoreData } from '../storage/delete-store-data.js';
import { ResilientEventLog } from '../storage/resilient-event-log.js';
import { baselineRecommend, baselineRelated } from './baseline-recommender.js';
import { CatalogIndex } from './catalog-index.js';
import { CrossTab } from './cross-tab.js';
import { wasmFiles } from './wasm-files.js';
import { parseCatalogCsv } from '../core/catalog-csv.js';
import { applyRules } from './business-rules.js';
import { CatalogSearch, personalize, suggestFrom } from './catalog-search.js';
import { PriorsSource } from './priors-source.js';
import { privacyStatus, type PrivacyStatus } from '../core/privacy-status.js';
import { explainItem } from './explain-item.js';
import { History } from './history.js';
import { modelRecommend, shopperInput } from './model-recommender.js';
import { modelRelated } from './model-related.js';
import { boughtTogether } from './bought-together.js';
import { exportSync, startSync, type SyncParts } from './start-sync.js';
import { fetchFile, readJson, validatorOf } from './fetch-file.js';
import { newListAttributionId } from '../core/attribution-id.js';
import type { BusinessRules } from '../core/config.js';
import { ExperimentArms, type ArmSettings } from './experiment-arms.js';
import { armEvidence, checkStoreList, storeListFor, withArms } from './arm-lists.js';
import { checkTiers, type CatalogTiers } from '../core/catalog-tiers.js';
import { TailShards } from './tail-shards.js';
import { readWarm, writeWarm, type WarmPlace } from './warm-start.js';
import { nextTask } from '../core/next-task.js';
import type { QuickCompletions, SearchSuggestSnapshot } from '../search/search-index.js';

const MAX_K = 200;
/** The catalog as read: its rows checked, its HTTP validator (for warm-start.ts), a tiered catalog's tiers. */
type LoadedCatalog = CatalogCheck & { validator?: string | null; tiers?: CatalogTiers; restored?: boolean };

/** Whether this engine sends the secure mode's reports: sync runs and the store's priors name a task (start-sync.ts). */
function secureOn({ sync, priors }: Pick<Started, 'sync' | 'priors'>): boolean {
  return sync.scheduler !== null && priors?.bundle.secureTask !== undefined;
}

/** How long TensorFlow.js waits for the model's first answer at most (see startModel). */
const ACCELERATE_AFTER_MS = 1000;

/** How long the full search index waits for the model's start-up at most (see start()). */
const SEARCH_GATE_MS = 2000;

/** How many of the shopper's latest items a tiered catalog's tail shards are loaded for. */
const TAIL_HISTORY = 50;

function checkK(k: unknown): number {
  const value = k ?? 10;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_K) {
    throw createError(ERROR_CODES.INVALID_OPTION, { field: 'options.k', requirement: `must be an integer from 1 to ${MAX_K}`, got: value });
  }
  return value;
}

interface Started {
  init: EngineSettings;
  log: ResilientEventLog;
  crossTab: CrossTab;
  /** The click model, or null (none configured, or it failed to load: the baseline ranks then). */
  model: Promise<ModelRuntime | null>;
  /** The catalog's search index, built in the background once the catalog is in. */
  search: Promise<CatalogSearch>;
  /** The outbox of privatized reports and the sync scheduler (see start-sync.ts). */
  sync: SyncParts;
  /** The store's priors (trending, bought together, popular queries), or null. */
  priors: PriorsSource | null;
  /** Why the catalog-based calls reject: a catalog was given but not one row of it is valid (`INVALID_DATA`). */
  catalogError: EdgeRecoError | null;
  /** The shopper's arms in the store's experiments (none: every list as without experiments). */
  arms: ExperimentArms;
  /** The catalog response's ETag (else Last-Modified) as loaded: a running shared engine compares it (see rejoin). */
  catalogValidator: string | null;
}

/** What a page sends a shared engine as it goes (pagehide), outside comlink's calls (src/index.ts, worker.ts). */
export const LEAVE = 'edgereco:leave';

/** The most pages a shared engine reports to: a page that went without saying so is dropped, oldest first. */
const MAX_PAGES = 16;

/** A life-cycle line for `options.debug` (nothing when it is off). */
type Log = (message: string) => void;

const ms = (start: number): string => `${Math.round(performance.now() - start)} ms`;
const listed = (record: Record<string, unknown>): string => Object.entries(record).map(([k, v]) => `${k} ${typeof v === 'number' ? `${v.toFixed(2)} ms` : String(v)}`).join(', ') || 'none';

/** Each running model's manifest validator as loaded (see `loadBundle`): a joining page's check compares it first. */
const manifestValidators = new WeakMap<ModelRuntime, string | null>();

/**
 * The model runtime and TensorFlow.js load only when a store configures a model. With `backend: 'auto'` the device
 * and the remembered decision are read while the bundle downloads (see backend-choice.ts).
 */
async function startModel(init: EngineSettings, dbName: string | null, notify: EngineNotify, log: Log, warn: (error: unknown) => void, after: Promise<void>, slow: (error: unknown) => void): Promise<ModelRuntime | null> {
  if (!init.modelUrl) return null;
  // The code is fetched at once (its modules come one after another, ~100 ms on a repeat view), run after `after`.
  const code = Promise.all([import('./model-loader.js'), import('../model/model-runtime.js'), import('./backend-choice.js')]);
  await after;
  const start = performance.now();
  const [{ loadBundle }, { ModelRuntime }, { BackendChoice }] = await code;
  const [{ bundle, downloaded, validator }, choice] = await Promise.all([loadBundle(init.modelUrl, `${cachePrefix(init.storeId)}-models`), BackendChoice.start(init.backend, dbName, log, warn)]);
  log(`model bundle read from ${init.modelUrl} in ${ms(start)} (${bundle.manifest.vocabulary.length} items; ${downloaded.length === 0 ? 'all from the cache' : `downloaded ${downloaded.join(', ')}`})`);
  const model = bundle.manifest.checksums[bundle.manifest.weightsFile] ?? init.modelUrl;
  const plan = choice.plan(model);
  let first: BackendReport | undefined;
  // It answers at once in plain loops; TensorFlow.js and the backend come behind the first answers (the `ready` event
  // waits for them).
  const runtime = ModelRuntime.plain(bundle, {
    preference: init.backend,
    order: plan.order,
    why: plan.why,
    wasmPath: wasmFiles(),
    onBackend: (report, reason) => {
      first ??= report;
      log(`model backend ${report.backend} (${reason ?? report.why}; probe timings: ${listed(report.timings)}; skipped: ${listed(report.skipped)})`);
      notify({ kind: 'backend', info: { ...report, ...(reason ? { reason } : {}) } as BackendInfo });
    },
  });
  manifestValidators.set(runtime, validator);
  log(`model ready from ${init.modelUrl}: ${runtime.vocabulary.length} items, scoring in plain loops until a backend is chosen, ${ms(start)}`);
  // TensorFlow.js's code takes the worker's one thread for a while: loaded after the first answer (or 1 s).
  const accelerated = Promise.race([runtime.scored, new Promise((resolve) => setTimeout(resolve, ACCELERATE_AFTER_MS))]).then(() => runtime.accelerate());
  void accelerated.then(
    () => {
      log(`model loaded from ${init.modelUrl}: ${runtime.vocabulary.length} items on ${runtime.backend} in ${ms(start)}`);
      if (first) choice.follow(runtime, first, plan, model);
    },
    (error: unknown) => slow(error),
  );
  return runtime;
}

/**
 * The engine behind the worker boundary: it stores the page's events (one transaction per batch), holds the shopper's
 * history and the catalog in memory, and answers the recommenders.
 */
export class Engine implements EngineApi {
  private history = new History(5_000);
  private catalog = new CatalogIndex();
  private started: Promise<Started> | null = null;
  /** Each started engine's restart, once one was needed (see restart). */
  private readonly restarts = new WeakMap<Started, Promise<Started>>();
  /** The calls under way on each started engine (see hold). */
  private readonly underWay = new WeakMap<Started, Set<Promise<void>>>();
  /** The shopper's consent as this worker last heard it (null: as at start). */
  private optedOut: boolean | null = null;
  private arms: ExperimentArms | null = null;
  /** A repeat page view's completions, ready before the catalog and the index (null: none kept, or not started). */
  private quick: Promise<{ complete: QuickCompletions; priors: PriorsSource | null } | null> | null = null;
  /** Whether the full search index is built (the quick completions are not used after that). */
  private searchBuilt = false;

  /**
   * The pages the engine reports to, by connection: one for a dedicated worker; every page of the store that
   * connected to a shared one (worker.ts), which joins and leaves as pages come and go.
   */
  private readonly pages = new Map<object, EngineNotify>();
  /** The warnings and errors so far (the latest 20), for a page that connects to a shared engine after them. */
  private readonly reported: Parameters<EngineNotify>[0][] = [];
  /** The latest backend report, for a page that joins later. */
  private backendEvent: Parameters<EngineNotify>[0] | null = null;
  private readonly notifyAll: EngineNotify = (event) => {
    if ((event.kind === 'warning' || event.kind === 'error') && this.reported.push(event) > 20) this.reported.shift();
    if (event.kind === 'backend') this.backendEvent = event;
    for (const notify of this.pages.values()) void Promise.resolve(notify(event)).catch(() => {});
  };

  /** `shared`: one engine for every page that connects to this worker (a SharedWorker): close() only lets a page go. */
  constructor(private readonly shared = false) {}

  /** A page connected to a shared engine goes away: nothing more is reported to it. */
  leave(page: object): void {
    this.pages.delete(page);
  }

  init(init: EngineInit, notify: EngineNotify, page: object = this): Promise<EngineInfo> {
    this.pages.set(page, notify);
    if (this.pages.size > MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
    let confirmed = this.started;
    if (this.started) {
      // A page that joins a running shared engine hears what was reported before it came (the backend too) and is
      // answered by the running engine while it checks what a new page view would fetch again (see rejoin).
      for (const event of this.reported) void Promise.resolve(notify(event)).catch(() => {});
      if (this.backendEvent) void Promise.resolve(notify(this.backendEvent)).catch(() => {});
      ({ calls: this.started, confirmed } = this.rejoin(this.started));
    }
    if (!this.started) {
      try {
        confirmed = this.started = this.start(engineSettings(init), this.notifyAll);
      } catch (error) {
        // A bad option: every later call rejects with it too (the page sends them without waiting for init).
        this.started = Promise.reject(error);
        this.started.catch(() => {});
        throw error;
      }
    }
    // The page's `ready`: the engine it ends up with (after a joining page's checks), its model on its backend.
    return confirmed!.then(async ({ log, model, init: settings }) => {
      const runtime = await model;
      await runtime?.settled; // `ready` names the backend (a failure was a warning)
      const info = this.info(log, runtime);
      if (settings.debug) void Promise.resolve(notify({ kind: 'debug', message: `worker up: storage ${info.storage}, ${info.historySize} events in the history, ${info.catalogSize} catalog items, recommender ${info.recommender}${info.backend ? ` on ${info.backend}` : ''}` })).catch(() => {});
      return info;
    });
  }

  /**
   * Runs one of a page's calls to a shared engine (worker.ts calls every method through it), noted under the engine
   * it runs on, so that a restart (a joining page found a file changed) stops that engine only once its calls are done.
   */
  hold<T>(call: () => T): T {
    const on = this.started;
    const result = call();
    if (on && result instanceof Promise) {
      const done = result.then(
        () => {},
        () => {},
      );
      void on.then((started) => {
        let calls = this.underWay.get(started);
        if (!calls) this.underWay.set(started, (calls = new Set()));
        calls.add(done);
        void done.then(() => calls.delete(done));
      }, () => {});
    }
    return result;
  }

  private async start(init: EngineSettings, notify: EngineNotify): Promise<Started> {
    const report = (kind: 'warning' | 'error') => (error: EdgeRecoError) => void Promise.resolve(notify({ kind, error: serializeError(error) })).catch(() => {});
    const debug: Log = init.debug ? (message) => void Promise.resolve(notify({ kind: 'debug', message })).catch(() => {}) : () => {};
    const dbName = init.storage === 'memory' ? null : databaseName(init.storeId);
    const backendWarning = (error: unknown) => report('warning')(asEdgeRecoError(error, 'the model backend could not be measured or remembered', 'the model keeps its backend'));
    // A repeat page view of an unchanged catalog: suggest() answers from the completions the last page view kept
    // (warm-start.ts) once the history and the priors are in, without waiting for the catalog or the index. The
    // worker has one thread: the model's code and the catalog's text wait until the kept completions are read (or
    // found missing), a few tens of milliseconds.
    const catalogResponse = !init.catalog && init.catalogUrl ? this.fetchCatalog(init.catalogUrl) : null;
    const warm = catalogResponse && dbName ? { cacheName: `${cachePrefix(init.storeId)}-warm`, catalogUrl: init.catalogUrl!, settings: init.search } : null;
    const quick = warm ? this.quickSuggest(warm, catalogResponse!, init.search, debug) : Promise.resolve(null);
    const completionsFirst = quick.then(
      () => undefined,
      () => undefined,
    );
    const slow = (error: unknown) => report('warning')(asEdgeRecoError(error, 'no TensorFlow.js backend started here', 'the model scores in plain JavaScript, more slowly'));
    const model = startModel(init, dbName, notify, debug, backendWarning, completionsFirst, slow).catch((error: unknown) => {
      report('error')(asEdgeRecoError(error, 'the model could not be loaded', 'recommendations use the baseline'));
      debug('no model: recommendations come from the baseline (recent history, popularity)');
      return null;
    });
    const early = this.history.events();
    this.history = new History(init.maxEvents);
    this.history.add(early);
    const crossTab = new CrossTab(init.storeId, init.tabId, {
      events: (events) => this.history.add(events),
      reset: () => {
        this.history.clear();
        this.arms?.reset();
      },
      recent: (since) => this.history.since(since),
    });
    const retention = { maxEvents: init.maxEvents, maxAgeDays: init.maxAgeDays };
    const logged = ResilientEventLog.open(dbName, retention, report('warning'), report('error')).then(async (log) => {
      this.history.add(await log.readAll());
      return log;
    });
    const priorsLoaded = init.priorsUrl
      ? PriorsSource.load(init.priorsUrl, `${cachePrefix(init.storeId)}-priors`).catch((error: unknown) => {
          report('error')(asEdgeRecoError(error, 'the priors could not be loaded'));
          return null;
        })
      : Promise.resolve(null);
    // Without kept completions: the ones this page counts first, before the full index (see below).
    let counted!: (complete: QuickCompletions | null) => void;
    const countedCompletions = new Promise<QuickCompletions | null>((resolve) => (counted = resolve));
    this.quick = Promise.all([quick.then((restored) => restored?.complete ?? countedCompletions), priorsLoaded, logged]).then(
      ([complete, priors]) => (complete ? { complete, priors } : null),
      () => null,
    );
    try {
      const [log, checked, priors] = await Promise.all([
        logged,
        this.loadCatalog(init, catalogResponse, completionsFirst, warm, debug).catch((error: unknown): LoadedCatalog => {
          report('error')(asEdgeRecoError(error, 'the catalog could not be loaded', 'recommendations come from the history only'));
          return { items: [], skipped: [], total: 0 }; // recommendations still come from the history
        }),
        priorsLoaded,
      ]);
      const catalog = checked.items;
      const problems = catalogProblems(checked, init.catalogUrl ? `the catalog at ${init.catalogUrl}` : 'options.catalog');
      const catalogError = problems && catalog.length === 0 ? problems : null;
      if (problems) report(catalogError ? 'error' : 'warning')(problems);
      if (init.catalog || init.catalogUrl) debug(`catalog: ${catalog.length} items indexed, ${checked.skipped.length} skipped${checked.skipped.length ? ` (${checked.skipped[0]!.message.replace(/^edgereco: /, '')}${checked.skipped.length > 1 ? ', …' : ''})` : ''}`);
      // A tiered catalog: `catalog` is its head; the tail's shards come as calls name their items (tail-shards.ts).
      const tail = checked.tiers ? new TailShards(checked.tiers, init.catalogUrl!, report('warning')) : null;
      this.catalog = new CatalogIndex(catalog, priors?.popularity() ?? new Map(), tail);
      if (tail) {
        // The tail items' rows (made for this head bundle) become inputs of the model's state as their shards come.
        tail.onRows = (rows) =>
          void model.then((runtime) => {
            if (runtime && rows.weights === runtime.weightsChecksum && rows.width === runtime.rowWidth) runtime.addInputs(rows.ids, rows.rows);
          });
        debug(`tiered catalog: ${catalog.length} items in the head, ${checked.tiers!.items - catalog.length} in ${checked.tiers!.shards} shards fetched as calls name them`);
        void this.catalog.ensure(this.history.recentItems(TAIL_HISTORY).map((r) => r.itemId));
      }
      // The page's experiments, else the priors bundle's. Arms are stored only where the log is durable.
      const arms = (this.arms = new ExperimentArms(init.experiments ?? priors?.experiments() ?? [], log.kind === 'indexeddb' ? dbName : null, report('warning')));
      // The completions are counted first (the first suggest() answers from them, or from the ones kept by the last page
      // view); the full index is built once the model is up (or after SEARCH_GATE_MS), so the first recommend() comes
      // first: on one thread, building both at once only delays both.
      const start = performance.now();
      // With the last page view's completions restored, the index takes them over (after the model) instead of counting.
      const modelUp = Promise.race([model.then((runtime) => runtime?.settled), new Promise((resolve) => setTimeout(resolve, SEARCH_GATE_MS))]);
      const stages = CatalogSearch.staged(catalog, init.search, { index: modelUp, kept: quick.then((restored) => restored?.snapshot ?? null) });
      void stages.completions.then(
        (complete) => counted(catalogError ? null : complete),
        () => counted(null),
      );
      const search = stages.search.then((built) => {
        debug(`search index built: ${catalog.length} items, ${ms(start)} after the catalog`);
        return built;
      });
      void search.then(
        (built) => {
          this.searchBuilt = true;
          // Kept for the next page view when this catalog version has none yet (a catalog without ETag / Last-Modified:
          // never; one with invalid rows: its rows, never, so that its warning comes on every page view).
          const validator = checked.validator;
          if (warm && validator && !catalogError) {
            void quick.then(async (restored) => {
              if (!restored) {
                await nextTask();
                await writeWarm(warm, validator, 'completions', built.suggestSnapshot());
                debug(`search completions kept for the next page view (catalog ${validator})`);
              }
              if (!checked.restored && checked.skipped.length === 0) {
                await nextTask();
                await writeWarm(warm, validator, 'catalog', { items: catalog, ...(checked.tiers ? { tiers: checked.tiers } : {}) });
                debug(`catalog rows kept for the next page view (catalog ${validator})`);
              }
            }).then(
              () => {},
              (error: unknown) => debug(`search completions or catalog rows not kept: ${String((error as Error)?.message ?? error)}`),
            );
          }
        },
        () => {},
      );
      // A bad `search` option: an error event now, and search() / suggest() reject with it.
      search.catch((error: unknown) => report('error')(asEdgeRecoError(error, 'the search index could not be built', 'search() and suggest() are off')));
      const beacon = (url: string, body: string) => void Promise.resolve(notify({ kind: 'beacon', url, body })).catch(() => {});
      const onAccepted = (batch: SyncBatch): void => void Promise.resolve(notify({ kind: 'sync', batch })).catch(() => {});
      const taskUrl = priors?.bundle.secureTask?.url;
      const secureTaskUrl = taskUrl && init.priorsUrl ? new URL(taskUrl, init.priorsUrl).href : undefined;
      const sync = startSync(init, dbName, log, { report, onBeacon: beacon, onAccepted, outcomes: () => arms.source(), ...(init.debug ? { log: debug } : {}), ...(secureTaskUrl ? { secureTaskUrl } : {}) });
      return { init, log, crossTab, model, search, sync, priors, catalogError, arms, catalogValidator: checked.validator ?? null };
    } catch (error) {
      counted(null); // suggest() then waits for (and rejects like) the full index
      throw error;
    }
  }

  private fetchCatalog(url: string): Promise<Response> {
    const fetched = fetchFile(url, { what: 'the catalog', option: 'catalogUrl' }, /\.csv(\?|$)/.test(url) ? 'CSV' : 'JSON');
    fetched.catch(() => {}); // reported by loadCatalog
    return fetched;
  }

  /** Completions from the last page view's snapshot when the catalog's validator still matches it, else null. */
  private async quickSuggest(warm: WarmPlace, catalogResponse: Promise<Response>, settings: SearchSettings | undefined, debug: Log): Promise<{ complete: QuickCompletions; snapshot: SearchSuggestSnapshot } | null> {
    const start = performance.now();
    try {
      const [response, { SearchIndex }] = await Promise.all([catalogResponse, import('../search/search-index.js')]);
      const validator = validatorOf(response);
      const snapshot = await readWarm(warm, validator, 'completions');
      if (!snapshot) {
        debug(`search completions: none kept for this catalog version (${validator ?? 'the catalog has no ETag or Last-Modified'}); the index is built first`);
        return null;
      }
      const complete = await SearchIndex.quickSuggest(snapshot, settings);
      debug(`search completions restored in ${ms(start)} (catalog ${validator} unchanged); the full index is rebuilt after the model`);
      return { complete, snapshot };
    } catch (error) {
      debug(`search completions not restored: ${String((error as Error)?.message ?? error)}`);
      return null;
    }
  }

  private async loadCatalog(init: EngineSettings, fetched: Promise<Response> | null, after: Promise<void>, warm: WarmPlace | null, debug: Log): Promise<LoadedCatalog> {
    if (init.catalog) return checkCatalog(init.catalog);
    if (!init.catalogUrl || !fetched) return { items: [], skipped: [], total: 0 };
    const url = init.catalogUrl;
    const response = await fetched;
    await after;
    const validator = validatorOf(response);
    // A repeat page view of an unchanged catalog: the rows the last page view checked, not decompressed, parsed and checked again.
    const start = performance.now();
    const kept = warm ? await readWarm(warm, validator, 'catalog').catch(() => null) : null;
    if (kept && Array.isArray(kept.items)) {
      void response.body?.cancel().catch(() => {});
      debug(`catalog rows restored in ${ms(start)} (catalog ${validator} unchanged)`);
      return { items: kept.items, skipped: [], total: kept.items.length, validator, restored: true, ...(kept.tiers !== undefined ? { tiers: checkTiers(kept.tiers, url) } : {}) };
    }
    if (/\.csv(\?|$)/.test(url) || (response.headers.get('content-type') ?? '').includes('text/csv')) return { ...parseCatalogCsv(await response.text()), validator };
    const doc = await readJson(response, (problem, cause) => createError(ERROR_CODES.INVALID_DATA, { subject: `the catalog at ${url}`, requirement: `is not a JSON catalog: ${problem}`, url, fix: 'check options.catalogUrl' }, { cause }));
    const tiers = (doc as { tiers?: unknown } | null)?.tiers;
    return { ...parseCatalogDocument(doc), validator, ...(tiers !== undefined ? { tiers: checkTiers(tiers, url) } : {}) };
  }

  private async ready(): Promise<Started> {
    if (!this.started) throw createError(ERROR_CODES.INTERNAL, { problem: 'the engine was called before init()' });
    return this.started;
  }

  /** `ready()` for the calls that need the catalog: they reject when a catalog was given and none of it is valid. */
  private async withCatalog(): Promise<Started> {
    const started = await this.ready();
    if (started.catalogError) throw started.catalogError;
    return started;
  }

  async ingest(envelopes: TrackEnvelope[]): Promise<(SerializedError | null)[]> {
    const events: BehaviourEvent[] = [];
    const now = Date.now();
    const results = envelopes.map((envelope) => {
      try {
        events.push(validateEvent(envelope.input, envelope, now));
        return null;
      } catch (error) {
        return serializeError(error);
      }
    });
    // In the history at once: a call that arrives after this message sees the events even before they are durable.
    this.history.add(events);
    void this.catalog.ensure(events.map((e) => ('itemId' in e ? e.itemId : undefined)));
    const { log, crossTab, init } = await this.ready();
    if (events.length > 0) crossTab.publish(events);
    for (let i = 0; i < events.length; i += init.batchSize) await log.append(events.slice(i, i + init.batchSize));
    return results;
  }

  /** How many candidates to rank so the store's rules (caps) can still fill `k`. */
  private wide(rules: BusinessRules, k: number): number {
    return rules.boosts?.length || rules.maxPerBrand || rules.maxPerCategory ? Math.min(MAX_K, k * 4) : k;
  }

  /** The model for a list of this arm: none in a `baseline` arm. */
  private async armModel(started: Started, arm: ArmSettings): Promise<ModelRuntime | null> {
    return arm.recommender === 'baseline' ? null : started.model;
  }

  /** The list of an arm that shows the store's own (`off`: as given; `store`: re-ranked), else null. */
  private async storeArmList(started: Started, arm: ArmSettings, storeList: unknown, k: number, attributionId: string): Promise<Recommendation[] | null> {
    if (arm.recommender !== 'off' && arm.recommender !== 'store') return null;
    const ids = checkStoreList(storeList).slice(0, MAX_K * 5);
    if (arm.recommender === 'off') return withArms(storeListFor(ids.slice(0, k), this.catalog, attributionId), arm);
    const model = await started.model;
    const scores = model ? await model.scoreInput(shopperInput(model, this.history)) : null;
    const list = personalize(ids, { history: this.history, catalog: this.catalog, model, scores, lead: 'From the store’s own list', attributionId }).map((r) => (r.source === 'search' ? { ...r, source: 'store' as const } : r));
    return withArms(applyRules(list, this.catalog, arm.rules ?? started.init.rules, k), arm);
  }

  /**
   * How every list call starts: the catalog ready, the shopper's arm and its rules, a new list attribution id; and,
   * when the arm answers with the store's own list ("store", "off"), that list, which the call returns as it is.
   */
  private async startList(storeList: unknown, k: number): Promise<{ own: Recommendation[] } | { own: null; started: Started; arm: ArmSettings; rules: BusinessRules; attributionId: string }> {
    const started = await this.withCatalog();
    const arm = await started.arms.settings();
    const attributionId = newListAttributionId(Date.now());
    const own = await this.storeArmList(started, arm, storeList, k, attributionId);
    return own ? { own } : { own: null, started, arm, rules: arm.rules ?? started.init.rules, attributionId };
  }

  async recommend(options: RecommendOptions = {}): Promise<Recommendation[]> {
    const k = checkK(options.k);
    const list = await this.startList(options.storeList, k);
    if (list.own) return list.own;
    const { started, arm, rules, attributionId } = list;
    const model = await this.armModel(started, arm);
    const args: Parameters<typeof baselineRecommend>[2] = { k: this.wide(rules, k), filter: options.filter ?? {}, attributionId };
    if (options.context?.itemId !== undefined) args.contextItemId = options.context.itemId;
    await this.catalog.ensure([...this.history.recentItems(TAIL_HISTORY).map((r) => r.itemId), args.contextItemId]);
    const fromModel = model ? await modelRecommend(model, this.history, this.catalog, args) : null;
    return withArms(applyRules(fromModel ?? baselineRecommend(this.history, this.catalog, args), this.catalog, rules, k), arm);
  }

  async related(itemId: string, options: RelatedOptions = {}): Promise<Recommendation[]> {
    if (typeof itemId !== 'string' || itemId.length === 0) {
      throw createError(ERROR_CODES.INVALID_OPTION, { field: 'related(itemId)', requirement: 'must be an item id, a non-empty string', got: itemId }, { details: { field: 'itemId' } });
    }
    const k = checkK(options.k);
    const start = await this.startList(options.storeList, k);
    if (start.own) return start.own;
    const { started, arm, rules, attributionId } = start;
    const model = await this.armModel(started, arm);
    await this.catalog.ensure([itemId]);
    const args = { k: this.wide(rules, k), filter: options.filter ?? {}, attributionId };
    const list = (model && modelRelated(model, this.history, this.catalog, itemId, args)) || baselineRelated(this.history, this.catalog, itemId, args);
    return withArms(applyRules(list, this.catalog, rules, k), arm);
  }

  async frequentlyBoughtTogether(itemIds: string[], options: RelatedOptions = {}): Promise<Recommendation[]> {
    if (!Array.isArray(itemIds) || itemIds.length === 0 || itemIds.length > 100 || !itemIds.every((id) => typeof id === 'string' && id.length > 0)) {
      throw createError(ERROR_CODES.INVALID_OPTION, { field: 'frequentlyBoughtTogether(itemIds)', requirement: 'must be an array of 1 to 100 item ids', got: itemIds }, { details: { field: 'itemIds' } });
    }
    const k = checkK(options.k);
    const start = await this.startList(options.storeList, k);
    if (start.own) return start.own;
    const { started, arm, rules, attributionId } = start;
    const { priors } = started;
    await this.catalog.ensure(itemIds);
    const args = { k, filter: options.filter ?? {}, attributionId };
    const together = boughtTogether(this.history, this.catalog, itemIds, { ...args, k: k * 4 }, (id) => priors?.boughtWith(id) ?? []);
    if (together.length >= k) return withArms(applyRules(together, this.catalog, rules, k), arm);
    // Top up with related items; their reasons say they are related, not bought together.
    const seen = new Set([...itemIds, ...together.map((r) => r.itemId)]);
    const related = await this.related(itemIds[itemIds.length - 1]!, { k, filter: { ...args.filter, exclude: [...seen] } });
    return withArms(applyRules([...together, ...related.map((r) => ({ ...r, attributionId: args.attributionId }))], this.catalog, rules, k), arm);
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResponse> {
    const started = await this.withCatalog();
    const [search, model] = await Promise.all([started.search, started.model]);
    const k = options.k ?? 20;
    const context = { history: this.history, catalog: this.catalog, model, attributionId: randomId() };
    const answer = await search.search(query, { ...options, k: Number.isInteger(k) && k >= 1 && k <= MAX_K ? this.wide(started.init.rules, k) : k }, context);
    // Pinned items keep their positions: the store's rules re-order and cap the others around them.
    return { ...answer, hits: search.pin(applyRules(answer.hits, this.catalog, started.init.rules, k), query, options, context) };
  }

  async rerank(itemIds: string[], options: RerankOptions = {}): Promise<Recommendation[]> {
    if (!Array.isArray(itemIds) || itemIds.length > 1000 || !itemIds.every((id) => typeof id === 'string' && id.length > 0)) {
      throw createError(ERROR_CODES.INVALID_OPTION, { field: 'rerank(itemIds)', requirement: 'must be an array of at most 1,000 item ids', got: itemIds }, { details: { field: 'itemIds' } });
    }
    const started = await this.ready();
    const arm = await started.arms.settings();
    const attributionId = newListAttributionId(Date.now());
    await this.catalog.ensure(itemIds);
    // Edgereco off: the store's list exactly as given, still with an attribution id so its outcomes count.
    if (arm.recommender === 'off') return withArms(storeListFor(itemIds, this.catalog, attributionId), arm);
    const model = await this.armModel(started, arm);
    const scores = model ? await model.scoreInput(shopperInput(model, this.history)) : null;
    const lead = options.query ? `Matches “${options.query.trim()}”` : 'In the store’s order';
    const list = personalize(itemIds, { history: this.history, catalog: this.catalog, model, scores, lead, attributionId });
    return withArms(applyRules(list, this.catalog, arm.rules ?? started.init.rules, list.length), arm);
  }

  async updateCatalog(update: CatalogUpdate): Promise<number> {
    if (typeof update !== 'object' || update === null) {
      throw createError(ERROR_CODES.INVALID_OPTION, { field: 'updateCatalog(update)', requirement: 'must be { upsert, remove, patch }', got: update }, { details: { field: 'update' } });
    }
    const started = await this.ready();
    const upsert = validateCatalog(update.upsert ?? []);
    const remove = new Set(update.remove ?? []);
    const byId = new Map(this.catalog.items.map((item) => [item.id, item]));
    for (const id of remove) byId.delete(id);
    for (const item of upsert) byId.set(item.id, item);
    for (const p of update.patch ?? []) {
      const item = byId.get(p?.id);
      if (!item) throw createError(ERROR_CODES.INVALID_OPTION, { field: 'patch.id', requirement: 'must name a catalog item', got: p?.id, fix: 'upsert the item first' });
      if (p.price !== undefined && (typeof p.price !== 'number' || !Number.isFinite(p.price) || p.price < 0)) throw createError(ERROR_CODES.INVALID_OPTION, { field: 'patch.price', requirement: 'must be a number ≥ 0', got: p.price });
      if (p.available !== undefined && typeof p.available !== 'boolean') throw createError(ERROR_CODES.INVALID_OPTION, { field: 'patch.available', requirement: 'must be true or false', got: p.available });
      byId.set(item.id, { ...item, ...(p.price !== undefined ? { price: p.price } : {}), ...(p.available !== undefined ? { available: p.available } : {}) });
    }
    (await started.search).apply({ upsert, remove: [...remove], patch: update.patch ?? [] });
    this.catalog = this.catalog.withItems([...byId.values()]);
    return this.catalog.size;
  }

  async suggest(prefix: string): Promise<Suggestion[]> {
    const quick = this.searchBuilt ? null : await this.quick;
    if (quick && !this.searchBuilt) {
      const answer = suggestFrom(quick.complete, prefix, this.history, (typed) => quick.priors?.queriesStartingWith(typed) ?? []);
      if (answer) return answer;
    }
    const { search, priors } = await this.withCatalog();
    return (await search).suggest(prefix, this.history, (typed) => priors?.queriesStartingWith(typed) ?? []);
  }

  async explain(itemId: string): Promise<Explanation> {
    if (typeof itemId !== 'string' || itemId.length === 0) {
      throw createError(ERROR_CODES.INVALID_OPTION, { field: 'explain(itemId)', requirement: 'must be an item id, a non-empty string', got: itemId }, { details: { field: 'itemId' } });
    }
    const { model, priors, arms } = await this.ready();
    await this.catalog.ensure([itemId]);
    const explanation = explainItem(itemId, this.history, this.catalog, await model, Date.now(), (id) => priors?.boughtWith(id) ?? []);
    return armEvidence(explanation, await arms.settings(), arms.experiments);
  }

  async exportData(): Promise<Omit<ExportedData, 'optedOut'>> {
    const started = await this.ready();
    const { log, init, sync, arms } = started;
    const secureState = secureOn(started) ? databaseName(init.storeId) : null;
    const [events, synced, privacy, experiments] = await Promise.all([log.readAll(), exportSync(sync.outbox, sync.policy, secureState), this.privacy(), arms.exported()]);
    return { format: 'edgereco-export', version: 1, storeId: init.storeId, exportedAt: new Date().toISOString(), storage: log.kind, events, sync: synced, privacy, experiments };
  }

  async privacy(): Promise<PrivacyStatus> {
    const started = await this.ready();
    const { init, sync, priors } = started;
    return privacyStatus({ sync: sync.scheduler ? (init.sync ?? null) : null, policy: sync.policy, optedOut: this.optedOut ?? init.optedOut, bundle: priors?.bundle ?? null, secure: secureOn(started) });
  }

  async syncNow(): Promise<SyncSummary> {
    const { sync } = await this.ready();
    if (!sync.scheduler) throw sync.off ?? createError(ERROR_CODES.NOT_AVAILABLE, { what: 'sync is off' });
    return sync.scheduler.syncNow();
  }

  async setConsent(optedOut: boolean): Promise<void> {
    const { sync } = await this.ready();
    this.optedOut = optedOut === true;
    await sync.scheduler?.setOptedOut(optedOut === true);
  }

  async forget(): Promise<void> {
    const { log, crossTab, init, sync, arms } = await this.ready();
    this.history.clear();
    arms.reset();
    log.clearMemory();
    log.close();
    sync.outbox?.close();
    sync.scheduler?.clearBeacon();
    crossTab.publishReset();
    await deleteStoreData([databaseName(init.storeId)], cachePrefix(init.storeId));
  }

  close(page: object = this): void {
    if (this.shared) return this.leave(page);
    void this.started?.then((started) => Engine.stop(started));
  }

  private static stop({ log, crossTab, sync }: Started): void {
    sync.scheduler?.stop();
    sync.outbox?.close();
    log.close();
    crossTab.close();
  }

  /**
   * A page joins a running engine. Its calls (`calls`) go on to the running engine at once unless that engine knows it
   * must start again (its model or priors failed to load); meanwhile the catalog, priors and model are checked with
   * conditional requests, and a change restarts the engine once the calls under way are done (the price: a joining
   * page's first answers may come from the files before a store published new ones). `confirmed` is the engine the
   * page ends up with (its `ready`).
   */
  private rejoin(running: Promise<Started>): { calls: Promise<Started>; confirmed: Promise<Started> } {
    const known = running.then(async (started) => {
      const why: string[] = [];
      if (started.init.priorsUrl && !started.priors) why.push('the priors are off (they failed to load)');
      if (started.init.modelUrl && !(await started.model)) why.push('the model is off (it failed to load)');
      return { started, why };
    });
    const calls = known.then(({ started, why }) => (why.length === 0 ? started : this.restart(started, why)));
    const confirmed = known.then(async ({ started, why }) => {
      if (why.length > 0) return calls;
      const changed = await this.changes(started);
      return changed.length === 0 ? started : this.restart(started, changed);
    });
    return { calls, confirmed };
  }

  /** What changed since a running engine loaded its catalog, priors and model (nothing: an empty list). */
  private async changes(started: Started): Promise<string[]> {
    const checking = performance.now();
    const { init } = started;
    const changed = await Promise.all([
      init.catalogUrl ? this.fetchCatalog(init.catalogUrl).then((r) => (void r.body?.cancel().catch(() => {}), changedValidator(r, started.catalogValidator))) : false,
      init.priorsUrl && started.priors ? PriorsSource.fetch(init.priorsUrl).then((r) => (void r.body?.cancel().catch(() => {}), changedValidator(r, started.priors!.validator))) : false,
      init.modelUrl
        ? started.model.then(async (runtime) => {
            if (!runtime) return false; // known before the check (see rejoin)
            const { fetchManifest } = await import('./model-loader.js'); // loaded with the model
            const response = await fetchManifest(init.modelUrl!);
            // The same validator as loaded: unchanged, without reading a manifest that may hold the whole vocabulary.
            const validator = validatorOf(response);
            if (validator !== null && validator === manifestValidators.get(runtime)) {
              void response.body?.cancel().catch(() => {});
              return false;
            }
            const manifest = (await response.json()) as { weightsFile?: string; checksums?: Record<string, string> };
            return manifest.checksums?.[manifest.weightsFile ?? ''] === runtime.weightsChecksum ? false : 'a new model bundle';
          })
        : false,
    ]).catch((error: unknown) => `a check failed (${String((error as Error)?.message ?? error)})`);
    const why: string[] = [];
    for (const c of Array.isArray(changed) ? changed : [changed]) if (typeof c === 'string') why.push(c);
    if (why.length === 0 && init.debug) this.notifyAll({ kind: 'debug', message: `a page joined: the catalog, priors and model checked unchanged in ${ms(checking)}` });
    return why;
  }

  /**
   * Starts a running engine again (once, whichever joining page found the change first): later calls wait for the
   * new one; the old one stops once the calls under way on it are done (an event being stored is not cut off).
   */
  private restart(started: Started, why: string[]): Promise<Started> {
    let next = this.restarts.get(started);
    if (!next) {
      if (started.init.debug) this.notifyAll({ kind: 'debug', message: `a page joined: starting again (${why.join('; ')})` });
      next = Promise.allSettled([...(this.underWay.get(started) ?? [])]).then(() => {
        Engine.stop(started);
        this.searchBuilt = false;
        return this.start(started.init, this.notifyAll);
      });
      this.restarts.set(started, next);
      this.started = next;
    }
    return next;
  }

  private info(log: ResilientEventLog, model: ModelRuntime | null): EngineInfo {
    const info: EngineInfo = { historySize: this.history.size, catalogSize: this.catalog.size, storage: log.kind, recommender: model ? 'model' : 'baseline' };
    if (model) info.backend = model.backend;
    return info;
  }
}

/** Why a source must be read again: its validator changed, or it has none (nothing tells that it did not change). */
function changedValidator(response: Response, loaded: string | null): string | false {
  const now = validatorOf(response);
  if (now === null || loaded === null) return `${response.url} has no ETag or Last-Modified`;
  return now === loaded ? false : `${response.url} changed`;
}
