import { unwrap, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { newEventId } from '../core/event-id.js';
import type { BehaviourEvent } from '../core/events.js';
import { EVENT_COUNT_KEY, type EdgeRecoDB, type Segment } from './schema.js';

type UpgradeTx = IDBPTransaction<EdgeRecoDB, StoreNames<EdgeRecoDB>[], 'versionchange'>;

/** A v1 record: auto-increment key, `timestamp` in ms, the event's other fields as they are. */
interface V1Record {
  type: string;
  timestamp: number;
  [field: string]: unknown;
}

/** Events per segment when migrating an old log. */
const MIGRATION_SEGMENT = 500;

/**
 * Brings a database from `oldVersion` to the current layout, one step at a time, inside the upgrade transaction (so a
 * failure rolls the whole upgrade back and the old data stays as it was). Steps use request callbacks, not promises:
 * the transaction must still be active when each step goes on.
 */
export function migrate(db: IDBPDatabase<EdgeRecoDB>, oldVersion: number, tx: UpgradeTx): void {
  // idb's types only know the current layout; older layouts are reached through the raw objects.
  const raw = unwrap(db) as IDBDatabase;
  const rawTx = unwrap(tx) as IDBTransaction;
  // Each step calls the next once its requests are done (by callback: the upgrade transaction must stay active).
  const steps: ((next: () => void) => void)[] = [];
  if (oldVersion < 1) steps.push((next) => (createV2(raw, []), next()));
  else if (oldVersion < 2) steps.push((next) => v1ToV2(raw, rawTx, next));
  if (oldVersion < 3) steps.push((next) => (v2ToV3(raw), next()));
  const run = (i: number): void => steps[i]?.(() => run(i + 1));
  run(0);
}

function createV2(db: IDBDatabase, events: BehaviourEvent[]): void {
  const meta = db.createObjectStore('meta', { keyPath: 'key' });
  const segments = db.createObjectStore('segments', { keyPath: 'key' });
  for (let i = 0; i < events.length; i += MIGRATION_SEGMENT) {
    const chunk = events.slice(i, i + MIGRATION_SEGMENT);
    segments.put({ key: chunk[chunk.length - 1]!.eventId, events: chunk } satisfies Segment);
  }
  meta.put({ key: EVENT_COUNT_KEY, value: events.length });
}

function v1ToV2(db: IDBDatabase, tx: IDBTransaction, then: () => void): void {
  const req = tx.objectStore('events').getAll();
  req.onsuccess = () => {
    const records = (req.result as V1Record[]).sort((a, b) => a.timestamp - b.timestamp);
    db.deleteObjectStore('events');
    createV2(
      db,
      records.map(({ timestamp, ...fields }) => {
        const ts = Math.floor(timestamp);
        return { ...fields, ts, eventId: newEventId(ts) } as BehaviourEvent;
      }),
    );
    then();
  };
}

/** v3: the outbox of privatized reports. The privacy budget lives in `meta` (absent means nothing spent yet). */
function v2ToV3(db: IDBDatabase): void {
  const outbox = db.createObjectStore('outbox', { keyPath: 'id' });
  outbox.createIndex('period', 'period');
}
