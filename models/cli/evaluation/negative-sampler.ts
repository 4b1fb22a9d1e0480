import { mixSeed, seededRandom } from '../../../src/core/seeded-random.js';

/**
 * Draws `count` distinct items uniformly from `1..numItems` that are not in `interacted`, from a stream seeded by
 * `(seed, user)` so the draw does not depend on batching or order. Returns fewer when fewer items qualify.
 */
export function sampleNegatives(
  numItems: number,
  interacted: ReadonlySet<number>,
  count: number,
  seed: number,
  user: number,
): number[] {
  const available = numItems - interacted.size;
  const want = Math.min(count, Math.max(0, available));
  const random = seededRandom(mixSeed(seed, user));
  const chosen = new Set<number>();
  if (want > available / 2) {
    const pool: number[] = [];
    for (let i = 1; i <= numItems; i++) if (!interacted.has(i)) pool.push(i);
    for (let i = 0; i < want; i++) {
      const j = i + Math.floor(random() * (pool.length - i));
      const tmp = pool[i]!;
      pool[i] = pool[j]!;
      pool[j] = tmp;
      chosen.add(pool[i]!);
    }
    return [...chosen];
  }
  while (chosen.size < want) {
    const item = 1 + Math.floor(random() * numItems);
    if (!interacted.has(item)) chosen.add(item);
  }
  return [...chosen];
}
