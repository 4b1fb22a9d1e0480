import { unwrap, type IDBPDatabase } from 'idb';
import type { AggregateReport } from '../core/ldp/aggregate-report.js';
import type { PrivacyBudgetState } from '../core/ldp/privacy-budget.js';
import { openEventDatabase } from './idb-event-log.js';
import { BUDGET_KEY, REPORTED_KEY, SENT_KEY, TOKENS_KEY, type EdgeRecoDB, type HeldToken, type OutboxRecord } from './schema.js';

/** How many confirmed reports `meta` keeps for the shopper to see (`exportData()`), newest last. */
export const SENT_KEPT = 200;

/** What the outbox's owner reads before building a period's reports, inside the same transaction as the write. */
export interface OutboxState {
  /** The privacy budget spent so far (undefined: nothing yet). */
  budget: PrivacyBudgetState | undefined;
  /** The last period whose reports were built, `YYYY-MM-DD` (undefined: none yet). */
  reportedThrough: string | undefined;
  /** The unspent Privacy Pass tokens (`syncTokens`; absent or empty when none). */
  tokens?: HeldToken[];
}

/** What a period's build decided: the reports to queue, the budget after them, and the period now covered. */
export interface OutboxCommit {
  records: OutboxRecord[];
  budget: PrivacyBudgetState;
  reportedThrough: string;
  /** The tokens left unspent after this build, when it took some. */
  tokens?: HeldToken[];
}

/** A report the gateway confirmed, as the shopper sees it in `exportData()`. */
export interface SentReport {
  report: AggregateReport;
  /** The UTC day it was confirmed (no finer time is kept). */
  sentDay: string;
}

/**
 * The durable outbox of privatized reports and the privacy budget, in the store's database (layout v3). Every
 * method is one transaction; requests chain by callback (see idb-event-log.ts) so the transaction stays active.
 */
export class IdbOutbox {
  private dbPromise: Promise<IDBPDatabase<EdgeRecoDB>> | null = null;

  constructor(private readonly name: string) {}

  private db(): Promise<IDBPDatabase<EdgeRecoDB>> {
    this.dbPromise ??= openEventDatabase(this.name, () => {
      this.dbPromise = null;
    });
    return this.dbPromise;
  }

  private async transact<T>(stores: ('outbox' | 'meta')[], mode: IDBTransactionMode, body: (tx: IDBTransaction, result: (value: T) => void) => void): Promise<T> {
    const db = unwrap(await this.db()) as IDBDatabase;
    const tx = db.transaction(stores, mode, { durability: mode === 'readwrite' ? 'relaxed' : 'default' });
    let value: T;
    const done = new Promise<T>((resolve, reject) => {
      tx.oncomplete = () => resolve(value);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new DOMException('transaction aborted', 'AbortError'));
    });
    body(tx, (v) => {
      value = v;
    });
    return done;
  }

  /** The budget spent and the last period reported. */
  state(): Promise<OutboxState> {
    return this.transact<OutboxState>(['meta'], 'readonly', (tx, result) => readState(tx.objectStore('meta'), result));
  }

  /**
   * Builds and queues one period's reports atomically: `build` runs inside the transaction with the current state
   * (so two tabs can never both spend the same budget) and returns what to write, or null to write nothing. Resolves
   * with what was written (null when nothing).
   */
  commit(build: (state: OutboxState) => OutboxCommit | null): Promise<OutboxCommit | null> {
    return this.transact<OutboxCommit | null>(['outbox', 'meta'], 'readwrite', (tx, result) => {
      const meta = tx.objectStore('meta');
      const outbox = tx.objectStore('outbox');
      result(null);
      readState(meta, (state) => {
        const commit = build(state);
        if (!commit) return;
        for (const record of commit.records) outbox.put(record);
        meta.put({ key: BUDGET_KEY, value: commit.budget });
        meta.put({ key: REPORTED_KEY, value: commit.reportedThrough });
        if (commit.tokens) meta.put({ key: TOKENS_KEY, value: commit.tokens });
        result(commit);
      });
    });
  }

  /**
   * Changes the unspent tokens in one transaction: `update` gets what is held and returns what to hold (new tokens
   * added, tokens of a retired key dropped). Resolves with what is held after.
   */
  updateTokens(update: (held: HeldToken[]) => HeldToken[]): Promise<HeldToken[]> {
    return this.transact<HeldToken[]>(['meta'], 'readwrite', (tx, result) => {
      const meta = tx.objectStore('meta');
      const req = meta.get(TOKENS_KEY);
      req.onsuccess = () => {
        const held = update(((req.result as { value?: HeldToken[] } | undefined)?.value ?? []).slice());
        meta.put({ key: TOKENS_KEY, value: held });
        result(held);
      };
    });
  }

  /** Every queued report, by id. */
  async pending(): Promise<OutboxRecord[]> {
    return (await this.db()).getAll('outbox');
  }

  /** Removes reports the gateway confirmed (2xx) and remembers them as sent on `day`. */
  confirm(ids: readonly string[], day: string): Promise<void> {
    return this.transact<void>(['outbox', 'meta'], 'readwrite', (tx) => {
      const outbox = tx.objectStore('outbox');
      const meta = tx.objectStore('meta');
      const sent: SentReport[] = [];
      let left = ids.length;
      const finish = (): void => {
        const req = meta.get(SENT_KEY);
        req.onsuccess = () => {
          const before = ((req.result as { value?: SentReport[] } | undefined)?.value ?? []);
          meta.put({ key: SENT_KEY, value: [...before, ...sent].slice(-SENT_KEPT) });
        };
      };
      if (left === 0) return;
      for (const id of ids) {
        const get = outbox.get(id);
        get.onsuccess = () => {
          const record = get.result as OutboxRecord | undefined;
          if (record) {
            sent.push({ report: record.report, sentDay: day });
            outbox.delete(id);
          }
          if (--left === 0) finish();
        };
      }
    });
  }

  /** Removes reports without remembering them as sent (a 4xx: the gateway will never take them). */
  drop(ids: readonly string[]): Promise<void> {
    return this.transact<void>(['outbox'], 'readwrite', (tx) => {
      for (const id of ids) tx.objectStore('outbox').delete(id);
    });
  }

  /** Counts one more failed attempt for each report (once per id, however often it is named). */
  failed(ids: readonly string[]): Promise<void> {
    return this.transact<void>(['outbox'], 'readwrite', (tx) => {
      const outbox = tx.objectStore('outbox');
      for (const id of new Set(ids)) {
        const get = outbox.get(id);
        get.onsuccess = () => {
          const record = get.result as OutboxRecord | undefined;
          if (record) outbox.put({ ...record, attempts: record.attempts + 1 });
        };
      }
    });
  }

  /** Empties the outbox (the shopper opted out: nothing queued may leave any more). */
  clear(): Promise<void> {
    return this.transact<void>(['outbox'], 'readwrite', (tx) => {
      tx.objectStore('outbox').clear();
    });
  }

  /** The reports the gateway confirmed most recently, oldest first. */
  async sent(): Promise<SentReport[]> {
    return (((await (await this.db()).get('meta', SENT_KEY))?.value as SentReport[] | undefined) ?? []);
  }

  close(): void {
    const pending = this.dbPromise;
    this.dbPromise = null;
    pending?.then((db) => db.close()).catch(() => {});
  }
}

function readState(meta: IDBObjectStore, then: (state: OutboxState) => void): void {
  const budget = meta.get(BUDGET_KEY);
  const reported = meta.get(REPORTED_KEY);
  const tokens = meta.get(TOKENS_KEY);
  // Requests of one transaction complete in order: the last one's success means all three are done.
  tokens.onsuccess = () => {
    then({
      budget: (budget.result as { value?: PrivacyBudgetState } | undefined)?.value,
      reportedThrough: (reported.result as { value?: string } | undefined)?.value,
      ...(tokens.result ? { tokens: (tokens.result as { value: HeldToken[] }).value } : {}),
    });
  };
}
