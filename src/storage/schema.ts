import type { DBSchema } from 'idb';
import type { BehaviourEvent } from '../core/events.js';

/** The layout version this SDK writes. Bump it with a new step in `migrations.ts`. */
export const DB_VERSION = 2;

/**
 * The database of one store on the device. Version history:
 * - v1: `events`, auto-increment keys, records `{ type, timestamp, ...fields }`.
 * - v2: `events` keyed by `eventId` (UUIDv7, so key order is time order), `ts` instead of `timestamp`; `meta`.
 */
export interface EdgeRecoDB extends DBSchema {
  events: { key: string; value: BehaviourEvent };
  meta: { key: string; value: MetaRecord };
}

export interface MetaRecord {
  key: string;
  value: unknown;
}
