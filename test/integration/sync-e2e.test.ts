import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { checkAggregateReport, type AggregateReport } from '../../src/core/ldp/index.js';
import { DEDICATED, launch } from '../browser/chromium.js';
// @ts-expect-error: a plain .mjs helper shared with the scripts
import { serve, ROOT } from '../../scripts/serve.mjs';
import { freePort } from '../../scripts/free-port.mjs';
import { countReportsInKafka, killProcess, spawnNode } from './e2e-processes.js';

/**
 * End to end, nothing mocked: Debian's Chromium runs the built SDK (dist/), shoppers track events, the worker builds
 * privatized reports into the IndexedDB outbox and sends them to the real gateway (a child process, so it can be
 * SIGKILLed), which produces them to the real Kafka broker that kafka-global-setup.ts started. The test then reads the
 * topic and counts records by report id.
 */
const bootstrap = process.env.KAFKA_BOOTSTRAP;
const topic = `edgereco-reports-e2e-${Date.now()}`;
const KEY = 'pk_test_e2e_site';
const DAY = 86_400_000;

let site: { url: string; close: () => Promise<void> };
let browser: Browser;
let gateway: ChildProcess | null = null;
let gatewayPort = 0;
let configFile = '';
const gatewayLog: string[] = [];

type W = { sdk: typeof Sdk; reco?: Sdk.Recommender; problems?: string[] };



/** Starts the gateway (Kafka sink) as its own node process on `gatewayPort`; resolves once it listens. */
async function startGateway(): Promise<void> {
  gateway = await spawnNode(['gateway/main.ts'], { EDGERECO_GATEWAY_CONFIG: configFile, KAFKA_BOOTSTRAP: bootstrap, PORT: String(gatewayPort) }, 'listening on', gatewayLog);
}

function killGateway(): Promise<void> {
  const child = gateway;
  gateway = null;
  return killProcess(child);
}


/** Every record on the topic: report id → how many times it is there; each record is the gateway's, for this site. */
function countInKafka(expected: number): Promise<Map<string, number>> {
  return countReportsInKafka(bootstrap as string, topic, expected, {
    check: ({ key, value }) => {
      expect(value.site).toBe('shop');
      expect(checkAggregateReport(value.report)).toMatchObject({ ok: true });
      expect(key).toBe(value.report.id);
    },
  });
}

/**
 * One shopper in a fresh browser profile: on "yesterday's" page they view, search and buy (events tracked with
 * yesterday's time, as a store backfills them), and today they view something else. The recommender with sync is
 * created afterwards, as the store's next page would: it reports yesterday, never today.
 */
async function shopper(context: BrowserContext, n: number): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('pageerror', e));
  // A dedicated worker per page: these tests block the worker's sends through Playwright's routes (which see a
  // dedicated worker's requests, not a SharedWorker's) and test the beacon a page sends when its worker ends with it.
  await page.goto(`${site.url}/test/browser/pages/sdk.html${DEDICATED}`);
  await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
  await page.evaluate(
    async ({ n, day }) => {
      const w = window as unknown as W;
      const yesterday = Date.now() - day;
      const first = w.sdk.createRecommender({ storeId: 'shop' });
      await Promise.all([
        first.track({ type: 'view', itemId: `sku-${n % 3}`, ts: yesterday }),
        first.track({ type: 'search', query: 'red mug', resultCount: 4, ts: yesterday + 1 }),
        first.track({ type: 'purchase', lines: [{ itemId: 'sku-1', quantity: 1, price: 5, currency: 'GBP' }, { itemId: `sku-${n + 2}`, quantity: 1, price: 3, currency: 'GBP' }], ts: yesterday + 2 }),
        first.track({ type: 'view', itemId: 'today-item' }),
      ]);
      await first.close();
    },
    { n, day: DAY },
  );
  return page;
}

/** Creates the syncing recommender on the shopper's page (as the store's next page would). */
async function startSync(page: Page, gatewayUrl: string): Promise<void> {
  await page.evaluate(
    ({ url, key, topic }) => {
      const w = window as unknown as W;
      w.problems = [];
      w.reco = w.sdk.createRecommender({ storeId: 'shop', syncUrl: url, syncKey: key, syncTopic: topic });
      w.reco.on('error', (e) => w.problems!.push(`error ${e.code}: ${e.message}`));
    },
    { url: gatewayUrl, key: KEY, topic },
  );
}

interface SyncView {
  pending: string[];
  sent: string[];
  spent: number;
  reports: AggregateReport[];
  problems: string[];
}

async function syncState(page: Page): Promise<SyncView> {
  return page.evaluate(async () => {
    const w = window as unknown as W;
    const data = await w.reco!.exportData();
    const sync = data.sync!;
    return {
      pending: sync.pending.map((r) => r.id),
      sent: sync.sent.map((s) => s.report.id),
      spent: sync.budget?.spentToday ?? 0,
      reports: [...sync.pending, ...sync.sent.map((s) => s.report)],
      problems: w.problems ?? [],
    };
  });
}

async function waitFor(page: Page, done: (s: SyncView) => boolean, timeoutMs = 45_000): Promise<SyncView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const state = await syncState(page);
    if (done(state)) return state;
    if (Date.now() > until) throw new Error(`timed out; last sync state: ${JSON.stringify(state)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  if (!bootstrap) throw new Error('KAFKA_BOOTSTRAP is not set: run this through the vitest "integration" project (its global setup starts Kafka)');
  if (!existsSync(`${ROOT}/dist/cdn/edgereco-0.1.0/edgereco.worker.js`)) throw new Error('build first: npx vite build && npx vite build --mode worker && npx vite build --mode embed');
  const admin = new Admin({ clientId: 'edgereco-e2e', bootstrapBrokers: [bootstrap] });
  await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
  await admin.close();
  site = (await serve()) as typeof site;
  gatewayPort = await freePort();
  configFile = join(mkdtempSync(join(tmpdir(), 'edgereco-e2e-')), 'gateway.json');
  writeFileSync(configFile, JSON.stringify({ port: gatewayPort, topics: [topic], sites: [{ id: 'shop', key: KEY, origins: [new URL(site.url).origin] }] }));
  await startGateway();
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await killGateway();
  await site?.close();
});

describe('sync end to end: Chromium → outbox → gateway → Apache Kafka', () => {
  const delivered = new Set<string>();

  it('every report written to an outbox lands in Kafka exactly once; only yesterday is reported, within the ε budget', async () => {
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const contexts = await Promise.all([0, 1, 2].map(() => browser.newContext()));
    const pages = await Promise.all(contexts.map((c, n) => shopper(c, n)));
    for (const page of pages) await startSync(page, gatewayUrl);
    const states = await Promise.all(pages.map((p) => waitFor(p, (s) => s.pending.length === 0 && s.sent.length === 2)));
    const yesterday = new Date(Date.now() - DAY).toISOString().slice(0, 10);
    for (const s of states) {
      expect(s.problems).toEqual([]);
      expect(s.spent).toBe(4); // two reports of ε = 2: the whole day budget, never more
      for (const r of s.reports) {
        expect(r.period).toBe(yesterday);
        expect(Object.keys(r).sort()).toEqual(['eps', 'g', 'id', 'kind', 'mech', 'period', 'seed', 'v', 'y']);
      }
      s.sent.forEach((id) => delivered.add(id));
    }
    expect(delivered.size).toBe(6);
    const counts = await countInKafka(delivered.size);
    expect(new Set(counts.keys())).toEqual(delivered);
    for (const id of delivered) expect(counts.get(id)).toBe(1);
    // A later pass (the next page) builds nothing new for the same period and sends nothing again.
    await startSync(pages[0]!, gatewayUrl);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await syncState(pages[0]!)).sent).toHaveLength(2);
    await Promise.all(contexts.map((c) => c.close()));
  });

  it('gateway SIGKILLed, then the browser offline while it restarts: reports wait in the outbox and each reaches Kafka once', async () => {
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const contexts = await Promise.all([3, 4].map(() => browser.newContext()));
    const pages = await Promise.all(contexts.map((c, i) => shopper(c, i + 3)));
    // The gateway dies (SIGKILL: no graceful close); the next pages build their reports and cannot send them.
    await killGateway();
    for (const page of pages) await startSync(page, gatewayUrl);
    const failing = await Promise.all(pages.map((p) => waitFor(p, (s) => s.pending.length === 2)));
    const queued = new Set(failing.flatMap((s) => s.pending));
    expect(queued.size).toBe(4);
    await new Promise((r) => setTimeout(r, 2500)); // a few retries with backoff, all failing
    // The browsers go offline; the gateway comes back meanwhile; nothing is sent until they are online again.
    for (const c of contexts) await c.setOffline(true);
    await startGateway();
    await new Promise((r) => setTimeout(r, 5000));
    for (const p of pages) {
      const s = await syncState(p);
      expect(s.pending).toHaveLength(2);
      expect(s.sent).toEqual([]);
    }
    for (const c of contexts) await c.setOffline(false);
    const after = await Promise.all(pages.map((p) => waitFor(p, (s) => s.pending.length === 0 && s.sent.length === 2)));
    const sent = new Set(after.flatMap((s) => s.sent));
    expect(sent).toEqual(queued);
    for (const s of after) expect(s.problems).toEqual([]);
    const counts = await countInKafka(delivered.size + sent.size);
    for (const id of [...delivered, ...sent]) expect(counts.get(id)).toBe(1);
    expect(counts.size).toBe(delivered.size + sent.size);
    await Promise.all(contexts.map((c) => c.close()));
  });

  it('flushes the outbox with sendBeacon on pagehide (text/plain, ?key=); the reports stay until a 2xx confirms them', async () => {
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const context = await browser.newContext();
    const page = await shopper(context, 9);
    // The worker's own sends (the Kafka REST v2 content type) fail. (Chromium sends a beacon on pagehide without
    // Playwright's interception; what reaches Kafka below can only have come from it.)
    let blocked = 0;
    await context.route(`${gatewayUrl}/**`, (route) => {
      const type = route.request().headers()['content-type'] ?? '';
      if (type.startsWith('application/vnd.kafka')) return void (blocked++, route.abort('connectionrefused'));
      return void route.continue();
    });
    await startSync(page, gatewayUrl);
    const queued = await waitFor(page, (s) => s.pending.length === 2);
    await waitFor(page, () => blocked > 0);
    expect((await syncState(page)).sent).toEqual([]);
    const accepted = gatewayLog.length;
    await page.goto('about:blank'); // pagehide: the worker is gone with the page, only the beacon can send now
    const ids = new Set(queued.pending);
    const until = Date.now() + 20_000;
    while (!gatewayLog.slice(accepted).some((l) => l.includes('"status":200')) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    const counts = await countInKafka(delivered.size + 4 + ids.size);
    for (const id of ids) expect(counts.get(id)).toBe(1);
    // The beacon had no answer to read, so the next page still holds the reports and sends them again: the server
    // side drops the duplicate ids (the aggregator counts each id once).
    await context.unrouteAll();
    const next = await context.newPage();
    await next.goto(`${site.url}/test/browser/pages/sdk.html${DEDICATED}`);
    await next.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
    await startSync(next, gatewayUrl);
    const after = await waitFor(next, (s) => s.pending.length === 0 && s.sent.length === 2);
    expect(new Set(after.sent)).toEqual(ids);
    const again = await countInKafka(delivered.size + 4 + 2 * ids.size);
    for (const id of ids) expect(again.get(id)).toBe(2);
    await context.close();
  });

  it('an opted-out shopper produces no reports, and opting out empties what was queued', async () => {
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const context = await browser.newContext();
    const page = await shopper(context, 20);
    await page.evaluate(() => (window as unknown as W).sdk.createRecommender({ storeId: 'shop' }).optOut());
    await startSync(page, gatewayUrl);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await syncState(page)).toMatchObject({ pending: [], sent: [], spent: 0 });
    // Opting back in reports yesterday (the gateway is blocked, so the reports wait); opting out again empties the queue.
    await context.route(`${gatewayUrl}/**`, (route) => route.abort('connectionrefused'));
    await page.evaluate(() => (window as unknown as W).reco!.optIn());
    await waitFor(page, (s) => s.pending.length === 2);
    await page.evaluate(() => (window as unknown as W).reco!.optOut());
    expect(await syncState(page)).toMatchObject({ pending: [], sent: [] });
    await context.close();
  });
});
