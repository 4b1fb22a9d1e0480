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

  it('holds back while the page is calling, and resumes once it is quiet', async () => {
    const stamps: number[] = [];
    const busyUntil = performance.now() + 120;
    const calls = setInterval(() => performance.now() < busyUntil && messageArrived(), 4);
    try {
      await inSlices(Array.from({ length: 64 }, (_, i) => i), () => {
        work(0.2);
        stamps.push(performance.now());
      }, 1);
    } finally {
      clearInterval(calls);
    }
    // The first slice ran at once (nothing had arrived yet); the rest waited for the calls to stop.
    const afterFirst = stamps.slice(16);
    expect(afterFirst.every((t) => t >= busyUntil)).toBe(true);
    expect(afterFirst[0]! - busyUntil).toBeLessThan(QUIET_MS + 50);
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
