import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { validateEvent, type EdgeRecoError, type ViewEvent } from '../../src/core/index.js';
import { DB_VERSION, IdbEventLog, MemoryEventLog, readMetaRecord, ResilientEventLog, writeMetaRecord } from '../../src/storage/index.js';
import { BACKEND_KEY } from '../../src/storage/schema.js';

const DAY = 86_400_000;
const NAME = 'edgereco-test';

function views(n: number, start = Date.now() - n, prefix = "sku-"): ViewEvent[] {
  return Array.from({ length: n }, (_, i) => <ViewEvent>validateEvent({ type: 'view', itemId: `${prefix}${i}`, ts: start + i }, undefined, Date.now()));
}

/** Makes a segment write abort its transaction with `name` (as a browser does on a quota or disk error) while `when()`. */
function failNextPuts(when: () => boolean, name: string): void {
  const put = IDBObjectStore.prototype.put;
  vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (this.name === 'segments' && when()) {
      const tx = this.transaction;
      tx.abort();
      Object.defineProperty(tx, 'error', { value: new DOMException('simulated', name), configurable: true });
      return {} as IDBRequest<IDBValidKey>;
    }
    return put.call(this, value, key);
  });
}

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory(); // a fresh, empty IndexedDB per test
});

afterEach(() => vi.restoreAllMocks());

describe('IdbEventLog', () => {
  it('stores a batch and reads it back in time order, once per eventId', async () => {
    const log = await IdbEventLog.open(NAME, { maxEvents: 100, maxAgeDays: 90 });
    const events = views(10);
    await log.append(events.slice(5));
    await log.append(events.slice(0, 5));
    await log.append(events.slice(0, 3)); // sent again (e.g. from the unload rescue): no duplicates
    expect(await log.readAll()).toEqual(events);
    log.close();
  });

  it('keeps at most maxEvents, evicting the oldest first', async () => {
    const log = await IdbEventLog.open(NAME, { maxEvents: 50, maxAgeDays: 90 });
    const events = views(120);
    for (let i = 0; i < events.length; i += 7) await log.append(events.slice(i, i + 7));
    const kept = (await log.readAll()) as ViewEvent[];
    expect(kept).toHaveLength(50);
    expect(kept).toEqual(events.slice(70));
    log.close();
  });

  it('evicts events older than maxAgeDays', async () => {
    const now = Date.now();
    const old = views(5, now - 40 * DAY, 'old-');
    const recent = views(5, now - DAY, 'new-');
    const log = await IdbEventLog.open(NAME, { maxEvents: 100, maxAgeDays: 30 });
    await log.append([...old, ...recent]);
    await log.enforceRetention(now);
    expect(((await log.readAll()) as ViewEvent[]).map((e) => e.itemId)).toEqual(recent.map((e) => e.itemId));
    log.close();
    // Retention also runs when the log opens.
    const reopened = await IdbEventLog.open(NAME, { maxEvents: 100, maxAgeDays: 30 });
    await reopened.append(old);
    reopened.close();
    const again = await IdbEventLog.open(NAME, { maxEvents: 100, maxAgeDays: 30 });
    expect(((await again.readAll()) as ViewEvent[]).map((e) => e.itemId)).toEqual(recent.map((e) => e.itemId));
    expect(await again.count()).toBe(10); // the batch of only-old events is gone; the mixed batch goes when its newest ages out
    again.close();
  });

  it('on QuotaExceededError evicts the oldest events and retries, losing none of the new batch', async () => {
    const log = await IdbEventLog.open(NAME, { maxEvents: 1000, maxAgeDays: 90 });
    const old = views(100, Date.now() - 10_000, 'old-');
    await log.append(old);
    // The simulated disk is full for the first two tries: the transaction aborts with a QuotaExceededError, as in a browser.
    let failures = 2;
    failNextPuts(() => failures-- > 0, 'QuotaExceededError');
    const fresh = views(40, Date.now(), 'new-');
    await log.append(fresh);
    const kept = (await log.readAll()) as ViewEvent[];
    expect(kept.filter((e) => e.itemId.startsWith('new-'))).toHaveLength(40);
    expect(kept.length).toBeLessThan(140);
    expect(kept.map((e) => e.eventId)).toEqual([...kept.map((e) => e.eventId)].sort()); // the oldest went
    expect(kept[0]!.itemId).not.toBe('old-0');
    log.close();
  });

  it('gives up with QUOTA_EXCEEDED (retryable) when eviction cannot make room', async () => {
    const log = await IdbEventLog.open(NAME, { maxEvents: 1000, maxAgeDays: 90 });
    await log.append(views(10, Date.now() - 1000, 'old-'));
    failNextPuts(() => true, 'QuotaExceededError');
    const error = (await log.append(views(3)).catch((e: unknown) => e)) as EdgeRecoError;
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.retryable).toBe(true);
    log.close();
  });
});

describe('migrations', () => {
  it('opens a v1 database, migrates it to the current layout, and loses nothing', async () => {
    // A database as the previous layout (v1) wrote it: auto-increment keys, `timestamp` instead of `ts`, no meta store.
    const t0 = Date.UTC(2026, 9, 1);
    const v1 = [
      { type: 'view', itemId: 'a', timestamp: t0 + 2 },
      { type: 'add_to_cart', itemId: 'a', quantity: 1, timestamp: t0 + 5 },
      { type: 'view', itemId: 'b', timestamp: t0 + 1 },
      { type: 'purchase', lines: [{ itemId: 'a', quantity: 1, price: 2, currency: 'GBP' }], timestamp: t0 + 9 },
    ];
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.open(NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('events', { autoIncrement: true });
      req.onsuccess = () => {
        const tx = req.result.transaction('events', 'readwrite');
        for (const r of v1) tx.objectStore('events').add(r);
        tx.oncomplete = () => (req.result.close(), resolve());
        tx.onerror = () => reject(tx.error);
      };
      req.onerror = () => reject(req.error);
    });
    const log = await IdbEventLog.open(NAME, { maxEvents: 100, maxAgeDays: 3650 });
    const events = await log.readAll();
    expect(events.map((e) => [e.type, e.ts])).toEqual([
      ['view', t0 + 1],
      ['view', t0 + 2],
      ['add_to_cart', t0 + 5],
      ['purchase', t0 + 9],
    ]);
    for (const e of events) {
      expect(e.eventId).toMatch(/^[0-9a-f-]{36}$/);
      expect(e).not.toHaveProperty('timestamp');
    }
    await log.append(views(1));
    expect(await log.count()).toBe(5);
    log.close();
    const db = await new Promise<IDBDatabase>((resolve) => {
      const req = indexedDB.open(NAME);
      req.onsuccess = () => resolve(req.result);
    });
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['meta', 'outbox', 'segments']);
    db.close();
  });

  it('refuses a database written by a newer SDK with UNSUPPORTED_VERSION and leaves it untouched', async () => {
    await new Promise<void>((resolve) => {
      const req = indexedDB.open(NAME, DB_VERSION + 1);
      req.onupgradeneeded = () => {
        req.result.createObjectStore('future', { keyPath: 'id' }).add({ id: 1, kept: true });
      };
      req.onsuccess = () => (req.result.close(), resolve());
    });
    const error = (await IdbEventLog.open(NAME, { maxEvents: 10, maxAgeDays: 10 }).catch((e: unknown) => e)) as EdgeRecoError;
    expect(error.code).toBe('UNSUPPORTED_VERSION');
    expect(error.message).toContain('update the SDK');
    const db = await new Promise<IDBDatabase>((resolve) => {
      const req = indexedDB.open(NAME);
      req.onsuccess = () => resolve(req.result);
    });
    expect(db.version).toBe(DB_VERSION + 1);
    const row = await new Promise((resolve) => {
      const req = db.transaction('future').objectStore('future').get(1);
      req.onsuccess = () => resolve(req.result);
    });
    expect(row).toEqual({ id: 1, kept: true });
    db.close();
  });
});

describe('ResilientEventLog', () => {
  it('keeps a batch the quota refused: still read and counted (so exported), and written once there is room', async () => {
    const errors: EdgeRecoError[] = [];
    const log = await ResilientEventLog.open(NAME, { maxEvents: 1000, maxAgeDays: 90 }, () => {}, (e) => errors.push(e));
    await log.append(views(5, Date.now() - 1000, 'a-'));
    let full = true;
    failNextPuts(() => full, 'QuotaExceededError');
    const refused = views(3, Date.now() - 500, 'b-');
    await log.append(refused);
    expect(errors.map((e) => e.code)).toEqual(['QUOTA_EXCEEDED']);
    // The retries evicted the oldest events to make room (that is the quota policy); the refused batch is not lost.
    const afterRefusal = (await log.readAll()).map((e) => (e as ViewEvent).itemId);
    expect(afterRefusal.slice(-3)).toEqual(['b-0', 'b-1', 'b-2']);
    expect(await log.count()).toBe(afterRefusal.length);
    full = false;
    await log.append(views(2, Date.now(), 'c-'));
    log.close();
    const reopened = await IdbEventLog.open(NAME, { maxEvents: 1000, maxAgeDays: 90 });
    expect((await reopened.readAll()).map((e) => (e as ViewEvent).itemId)).toEqual([...afterRefusal, 'c-0', 'c-1']);
    reopened.close();
  });

  it('works in memory and warns once when IndexedDB is missing', async () => {
    const saved = globalThis.indexedDB;
    // @ts-expect-error: simulating a browser without IndexedDB
    delete globalThis.indexedDB;
    try {
      const warnings: EdgeRecoError[] = [];
      const log = await ResilientEventLog.open(NAME, { maxEvents: 5, maxAgeDays: 1 }, (w) => warnings.push(w), () => {});
      expect(log.kind).toBe('memory');
      expect(warnings.map((w) => w.code)).toEqual(['STORAGE_UNAVAILABLE']);
      const events = views(8);
      await log.append(events);
      expect(await log.readAll()).toEqual(events.slice(3));
    } finally {
      globalThis.indexedDB = saved;
    }
  });

  it('falls back to memory, keeping the batch, when IndexedDB breaks later', async () => {
    const warnings: EdgeRecoError[] = [];
    const log = await ResilientEventLog.open(NAME, { maxEvents: 100, maxAgeDays: 90 }, (w) => warnings.push(w), () => {});
    expect(log.kind).toBe('indexeddb');
    failNextPuts(() => true, 'UnknownError');
    const events = views(3);
    await log.append(events);
    expect(log.kind).toBe('memory');
    expect(warnings.map((w) => w.code)).toEqual(['STORAGE_UNAVAILABLE']);
    expect(await log.readAll()).toEqual(events);
  });
});

describe('meta records', () => {
  it("keep the model's backend decision next to the event log, which they leave alone", async () => {
    const log = await IdbEventLog.open(NAME, { maxEvents: 100, maxAgeDays: 90 });
    await log.append(views(3));
    expect(await readMetaRecord(NAME, BACKEND_KEY)).toBeUndefined();
    const decision = { model: 'sha', device: 'ua | 2 cores | none', backend: 'wasm', why: 'no WebGPU adapter: WASM', timings: { wasm: 1.2 }, decidedAt: 1 };
    await writeMetaRecord(NAME, BACKEND_KEY, decision);
    expect(await readMetaRecord(NAME, BACKEND_KEY)).toEqual(decision);
    expect(await log.readAll()).toHaveLength(3);
    log.close();
  });
});

describe('MemoryEventLog', () => {
  it('applies the same retention', async () => {
    const log = new MemoryEventLog({ maxEvents: 3, maxAgeDays: 1 });
    const events = views(5);
    await log.append(events);
    expect(await log.readAll()).toEqual(events.slice(2));
  });
});
