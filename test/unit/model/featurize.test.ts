import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEventCsv } from '../../../models/cli/datasets/event-csv.js';
import { EVENT_TYPES } from '../../../src/core/events.js';
import { featurizeDataset } from '../../../models/cli/training/featurize-dataset.js';
import { featurizeHistory, recencyBucket, RECENCY_BUCKETS } from '../../../src/core/featurize.js';

const vocab = new Map(['a', 'b', 'c', 'd'].map((id, i) => [id, i + 1]));
const event = fc.record({
  itemId: fc.constantFrom('a', 'b', 'c', 'd', 'unknown'),
  type: fc.constantFrom(...EVENT_TYPES),
  ts: fc.integer({ min: 0, max: 1e9 }),
});

describe('featurizeHistory', () => {
  it('keeps known items of history types, in time order, at most maxLength, no immediate repeats', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), fc.integer({ min: 1, max: 10 }), (events, maxLength) => {
        const f = featurizeHistory(events, vocab, maxLength, 2e9);
        expect(f.items.length).toBeLessThanOrEqual(maxLength);
        expect(f.types).toHaveLength(f.items.length);
        expect(f.gaps).toHaveLength(f.items.length);
        for (let i = 0; i < f.items.length; i++) {
          expect(f.items[i]).toBeGreaterThanOrEqual(1);
          expect(f.items[i]).toBeLessThanOrEqual(4);
          if (i > 0) expect(f.items[i]).not.toBe(f.items[i - 1]);
          expect(['view', 'click', 'add_to_cart', 'purchase']).toContain(EVENT_TYPES[f.types[i]!]);
          expect(f.gaps[i]).toBeGreaterThanOrEqual(0);
          expect(f.gaps[i]).toBeLessThan(RECENCY_BUCKETS);
        }
      }),
    );
  });

  it('orders by time, not by arrival, and drops impressions and unknown items', () => {
    const f = featurizeHistory(
      [
        { itemId: 'b', type: 'view', ts: 2000 },
        { itemId: 'a', type: 'click', ts: 1000 },
        { itemId: 'c', type: 'impression', ts: 3000 },
        { itemId: 'zzz', type: 'view', ts: 3500 },
        { itemId: 'd', type: 'purchase', ts: 4000 },
      ],
      vocab,
      10,
      4000 + 5 * 60_000,
    );
    expect(f.items).toEqual([1, 2, 4]);
    expect(f.types.map((t) => EVENT_TYPES[t])).toEqual(['click', 'view', 'purchase']);
    // Each event's gap is the wait until the next one; the latest one's is the wait until now.
    expect(f.gaps).toEqual([recencyBucket(1000), recencyBucket(2000), recencyBucket(5 * 60_000)]);
  });

  it('recency buckets are monotone and bounded', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (a, b) => {
        const [x, y] = a <= b ? [a, b] : [b, a];
        expect(recencyBucket(x)).toBeLessThanOrEqual(recencyBucket(y));
        expect(recencyBucket(y)).toBeLessThan(RECENCY_BUCKETS);
      }),
    );
  });
});

describe('featurizeDataset', () => {
  it('turns a store export into the sequences inference will see', () => {
    const d = featurizeDataset(
      parseEventCsv('u,a,1,view\nu,a,2,click\nu,b,3,impression\nu,c,4,purchase\nv,b,1,view\n'),
    );
    expect(d.items.map((s) => s.map((i) => d.itemIds[i - 1]))).toEqual([['a', 'c'], ['b']]);
  });
});
