/**
 * Background work in the worker (the search index, the approximate scoring's index) gives way to the page's calls: it
 * runs in slices of a few milliseconds, and a slice does not start while the page is calling (a message arrived in the
 * last {@link QUIET_MS}), so a page that calls recommend() or suggest() during a build waits for one slice at most.
 */

/** How long background work runs before it lets waiting messages through. */
export const SLICE_MS = 6;
/** Background work waits this long after the last message from the page (the page is busy with the worker). */
export const QUIET_MS = 16;
/** …but never longer than this at a time, so a page that calls without pause still gets its index built. */
const MAX_DEFER_MS = 250;

let lastMessage = Number.NEGATIVE_INFINITY;

/** Notes that a message from the page arrived now (the worker's entry point calls it for each one). */
export function messageArrived(): void {
  lastMessage = performance.now();
}

/**
 * A new task of the event loop. A MessageChannel message is not clamped as a nested `setTimeout(0)` is (4 ms from the
 * fifth level, HTML's timer nesting rule), so many short slices cost no idle time; `setTimeout` where there is none.
 */
function newTask(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Resolves in a new task, after the messages that arrived meanwhile, once the page has been quiet for {@link QUIET_MS}. */
export async function nextTask(): Promise<void> {
  await newTask();
  const start = performance.now();
  for (;;) {
    const wait = Math.min(lastMessage + QUIET_MS, start + MAX_DEFER_MS) - performance.now();
    if (wait <= 0) return;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** Runs `each` over `items` in slices of about `sliceMs`, each slice in its own task ({@link nextTask}). */
export async function inSlices<T>(items: Iterable<T>, each: (item: T) => void, sliceMs = SLICE_MS): Promise<void> {
  let start = performance.now();
  let n = 0;
  for (const item of items) {
    each(item);
    if ((++n & 15) === 0 && performance.now() - start >= sliceMs) {
      await nextTask();
      start = performance.now();
    }
  }
}
