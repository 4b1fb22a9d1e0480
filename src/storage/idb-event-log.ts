import { openDB, unwrap, type IDBPDatabase } from 'idb';
import { EdgeRecoError, ERROR_CODES } from '../core/errors.js';
import { eventIdLowerBound } from '../core/event-id.js';
import type { BehaviourEvent } from '../core/events.js';
import { DAY_MS, type EventLog, type RetentionPolicy } from './event-log.js';
import { migrate } from './migrations.js';
import { DB_VERSION, type EdgeRecoDB } from './schema.js';

/** How long opening may take before IndexedDB is taken as broken (some browsers hang instead of failing). */
const OPEN_TIMEOUT_MS = 5_000;
/** Retries of a batch that hit the storage quota, each after evicting more of the oldest events. */
const QUOTA_RETRIES = 3;

function isQuotaError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: string }).name === 'QuotaExceededError';
}

/*
 * The helpers below chain IndexedDB requests by callback, never by promise, so the transaction is still active at
 * every step whatever the environment's microtask timing.
 */

/** Deletes up to `n` of the oldest events in `store` (key order is time order). */
function deleteOldest(store: IDBObjectStore, n: number): void {
  if (n <= 0) return;
  let left = n;
  const req = store.openKeyCursor();
  req.onsuccess = () => {
    const cursor = req.result;
    if (!cursor || left <= 0) return;
    store.delete(cursor.primaryKey);
    left--;
    cursor.continue();
  };
}

/** Counts the store and deletes the oldest beyond `max`; `counted` gets the count before deleting. */
function trimTo(store: IDBObjectStore, max: number, counted: (count: number) => void): void {
  const req = store.count();
  req.onsuccess = () => {
    counted(req.result);
    deleteOldest(store, req.result - max);
  };
}

/**
 * Opens (and if needed creates or migrates) a store's database. Rejects with `UNSUPPORTED_VERSION` when a newer SDK
 * wrote it, and with `STORAGE_UNAVAILABLE` when IndexedDB is missing, broken or hangs.
 */
export async function openEventDatabase(name: string, onClosed: () => void): Promise<IDBPDatabase<EdgeRecoDB>> {
  if (typeof indexedDB === 'undefined' || indexedDB === null) {
    throw new EdgeRecoError(ERROR_CODES.STORAGE_UNAVAILABLE, 'edgereco: IndexedDB is not available here; events are kept in memory only');
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new EdgeRecoError(ERROR_CODES.STORAGE_UNAVAILABLE, `edgereco: IndexedDB did not open within ${OPEN_TIMEOUT_MS} ms; events are kept in memory only`)),
      OPEN_TIMEOUT_MS,
    );
  });
  const open = openDB<EdgeRecoDB>(name, DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, tx) {
      migrate(db, oldVersion, tx);
    },
    blocking(_current, _next, event) {
      // Another connection wants to delete or upgrade the database (forget() in some tab): step aside.
      (event.target as IDBDatabase).close();
      onClosed();
    },
    terminated: onClosed,
  });
  try {
    return await Promise.race([open, timeout]);
  } catch (cause) {
    if (cause instanceof EdgeRecoError) throw cause;
    if ((cause as { name?: string })?.name === 'VersionError') {
      throw new EdgeRecoError(ERROR_CODES.UNSUPPORTED_VERSION, `edgereco: the database "${name}" was written by a newer edgereco (layout newer than v${DB_VERSION}); update the SDK. Events are kept in memory only meanwhile`, { cause });
    }
    throw new EdgeRecoError(ERROR_CODES.STORAGE_UNAVAILABLE, 'edgereco: IndexedDB could not be opened; events are kept in memory only', { cause });
  } finally {
    clearTimeout(timer);
  }
}

/** The durable event log: batched writes (one transaction per batch), retention, eviction on quota errors. */
export class IdbEventLog implements EventLog {
  readonly kind = 'indexeddb';
  private dbPromise: Promise<IDBPDatabase<EdgeRecoDB>> | null;
  /** Events in the store as far as this tab knows; re-counted whenever it says the limit is passed. */
  private approxCount = 0;

  private constructor(
    private readonly name: string,
    private readonly retention: RetentionPolicy,
    db: IDBPDatabase<EdgeRecoDB>,
  ) {
    this.dbPromise = Promise.resolve(db);
  }

  /** Opens the log, applies retention once, and counts what is there. */
  static async open(name: string, retention: RetentionPolicy): Promise<IdbEventLog> {
    const holder: { log?: IdbEventLog } = {};
    const db = await openEventDatabase(name, () => holder.log?.onClosed());
    const log = (holder.log = new IdbEventLog(name, retention, db));
    await log.enforceRetention();
    return log;
  }

  private onClosed(): void {
    this.dbPromise = null;
  }

  private db(): Promise<IDBPDatabase<EdgeRecoDB>> {
    this.dbPromise ??= openEventDatabase(this.name, () => this.onClosed());
    return this.dbPromise;
  }

  async append(events: readonly BehaviourEvent[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.write(events);
        return;
      } catch (error) {
        if (!isQuotaError(error)) throw error;
        if (attempt >= QUOTA_RETRIES) {
          throw new EdgeRecoError(ERROR_CODES.QUOTA_EXCEEDED, 'edgereco: the storage quota is exhausted even after evicting old events; free space or lower maxEvents', { cause: error, retryable: true });
        }
        const count = await this.count();
        await this.evictOldest(Math.max(events.length, Math.ceil(count * 0.1 * 2 ** attempt)));
      }
    }
  }

  private async write(events: readonly BehaviourEvent[]): Promise<void> {
    const db = await this.db();
    const tx = db.transaction('events', 'readwrite');
    const store = unwrap(tx.store) as IDBObjectStore;
    for (const event of events) store.put(event);
    this.approxCount += events.length;
    if (this.approxCount > this.retention.maxEvents) {
      trimTo(store, this.retention.maxEvents, (count) => (this.approxCount = Math.min(count, this.retention.maxEvents)));
    } else {
      // Nothing more to ask of this transaction: tell the browser now rather than at the end of the task, so the
      // batch commits even if the page is about to go away.
      unwrap(tx).commit?.();
    }
    await tx.done;
  }

  private async evictOldest(n: number): Promise<void> {
    const db = await this.db();
    const tx = db.transaction('events', 'readwrite');
    deleteOldest(unwrap(tx.store) as IDBObjectStore, n);
    await tx.done;
    this.approxCount = Math.max(0, this.approxCount - n);
  }

  async readAll(): Promise<BehaviourEvent[]> {
    return (await this.db()).getAll('events');
  }

  async count(): Promise<number> {
    return (await this.db()).count('events');
  }

  async enforceRetention(now = Date.now()): Promise<void> {
    const db = await this.db();
    const tx = db.transaction('events', 'readwrite');
    const store = unwrap(tx.store) as IDBObjectStore;
    store.delete(IDBKeyRange.upperBound(eventIdLowerBound(now - this.retention.maxAgeDays * DAY_MS), true));
    trimTo(store, this.retention.maxEvents, (count) => (this.approxCount = Math.min(count, this.retention.maxEvents)));
    await tx.done;
  }

  close(): void {
    const pending = this.dbPromise;
    this.dbPromise = null;
    pending?.then((db) => db.close()).catch(() => {});
  }
}
