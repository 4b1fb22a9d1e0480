import type { TrackEnvelope } from '../core/track-envelope.js';

/**
 * Events handed to the worker are durable only once it answers. On `pagehide` (and when the worker is gone) the
 * tracker writes what is unconfirmed to localStorage, which is synchronous and survives the navigation; the store's
 * next page sends it again. Re-sending is idempotent (events are keyed by `eventId`), so nothing is counted twice.
 */
export class UnloadRescue {
  private readonly prefix: string;
  private readonly key: string;
  private collected: string[] = [];

  constructor(storeId: string, tabId: string) {
    this.prefix = `edgereco:${storeId}:rescue:`;
    this.key = this.prefix + tabId;
  }

  private storage(): Storage | undefined {
    try {
      return globalThis.localStorage;
    } catch {
      return undefined; // some privacy modes throw on access
    }
  }

  /** Saves the events this tab has not confirmed (replacing its earlier save). */
  save(envelopes: readonly TrackEnvelope[]): void {
    try {
      if (envelopes.length === 0) this.storage()?.removeItem(this.key);
      else this.storage()?.setItem(this.key, JSON.stringify(envelopes));
    } catch {
      // Quota or disabled storage: nothing more can be done while the page unloads.
    }
  }

  /** Everything earlier pages of this store saved; `drop()` removes it once stored again. */
  collect(): TrackEnvelope[] {
    const storage = this.storage();
    const out: TrackEnvelope[] = [];
    if (!storage) return out;
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key === null || !key.startsWith(this.prefix)) continue;
      this.collected.push(key);
      try {
        const parsed: unknown = JSON.parse(storage.getItem(key) ?? '[]');
        if (Array.isArray(parsed)) for (const envelope of parsed as TrackEnvelope[]) out.push(envelope);
      } catch {
        // A corrupt save is dropped rather than blocking start-up.
      }
    }
    return out;
  }

  drop(): void {
    for (const key of this.collected) this.storage()?.removeItem(key);
    this.collected = [];
  }

  /** Removes every save of this store (after `forget()`). */
  clearAll(): void {
    this.collect();
    this.drop();
  }
}
