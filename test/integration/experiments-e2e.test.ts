import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { checkAggregateReport } from '../../src/core/ldp/index.js';
import { aggregateSite } from '../../gateway/aggregate-site.js';
import { gatewayConfigFromEnv } from '../../gateway/config.js';
import type { EstimatesFile } from '../../gateway/experiment-estimates.js';
import { axeViolations } from '../browser/axe.js';
import { DEDICATED, launch } from '../browser/chromium.js';
// @ts-expect-error: a plain .mjs helper shared with the scripts
import { serve, ROOT } from '../../scripts/serve.mjs';
import { freePort } from '../../scripts/free-port.mjs';
import { spawnNode } from './e2e-processes.js';

/**
 * Experiments end to end, nothing mocked: shoppers in Debian's Chromium (separate profiles) are drawn into the arms of
 * one experiment by their own browsers, see their arm's list, act on it, and report the day's outcome through the real
 * gateway (a child process) into the real Kafka broker; the aggregator folds the topic into its states and writes the
 * estimates file; the gateway's dashboard shows both arms. What the pages sent and what Kafka holds is read back and
 * searched for an arm, an item, an event or an id of the shopper.
 */
const bootstrap = process.env.KAFKA_BOOTSTRAP;
const RUN = Date.now();
const topic = `edgereco-experiments-e2e-${RUN}`;
const KEY = 'pk_test_experiments_e2e';
const ADMIN_KEY = 'admin-key-experiments-e2e-0001';
const EXPERIMENT: Sdk.Experiment = { id: 'reco-v1', arms: [{ name: 'baseline-arm', weight: 1, recommender: 'baseline' }, { name: 'model-arm', weight: 1, recommender: 'model' }] };
const CATALOG = JSON.parse(readFileSync('test/fixtures/catalog.json', 'utf8')) as Sdk.CatalogItem[];
const work = mkdtempSync(join(tmpdir(), 'edgereco-experiments-e2e-'));
const configFile = join(work, 'site.json');

let site: { url: string; close: () => Promise<void> };
let browser: Browser;
let gateway: ChildProcess | null = null;
let gatewayUrl = '';
const gatewayLog: string[] = [];

type W = { sdk: typeof Sdk; reco?: Sdk.Recommender };


beforeAll(async () => {
  if (!bootstrap) throw new Error('KAFKA_BOOTSTRAP is not set: run this through the vitest "integration" project (its global setup starts Kafka)');
  if (!existsSync(`${ROOT}/dist/cdn/edgereco-0.1.0/edgereco.worker.js`)) throw new Error('build first: npm run build:js');
  const admin = new Admin({ clientId: 'edgereco-experiments-e2e', bootstrapBrokers: [bootstrap] });
  await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
  await admin.close();
  site = (await serve()) as typeof site;
  const port = await freePort();
  gatewayUrl = `http://127.0.0.1:${port}`;
  writeFileSync(join(work, 'catalog.json'), JSON.stringify(CATALOG));
  writeFileSync(configFile, JSON.stringify({
    port,
    topics: [topic],
    sites: [{ id: 'shop', key: KEY, origins: [new URL(site.url).origin] }],
    adminKey: ADMIN_KEY,
    aggregate: { catalog: join(work, 'catalog.json'), out: join(work, 'priors.json'), stateDir: join(work, 'state'), groupId: `experiments-e2e-${RUN}`, experiments: [EXPERIMENT] },
  }));
  gateway = await spawnNode(['gateway/main.ts'], { EDGERECO_GATEWAY_CONFIG: configFile, KAFKA_BOOTSTRAP: bootstrap }, 'listening on', gatewayLog);
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (gateway && gateway.exitCode === null) {
    const exited = new Promise((r) => gateway!.once('exit', r));
    gateway.kill('SIGTERM');
    await exited;
  }
  await site?.close();
  rmSync(work, { recursive: true, force: true });
});

/** A new shopper (a fresh browser profile) on the store's page; resolves with the arm their browser drew. */
async function shopper(): Promise<{ page: Page; arm: string; bodies: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const bodies: string[] = [];
  page.on('request', (r) => {
    const body = r.postData();
    if (body) bodies.push(body);
  });
  // A dedicated worker: the test reads what the worker sends from the page's requests (a SharedWorker's are not the page's).
  await page.goto(`${site.url}/test/browser/pages/sdk.html${DEDICATED}`);
  await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
  const arm = await page.evaluate(async ({ url, key, topic, catalog, experiments }) => {
    const w = window as unknown as W;
    w.reco = w.sdk.createRecommender({ storeId: 'shop', catalog, experiments, syncUrl: url, syncKey: key, syncTopic: topic });
    return (await w.reco.exportData()).experiments[0]!.arm;
  }, { url: gatewayUrl, key: KEY, topic, catalog: CATALOG, experiments: [EXPERIMENT] });
  return { page, arm, bodies };
}

/** The shopper sees the home list, clicks its second item and (when `buys`) buys it; then the day is reported. */
async function shop(page: Page, buys: boolean): Promise<Sdk.SyncSummary> {
  return page.evaluate(async (buys) => {
    const reco = (window as unknown as W).reco!;
    await reco.track({ type: 'view', itemId: 'mug-1' });
    const list = await reco.recommend({ k: 4 });
    await reco.track({ type: 'impression', itemIds: list.map((r) => r.itemId), listId: 'home', attributionId: list[0]!.attributionId });
    const picked = list[1]!;
    await reco.track({ type: 'click', itemId: picked.itemId, position: 1, listId: 'home', attributionId: picked.attributionId });
    if (buys) {
      await reco.track({ type: 'add_to_cart', itemId: picked.itemId, attributionId: picked.attributionId });
      await reco.track({ type: 'purchase', lines: [{ itemId: picked.itemId, quantity: 2, price: 30, currency: 'GBP' }] });
    }
    return reco.syncNow();
  }, buys);
}

/** Every record value on the topic. */
async function readTopic(expected: number): Promise<string[]> {
  const consumer = new Consumer({ groupId: `experiments-e2e-read-${RUN}-${Math.random()}`, clientId: 'edgereco-experiments-e2e', bootstrapBrokers: [bootstrap as string], deserializers: stringDeserializers });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 200 });
  const values: string[] = [];
  const timer = setTimeout(() => void stream.close(), 20_000);
  try {
    for await (const m of stream) {
      values.push(m.value);
      if (values.length >= expected) break;
    }
  } finally {
    clearTimeout(timer);
    await stream.close();
    await consumer.close();
  }
  return values;
}

describe('experiments end to end: Chromium → gateway → Apache Kafka → aggregator → estimates and dashboard', () => {
  it('two shoppers in different arms report their outcomes; the estimates and the dashboard show both arms; no arm, id or event on the wire', async () => {
    // Each new profile draws its own arm (50/50, the browser's CSPRNG): take new shoppers until both arms have one.
    const byArm = new Map<string, Awaited<ReturnType<typeof shopper>>>();
    for (let tries = 0; byArm.size < 2 && tries < 30; tries++) {
      const s = await shopper();
      if (byArm.has(s.arm)) await s.page.context().close();
      else byArm.set(s.arm, s);
    }
    expect([...byArm.keys()].sort()).toEqual(['baseline-arm', 'model-arm']);
    const shoppers = [...byArm.values()];
    const summaries = [await shop(shoppers[0]!.page, false), await shop(shoppers[1]!.page, true)];
    for (const s of summaries) expect(s).toMatchObject({ status: 'done', built: 2, accepted: 2, rejected: 0, epsilonSpent: 4 });

    // What left the browsers: Kafka REST v2 bodies of reports, nothing else.
    const bodies = shoppers.flatMap((s) => s.bodies);
    expect(bodies.length).toBeGreaterThanOrEqual(2);
    const sentReports = bodies.flatMap((b) => (JSON.parse(b) as { records: { value: Record<string, unknown> }[] }).records.map((r) => r.value));
    expect(sentReports).toHaveLength(4);
    expect(sentReports.filter((r) => r.kind === 'outcome')).toHaveLength(2);
    for (const r of sentReports) {
      expect(checkAggregateReport(r)).toMatchObject({ ok: true });
      expect(Object.keys(r).sort()).toEqual(r.kind === 'outcome' ? ['d', 'eps', 'exp', 'id', 'kind', 'mech', 'period', 'v', 'y'] : ['eps', 'g', 'id', 'kind', 'mech', 'period', 'seed', 'v', 'y']);
    }
    const values = await readTopic(4);
    for (const text of [...bodies, ...values]) {
      // No arm, no item, no event, no attribution or event id, no time finer than the day, nothing of the shopper's.
      expect(text).not.toMatch(/baseline-arm|model-arm|mug-|"itemId"|"type"|"ts"|eventId|attribution|er-[0-9a-f]{8}|"arm"|storeId|user/i);
    }
    expect(values.map((v) => (JSON.parse(v) as { report: { id: string } }).report.id).sort()).toEqual(sentReports.map((r) => r.id as string).sort());

    // The aggregator (one consumer of the group) folds the topic and writes the priors and the estimates.
    const config = gatewayConfigFromEnv({ KAFKA_BOOTSTRAP: bootstrap }, configFile);
    const run = await aggregateSite(config);
    expect(run).toMatchObject({ counted: 4, invalid: 0, refused: 0 });
    const estimates = JSON.parse(readFileSync(join(work, 'estimates.json'), 'utf8')) as EstimatesFile;
    expect(estimates).toMatchObject({ format: 'edgereco-experiment-estimates', version: 1 });
    const [e] = estimates.experiments;
    const today = new Date().toISOString().slice(0, 10);
    expect(e).toMatchObject({ id: 'reco-v1', control: 'baseline-arm', arms: ['baseline-arm', 'model-arm'], reports: 2, window: { from: today, to: today } });
    expect(e!.window.arms.map((a) => a.arm)).toEqual(['baseline-arm', 'model-arm']);
    expect(e!.window.lift[0]).toMatchObject({ arm: 'model-arm', control: 'baseline-arm' });
    expect(estimates.volumes).toEqual([{ period: today, item: 2, pair: 0, query: 0, outcome: 2 }]);
    const priors = JSON.parse(readFileSync(join(work, 'priors.json'), 'utf8')) as { experiments?: unknown };
    expect(priors.experiments).toEqual([EXPERIMENT]);

    // The dashboard, from the gateway process, in Chromium.
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_KEY }, bypassCSP: true });
    const page = await context.newPage();
    expect((await page.goto(`${gatewayUrl}/dashboard`))?.status()).toBe(200);
    const summary = page.locator('table', { hasText: 'Experiment “reco-v1”, ' }).first();
    await expect(summary.locator('tbody th').allTextContents()).resolves.toEqual(['baseline-arm (control)', 'model-arm']);
    await expect(page.locator('figure', { hasText: 'Lift of model-arm over baseline-arm: click-through' }).count()).resolves.toBeGreaterThan(0);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
    for (const s of shoppers) await s.page.context().close();
  });
});
