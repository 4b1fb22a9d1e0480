import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { validateEvent, type BehaviourEvent } from '../../../src/core/index.js';
import { seededRandom } from '../../../src/core/ldp/index.js';
import { dueReports } from '../../../src/sync/due-reports.js';
import { ReportSender } from '../../../src/sync/report-sender.js';
import { SyncScheduler } from '../../../src/sync/sync-scheduler.js';
import { fakeFetch, MemoryOutbox } from './fakes.js';

const DAY = 86_400_000;
const VISIT = Date.UTC(2026, 10, 27, 9, 30);
const g = globalThis as unknown as Record<string, unknown>;
const target = new EventTarget();

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

function setup(seed: number) {
  let now = VISIT;
  const outbox = new MemoryOutbox();
  const { calls, fetch } = fakeFetch(() => 200);
  const beacons: string[] = [];
  const due = dueReports(outbox, () => now);
  const common = { url: 'https://ingest.example', key: 'pk_test_key', topic: 'edgereco-reports' };
  const sender = new ReportSender({ ...common, outbox: due.outbox, fetch, isOnline: () => true, onError: () => {}, onWarning: () => {}, now: () => now });
  const events: BehaviourEvent[] = [validateEvent({ type: 'view', itemId: 'mug', ts: VISIT - DAY }, undefined, VISIT)];
  const scheduler = new SyncScheduler(
    {
      ...common, outbox, storeId: `shop${seed}`, sender: { flush: due.wrap(() => sender.flush()) }, readEvents: async () => events,
      policy: { epsilonPerReport: 5, epsilonPerDay: 10 }, onBeacon: (_u, body) => beacons.push(body), onError: () => {}, isOnline: () => true,
      random: seededRandom(seed), now: () => now, sendWithinMs: DAY,
    },
    false,
  );
  return { outbox, calls, beacons, scheduler, setNow: (t: number) => (now = t) };
}

describe('with a relay, reports leave at a random time within the day after the visit', () => {
  it('builds at the visit, sends nothing then and offers no beacon; each report leaves at the first pass after its own time', async () => {
    const t = setup(1);
    await t.scheduler.tick();
    const records = [...t.outbox.records.values()];
    expect(records).toHaveLength(2);
    expect(t.calls).toHaveLength(0);
    expect(t.beacons.every((b) => b === '')).toBe(true);
    for (const r of records) {
      expect(r.notBefore).toBeGreaterThanOrEqual(VISIT);
      expect(r.notBefore).toBeLessThan(VISIT + DAY);
    }
    const [first, second] = records.sort((a, b) => a.notBefore! - b.notBefore!);
    t.setNow(first!.notBefore!);
    await t.scheduler.tick();
    expect(t.calls.map((c) => c.ids)).toEqual([[first!.id]]);
    t.setNow(second!.notBefore! + 1);
    await t.scheduler.tick();
    expect(t.calls.map((c) => c.ids)).toEqual([[first!.id], [second!.id]]);
    t.scheduler.stop();
  });

  it('spreads send times over the whole day, whatever the hour of the visit (200 browsers)', async () => {
    const delays: number[] = [];
    for (let seed = 0; seed < 100; seed++) {
      const t = setup(seed + 10);
      await t.scheduler.tick();
      for (const r of t.outbox.records.values()) delays.push(r.notBefore! - VISIT);
      t.scheduler.stop();
    }
    const quarters = [0, 1, 2, 3].map((q) => delays.filter((d) => d >= (q * DAY) / 4 && d < ((q + 1) * DAY) / 4).length);
    // 200 uniform draws: each quarter of the day gets 50 ± about 4σ.
    for (const n of quarters) expect(n).toBeGreaterThan(25);
  });

  it('syncNow() sends at once (for setup checks and tests)', async () => {
    const t = setup(3);
    const summary = await t.scheduler.syncNow();
    expect(summary).toMatchObject({ built: 2, accepted: 2, pending: 0 });
    t.scheduler.stop();
  });
});
