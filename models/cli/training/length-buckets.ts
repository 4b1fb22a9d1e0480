import { seededRandom, shuffleInPlace } from '../../../src/core/seeded-random.js';

/**
 * Groups sequence indices into batches of similar length so that a batch is padded only to its own longest member
 * (82% of the positions are padding at a fixed length 50 on Amazon Beauty). Members are shuffled within equal lengths,
 * and the batch order is shuffled, both from `seed`. Sequences with fewer than `minLength` items are left out.
 */
export function lengthBuckets(
  lengths: readonly number[],
  batchSize: number,
  seed: number,
  minLength = 2,
): number[][] {
  const random = seededRandom(seed);
  const keys = lengths.map(() => random());
  const order = lengths.map((_, i) => i).filter((i) => lengths[i]! >= minLength);
  order.sort((a, b) => lengths[a]! - lengths[b]! || keys[a]! - keys[b]!);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return shuffleInPlace(batches, random);
}
