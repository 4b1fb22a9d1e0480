import { describe, expect, it } from 'vitest';
import { eventItemIds } from '../../src/core/events.js';
import { validateEvent, type BehaviourEvent } from '../../src/core/index.js';
import { stampEvent } from '../../src/core/track-envelope.js';
import { History } from '../../src/worker/history.js';

const T0 = Date.UTC(2026, 0, 1);
const items = (events: readonly BehaviourEvent[]): string[] => events.flatMap(eventItemIds);
const view = (itemId: string, ts: number) => {
  const input = { type: 'view', itemId, ts };
  return validateEvent(input, stampEvent(input, ts), ts + 1000);
};

/**
 * The engine's history reads events in time order (their ids are UUIDv7). This tab's events arrive in order and are
 * appended as they are; another tab's, or the database's at start-up, may arrive late and must still sort into place.
 */
describe('the shopper\'s history', () => {
  it('keeps events in time order whether they arrive in order, late, or twice, and keeps the newest when full', () => {
    const events = Array.from({ length: 12 }, (_, i) => view(`sku-${i}`, T0 + i * 1000));
    const history = new History(10);
    history.add(events.slice(0, 4));
    expect(items(history.events())).toEqual(['sku-0', 'sku-1', 'sku-2', 'sku-3']);
    history.add([events[6]!]); // in order
    history.add([events[4]!, events[5]!]); // late (another tab's)
    history.add([events[2]!]); // again
    expect(items(history.events())).toEqual(['sku-0', 'sku-1', 'sku-2', 'sku-3', 'sku-4', 'sku-5', 'sku-6']);
    for (const e of events.slice(7)) history.add([e]); // one by one, as track() delivers them
    expect(items(history.events())).toEqual(items(events.slice(2)));
    expect(history.size).toBe(10);
    // An old event that is already past the window: sorted in, then dropped as the oldest.
    history.add([events[0]!]);
    expect(items(history.events())).toEqual(items(events.slice(2)));
    expect(history.modelEvents(3).map((e) => e.itemId)).toEqual(['sku-9', 'sku-10', 'sku-11']);
  });
});
