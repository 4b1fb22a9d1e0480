import type { DBSchema } from 'idb';
import type { BehaviourEvent } from '../core/events.js';

/** The layout version this SDK writes. Bump it with a new step in `migrations.ts`. */
export const DB_VERSION = 2;

/**
 * A batch of events stored as one record: one put per batch instead of one per event is what makes sustained tracking
 * fast (IndexedDB's cost is per record). Keyed by the batch's last `eventId`, a UUIDv7, so key order is time order and
 * "every segment older than T" is one key range.
 */
export interface Segment {
  key: string;
  events: BehaviourEvent[];
}

/**
 * The database of one store on the device. Version history:
 * - v1: `events`, auto-increment keys, one record per event `{ type, timestamp, ...fields }`.
 * - v2: `segments` (batches of events keyed by their last `eventId`), `meta` (the event count, kept in step with the
 *   segments inside every write transaction).
 */
export interface EdgeRecoDB extends DBSchema {
  segments: { key: string; value: Segment };
  meta: { key: string; value: MetaRecord };
}

export interface MetaRecord {
  key: string;
  value: unknown;
}

/** The `meta` record holding how many events the segments hold. */
export const EVENT_COUNT_KEY = 'eventCount';
