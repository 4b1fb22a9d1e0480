import type { FlushResult, SenderOutbox } from './report-sender.js';

/**
 * The sender's view of the outbox when reports wait for a random send time (`notBefore`, set with a relay): only
 * the reports whose time has come, except during a flush that asks for all of them (`syncNow()`). Returns that outbox
 * and a `flush` that takes `{ all }` around the sender's own.
 */
export function dueReports(outbox: SenderOutbox, now: () => number = Date.now): { outbox: SenderOutbox; wrap: (flush: () => Promise<FlushResult>) => (options?: { all?: boolean }) => Promise<FlushResult> } {
  let all = false;
  return {
    outbox: {
      pending: async () => {
        const records = await outbox.pending();
        const t = now();
        return all ? records : records.filter((r) => (r.notBefore ?? 0) <= t);
      },
      confirm: (ids, day) => outbox.confirm(ids, day),
      drop: (ids) => outbox.drop(ids),
      failed: (ids) => outbox.failed(ids),
    },
    wrap: (flush) => async (options) => {
      all = options?.all === true;
      try {
        return await flush();
      } finally {
        all = false;
      }
    },
  };
}
