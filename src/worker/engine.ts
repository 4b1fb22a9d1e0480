import { validateCatalog, type CatalogItem } from '../core/catalog.js';
import { cachePrefix, databaseName } from '../core/config.js';
import { EdgeRecoError, ERROR_CODES, describeValue, serializeError, type SerializedError } from '../core/errors.js';
import { validateEvent, type BehaviourEvent } from '../core/events.js';
import type { TrackEnvelope } from '../core/track-envelope.js';
import { randomId } from '../core/random-id.js';
import type { Recommendation, RecommendOptions, RelatedOptions } from '../core/recommendation.js';
import type { EngineApi, EngineInfo, EngineInit, EngineNotify, ExportedData } from '../core/worker-api.js';
import { deleteStoreData } from '../storage/delete-store-data.js';
import { ResilientEventLog } from '../storage/resilient-event-log.js';
import { baselineRecommend, baselineRelated } from './baseline-recommender.js';
import { CatalogIndex } from './catalog-index.js';
import { CrossTab } from './cross-tab.js';
import { History } from './history.js';

const MAX_K = 200;

function checkK(k: unknown): number {
  const value = k ?? 10;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_K) {
    throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: options.k must be an integer from 1 to ${MAX_K} (got ${describeValue(value)})`, { details: { field: 'options.k' } });
  }
  return value;
}

function notAvailable(method: string, when: string): EdgeRecoError {
  return new EdgeRecoError(ERROR_CODES.NOT_AVAILABLE, `edgereco: ${method}() is not available in this version (${when}); it rejects rather than return made-up results`);
}

interface Started {
  init: EngineInit;
  log: ResilientEventLog;
  crossTab: CrossTab;
}

/**
 * The engine behind the worker boundary: it stores the page's events (one transaction per batch), holds the shopper's
 * history and the catalog in memory, and answers the recommenders.
 */
export class Engine implements EngineApi {
  private history = new History(5_000);
  private catalog = new CatalogIndex();
  private started: Promise<Started> | null = null;

  init(init: EngineInit, notify: EngineNotify): Promise<EngineInfo> {
    this.started ??= this.start(init, notify);
    return this.started.then(({ log }) => this.info(log));
  }

  private async start(init: EngineInit, notify: EngineNotify): Promise<Started> {
    const report = (kind: 'warning' | 'error') => (error: EdgeRecoError) => void Promise.resolve(notify(kind, serializeError(error))).catch(() => {});
    const early = this.history.events();
    this.history = new History(init.maxEvents);
    this.history.add(early);
    const crossTab = new CrossTab(init.storeId, init.tabId, {
      events: (events) => this.history.add(events),
      reset: () => this.history.clear(),
    });
    const retention = { maxEvents: init.maxEvents, maxAgeDays: init.maxAgeDays };
    const dbName = init.storage === 'memory' ? null : databaseName(init.storeId);
    const [log, catalog] = await Promise.all([
      ResilientEventLog.open(dbName, retention, report('warning'), report('error')),
      this.loadCatalog(init).catch((error: unknown) => {
        report('error')(error instanceof EdgeRecoError ? error : new EdgeRecoError(ERROR_CODES.INTERNAL, 'edgereco: the catalog could not be loaded', { cause: error }));
        return [] as CatalogItem[]; // recommendations still come from the history
      }),
    ]);
    this.history.add(await log.readAll());
    this.catalog = new CatalogIndex(catalog);
    return { init, log, crossTab };
  }

  private async loadCatalog(init: EngineInit): Promise<CatalogItem[]> {
    if (init.catalog) return validateCatalog(init.catalog);
    if (!init.catalogUrl) return [];
    let response: Response;
    try {
      response = await fetch(init.catalogUrl);
    } catch (cause) {
      throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: could not fetch the catalog from ${init.catalogUrl}; check options.catalogUrl`, { cause, retryable: true });
    }
    if (!response.ok) throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: the catalog at ${init.catalogUrl} answered HTTP ${response.status}; check options.catalogUrl`);
    return validateCatalog(await response.json());
  }

  private async ready(): Promise<Started> {
    if (!this.started) throw new EdgeRecoError(ERROR_CODES.INTERNAL, 'edgereco: the engine was called before init()');
    return this.started;
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
    const { log, crossTab, init } = await this.ready();
    if (events.length > 0) crossTab.publish(events);
    for (let i = 0; i < events.length; i += init.batchSize) await log.append(events.slice(i, i + init.batchSize));
    return results;
  }

  async recommend(options: RecommendOptions = {}): Promise<Recommendation[]> {
    const k = checkK(options.k);
    await this.ready();
    const args: Parameters<typeof baselineRecommend>[2] = { k, filter: options.filter ?? {}, attributionId: randomId() };
    if (options.context?.itemId !== undefined) args.contextItemId = options.context.itemId;
    return baselineRecommend(this.history, this.catalog, args);
  }

  async related(itemId: string, options: RelatedOptions = {}): Promise<Recommendation[]> {
    if (typeof itemId !== 'string' || itemId.length === 0) {
      throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: related() needs an item id, a non-empty string (got ${describeValue(itemId)})`, { details: { field: 'itemId' } });
    }
    const k = checkK(options.k);
    await this.ready();
    return baselineRelated(this.history, this.catalog, itemId, { k, filter: options.filter ?? {}, attributionId: randomId() });
  }

  async search(): Promise<never> {
    throw notAvailable('search', 'on-device search lands with the search release');
  }

  async suggest(): Promise<never> {
    throw notAvailable('suggest', 'autocomplete lands with the search release');
  }

  async explain(): Promise<never> {
    throw notAvailable('explain', 'explanations land with the search release; each result’s `reason` already says why it is there');
  }

  async exportData(): Promise<Omit<ExportedData, 'optedOut'>> {
    const { log, init } = await this.ready();
    return { format: 'edgereco-export', version: 1, storeId: init.storeId, exportedAt: new Date().toISOString(), storage: log.kind, events: await log.readAll() };
  }

  async forget(): Promise<void> {
    const { log, crossTab, init } = await this.ready();
    this.history.clear();
    log.clearMemory();
    log.close();
    crossTab.publishReset();
    await deleteStoreData([databaseName(init.storeId)], cachePrefix(init.storeId));
  }

  close(): void {
    void this.started?.then(({ log, crossTab }) => {
      log.close();
      crossTab.close();
    });
  }

  private info(log: ResilientEventLog): EngineInfo {
    return { historySize: this.history.size, catalogSize: this.catalog.size, storage: log.kind, recommender: 'baseline' };
  }
}
