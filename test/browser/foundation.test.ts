import { writeFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { baseUrl, DEDICATED, launch, openSdkPage, resultsDir, watchErrors } from './chromium.js';

/** What the test pages put on `window`. */
type W = Window & { sdk: typeof Sdk; reco: Sdk.Recommender; edgereco: Sdk.Recommender & unknown[] };
const CATALOG = '/test/fixtures/catalog.json';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('durability', () => {
  it('1,000 awaited track() calls survive a reload: exactly those events, none duplicated', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const ids = await page.evaluate(async () => {
      const w = window as unknown as W;
      w.reco = w.sdk.createRecommender({ storeId: 'awaited' });
      const out: (string | null)[] = [];
      for (let i = 0; i < 1000; i++) out.push(await w.reco.track({ type: 'view', itemId: `sku-${i}` }));
      return out;
    });
    expect(new Set(ids).size).toBe(1000);
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
    const stored = await page.evaluate(async () => {
      const w = window as unknown as W;
      const data = await w.sdk.createRecommender({ storeId: 'awaited' }).exportData();
      return data.events.map((e) => ({ id: e.eventId, item: (e as Sdk.ViewEvent).itemId }));
    });
    expect(stored).toHaveLength(1000);
    expect(stored.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(stored.map((e) => e.item)).toEqual(Array.from({ length: 1000 }, (_, i) => `sku-${i}`)); // in tracked order
    await context.close();
  });

  it('1,000 track() calls not awaited, then an immediate navigation away: all survive', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    await page.evaluate(async () => {
      const w = window as unknown as W;
      w.reco = w.sdk.createRecommender({ storeId: 'unawaited' });
      await w.reco.recommend({ k: 1 }); // the SDK is up, as on a page the shopper has been on for a moment
    });
    await Promise.all([
      page.waitForURL(/next=1/),
      page.evaluate(() => {
        const w = window as unknown as W;
        for (let i = 0; i < 1000; i++) void w.reco.track({ type: 'view', itemId: `sku-${i}` });
        location.href = '/test/browser/pages/sdk.html?next=1';
      }),
    ]);
    await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
    const items = await page.evaluate(async () => {
      const w = window as unknown as W;
      const data = await w.sdk.createRecommender({ storeId: 'unawaited' }).exportData();
      return data.events.map((e) => (e as Sdk.ViewEvent).itemId);
    });
    writeFileSync(`${resultsDir()}/unawaited-navigation.json`, JSON.stringify({ tracked: 1000, survived: items.length, distinct: new Set(items).size }, null, 2));
    console.log(`not-awaited track() then navigation: ${items.length} of 1000 events survived`);
    expect(new Set(items).size).toBe(items.length);
    expect(items.length).toBe(1000);
    await context.close();
  });
});

describe('real time', () => {
  // One engine for both tabs (a SharedWorker), or one per page (dedicated workers, kept in step through a BroadcastChannel).
  it.each([['one SharedWorker', ''], ['a dedicated worker per page', DEDICATED]])('the next recommend() reflects an event tracked just before, in this tab and in another tab within 100 ms (%s)', async (_, query) => {
    const context = await browser.newContext();
    const [a, b] = [await openSdkPage(context, query), await openSdkPage(context, query)];
    const start = (page: typeof a) =>
      page.evaluate(async (catalogUrl) => {
        const w = window as unknown as W;
        w.reco = w.sdk.createRecommender({ storeId: 'tabs', catalogUrl });
        return (await w.reco.recommend({ k: 3 })).map((r) => r.itemId);
      }, CATALOG);
    const coldA = await start(a);
    const coldB = await start(b);
    expect(coldA).toEqual(coldB);
    // Same tab: not even awaited, the next call sees it.
    const sameTab = await a.evaluate(async () => {
      const w = window as unknown as W;
      void w.reco.track({ type: 'view', itemId: 'trowel-2' });
      return (await w.reco.recommend({ k: 3 }))[0]!;
    });
    expect(sameTab.reason).toContain('Wooden trowel');
    // Other tab: poll B right after A's track() resolved.
    await a.evaluate(async () => {
      const w = window as unknown as W;
      await w.reco.track({ type: 'view', itemId: 'lamp-4' });
    });
    const seen = await b.evaluate(async () => {
      const w = window as unknown as W;
      const t0 = performance.now();
      for (;;) {
        const recs = await w.reco.recommend({ k: 3 });
        if (recs.some((r) => r.reason.includes('Night lamp'))) return { ms: performance.now() - t0, top: recs.map((r) => r.itemId) };
        if (performance.now() - t0 > 1000) return { ms: Infinity, top: recs.map((r) => r.itemId) };
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    console.log(`cross-tab: tab B reflected tab A's event after ${seen.ms.toFixed(1)} ms (measured from B's first poll)`);
    expect(seen.ms).toBeLessThan(100);
    expect(seen.top).not.toEqual(coldB);
    // A page opened afterwards starts with A's events too (from the log; the latest also from A, in case it is not durable yet).
    const late = await start(await openSdkPage(context, query));
    expect(late).toEqual(seen.top);
    await context.close();
  });
});

describe('validation', () => {
  it('rejects invalid events with INVALID_EVENT naming the field, and the stored log is unchanged', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const result = await page.evaluate(async () => {
      const w = window as unknown as W;
      w.reco = w.sdk.createRecommender({ storeId: 'invalid' });
      await w.reco.track({ type: 'view', itemId: 'a' });
      await w.reco.track({ type: 'purchase', lines: [{ itemId: 'a', quantity: 1, price: 9.5, currency: 'GBP' }] });
      const before = (await w.reco.exportData()).events;
      const bad: unknown[] = [
        { type: 'view', itemId: 42 },
        { type: 'view' },
        { type: 'teleport', itemId: 'a' },
        { type: 'click', itemId: 'a', position: -2, listId: 'home' },
        { type: 'purchase', lines: [{ itemId: 'a', quantity: 1, price: 1, currency: 'pounds' }] },
        { type: 'view', itemId: 'a', onClick: () => 1 }, // cannot even be copied to the worker
        JSON.parse('{"type":"view","itemId":"a","__proto__":{"x":1}}'),
      ];
      const errors = await Promise.all(
        bad.map((e) => w.reco.track(e as Sdk.TrackInput).then(() => null, (error: Sdk.EdgeRecoError) => ({ code: error.code, name: error.name, message: error.message, field: error.details.field }))),
      );
      const after = (await w.reco.exportData()).events;
      return { before, after, errors };
    });
    expect(result.errors.map((e) => e?.code)).toEqual(Array(7).fill('INVALID_EVENT'));
    expect(result.errors[0]).toEqual({ code: 'INVALID_EVENT', name: 'EdgeRecoError', message: 'edgereco: event.itemId must be a non-empty string (got 42)', field: 'event.itemId' });
    expect(result.errors.map((e) => e?.field)).toEqual(['event.itemId', 'event.itemId', 'event.type', 'event.position', 'event.lines[0].currency', 'event', 'event.__proto__']);
    expect(result.after).toEqual(result.before);
    await context.close();
  });

  it('keeps error codes across the worker boundary', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const codes = await page.evaluate(async () => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'codes' });
      const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: Sdk.EdgeRecoError) => `${e.code}: ${e.message}`);
      return [await code(reco.recommend({ k: 0 })), await code(reco.search('mug', { k: 500 })), await code(reco.explain(42 as unknown as string))];
    });
    expect(codes[0]).toMatch(/^INVALID_OPTION: edgereco: options.k must be an integer from 1 to 200 \(got 0\)/);
    expect(codes[1]).toMatch(/^INVALID_OPTION: edgereco: options.k must be an integer from 1 to 200 \(got 500\)/);
    expect(codes[2]).toBe('INVALID_OPTION: edgereco: explain(itemId) must be an item id, a non-empty string (got 42)');
    await context.close();
  });

  it('a bad option the worker finds rejects every call with it (calls are sent before init has answered) and is emitted once', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const result = await page.evaluate(async () => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'bad-option', storage: 'disk' as unknown as 'memory' });
      const emitted: string[] = [];
      reco.on('error', (e) => emitted.push(e.code));
      const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: Sdk.EdgeRecoError) => `${e.code}: ${e.message}`);
      const answers = await Promise.all([code(reco.recommend()), code(reco.suggest('mu')), code(reco.search('mug')), code(reco.explain('x'))]);
      await new Promise((r) => setTimeout(r, 100));
      return { answers, emitted };
    });
    expect(result.answers).toHaveLength(4);
    for (const answer of result.answers) expect(answer).toMatch(/^INVALID_OPTION: edgereco: .*storage/);
    expect(result.emitted).toEqual(['INVALID_OPTION']);
    await context.close();
  });
});

describe('script-tag embed', () => {
  it('applies every call queued before the bundle loaded, in order', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    // Hold the bundle back so the page's queue fills first, as on a slow network.
    await page.route('**/edgereco.embed.js', async (route) => {
      await new Promise((r) => setTimeout(r, 400));
      await route.continue();
    });
    await page.goto(`${baseUrl()}/test/browser/pages/embed.html`);
    expect(await page.evaluate(() => (window as unknown as { queuedBeforeLoad: number }).queuedBeforeLoad)).toBe(53);
    await page.waitForFunction(() => (window as unknown as { queuedRecs?: unknown }).queuedRecs !== undefined);
    const state = await page.evaluate(async () => {
      const w = window as unknown as W & { queuedRecs: Sdk.Recommendation[] | string; queuedInvalid: string };
      await w.edgereco.track({ type: 'view', itemId: 'after-load' }); // the API is callable directly once loaded
      const data = await w.edgereco.exportData();
      return { items: data.events.map((e) => (e as Sdk.ViewEvent).itemId), recs: w.queuedRecs, invalid: w.queuedInvalid, storeId: data.storeId };
    });
    expect(state.storeId).toBe('embed-test');
    expect(state.items).toEqual([...Array.from({ length: 50 }, (_, i) => `queued-${i}`), 'after-load']);
    expect(state.invalid).toBe('INVALID_EVENT');
    expect(Array.isArray(state.recs) && state.recs.length).toBe(3);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('shopper control', () => {
  it('forget() leaves no database and no cache behind, in every tab', async () => {
    const context = await browser.newContext();
    const [page, other] = [await openSdkPage(context), await openSdkPage(context)];
    await other.evaluate(async () => {
      const w = window as unknown as W;
      w.reco = w.sdk.createRecommender({ storeId: 'forget' });
      await w.reco.track({ type: 'view', itemId: 'mug-1' });
    });
    const before = await page.evaluate(async () => {
      const w = window as unknown as W;
      w.reco = w.sdk.createRecommender({ storeId: 'forget', catalogUrl: '/test/fixtures/catalog.json' });
      await w.reco.track({ type: 'add_to_cart', itemId: 'lamp-1' });
      await (await caches.open('edgereco-forget-models')).put('/model.bin', new Response('weights'));
      return { dbs: (await indexedDB.databases()).map((d) => d.name), caches: await caches.keys(), events: (await w.reco.exportData()).events.length };
    });
    expect(before.dbs).toContain('edgereco-forget');
    expect(before.caches).toContain('edgereco-forget-models');
    expect(before.events).toBe(2);
    const after = await page.evaluate(async () => {
      const w = window as unknown as W;
      await w.reco.forget();
      return {
        dbs: (await indexedDB.databases()).map((d) => d.name),
        caches: await caches.keys(),
        rescue: Object.keys(localStorage).filter((k) => k.includes('rescue')),
        recs: (await w.reco.recommend({ k: 2 })).map((r) => r.reason),
      };
    });
    expect(after.dbs).not.toContain('edgereco-forget');
    expect(after.caches).toEqual([]);
    expect(after.rescue).toEqual([]);
    expect(after.recs.every((r) => !r.includes('Desk lamp') && !r.includes('your cart'))).toBe(true);
    const otherRecs = await other.evaluate(async () => (await (window as unknown as W).reco.recommend({ k: 3 })).map((r) => r.reason));
    expect(otherRecs.some((r) => r.includes('mug'))).toBe(false);
    await context.close();
  });

  it('optOut() stops recording across reloads; optIn() undoes it; exportData() returns everything', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    await page.evaluate(async () => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'consent' });
      await reco.track({ type: 'view', itemId: 'kept' });
      await reco.optOut();
    });
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
    const state = await page.evaluate(async () => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'consent' });
      const optedOut = reco.isOptedOut();
      const whileOut = await reco.track({ type: 'view', itemId: 'dropped' });
      const during = await reco.exportData();
      await reco.optIn();
      await reco.track({ type: 'search', query: 'lamp', resultCount: 4 });
      const after = await reco.exportData();
      return { optedOut, whileOut, during, after: after.events.map((e) => e.type), json: JSON.parse(JSON.stringify(after)) as Sdk.ExportedData };
    });
    expect(state.optedOut).toBe(true);
    expect(state.whileOut).toBeNull();
    expect(state.during.optedOut).toBe(true);
    expect(state.during.events.map((e) => (e as Sdk.ViewEvent).itemId)).toEqual(['kept']);
    expect(state.after).toEqual(['view', 'search']);
    expect(state.json).toMatchObject({ format: 'edgereco-export', version: 1, storeId: 'consent', storage: 'indexeddb', optedOut: false });
    await context.close();
  });
});

describe('storage quota', () => {
  it('when the origin quota runs out, the oldest events are evicted and tracking goes on without an error', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    // A small device: Chromium's DevTools protocol caps this origin's storage at 300 KB.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: baseUrl(), quotaSize: 300 * 1024 });
    const result = await page.evaluate(async () => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'quota', maxEvents: 1_000_000 });
      const background: string[] = [];
      const note = (e: Sdk.EdgeRecoError) => background.push(`${e.code}: ${e.message} (${String(e.cause)})`);
      reco.on('warning', note);
      reco.on('error', note);
      const pad = 'x'.repeat(200);
      let rejected = 0;
      for (let b = 0; b < 40; b++) {
        const batch = Array.from({ length: 200 }, (_, i) => reco.track({ type: 'view', itemId: `sku-${b * 200 + i}`, props: { pad } }).catch(() => rejected++));
        await Promise.all(batch);
      }
      const data = await reco.exportData();
      const usage = (await navigator.storage.estimate()).usage ?? 0;
      return { rejected, background, storage: data.storage, items: data.events.map((e) => Number((e as Sdk.ViewEvent).itemId.slice(4))), usage };
    });
    expect(result.rejected).toBe(0);
    expect(result.background.filter((c) => !c.startsWith('QUOTA_EXCEEDED'))).toEqual([]);
    expect(result.storage).toBe('indexeddb');
    expect(result.usage).toBeLessThanOrEqual(300 * 1024);
    expect(result.items.length).toBeLessThan(8000); // the quota forced evictions…
    expect(result.items.length).toBeGreaterThan(1000);
    const first = result.items[0]!;
    expect(result.items).toEqual(Array.from({ length: 8000 - first }, (_, i) => first + i)); // …of the oldest, and only those
    await context.close();
  });
});

describe('storage versions', () => {
  it('a database written by the previous schema version opens, migrates, and loses nothing', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const result = await page.evaluate(async () => {
      const t0 = Date.now() - 60_000;
      const v1 = Array.from({ length: 300 }, (_, i) => ({ type: 'view', itemId: `old-${i}`, timestamp: t0 + i * 10 }));
      await new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('edgereco-migrate', 1);
        req.onupgradeneeded = () => req.result.createObjectStore('events', { autoIncrement: true });
        req.onsuccess = () => {
          const tx = req.result.transaction('events', 'readwrite');
          for (const r of v1) tx.objectStore('events').add(r);
          tx.oncomplete = () => (req.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      });
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'migrate' });
      await reco.track({ type: 'view', itemId: 'new-0' });
      const events = (await reco.exportData()).events;
      const version = await new Promise<number>((resolve) => {
        const req = indexedDB.open('edgereco-migrate');
        req.onsuccess = () => (resolve(req.result.version), req.result.close());
      });
      return { items: events.map((e) => (e as Sdk.ViewEvent).itemId), ts: events.map((e) => e.ts), t0, version };
    });
    expect(result.items).toEqual([...Array.from({ length: 300 }, (_, i) => `old-${i}`), 'new-0']);
    expect(result.ts.slice(0, 300)).toEqual(Array.from({ length: 300 }, (_, i) => result.t0 + i * 10));
    expect(result.version).toBe(3);
    await context.close();
  });

  it('a v2 database (segments + meta) migrates to v3: events and count kept, an empty outbox added', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const result = await page.evaluate(async () => {
      const t0 = Date.now() - 60_000;
      // As v2 wrote it: one segment keyed by its last eventId (UUIDv7: the time in ms, then counter), the count in meta.
      const uuid7 = (ms: number, n: number) => {
        const h = ms.toString(16).padStart(12, '0');
        return `${h.slice(0, 8)}-${h.slice(8)}-7000-8000-${String(n).padStart(12, '0')}`;
      };
      const events = Array.from({ length: 200 }, (_, i) => ({ eventId: uuid7(t0 + i, i), ts: t0 + i, type: 'view', itemId: `v2-${i}` }));
      await new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('edgereco-migrate-v2', 2);
        req.onupgradeneeded = () => {
          req.result.createObjectStore('meta', { keyPath: 'key' });
          req.result.createObjectStore('segments', { keyPath: 'key' });
        };
        req.onsuccess = () => {
          const tx = req.result.transaction(['segments', 'meta'], 'readwrite');
          tx.objectStore('segments').put({ key: events[events.length - 1]!.eventId, events });
          tx.objectStore('meta').put({ key: 'eventCount', value: events.length });
          tx.oncomplete = () => (req.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      });
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'migrate-v2' });
      await reco.track({ type: 'view', itemId: 'new-0' });
      const data = await reco.exportData();
      await reco.close();
      const db = await new Promise<IDBDatabase>((resolve) => {
        const req = indexedDB.open('edgereco-migrate-v2');
        req.onsuccess = () => resolve(req.result);
      });
      const stores = [...db.objectStoreNames].sort();
      const count = await new Promise((resolve) => {
        const get = db.transaction('meta').objectStore('meta').get('eventCount');
        get.onsuccess = () => resolve((get.result as { value: number }).value);
      });
      const outbox = await new Promise((resolve) => {
        const all = db.transaction('outbox').objectStore('outbox').getAll();
        all.onsuccess = () => resolve(all.result);
      });
      const version = db.version;
      db.close();
      return { items: data.events.map((e) => (e as Sdk.ViewEvent).itemId), sync: data.sync, stores, count, outbox, version };
    });
    expect(result.items).toEqual([...Array.from({ length: 200 }, (_, i) => `v2-${i}`), 'new-0']);
    expect(result).toMatchObject({ version: 3, stores: ['meta', 'outbox', 'segments'], count: 201, outbox: [] });
    expect(result.sync).toMatchObject({ budget: null, pending: [], sent: [], policy: { epsilonPerReport: 2, epsilonPerDay: 4 } });
    await context.close();
  });

  it('a database from a newer SDK is left untouched: a warning event, and the SDK works in memory', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const result = await page.evaluate(async () => {
      await new Promise<void>((resolve) => {
        const req = indexedDB.open('edgereco-future', 9);
        req.onupgradeneeded = () => req.result.createObjectStore('events', { keyPath: 'eventId' }).put({ eventId: 'x', from: 'the future' });
        req.onsuccess = () => (req.result.close(), resolve());
      });
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'future', catalogUrl: '/test/fixtures/catalog.json' });
      const warning = new Promise<string>((resolve) => reco.on('warning', (e) => resolve(e.code)));
      await reco.track({ type: 'view', itemId: 'mug-1' });
      const recs = await reco.recommend({ k: 2 });
      const data = await reco.exportData();
      return { warning: await warning, recs: recs.length, storage: data.storage, events: data.events.length };
    });
    expect(result).toEqual({ warning: 'UNSUPPORTED_VERSION', recs: 2, storage: 'memory', events: 1 });
    const untouched = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const req = indexedDB.open('edgereco-future');
          req.onsuccess = () => {
            const get = req.result.transaction('events').objectStore('events').get('x');
            get.onsuccess = () => resolve({ version: req.result.version, row: get.result });
          };
        }),
    );
    expect(untouched).toEqual({ version: 9, row: { eventId: 'x', from: 'the future' } });
    await context.close();
  });
});
