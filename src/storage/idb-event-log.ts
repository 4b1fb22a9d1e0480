import { openDB, unwrap, type IDBPDatabase } from 'idb';
import { createError, EdgeRecoError, ERROR_CODES } from '../core/errors.js';
import { eventIdLowerBound } from '../core/event-id.js';
import type { BehaviourEvent } from '../core/events.js';
import { DAY_MS, type EventLog, type RetentionPolicy } from './event-log.js';
import { migrate } from './migrations.js';
import { DB_VERSION, EVENT_COUNT_KEY, type EdgeRecoDB, type Segment } from './schema.js';

/** How long opening may take before IndexedDB is taken as broken (some browsers hang instead of failing). */
const OPEN_TIMEOUT_MS = 5_000;
/** Retries of a batch that hit the storage quota, each after evicting more of the oldest events. */
const QUOTA_RETRIES = 3;

export function isQuotaError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: string }).name === 'QuotaExceededError';
}

/*
 * The helpers below chain IndexedDB requests by callback, never by promise, so the transaction is still active at
 * every step whatever the environment's microtask timing. Each keeps the `meta` event count in step, in the same
 * transaction, so tabs writing at once never disagree about it.
 */

interface Stores {
  segments: IDBObjectStore;
  meta: IDBObjectStore;
}

/** Reads the event count, lets `change` compute the new one, writes it back, then calls `then` with it. */
function updateCount(meta: IDBObjectStore, change: (count: number) => number, then?: (count: number) => void): void {
  const req = meta.get(EVENT_COUNT_KEY);
  req.onsuccess = () => {
    const count = Math.max(0, change((req.result?.value as number | undefined) ?? 0));
    meta.put({ key: EVENT_COUNT_KEY, value: count });
    then?.(count);
  };
}

/** Deletes the oldest `n` events (whole segments, then the front of one), then calls `done` with how many went. */
function deleteOldest(segments: IDBObjectStore, n: number, done: (removed: number) => void): void {
  if (n <= 0) return done(0);
  let left = n;
  const req = segments.openCursor();
  req.onsuccess = () => {
    const cursor = req.result;
    if (!cursor || left <= 0) return done(n - left);
    const segment = cursor.value as Segment;
    if (segment.events.length <= left) {
      cursor.delete();
      left -= segment.events.length;
      cursor.continue();
    } else {
      cursor.update({ key: segment.key, events: segment.events.slice(left) } satisfies Segment);
      left = 0;
      done(n);
    }
  };
}

/** Trims the log to `maxEvents` when `count` is over it. */
function trimTo(stores: Stores, count: number, maxEvents: number): void {
  if (count > maxEvents) deleteOldest(stores.segments, count - maxEvents, (removed) => updateCount(stores.meta, (c) => c - removed));
}

/**
 * Opens (and if needed creates or migrates) a store's database. Rejects with `UNSUPPORTED_VERSION` when a newer SDK
 * wrote it, and with `STORAGE_UNAVAILABLE` when IndexedDB is missing, broken or hangs.
 */
export async function openEventDatabase(name: string, onClosed: () => void): Promise<IDBPDatabase<EdgeRecoDB>> {
  if (typeof indexedDB === 'undefined' || indexedDB === null) {
    throw createError(ERROR_CODES.STORAGE_UNAVAILABLE, { problem: 'IndexedDB is not available here' });
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(createError(ERROR_CODES.STORAGE_UNAVAILABLE, { problem: `IndexedDB did not open within ${OPEN_TIMEOUT_MS} ms` })),
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
      throw createError(ERROR_CODES.UNSUPPORTED_VERSION, { what: `the database "${name}" (written by a newer edgereco)`, supported: `layouts up to v${DB_VERSION}`, fix: 'update the SDK. Events are kept in memory only meanwhile' }, { cause });
    }
    throw createError(ERROR_CODES.STORAGE_UNAVAILABLE, { problem: 'IndexedDB could not be opened' }, { cause });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The durable event log: each batch is one record (a segment) written in one transaction, with the retention policy
 * and quota recovery applied as it writes.
 */
export class IdbEventLog implements EventLog {
  readonly kind = 'indexeddb';
  private dbPromise: Promise<IDBPDatabase<EdgeRecoDB>> | null;

  private constructor(
    private readonly name: string,
    private readonly retention: RetentionPolicy,
    db: IDBPDatabase<EdgeRecoDB>,
  ) {
    this.dbPromise = Promise.resolve(db);
  }

  /** Opens the log and applies retention once. */
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

  /** Runs `body` in one readwrite transaction over both stores; resolves when it commits. */
  private async transact(body: (stores: Stores) => void): Promise<void> {
    const db = await this.db();
    // Relaxed durability: committed data survives a tab or browser crash; only an OS crash in the next moment could
    // lose the last batch. Strict durability would fsync every batch and cost several times the throughput.
    // The raw transaction, not idb's wrapper (whose own `done` promise would reject unobserved on an abort).
    const tx = (unwrap(db) as IDBDatabase).transaction(['segments', 'meta'], 'readwrite', { durability: 'relaxed' });
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new DOMException('transaction aborted', 'AbortError'));
    });
    body({ segments: tx.objectStore('segments'), meta: tx.objectStore('meta') });
    return done;
  }

  async append(events: readonly BehaviourEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.write(events);
        return;
      } catch (error) {
        if (!isQuotaError(error)) throw error;
        if (attempt >= QUOTA_RETRIES) {
          throw createError(ERROR_CODES.QUOTA_EXCEEDED, { afterEviction: true }, { cause: error, retryable: true });
        }
        const count = await this.count();
        try {
          await this.evictOldest(Math.max(events.length, Math.ceil(count * 0.1 * 2 ** attempt)));
        } catch (evictError) {
          // Deleting needs a little space too; when even that hits the quota, the next try evicts more.
          if (!isQuotaError(evictError)) throw evictError;
        }
      }
    }
  }

  private write(events: readonly BehaviourEvent[]): Promise<void> {
    const segment: Segment = { key: events[events.length - 1]!.eventId, events: [...events] };
    return this.transact((stores) => {
      // The same batch sent twice (the unload rescue) has the same key: it replaces itself rather than doubling.
      const existing = stores.segments.get(segment.key);
      existing.onsuccess = () => {
        const replaced = (existing.result as Segment | undefined)?.events.length ?? 0;
        stores.segments.put(segment);
        updateCount(stores.meta, (count) => count + segment.events.length - replaced, (count) => trimTo(stores, count, this.retention.maxEvents));
      };
    });
  }

  private evictOldest(n: number): Promise<void> {
    return this.transact((stores) => deleteOldest(stores.segments, n, (removed) => updateCount(stores.meta, (c) => c - removed)));
  }

  /** Every stored event, oldest first, once per `eventId`, none older than the retention age. */
  async readAll(now = Date.now()): Promise<BehaviourEvent[]> {
    const segments = await (await this.db()).getAll('segments');
    const minTs = now - this.retention.maxAgeDays * DAY_MS;
    const byId = new Map<string, BehaviourEvent>();
    for (const segment of segments) for (const event of segment.events) if (event.ts >= minTs) byId.set(event.eventId, event);
    return [...byId.values()].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  }

  async count(): Promise<number> {
    return (((await (await this.db()).get('meta', EVENT_COUNT_KEY))?.value as number | undefined) ?? 0);
  }

  async enforceRetention(now = Date.now()): Promise<void> {
    const bound = eventIdLowerBound(now - this.retention.maxAgeDays * DAY_MS);
    await this.transact((stores) => {
      // Segments whose newest event is past the age limit: every event in them is.
      let removed = 0;
      const req = stores.segments.openCursor(IDBKeyRange.upperBound(bound, true));
      req.onsuccess = () => {
        const cursor = req.result;
        if (cursor) {
          removed += (cursor.value as Segment).events.length;
          cursor.delete();
          cursor.continue();
          return;
        }
        updateCount(stores.meta, (c) => c - removed, (count) => trimTo(stores, count, this.retention.maxEvents));
      };
    });
  }

  close(): void {
    const pending = this.dbPromise;
    this.dbPromise = null;
    pending?.then((db) => db.close()).catch(() => {});
  }
}
