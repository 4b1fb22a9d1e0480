import { createError, ERROR_CODES, type EdgeRecoError } from '../core/errors.js';
import { checkBudgetPolicy, DEFAULT_PRIVACY_BUDGET, type PrivacyBudgetPolicy } from '../core/ldp/privacy-budget.js';
import type { EngineSettings, SyncBatch, SyncExport } from '../core/worker-api.js';
import { IdbOutbox } from '../storage/idb-outbox.js';
import type { ResilientEventLog } from '../storage/resilient-event-log.js';
import { dueReports } from '../sync/due-reports.js';
import { ReportSender } from '../sync/report-sender.js';
import { SyncScheduler } from '../sync/sync-scheduler.js';
import type { OutcomeSource } from '../sync/outcome-draft.js';
import { TokenWallet } from '../sync/token-wallet.js';
import { SecureSync, type SecureSyncOptions, type SecureSyncState } from '../sync/secure-sync.js';
import { fetchFile, readJson, type FileRole } from './fetch-file.js';
import { readMetaRecord, writeMetaRecord } from '../storage/meta-record.js';
import { cryptoRandom } from '../core/ldp/random-source.js';
import type { BehaviourEvent } from '../core/events.js';

/** The engine's sync half: the outbox (whenever the log is in IndexedDB) and, when configured, the scheduler. */
export interface SyncParts {
  outbox: IdbOutbox | null;
  scheduler: SyncScheduler | null;
  /** The ε this browser spends (null: no sync). */
  policy: PrivacyBudgetPolicy | null;
  /** Why there is no scheduler (sync not configured, memory storage, a bad option), for `syncNow()`. */
  off?: EdgeRecoError;
}

/** How sync talks to the page: failures, the beacon, accepted batches and debug lines. */
export interface SyncHooks {
  report: (kind: 'warning' | 'error') => (error: EdgeRecoError) => void;
  onBeacon: (url: string, body: string) => void;
  onAccepted: (batch: SyncBatch) => void;
  log?: (message: string) => void;
  /** The running experiments and the shopper's arms, for the outcome reports (experiment-arms.ts). */
  outcomes?: () => Promise<OutcomeSource | null>;
  /** The secure task the priors bundle names (absolute URL), for the secure mode's reports (secure-sync.ts). */
  secureTaskUrl?: string;
}

const isOnline = (): boolean => (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine !== false;

const NOT_CONFIGURED = (): EdgeRecoError =>
  createError(ERROR_CODES.NOT_AVAILABLE, { what: 'sync is not configured', fix: 'pass options.syncUrl (the gateway) and options.syncKey to createRecommender()' });

/**
 * Starts sync when `init.sync` is set. It needs the log in IndexedDB: the privacy budget and the outbox must outlive
 * the page, or every page load could spend a new day's budget; with memory storage sync stays off (a warning says so).
 */
export function startSync(init: EngineSettings, dbName: string | null, log: ResilientEventLog, hooks: SyncHooks): SyncParts {
  const { report } = hooks;
  if (dbName === null || log.kind !== 'indexeddb') {
    if (!init.sync) return { outbox: null, scheduler: null, policy: null, off: NOT_CONFIGURED() };
    const off = createError(ERROR_CODES.NOT_AVAILABLE, { what: 'sync stays off while events are kept in memory', fix: 'the privacy budget must be stored durably (IndexedDB)' });
    report('warning')(off);
    return { outbox: null, scheduler: null, policy: null, off };
  }
  const outbox = new IdbOutbox(dbName);
  if (!init.sync) return { outbox, scheduler: null, policy: null, off: NOT_CONFIGURED() };
  const { url, key = '', topic = 'edgereco-reports' } = init.sync;
  // Checked here rather than on the page, whose loader has a byte budget.
  const bad = typeof key !== 'string' || key === '' ? 'syncKey' : /^[\w.-]{1,249}$/.test(topic) ? null : 'syncTopic';
  if (bad) {
    const requirement = bad === 'syncKey' ? "is needed with options.syncUrl (the gateway's publishable key)" : 'must be a Kafka topic name';
    const off = createError(ERROR_CODES.INVALID_OPTION, { field: `options.${bad}`, requirement, fix: 'sync stays off' });
    report('error')(off);
    return { outbox, scheduler: null, policy: null, off };
  }
  const epsilon = init.sync.epsilon ?? DEFAULT_PRIVACY_BUDGET.epsilonPerReport;
  const policy = checkBudgetPolicy({ epsilonPerReport: epsilon, epsilonPerDay: 2 * epsilon });
  const relayUrl = init.sync.relayUrl;
  // With a relay: every request is encapsulated (OHTTP; the code loads only then) and reports wait for their random
  // time within the day after they are built; `syncNow()` sends them at once (flush({ all })).
  const due = dueReports(outbox);
  let ohttp: Promise<(u: string, i: RequestInit) => Promise<Response>> | undefined;
  const viaRelay = (u: string, i: RequestInit) =>
    (ohttp ??= import('../sync/ohttp-fetch.js').then((m) => m.ohttpFetch({ relayUrl: relayUrl!, keysUrl: init.sync!.keysUrl ?? `${relayUrl!.replace(/\/+$/, '')}/ohttp-keys`, fetch: (a, b) => fetch(a, b) })).catch((error: unknown) => {
      ohttp = undefined; // a failed chunk load is tried again on the next send
      throw error;
    })).then((f) => f(u, i));
  // Privacy Pass: tokens for two days of reports, got directly from the gateway's issuer (never through the relay:
  // the issuer counts clients); the VOPRF code loads only with syncTokens.
  // (With the secure mode, one more report a day to pay for.)
  const perDay = Math.floor(policy.epsilonPerDay / policy.epsilonPerReport + 1e-9) + (hooks.secureTaskUrl ? 1 : 0);
  const tokens = init.sync.tokens
    ? new TokenWallet({
        url, key, store: outbox, target: 2 * perDay, fetch: (u, i) => fetch(u, i), onWarning: report('warning'),
        issue: (options, count) => import('../sync/token-issuer.js').then((m) => m.fetchTokens(options, count)),
        ...(hooks.log ? { log: hooks.log } : {}),
      })
    : undefined;
  const reportSender = new ReportSender({
    url, key, topic, outbox: due.outbox, fetch: relayUrl ? viaRelay : (u, i) => fetch(u, i), isOnline, onError: report('error'), onWarning: report('warning'), onAccepted: hooks.onAccepted,
    ...(hooks.log ? { log: hooks.log } : {}),
  });
  const sender = { flush: due.wrap(() => reportSender.flush()) };
  // The secure mode (the priors bundle names its task): its report waits in the store's database until it leaves.
  const secure = hooks.secureTaskUrl
    ? secureSync({
        taskUrl: hooks.secureTaskUrl, readTask: () => readStoreJson(hooks.secureTaskUrl!, { what: 'the secure task', option: "the priors bundle's secureTask.url" }), url, key, dbName, fetch: relayUrl ? viaRelay : (u, i) => fetch(u, i), sendWithinMs: relayUrl ? 86_400_000 : 0, onError: report('error'), onWarning: report('warning'),
        ...(hooks.log ? { log: hooks.log } : {}),
        ...(tokens ? { takeToken: () => takeToken(outbox) } : {}),
      })
    : undefined;
  const scheduler = new SyncScheduler(
    {
      storeId: init.storeId, url, key, topic, outbox, sender, readEvents: () => log.readAll(), policy, onBeacon: hooks.onBeacon, onError: report('error'), isOnline,
      ...(relayUrl ? { sendWithinMs: 86_400_000 } : {}),
      ...(hooks.log ? { log: hooks.log } : {}),
      ...(hooks.outcomes ? { outcomes: hooks.outcomes } : {}),
      ...(tokens ? { tokens } : {}),
      ...(secure ? { secure } : {}),
    },
    init.optedOut,
  );
  scheduler.start();
  return { outbox, scheduler, policy };
}

const SECURE_KEY = 'secureSync';

/** A store's JSON file (fetchFile's typed errors: the URL, the status, what came back; a body that is not JSON). */
async function readStoreJson(url: string, role: FileRole): Promise<unknown> {
  const response = await fetchFile(url, role, 'JSON', { cache: 'no-cache', credentials: 'omit' });
  return readJson(response, (problem, cause) => createError(ERROR_CODES.INVALID_DATA, { subject: `${role.what} at ${url}`, requirement: `is not JSON: ${problem}`, url, fix: 'serve the file edgereco-gateway aggregate writes (aggregate.secure.taskOut)' }, { cause }));
}

/** One of the held Privacy Pass tokens, taken from the outbox's (the one transaction the wallet also uses). */
async function takeToken(outbox: IdbOutbox): Promise<string | undefined> {
  let taken: string | undefined;
  await outbox.updateTokens((held) => {
    taken = held[0]?.token;
    return held.slice(1);
  });
  return taken;
}

/** The secure mode's sender for the scheduler, its state in the `meta` record `secureSync`. */
function secureSync(
  o: Pick<SecureSyncOptions, 'taskUrl' | 'readTask' | 'url' | 'key' | 'fetch' | 'sendWithinMs' | 'onError' | 'onWarning' | 'log' | 'takeToken'> & { dbName: string },
): { pass(events: readonly BehaviourEvent[], all: boolean, build: boolean): Promise<void>; clear(): Promise<void> } {
  const sync = new SecureSync({
    ...o,
    read: async () => (await readMetaRecord(o.dbName, SECURE_KEY)) as SecureSyncState | undefined,
    write: (state) => writeMetaRecord(o.dbName, SECURE_KEY, state ?? null),
    random: cryptoRandom(),
    now: Date.now,
  });
  return { pass: (events, all, build) => sync.pass(events, all, build), clear: () => writeMetaRecord(o.dbName, SECURE_KEY, null) };
}

/**
 * What `exportData()` shows of sync: the budget, the pending outbox (and when each report may leave), what was sent,
 * and with `secureDb` the secure mode's state.
 */
export async function exportSync(outbox: IdbOutbox | null, policy: PrivacyBudgetPolicy | null, secureDb: string | null): Promise<SyncExport | null> {
  if (!outbox) return null;
  const [state, pending, sent] = await Promise.all([outbox.state(), outbox.pending(), outbox.sent()]);
  const waiting = pending.filter((r) => r.notBefore !== undefined).map((r) => ({ id: r.id, notBefore: new Date(r.notBefore!).toISOString() }));
  // The secure mode's state, only when this engine runs it (`secureDb`: the store's database).
  const secure = secureDb ? ((await readMetaRecord(secureDb, SECURE_KEY)) as SecureSyncState | null | undefined) : null;
  return {
    policy: policy ?? DEFAULT_PRIVACY_BUDGET, budget: state.budget ?? null, pending: pending.map((r) => r.report), waiting, sent,
    ...(secure ? { secure: { reportedThrough: secure.reportedThrough ?? null, pending: secure.pending ? { period: secure.pending.report.period, notBefore: new Date(secure.pending.notBefore).toISOString() } : null } } : {}),
  };
}
