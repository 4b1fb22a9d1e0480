import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import type { AggregateReport } from '../../src/core/ldp/index.js';
import type { PriorsBundle } from '../../src/core/priors.js';
import { launch } from '../browser/chromium.js';
// @ts-expect-error: a plain .mjs helper shared with the scripts
import { serve, ROOT } from '../../scripts/serve.mjs';
import { freePort } from '../../scripts/free-port.mjs';
import { countReportsInKafka, killProcess, spawnNode, startRelayWithTaps, type Tap } from './e2e-processes.js';

/**
 * The private path end to end, nothing mocked: Debian's Chromium runs the built SDK with `syncRelayUrl`; reports are
 * encapsulated (OHTTP, RFC 9458) in the worker and posted to the relay the gateway package ships (its own process);
 * the relay forwards them to the gateway (its own process, SIGKILLed mid-run), which decapsulates them and produces
 * them to the real Kafka broker. Two taps record what each server received on the wire: every byte the browser sent
 * the relay, and every byte and peer address that reached the gateway.
 */
const bootstrap = process.env.KAFKA_BOOTSTRAP;
const topic = `edgereco-reports-ohttp-${Date.now()}`;
const KEY = 'pk_test_ohttp_site';
const DAY = 86_400_000;
/** The site's ε per report with a relay (the gateway refuses any other). */
const EPSILON = 5;
/** The relay connects to the gateway from this loopback address; the browser connects from 127.0.0.1. */
const RELAY_ADDRESS = '127.0.0.2';

let site: { url: string; close: () => Promise<void> };
let browser: Browser;
let gateway: ChildProcess | null = null;
let stopRelay: (() => Promise<void>) | undefined;
let gatewayPort = 0;
let configFile = '';
const logs: string[] = [];

async function startGateway(): Promise<void> {
  gateway = await spawnNode(['gateway/main.ts'], { EDGERECO_GATEWAY_CONFIG: configFile, KAFKA_BOOTSTRAP: bootstrap, PORT: String(gatewayPort) }, 'listening on', logs);
}


function countInKafka(expected: number): Promise<Map<string, number>> {
  return countReportsInKafka(bootstrap as string, topic, expected);
}

type W = { sdk: typeof Sdk; reco?: Sdk.Recommender; problems?: string[] };

/** A shopper who viewed and bought yesterday; then the store's next page starts sync through the relay. */
async function shopper(context: BrowserContext, n: number, relayUrl: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${site.url}/test/browser/pages/sdk.html`);
  await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
  await page.evaluate(
    async ({ n, day, url, key, topic, relayUrl, epsilon }) => {
      const w = window as unknown as W;
      const yesterday = Date.now() - day;
      const first = w.sdk.createRecommender({ storeId: 'shop' });
      await Promise.all([
        first.track({ type: 'view', itemId: `sku-${n}`, ts: yesterday }),
        first.track({ type: 'purchase', lines: [{ itemId: 'sku-1', quantity: 1, price: 5, currency: 'GBP' }, { itemId: `sku-${n + 2}`, quantity: 1, price: 3, currency: 'GBP' }], ts: yesterday + 1 }),
      ]);
      await first.close();
      w.problems = [];
      w.reco = w.sdk.createRecommender({ storeId: 'shop', syncUrl: url, syncKey: key, syncTopic: topic, syncRelayUrl: relayUrl, syncEpsilon: epsilon });
      w.reco.on('error', (e) => w.problems!.push(`error ${e.code}: ${e.message}`));
    },
    { n, day: DAY, url: `http://gateway.invalid:${gatewayPort}`, key: KEY, topic, relayUrl, epsilon: EPSILON },
  );
  return page;
}

async function exported(page: Page) {
  return page.evaluate(async () => {
    const w = window as unknown as W;
    const data = await w.reco!.exportData();
    return { pending: data.sync!.pending.map((r) => r.id), waiting: data.sync!.waiting, sent: data.sync!.sent.map((s) => s.report), privacy: data.privacy, problems: w.problems ?? [] };
  });
}

let relayTap: Tap;
let gatewayTap: Tap;

beforeAll(async () => {
  if (!bootstrap) throw new Error('KAFKA_BOOTSTRAP is not set: run this through the vitest "integration" project (its global setup starts Kafka)');
  if (!existsSync(`${ROOT}/dist/cdn/edgereco-0.1.0/edgereco.worker.js`)) throw new Error('build first: npx vite build && npx vite build --mode worker && npx vite build --mode embed');
  const admin = new Admin({ clientId: 'edgereco-e2e', bootstrapBrokers: [bootstrap] });
  await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
  await admin.close();
  site = (await serve()) as typeof site;
  gatewayPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'edgereco-ohttp-e2e-'));
  configFile = join(dir, 'gateway.json');
  writeFileSync(configFile, JSON.stringify({
    port: gatewayPort, topics: [topic], sites: [{ id: 'shop', key: KEY, origins: [new URL(site.url).origin] }],
    privacy: { epsilon: EPSILON }, ohttp: { keyFile: join(dir, 'ohttp-key.json'), required: true },
  }));
  await startGateway();
  ({ relayTap, gatewayTap, stop: stopRelay } = await startRelayWithTaps(gatewayPort, new URL(site.url).origin, RELAY_ADDRESS, logs));
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopRelay?.();
  await killProcess(gateway);
  await site?.close();
});

describe('private transport end to end: Chromium → OHTTP relay → gateway → Apache Kafka', () => {
  const delivered = new Set<string>();
  const reports: AggregateReport[] = [];

  it('reports wait for a random time within the next day; the shopper sees when, and what protects them', async () => {
    const context = await browser.newContext();
    const page = await shopper(context, 1, relayTap.url);
    let state = await exported(page);
    for (const until = Date.now() + 30_000; state.pending.length < 2 && Date.now() < until; ) state = await exported(page);
    expect(state.pending).toHaveLength(2);
    expect(state.waiting.map((w) => w.id).sort()).toEqual([...state.pending].sort());
    for (const w of state.waiting) {
      const at = Date.parse(w.notBefore);
      expect(at).toBeGreaterThan(Date.now() - 60_000);
      expect(at).toBeLessThan(Date.now() + DAY);
    }
    expect(state.sent).toEqual([]);
    expect(relayTap.connections.flatMap((c) => c.bytes).some((b) => b.toString('latin1').includes('POST'))).toBe(false);
    // No bundle yet: the relay hides the address, but no central figure is claimed.
    expect(state.privacy).toMatchObject({ mode: 'local', localEpsilon: { perReport: EPSILON, perDay: 2 * EPSILON }, centralEpsilon: null, relay: `${relayTap.url}/` });
    await context.close();
  });

  it('encapsulated reports pass the relay, survive a gateway SIGKILL, and each is counted exactly once', async () => {
    const contexts = await Promise.all([2, 3].map(() => browser.newContext()));
    const pages = await Promise.all(contexts.map((c, i) => shopper(c, i + 2, relayTap.url)));
    await killProcess(gateway);
    gateway = null;
    for (const page of pages) {
      const summary = await page.evaluate(() => (window as unknown as W).reco!.syncNow());
      expect(summary).toMatchObject({ status: 'retry', accepted: 0, pending: 2 });
    }
    await startGateway();
    for (const page of pages) {
      const summary = await page.evaluate(() => (window as unknown as W).reco!.syncNow());
      expect(summary).toMatchObject({ accepted: 2, pending: 0 });
      const state = await exported(page);
      expect(state.problems).toEqual([]);
      for (const r of state.sent) {
        expect(r.eps).toBe(EPSILON);
        delivered.add(r.id);
        reports.push(r);
      }
    }
    expect(delivered.size).toBe(4);
    const counts = await countInKafka(delivered.size);
    expect(new Set(counts.keys())).toEqual(delivered);
    for (const id of delivered) expect(counts.get(id)).toBe(1);
    await Promise.all(contexts.map((c) => c.close()));
  });

  it('on the wire: the relay never saw a report in clear, the gateway never saw the browser\'s address', () => {
    const toRelay = Buffer.concat(relayTap.connections.flatMap((c) => c.bytes)).toString('latin1');
    expect(toRelay).toContain('POST / HTTP/1.1');
    expect(toRelay.toLowerCase()).toContain('content-type: message/ohttp-req');
    for (const r of reports) expect(toRelay).not.toContain(r.id);
    for (const clear of ['"records"', '"eps"', '"olh"', KEY, topic, 'x-edgereco-key']) expect(toRelay).not.toContain(clear);

    const toGateway = gatewayTap.connections;
    expect(toGateway.length).toBeGreaterThan(0);
    const seen = new Set(toGateway.map((c) => c.from));
    expect(seen).toEqual(new Set([RELAY_ADDRESS]));
    const bytes = Buffer.concat(toGateway.flatMap((c) => c.bytes)).toString('latin1');
    expect(bytes).toContain('POST /ohttp HTTP/1.1');
    // Every request the gateway received carries only these headers: nothing of the browser's (no forwarded-for,
    // origin, user agent, cookie, referer), and its address nowhere (the Host is the gateway's own).
    const headerNames = new Set([...bytes.matchAll(/\r\n([A-Za-z0-9-]+): /g)].map((m) => m[1]!.toLowerCase()));
    expect([...headerNames].sort()).toEqual(['accept', 'connection', 'content-length', 'content-type', 'host']);
    for (const m of bytes.matchAll(/\r\nHost: ([^\r]+)/g)) expect(m[1]).toBe(new URL(gatewayTap.url).host);
    for (const r of reports) expect(bytes).not.toContain(r.id);
    // The relay's own log: status, sizes and times, never an address.
    const relayLog = logs.join('').split('\n').filter((l) => l.startsWith('{"method"') && l.includes('"requestBytes"'));
    expect(relayLog.length).toBeGreaterThan(0);
    expect(relayLog.join('\n')).not.toMatch(/127\.0\.0\.\d/);
  });

  it('the aggregator states the central ε of what it saw in the priors bundle, and privacy() shows it in the browser', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgereco-ohttp-agg-'));
    writeFileSync(join(dir, 'catalog.json'), JSON.stringify(Array.from({ length: 8 }, (_, i) => ({ id: `sku-${i}` }))));
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/aggregator-main.ts'], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KAFKA_BOOTSTRAP: bootstrap, TOPIC: topic, GROUP_ID: `agg-${Date.now()}`, STATE_DIR: join(dir, 'state'), CATALOG: join(dir, 'catalog.json'), OUT: join(dir, 'priors.json'), EPSILON: String(EPSILON), TRANSPORT: 'relay' },
    });
    const output: string[] = [];
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code, output.join('')).toBe(0);
    const bundle = JSON.parse(readFileSync(join(dir, 'priors.json'), 'utf8')) as PriorsBundle;
    expect(bundle.version).toBe(4);
    expect(bundle.reports.item + bundle.reports.pair + bundle.reports.query).toBe(delivered.size);
    const p = bundle.privacy!;
    expect(p).toMatchObject({ mode: 'shuffled', localEpsilon: { item: EPSILON, pair: EPSILON, query: EPSILON }, localEpsilonPerPeriod: 2 * EPSILON, delta: 1e-6, mustNotCollude: ['relay', 'gateway'] });
    // Two shoppers hide nobody: the central figure of so small a crowd is the local one, and the bundle says so.
    expect(p.fewestReports).toBeLessThanOrEqual(2);
    expect(p.centralEpsilon).toBeGreaterThan(0.9 * 2 * EPSILON);

    // Served as a store serves it (the engine may run in a SharedWorker, whose requests a page's routes do not see).
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    writeFileSync(join(ROOT, 'test-results/priors-e2e.json'), JSON.stringify(bundle));
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site.url}/test/browser/pages/sdk.html`);
    await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
    const status = await page.evaluate(
      async ({ url, key, topic, relayUrl, epsilon, priorsUrl }) => {
        const w = window as unknown as W;
        const reco = w.sdk.createRecommender({ storeId: 'privacy-view', syncUrl: url, syncKey: key, syncTopic: topic, syncRelayUrl: relayUrl, syncEpsilon: epsilon, priorsUrl });
        await reco.recommend({ k: 3 });
        const [status, data] = [await reco.privacy(), await reco.exportData()];
        await reco.close();
        return { status, exported: data.privacy };
      },
      { url: `http://gateway.invalid:${gatewayPort}`, key: KEY, topic, relayUrl: relayTap.url, epsilon: EPSILON, priorsUrl: `${site.url}/test-results/priors-e2e.json` },
    );
    expect(status.status).toMatchObject({ mode: 'shuffled', centralEpsilon: p.centralEpsilon, delta: 1e-6, mustNotCollude: ['relay', 'gateway'], source: { bundleGenerated: bundle.generated, fewestReports: p.fewestReports } });
    expect(status.status.summary).toContain('as long as the relay and the gateway do not work together');
    expect(status.exported).toEqual(status.status);
    await context.close();
  });
});
