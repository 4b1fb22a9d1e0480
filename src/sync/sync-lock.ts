/**
 * Runs `task` while holding the Web Lock `name`, unless another tab of the store holds it (then `task` does not run
 * and this resolves with false: that tab is syncing, and one sender at a time is enough). Without Web Locks the task
 * just runs: the outbox's transactions still keep two tabs from building or spending the same period twice, and the
 * server drops duplicate report ids.
 */
export async function withSyncLock(name: string, task: () => Promise<void>): Promise<boolean> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks?.request) {
    await task();
    return true;
  }
  return locks.request(name, { ifAvailable: true }, async (lock) => {
    if (!lock) return false;
    await task();
    return true;
  });
}
