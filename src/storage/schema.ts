import type { DBSchema } from 'idb';
import type { BehaviourEvent } from '../core/events.js';
import type { AggregateReport } from '../core/ldp/aggregate-report.js';

/** The layout version this SDK writes. Bump it with a new step in `migrations.ts`. */
export const DB_VERSION = 3;

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
 * - v3: `outbox` (privatized reports not yet confirmed by the gateway, keyed by their random id, indexed by period);
 *   `meta` also keeps the privacy budget spent ({@link BUDGET_KEY}), the last period reported ({@link REPORTED_KEY})
 *   and the last reports the gateway confirmed ({@link SENT_KEY}).
 *   Later, with no layout change: `meta` also keeps the model's backend decision ({@link BACKEND_KEY}), the shopper's
 *   experiment arms ({@link EXPERIMENT_ARMS_KEY}) and the unspent Privacy Pass tokens ({@link TOKENS_KEY}); an outbox
 *   record may carry the token that pays for its report.
 */
export interface EdgeRecoDB extends DBSchema {
  segments: { key: string; value: Segment };
  meta: { key: string; value: MetaRecord };
  outbox: { key: string; value: OutboxRecord; indexes: { period: string } };
}

/**
 * A report waiting to be sent. It leaves the outbox only once the gateway answered 2xx (or refused it with a 4xx,
 * which no retry can fix). `attempts` counts failed sends.
 */
export interface OutboxRecord {
  /** The report's random id (also `report.id`). */
  id: string;
  /** The UTC day the report covers, `YYYY-MM-DD` (also `report.period`). */
  period: string;
  attempts: number;
  report: AggregateReport;
  /** The Privacy Pass token that pays for this report (base64url), when the gateway wants one (`syncTokens`). */
  token?: string;
  /**
   * Not sent before this time (ms since the epoch): with a relay, a random time within the day after the build, so
   * that when a report arrives says nothing about when the shopper visited. Absent: as soon as possible.
   */
  notBefore?: number;
}

export interface MetaRecord {
  key: string;
  value: unknown;
}

/** The `meta` record holding how many events the segments hold. */
export const EVENT_COUNT_KEY = 'eventCount';

/** The `meta` record holding the privacy budget spent (a `PrivacyBudgetState`). */
export const BUDGET_KEY = 'privacyBudget';

/** The `meta` record holding the last period (UTC day) whose reports were built: no period is reported twice. */
export const REPORTED_KEY = 'reportedThrough';

/** The `meta` record holding the reports the gateway confirmed most recently (what was sent), newest last. */
export const SENT_KEY = 'sentReports';

/**
 * The `meta` record holding the model's backend decision for `backend: 'auto'` (a `BackendMemory`: the model and
 * device it holds for, the backend, why, the steady-state timings, when). Read back through `parseBackendMemory`.
 */
export const BACKEND_KEY = 'modelBackend';

/**
 * The `meta` record holding the shopper's experiment arms: `{ version: 1, assignments: ArmAssignment[] }` (see
 * src/core/arm-assignment.ts). Deleted with the database by `forget()`.
 */
export const EXPERIMENT_ARMS_KEY = 'experimentArms';

/**
 * The `meta` record holding the unspent Privacy Pass tokens (`HeldToken[]`, a few at most: `syncTokens`). A `meta`
 * record, not a store of its own: building a period's reports takes tokens from it in the same transaction that
 * writes the outbox and the budget, and a handful of tokens needs no index (nor a database version).
 */
export const TOKENS_KEY = 'privacyPassTokens';

/** A Privacy Pass token the browser holds, unspent: the token (base64url) and the issuer key it was issued with. */
export interface HeldToken {
  /** The RFC 9577 Token struct, base64url (146 bytes for type 0x0001). */
  token: string;
  /** The issuer's public key (the directory's `token-key`), so a token of a retired key can be dropped. */
  key: string;
}
