import { createError, ERROR_CODES, EdgeRecoError } from '../core/errors.js';
import type { BehaviourEvent } from '../core/events.js';
import type { EventLog, RetentionPolicy } from './event-log.js';
import { IdbEventLog, isQuotaError } from './idb-event-log.js';
import { MemoryEventLog } from './memory-event-log.js';

/**
 * The event log the engine writes to: IndexedDB when it works, memory when it does not (at open or later), never an
 * exception for the caller. Each degradation is reported once through `onWarning`; a quota error that survives
 * eviction goes to `onError` and the batch is kept in memory.
 */
export class ResilientEventLog implements EventLog {
  private log: EventLog;
  private readonly memory: MemoryEventLog;

  private constructor(log: EventLog, memory: MemoryEventLog, private readonly onWarning: (error: EdgeRecoError) => void, private readonly onError: (error: EdgeRecoError) => void) {
    this.log = log;
    this.memory = memory;
  }

  static async open(
    name: string | null,
    retention: RetentionPolicy,
    onWarning: (error: EdgeRecoError) => void,
    onError: (error: EdgeRecoError) => void,
  ): Promise<ResilientEventLog> {
    const memory = new MemoryEventLog(retention);
    if (name === null) return new ResilientEventLog(memory, memory, onWarning, onError);
    try {
      return new ResilientEventLog(await IdbEventLog.open(name, retention), memory, onWarning, onError);
    } catch (cause) {
      onWarning(cause instanceof EdgeRecoError ? cause : createError(ERROR_CODES.STORAGE_UNAVAILABLE, { problem: 'IndexedDB failed', consequence: 'keeping events in memory only' }, { cause }));
      return new ResilientEventLog(memory, memory, onWarning, onError);
    }
  }

  get kind(): 'indexeddb' | 'memory' {
    return this.log.kind;
  }

  /** Batches that did not fit in IndexedDB (quota) wait in memory, are read with the rest, and are retried. */
  private held = false;

  async append(events: readonly BehaviourEvent[]): Promise<void> {
    try {
      await this.log.append(events);
      if (this.held && this.log !== this.memory) await this.retryHeld();
    } catch (cause) {
      if ((cause instanceof EdgeRecoError && cause.code === ERROR_CODES.QUOTA_EXCEEDED) || isQuotaError(cause)) {
        // The disk is full, not broken: report it, keep this batch in memory, and keep writing to IndexedDB.
        this.onError(cause instanceof EdgeRecoError ? cause : createError(ERROR_CODES.QUOTA_EXCEEDED, { afterEviction: false }, { cause, retryable: true }));
        this.held = this.log !== this.memory;
      } else if (this.log !== this.memory) {
        this.onWarning(createError(ERROR_CODES.STORAGE_UNAVAILABLE, { problem: 'IndexedDB failed while storing events', consequence: 'keeping them in memory from now on' }, { cause }));
        this.log.close();
        this.log = this.memory;
      }
      await this.memory.append(events);
    }
  }

  /** After a write that fitted, the held batches get another try (the eviction that made room may leave enough). */
  private async retryHeld(): Promise<void> {
    const events = await this.memory.readAll();
    try {
      await this.log.append(events);
      this.memory.clear();
      this.held = false;
    } catch {
      // Still no room: they stay in memory, and are still read and exported.
    }
  }

  async readAll(): Promise<BehaviourEvent[]> {
    const stored = await this.log.readAll();
    if (!this.held || this.log === this.memory) return stored;
    const byId = new Map(stored.map((e) => [e.eventId, e]));
    for (const e of await this.memory.readAll()) byId.set(e.eventId, e);
    return [...byId.values()].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  }

  async count(): Promise<number> {
    return (await this.log.count()) + (this.held && this.log !== this.memory ? await this.memory.count() : 0);
  }

  enforceRetention(now?: number): Promise<void> {
    return this.log.enforceRetention(now);
  }

  /** Forgets the in-memory events (the database itself is deleted by `deleteStoreData`). */
  clearMemory(): void {
    this.memory.clear();
    this.held = false;
  }

  close(): void {
    this.log.close();
  }
}
