import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { validateEvent, type ViewEvent } from '../../../src/core/index.js';
import { DEFAULT_PRIVACY_BUDGET, emptyBudgetState, utcDay } from '../../../src/core/ldp/index.js';
import { DB_VERSION, IdbEventLog, IdbOutbox, SENT_KEPT, type OutboxRecord } from '../../../src/storage/index.js';

const NAME = 'edgereco-sync-test';
const DAY = 86_400_000;

function record(i: number, period = '2026-11-26'): OutboxRecord {
  const id = `report-${String(i).padStart(12, '0')}`;
  return { id, period, attempts: 0, report: { v: 2, id, period, kind: 'item', eps: 2, mech: 'olh', g: 8, seed: i, y: i % 8 } };
}

/** A database as the v2 layout wrote it: `segments` and `meta`, no outbox. */
async function writeV2(events: ViewEvent[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = indexedDB.open(NAME, 2);
    req.onupgradeneeded = () => {
      req.result.createObjectStore('meta', { keyPath: 'key' });
      req.result.createObjectStore('segments', { keyPath: 'key' });
    };
    req.onsuccess = () => {
      const tx = req.result.transaction(['segments', 'meta'], 'readwrite');
      tx.objectStore('segments').put({ key: events[events.length - 1]!.eventId, events });
      tx.objectStore('meta').put({ key: 'eventCount', value: events.length });
      tx.oncomplete = () => (req.result.close(), resolve());
      tx.onerror = () => reject(tx.error);
    };
    req.onerror = () => reject(req.error);
  });
}

function openRaw(): Promise<IDBDatabase> {
  return new Promise((resolve) => {
    const req = indexedDB.open(NAME);
    req.onsuccess = () => resolve(req.result);
  });
}

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

describe('layout v3: the outbox', () => {
  it('migrates a v2 database to v3: events and their count kept, an empty outbox with a period index added', async () => {
    const t0 = Date.now() - 10_000;
    const events = Array.from({ length: 50 }, (_, i) => validateEvent({ type: 'view', itemId: `sku-${i}`, ts: t0 + i }, undefined, Date.now()) as ViewEvent);
    await writeV2(events);
    const log = await IdbEventLog.open(NAME, { maxEvents: 1000, maxAgeDays: 90 });
    expect((await log.readAll()).map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
    expect(await log.count()).toBe(50);
    log.close();
    const outbox = new IdbOutbox(NAME);
    expect(await outbox.pending()).toEqual([]);
    expect(await outbox.state()).toEqual({ budget: undefined, reportedThrough: undefined });
    outbox.close();
    const db = await openRaw();
    expect(db.version).toBe(DB_VERSION);
    expect(DB_VERSION).toBe(3);
    expect([...db.objectStoreNames].sort()).toEqual(['meta', 'outbox', 'segments']);
    const tx = db.transaction('outbox');
    expect(tx.objectStore('outbox').keyPath).toBe('id');
    expect([...tx.objectStore('outbox').indexNames]).toEqual(['period']);
    db.close();
  });

  it('commits a period atomically (reports, budget, period reported) and refuses a second build of the same period', async () => {
    const outbox = new IdbOutbox(NAME);
    const now = Date.UTC(2026, 10, 27, 12);
    const budget = { ...emptyBudgetState(now), spentToday: 4, reportsToday: 2, spentTotal: 4, reportsTotal: 2 };
    const build = (state: { reportedThrough: string | undefined }) =>
      state.reportedThrough === '2026-11-26' ? null : { records: [record(1), record(2)], budget, reportedThrough: '2026-11-26' };
    expect(await outbox.commit(build)).not.toBeNull();
    expect(await outbox.commit(build)).toBeNull(); // what another tab would see: the period is already reported
    expect((await outbox.pending()).map((r) => r.id)).toEqual([record(1).id, record(2).id]);
    expect(await outbox.state()).toEqual({ budget, reportedThrough: '2026-11-26' });
    outbox.close();
  });

  it('confirm removes and remembers what was sent (capped), drop removes, failed counts attempts, clear empties', async () => {
    const outbox = new IdbOutbox(NAME);
    const now = Date.now();
    const records = Array.from({ length: SENT_KEPT + 10 }, (_, i) => record(i));
    await outbox.commit(() => ({ records, budget: emptyBudgetState(now), reportedThrough: '2026-11-26' }));
    await outbox.failed([records[0]!.id, records[0]!.id, records[1]!.id]); // once per id per call
    await outbox.failed([records[0]!.id]);
    const byId = new Map((await outbox.pending()).map((r) => [r.id, r]));
    expect(byId.get(records[0]!.id)!.attempts).toBe(2);
    expect(byId.get(records[1]!.id)!.attempts).toBe(1);
    const today = utcDay(now);
    await outbox.confirm(records.slice(0, SENT_KEPT + 5).map((r) => r.id), today);
    await outbox.drop([records[SENT_KEPT + 5]!.id]);
    expect((await outbox.pending()).map((r) => r.id)).toEqual(records.slice(SENT_KEPT + 6).map((r) => r.id));
    const sent = await outbox.sent();
    expect(sent).toHaveLength(SENT_KEPT);
    expect(sent[sent.length - 1]).toEqual({ report: records[SENT_KEPT + 4]!.report, sentDay: today });
    await outbox.clear();
    expect(await outbox.pending()).toEqual([]);
    outbox.close();
    expect(DEFAULT_PRIVACY_BUDGET.epsilonPerDay).toBe(4);
    expect(DAY).toBe(86_400_000);
  });
});
