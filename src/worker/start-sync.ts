import { EdgeRecoError, ERROR_CODES } from '../core/errors.js';
import { DEFAULT_PRIVACY_BUDGET } from '../core/ldp/privacy-budget.js';
import type { EngineSettings, SyncExport } from '../core/worker-api.js';
import { IdbOutbox } from '../storage/idb-outbox.js';
import type { ResilientEventLog } from '../storage/resilient-event-log.js';
import { ReportSender } from '../sync/report-sender.js';
import { SyncScheduler } from '../sync/sync-scheduler.js';

/** The engine's sync half: the outbox (whenever the log is in IndexedDB) and, when configured, the scheduler. */
export interface SyncParts {
  outbox: IdbOutbox | null;
  scheduler: SyncScheduler | null;
}

const isOnline = (): boolean => (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine !== false;

/**
 * Starts sync when `init.sync` is set. It needs the log in IndexedDB: the privacy budget and the outbox must outlive
 * the page, or every page load could spend a new day's budget; with memory storage sync stays off (a warning says so).
 */
export function startSync(
  init: EngineSettings,
  dbName: string,
  log: ResilientEventLog,
  report: (kind: 'warning' | 'error') => (error: EdgeRecoError) => void,
  onBeacon: (url: string, body: string) => void,
): SyncParts {
  if (log.kind !== 'indexeddb') {
    if (init.sync) report('warning')(new EdgeRecoError(ERROR_CODES.NOT_AVAILABLE, 'edgereco: sync stays off while events are kept in memory (the privacy budget must be stored durably)'));
    return { outbox: null, scheduler: null };
  }
  const outbox = new IdbOutbox(dbName);
  if (!init.sync) return { outbox, scheduler: null };
  const { url, key = '', topic = 'edgereco-reports' } = init.sync;
  // Checked here rather than on the page, whose loader has a byte budget.
  const bad = typeof key !== 'string' || key === '' ? 'syncKey' : /^[\w.-]{1,249}$/.test(topic) ? null : 'syncTopic';
  if (bad) {
    report('error')(new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: options.${bad} ${bad === 'syncKey' ? 'is needed with options.syncUrl (the gateway\'s publishable key)' : 'must be a Kafka topic name'}; sync stays off`, { details: { field: `options.${bad}` } }));
    return { outbox, scheduler: null };
  }
  const sender = new ReportSender({ url, key, topic, outbox, fetch: (u, i) => fetch(u, i), isOnline, onError: report('error'), onWarning: report('warning') });
  const scheduler = new SyncScheduler(
    { storeId: init.storeId, url, key, topic, outbox, sender, readEvents: () => log.readAll(), policy: DEFAULT_PRIVACY_BUDGET, onBeacon, onError: report('error'), isOnline },
    init.optedOut,
  );
  scheduler.start();
  return { outbox, scheduler };
}

/** What `exportData()` shows of sync: the budget, the pending outbox and what was sent. */
export async function exportSync(outbox: IdbOutbox | null): Promise<SyncExport | null> {
  if (!outbox) return null;
  const [state, pending, sent] = await Promise.all([outbox.state(), outbox.pending(), outbox.sent()]);
  return { policy: DEFAULT_PRIVACY_BUDGET, budget: state.budget ?? null, pending: pending.map((r) => r.report), sent };
}
