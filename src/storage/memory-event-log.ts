import type { BehaviourEvent } from '../core/events.js';
import { DAY_MS, type EventLog, type RetentionPolicy } from './event-log.js';

/** The event log when IndexedDB is unavailable: same behaviour, gone when the page closes. */
export class MemoryEventLog implements EventLog {
  readonly kind = 'memory';
  private readonly events = new Map<string, BehaviourEvent>();

  constructor(private readonly retention: RetentionPolicy) {}

  async append(events: readonly BehaviourEvent[]): Promise<void> {
    for (const e of events) this.events.set(e.eventId, e);
    if (this.events.size > this.retention.maxEvents) await this.enforceRetention();
  }

  async readAll(): Promise<BehaviourEvent[]> {
    return [...this.events.values()].sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
  }

  async count(): Promise<number> {
    return this.events.size;
  }

  async enforceRetention(now = Date.now()): Promise<void> {
    const minTs = now - this.retention.maxAgeDays * DAY_MS;
    const sorted = await this.readAll();
    const excess = sorted.length - this.retention.maxEvents;
    sorted.forEach((e, i) => {
      if (i < excess || e.ts < minTs) this.events.delete(e.eventId);
    });
  }

  clear(): void {
    this.events.clear();
  }

  close(): void {}
}
