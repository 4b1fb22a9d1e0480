import { afterEach, describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../src/core/events.js';
import { CrossTab } from '../../src/worker/cross-tab.js';

/** Node's BroadcastChannel (the same API the workers use): engines of one store, and a listener that records the channel. */
const opened: { close(): void }[] = [];
afterEach(() => opened.splice(0).forEach((c) => c.close()));

function engine(store: string, tab: string, recent: BehaviourEvent[] = []) {
  const got: BehaviourEvent[] = [];
  const tabs = new CrossTab(store, tab, { events: (events) => got.push(...events), reset: () => {}, recent: (since) => recent.filter((e) => e.ts >= since) });
  opened.push(tabs);
  return { tabs, got };
}

function wire(store: string) {
  const kinds: string[] = [];
  const channel = new BroadcastChannel(`edgereco:${store}`);
  channel.onmessage = (event: MessageEvent<{ kind: string }>) => kinds.push(event.data.kind);
  opened.push(channel);
  return kinds;
}

const view = (itemId: string, ts = Date.now()): BehaviourEvent => ({ eventId: `e-${itemId}`, type: 'view', itemId, ts }) as BehaviourEvent;
const settle = () => new Promise((r) => setTimeout(r, 30));

describe('CrossTab (the engines of a store\'s tabs in step)', () => {
  it('publishes nothing while no other engine listens (one SharedWorker, or a single tab)', async () => {
    const kinds = wire('alone');
    const a = engine('alone', 'a');
    await settle();
    a.tabs.publish([view('x')]);
    await settle();
    expect(kinds).toEqual(['hello']);
  });

  it('publishes to an engine that said hello, sends it the recent events, and stops after its bye', async () => {
    const kinds = wire('pair');
    const a = engine('pair', 'a', [view('old', Date.now() - 60_000), view('fresh')]);
    await settle();
    const b = engine('pair', 'b');
    await settle();
    expect(b.got.map((e) => e.eventId)).toEqual(['e-fresh']); // the last 30 s only: the rest is durable in the log
    a.tabs.publish([view('next')]);
    await settle();
    expect(b.got.map((e) => e.eventId)).toEqual(['e-fresh', 'e-next']);
    b.tabs.publish([view('from-b')]);
    await settle();
    expect(a.got.map((e) => e.eventId)).toEqual(['e-from-b']); // b learned of a from its answer
    b.tabs.close();
    await settle();
    const before = kinds.length;
    a.tabs.publish([view('after')]);
    await settle();
    expect(kinds.slice(before)).toEqual([]);
  });
});
