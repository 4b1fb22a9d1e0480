import { deleteDB } from 'idb';
import { createError, ERROR_CODES } from '../core/errors.js';

/** Resolves once every listed database is deleted and every Cache Storage cache starting with `cachePrefix` is gone. */
export async function deleteStoreData(dbNames: readonly string[], cachePrefix: string): Promise<void> {
  if (typeof indexedDB !== 'undefined' && indexedDB !== null) {
    for (const name of dbNames) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const blockedTooLong = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(createError(ERROR_CODES.STORAGE_UNAVAILABLE, { problem: `could not delete "${name}": another tab keeps it open`, consequence: 'close other tabs of this store and retry' }, { retryable: true })), 10_000);
      });
      try {
        await Promise.race([deleteDB(name), blockedTooLong]);
      } finally {
        clearTimeout(timer);
      }
    }
  }
  const cacheStorage = (globalThis as { caches?: CacheStorage }).caches;
  if (cacheStorage) {
    for (const key of await cacheStorage.keys()) {
      if (key.startsWith(cachePrefix)) await cacheStorage.delete(key);
    }
  }
}
