import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { validateEvent, type BehaviourEvent, type EdgeRecoError } from '../../../src/core/index.js';
import { seededRandom } from '../../../src/core/ldp/index.js';
import { ReportSender } from '../../../src/sync/report-sender.js';
import { withSyncLock } from '../../../src/sync/sync-lock.js';
import { SyncScheduler } from '../../../src/sync/sync-scheduler.js';
import { fakeFetch, MemoryOutbox } from './fakes.js';

const NOW = Date.UTC(2026, 10, 27, 9);
const target = new EventTarget();
const g = globalThis as unknown as Record<string, unknown>;

function events(): BehaviourEvent[] {
  return [validateEvent({ type: 'view', itemId: 'mug', ts: NOW - 86_400_000 }, undefined, NOW)];
}

function setup(reply: Parameters<typeof fakeFetch>[0], options: { online?: () => boolean; optedOut?: boolean; events?: () => BehaviourEvent[] } = {}) {
  const outbox = new MemoryOutbox();
  const errors: EdgeRecoError[] = [];
  const beacons: { url: string; body: string }[] = [];
  const inOutboxWhenSent: boolean[] = [];
  const { calls, fetch } = fakeFetch((call, i) => {
    inOutboxWhenSent.push(call.ids.every((id) => outbox.records.has(id)));
    return reply(call, i);
  });
  const isOnline = options.online ?? (() => true);
  const common = { url: 'https://ingest.example', key: 'pk_test_key', topic: 'edgereco-reports', outbox };
  const accepted: { accepted: number; periods: string[] }[] = [];
  const sender = new ReportSender({ ...common, fetch, isOnline, onError: (e) => errors.push(e), onWarning: () => {}, onAccepted: (b) => accepted.push(b), now: () => NOW });
  const scheduler = new SyncScheduler(
    {
      ...common,
      storeId: 'shop',
      sender,
      readEvents: async () => (options.events ?? events)(),
      policy: { epsilonPerReport: 2, epsilonPerDay: 4 },
      onBeacon: (url, body) => beacons.push({ url, body }),
      onError: (e) => errors.push(e),
      isOnline,
      random: seededRandom(7),
      now: () => NOW,
    },
    options.optedOut ?? false,
  );
  return { outbox, errors, beacons, calls, scheduler, inOutboxWhenSent, accepted };
}

beforeEach(() => {
  vi.useFakeTimers();
  g.addEventListener = target.addEventListener.bind(target);
  g.removeEventListener = target.removeEventListener.bind(target);
});

afterEach(() => {
  vi.useRealTimers();
  delete g.addEventListener;
  delete g.removeEventListener;
});

describe('SyncScheduler.syncNow', () => {
  const TODAY = '2026-11-27';
  const today = (): BehaviourEvent[] => [validateEvent({ type: 'view', itemId: 'mug', ts: NOW - 1000 }, undefined, NOW)];

  it('reports today so far within the day budget, sends it, and says when the budget is spent', async () => {
    const t = setup(() => 200, { events: today });
    const first = await t.scheduler.syncNow();
    expect(first).toMatchObject({ status: 'done', period: TODAY, built: 2, sent: 2, accepted: 2, rejected: 0, pending: 0, epsilonSpent: 4, epsilonLeftToday: 0 });
    expect(first.message).toBe(`edgereco: sync: built 2 report(s) of ${TODAY} (ε 4); sent 2: 2 accepted, 0 rejected; ε 0 left today`);
    expect(t.accepted).toEqual([{ accepted: 2, periods: [TODAY], url: 'https://ingest.example/topics/edgereco-reports' }]);
    const again = await t.scheduler.syncNow();
    expect(again).toMatchObject({ status: 'done', period: null, built: 0, sent: 0, epsilonSpent: 0, epsilonLeftToday: 0 });
    expect(again.message).toBe(`edgereco: sync: today (${TODAY}) was reported already; events tracked since are not reported (each day is reported once, within its ε 4); ε 0 left today`);
    expect(t.outbox.current.budget).toMatchObject({ day: TODAY, spentToday: 4, reportsToday: 2 });
  });

  it('reports the finished day first; when that spends the budget, today waits for tomorrow', async () => {
    const t = setup(() => 200, { events: () => [...events(), ...today()] });
    const summary = await t.scheduler.syncNow();
    expect(summary).toMatchObject({ period: '2026-11-26', built: 2, accepted: 2, epsilonSpent: 4, epsilonLeftToday: 0 });
    expect(summary.message).toContain("that spent today's budget (ε 4): today's events are reported after the UTC day ends");
    expect(t.outbox.current.reportedThrough).toBe('2026-11-26');
  });

  it('counts refused reports, and builds nothing for an opted-out shopper', async () => {
    const t = setup(() => 403, { events: today });
    expect(await t.scheduler.syncNow()).toMatchObject({ built: 2, sent: 2, accepted: 0, rejected: 2, pending: 0 });
    expect(t.errors.map((e) => e.code)).toEqual(['SYNC_REJECTED']);
    expect(t.accepted).toEqual([]);
    const off = setup(() => 200, { events: today, optedOut: true });
    expect(await off.scheduler.syncNow()).toMatchObject({ status: 'opted-out', built: 0 });
    expect(off.calls).toHaveLength(0);
  });
});

describe('SyncScheduler', () => {
  it('writes a period’s reports to the outbox before sending, hands the page a beacon, and retries a 5xx with backoff', async () => {
    let down = true;
    const t = setup(() => (down ? 503 : 200));
    t.scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.calls).toHaveLength(1);
    expect(t.inOutboxWhenSent).toEqual([true]);
    expect(t.outbox.records.size).toBe(2);
    const beacon = t.beacons.at(-1)!;
    expect(beacon.url).toBe('https://ingest.example/topics/edgereco-reports?key=pk_test_key');
    expect(JSON.parse(beacon.body).records.map((r: { value: { id: string } }) => r.value.id).sort()).toEqual([...t.outbox.records.keys()].sort());
    // First retry after 500–1000 ms, the second after 1–2 s.
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(999);
    const before = t.calls.length;
    down = false;
    await vi.advanceTimersByTimeAsync(1001);
    expect(t.calls.length).toBe(before + 1);
    expect(t.outbox.records.size).toBe(0);
    expect(t.outbox.sentIds).toHaveLength(2);
    expect(t.beacons.at(-1)!.body).toBe('');
    // The period is reported once: later passes build nothing new and send nothing.
    await t.scheduler.tick();
    expect(t.outbox.sentIds).toHaveLength(2);
    expect(t.calls.length).toBe(before + 1);
    t.scheduler.stop();
  });

  it('waits while offline and sends when the online event comes', async () => {
    let online = false;
    const t = setup(() => 200, { online: () => online });
    t.scheduler.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(t.calls).toHaveLength(0);
    expect(t.outbox.records.size).toBe(2); // built and kept, not sent
    expect(t.beacons.at(-1)!.body).not.toBe('');
    online = true;
    target.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(t.calls).toHaveLength(1);
    expect(t.outbox.records.size).toBe(0);
    t.scheduler.stop();
  });

  it('an opted-out shopper produces no reports; opting out empties the outbox and the beacon', async () => {
    const out = setup(() => 200, { optedOut: true });
    out.scheduler.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(out.outbox.records.size).toBe(0);
    expect(out.calls).toHaveLength(0);
    out.scheduler.stop();

    const t = setup(() => 503);
    t.scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.outbox.records.size).toBe(2);
    await t.scheduler.setOptedOut(true);
    expect(t.outbox.records.size).toBe(0);
    expect(t.beacons.at(-1)!.body).toBe('');
    const calls = t.calls.length;
    await vi.advanceTimersByTimeAsync(600_000);
    expect(t.calls.length).toBe(calls); // no retry after opting out
    t.scheduler.stop();
  });
});

describe('withSyncLock', () => {
  it('runs the task only when no other tab holds the store’s lock', async () => {
    const held = new Set<string>();
    const locks = {
      request: async (name: string, _opts: { ifAvailable: boolean }, cb: (lock: unknown) => Promise<unknown>) => {
        if (held.has(name)) return cb(null);
        held.add(name);
        try {
          return await cb({ name });
        } finally {
          held.delete(name);
        }
      },
    };
    vi.stubGlobal('navigator', { locks });
    let runs = 0;
    let release!: () => void;
    const first = withSyncLock('edgereco-shop-sync', () => new Promise<void>((r) => ((runs += 1), (release = r))));
    expect(await withSyncLock('edgereco-shop-sync', async () => void (runs += 1))).toBe(false);
    expect(runs).toBe(1);
    release();
    expect(await first).toBe(true);
    expect(await withSyncLock('edgereco-shop-sync', async () => void (runs += 1))).toBe(true);
    expect(runs).toBe(2);
    vi.unstubAllGlobals();
  });
});

describe('SyncScheduler and the secure mode', () => {
  it("lets the secure report be built outside the page's first minute only (or by syncNow()), and clears it on opt-out", async () => {
    let now = NOW;
    const calls: { all: boolean; build: boolean }[] = [];
    let cleared = 0;
    const outbox = new MemoryOutbox();
    const { fetch } = fakeFetch(() => 200);
    const common = { url: 'https://ingest.example', key: 'pk_test_key', topic: 'edgereco-reports', outbox };
    const sender = new ReportSender({ ...common, fetch, isOnline: () => true, onError: () => {}, onWarning: () => {}, onAccepted: () => {}, now: () => now });
    const scheduler = new SyncScheduler(
      {
        ...common, storeId: 'secure-shop', sender, readEvents: async () => events(), policy: { epsilonPerReport: 2, epsilonPerDay: 4 }, onBeacon: () => {}, onError: () => {}, isOnline: () => true, random: seededRandom(3), now: () => now,
        secure: { pass: async (_events, all, build) => void calls.push({ all, build }), clear: async () => void cleared++ },
      },
      false,
    );
    scheduler.start(); // its first pass, now
    await scheduler.tick();
    const early = calls.splice(0);
    expect(early.length).toBeGreaterThan(0);
    expect(early.every((c) => !c.all && !c.build)).toBe(true);
    now += 61_000;
    await scheduler.tick();
    await scheduler.syncNow();
    expect(calls).toEqual([{ all: false, build: true }, { all: true, build: true }]);
    await scheduler.setOptedOut(true);
    expect(cleared).toBe(1);
    scheduler.stop();
  });
});
