import { openEventDatabase } from './idb-event-log.js';
import type { MetaRecord } from './schema.js';

/**
 * One `meta` record of a store's database, read or written in its own short transaction on its own connection (closed
 * at once, so `forget()` is never blocked by it). For state outside the event log: the model's backend decision
 * (`BACKEND_KEY` in schema.ts). Rejects like {@link openEventDatabase} when IndexedDB cannot be used.
 */
export async function readMetaRecord(dbName: string, key: string): Promise<unknown> {
  const db = await openEventDatabase(dbName, () => {});
  try {
    return ((await db.get('meta', key)) as MetaRecord | undefined)?.value;
  } finally {
    db.close();
  }
}

export async function writeMetaRecord(dbName: string, key: string, value: unknown): Promise<void> {
  const db = await openEventDatabase(dbName, () => {});
  try {
    await db.put('meta', { key, value });
  } finally {
    db.close();
  }
}
