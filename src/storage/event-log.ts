import type { BehaviourEvent } from '../core/events.js';

/** Retention: the log never keeps more than `maxEvents`, nor events older than `maxAgeDays`; oldest go first. */
export interface RetentionPolicy {
  maxEvents: number;
  maxAgeDays: number;
}

/** The shopper's behaviour log on the device. Two kinds: IndexedDB (durable) and memory (fallback). */
export interface EventLog {
  readonly kind: 'indexeddb' | 'memory';
  /** Stores the events in one batch; resolves once they are durable. Idempotent per `eventId`. */
  append(events: readonly BehaviourEvent[]): Promise<void>;
  /** Every stored event, oldest first. */
  readAll(): Promise<BehaviourEvent[]>;
  count(): Promise<number>;
  /** Applies the retention policy now (the log also applies it as it writes). */
  enforceRetention(now?: number): Promise<void>;
  close(): void;
}

export const DAY_MS = 86_400_000;
