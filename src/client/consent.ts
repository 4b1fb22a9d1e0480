/**
 * The shopper's opt-out, kept in localStorage: synchronous to read on every `track()`, shared by the store's tabs, and
 * not deleted by `forget()` (forgetting your data must not silently opt you back in).
 */
export class Consent {
  private optedOut: boolean;
  private readonly key: string;

  /** `onChange` hears a change made in another tab (the worker must stop or resume sync there too). */
  constructor(storeId: string, onChange: (optedOut: boolean) => void) {
    this.key = `edgereco:${storeId}:opt-out`;
    this.optedOut = this.read();
    globalThis.addEventListener?.('storage', (event: StorageEvent) => {
      if (event.key === this.key || event.key === null) onChange((this.optedOut = this.read()));
    });
  }

  private storage(): Storage | undefined {
    try {
      return globalThis.localStorage;
    } catch {
      return undefined; // some privacy modes throw on access
    }
  }

  private read(): boolean {
    try {
      return this.storage()?.getItem(this.key) === '1';
    } catch {
      return false;
    }
  }

  get isOptedOut(): boolean {
    return this.optedOut;
  }

  /** Returns false when the choice could not be persisted (it still holds for this page). */
  set(optedOut: boolean): boolean {
    this.optedOut = optedOut;
    try {
      const storage = this.storage();
      if (!storage) return false;
      if (optedOut) storage.setItem(this.key, '1');
      else storage.removeItem(this.key);
      return true;
    } catch {
      return false;
    }
  }
}
