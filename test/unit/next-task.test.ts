import { describe, expect, it } from 'vitest';
import { inSlices, messageArrived, QUIET_MS } from '../../src/core/next-task.js';

/** Busy-waits `ms` (a slice of real work). */
const work = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('background work in slices (next-task.ts)', () => {
  it('does every item in order and lets a waiting task run between slices, not after the whole run', async () => {
    const done: number[] = [];
    let waitedFor = -1;
    setTimeout(() => (waitedFor = done.length), 0); // a call arriving as the work starts
    await inSlices(Array.from({ length: 400 }, (_, i) => i), (i) => {
      work(0.1);
      done.push(i);
    }, 4);
    expect(done).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(waitedFor).toBeGreaterThan(0);
    expect(waitedFor).toBeLessThan(200); // ran after the first slice (≈ 40 items), long before the end
  });

  it('starts each slice only once the page has been quiet for QUIET_MS', async () => {
    // A call arrives during every slice (sliceMs 0: a slice is 16 items): each next slice waits QUIET_MS after it.
    const starts: number[] = [];
    await inSlices(Array.from({ length: 64 }, (_, i) => i), (i) => {
      if (i % 16 === 0) starts.push(performance.now());
      messageArrived();
    }, 0);
    expect(starts).toHaveLength(4);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(QUIET_MS - 1);
  });

  it('never holds back for long: a page that calls without pause still gets the work done', async () => {
    const calls = setInterval(messageArrived, 2);
    const start = performance.now();
    try {
      await inSlices(Array.from({ length: 48 }, (_, i) => i), () => work(0.2), 1);
    } finally {
      clearInterval(calls);
    }
    expect(performance.now() - start).toBeLessThan(2_000); // two deferred slices of at most 250 ms each, plus slack
  });
});
