import { describe, expect, it } from 'vitest';
import { IncrementalReach, neighbourReach, type NeighbourLists } from '../../../src/model/cooccurrence-walk.js';
import { seededRandom } from '../../../src/core/seeded-random.js';

/** Random neighbour lists: each item up to `width` neighbours, some weights 0 (int8 rounded them away). */
function randomLists(size: number, width: number, random: () => number): NeighbourLists {
  const offsets = new Int32Array(size + 1);
  const ids: number[] = [];
  const sims: number[] = [];
  for (let i = 0; i < size; i++) {
    const n = i === 0 ? 0 : Math.floor(random() * (width + 1));
    for (let k = 0; k < n; k++) {
      ids.push(1 + Math.floor(random() * (size - 1)));
      sims.push(random() < 0.1 ? 0 : random());
    }
    offsets[i + 1] = ids.length;
  }
  return { offsets, ids: Int32Array.from(ids), sims: Float32Array.from(sims) };
}

const term = (sum: number): number => 0.7 * Math.log1p(300 * sum);

/** What the walk from scratch gives for a history, by item. */
function fromScratch(lists: NeighbourLists, history: number[], length: number, hops: number, pathWeight: number): Map<number, number> {
  const { items, sums } = neighbourReach(lists, history, length, hops, pathWeight);
  return new Map(Array.from(items, (item, r) => [item, sums[r]! > 0 ? term(sums[r]!) : 0]));
}

/**
 * The worker follows the memory's walk from one history to the next (`IncrementalReach`) instead of walking every
 * history from scratch; the shopper must not see a difference: the same items reached, the same terms to float32
 * rounding, through new items, repeats, items leaving the window, and a history that changes completely.
 */
describe('the memory\'s walk followed from history to history', () => {
  for (const [hops, pathWeight, size, width] of [[1, 0, 400, 12], [2, 0.003, 400, 12], [3, 0.05, 400, 12], [2, 0, 400, 12], [2, 0.01, 5000, 40]] as const) {
    it(`gives the walk from scratch after every event (${hops} step${hops > 1 ? 's' : ''}, path weight ${pathWeight}, ${size} items)`, () => {
      const random = seededRandom(hops * 10 + pathWeight * 1000);
      const lists = randomLists(size, width, random);
      const reach = new IncrementalReach(lists, hops, pathWeight, term);
      const length = 20;
      let history: number[] = [];
      let largest = 0;
      for (let event = 0; event < (size > 1000 ? 200 : 700); event++) {
        const roll = random();
        if (roll < 0.02) history = Array.from({ length: 1 + Math.floor(random() * 30) }, () => 1 + Math.floor(random() * (size - 1)));
        else if (roll < 0.15 && history.length > 0) history.push(history[Math.floor(random() * history.length)]!); // a repeat
        else history.push(1 + Math.floor(random() * (size - 1)));
        if (random() < 0.01) history.push(size + 5); // an item past the lists (a tail item): no paths
        const expected = fromScratch(lists, history, length, hops, pathWeight);
        const { items, terms } = reach.update(history, length);
        let wrong = items.length === expected.size ? 0 : 1;
        items.forEach((item, r) => {
          const want = expected.get(item);
          if (want === undefined || !(Math.abs(terms[r]! - want) <= 1e-5 * Math.max(1, Math.abs(want)))) wrong++;
        });
        if (wrong > 0) expect({ event, items: Array.from(items).sort(), wrong }).toEqual({ event, items: [...expected.keys()].sort(), wrong: 0 });
        largest = Math.max(largest, items.length);
      }
      expect(largest).toBeGreaterThan(size > 1000 ? 2000 : hops > 1 && pathWeight > 0 ? 150 : 60); // the walks reach far: the comparison is not of empty lists
    });
  }
});
