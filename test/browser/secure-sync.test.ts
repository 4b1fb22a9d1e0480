import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { aggregateSite } from '../../gateway/aggregate-site.js';
import { resolveGatewayConfig, type GatewayConfig } from '../../gateway/config.js';
import { loadOhttpKey } from '../../gateway/ohttp-key.js';
import { fieldOf, SecureAggregator } from '../../gateway/secure-aggregation.js';
import { startGateway, type Gateway } from '../../gateway/server.js';
import { createFileSink } from '../../gateway/sinks/file-sink.js';
import { TokenService } from '../../gateway/token-service.js';
import { toBase64url } from '../../src/core/base64url.js';
import { parsePriors } from '../../src/core/priors.js';
import type { SecureReport } from '../../src/core/secure/report-schema.js';
import { DEDICATED, baseUrl, launch, openSdkPage, resultsDir, watchErrors } from './chromium.js';
import { startTestHelper } from '../unit/gateway/secure-test-helper.js';

/**
 * The secure mode from a shopper's page in real Chromium: the store's aggregator names the task in the priors bundle;
 * the built SDK with sync on fetches it, turns the day's viewed items that the task lists into one report (Prio3 and
 * HPKE in the worker) and sends it to the gateway's secure topic; opened with both aggregators' keys, the report holds
 * exactly those items; the leader and a helper over HTTP count it.
 */
type W = Window & { sdk: typeof Sdk };
const KEY = 'pk_test_secure_sync';
const DIR = `${resultsDir()}/secure-sync`;
const BASE = '/test-results/secure-sync';
const TASK = toBase64url(new Uint8Array(16).fill(11));
const VERIFY = toBase64url(new Uint8Array(16).fill(12));
const TOKEN = 'leader-and-helper-secret-browser';
const ITEMS = Array.from({ length: 40 }, (_, i) => `item-${i}`);
let browser: Browser;
let gateway: Gateway;
let helperServer: Server;
let config: GatewayConfig;

beforeAll(async () => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const started = await startTestHelper({ dir: DIR, taskId: TASK, items: ITEMS, verifyKey: VERIFY, token: TOKEN, maxItems: 4 });
  helperServer = started.server;
  config = resolveGatewayConfig({
    port: 0,
    sites: [{ id: 'shop', key: KEY, origins: [new URL(baseUrl()).origin] }],
    sink: { kind: 'file', path: join(DIR, 'reports.jsonl') },
    secure: { topic: 'edgereco-secure', taskId: TASK },
    aggregate: {
      catalog: join(DIR, 'catalog.json'),
      out: join(DIR, 'priors.json'),
      stateDir: join(DIR, 'state'),
      secure: { items: join(DIR, 'items.json'), maxItems: 4, helperUrl: started.url, helperTokenEnv: 'SECURE_BROWSER_TOKEN', verifyKeyEnv: 'SECURE_BROWSER_VERIFY', keyFile: join(DIR, 'leader-key.json'), stateFile: join(DIR, 'leader-state.json'), taskOut: join(DIR, 'secure-task.json'), taskUrl: 'secure-task.json' },
    },
  });
  Object.assign(process.env, { SECURE_BROWSER_TOKEN: TOKEN, SECURE_BROWSER_VERIFY: VERIFY });
  gateway = await startGateway(config, { sink: await createFileSink(join(DIR, 'reports.jsonl'), [...config.topics, 'edgereco-secure']), log: () => {} });
  browser = await launch();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  helperServer?.close();
});

describe('secure reports from a shopper\'s page', () => {
  it("hold exactly the day's items the task lists, latest first up to its maxItems, and are counted by both aggregators", async () => {
    // The aggregator's first run: the task file and a bundle naming it (nothing published yet).
    const now = Date.now();
    await aggregateSite(config, () => now);
    const bundle = parsePriors(JSON.parse(readFileSync(join(DIR, 'priors.json'), 'utf8')));
    expect(bundle).toMatchObject({ version: 5, secureTask: { url: 'secure-task.json' } });

    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const errors = watchErrors(page);
    const result = await page.evaluate(
      async ({ url, key, priorsUrl }) => {
        const w = window as unknown as W;
        const reco = w.sdk.createRecommender({ storeId: 'secure-shop', priorsUrl, syncUrl: url, syncKey: key });
        const problems: string[] = [];
        reco.on('error', (e) => problems.push(e.message));
        reco.on('warning', (e) => problems.push(e.message));
        // Six items: one the task does not list, and five it does, of which the latest four count.
        for (const itemId of ['item-7', 'item-3', 'not-in-the-task', 'item-0', 'item-12', 'item-3', 'item-21']) await reco.track({ type: 'view', itemId });
        const summary = await reco.syncNow();
        return { summary, problems, privacy: await reco.privacy(), exported: (await reco.exportData()).sync?.secure };
      },
      { url: gateway.url, key: KEY, priorsUrl: `${baseUrl()}${BASE}/priors.json` },
    );
    expect(result.problems).toEqual([]);
    expect(errors).toEqual([]);
    // The shopper's export says which day was reported (sent: nothing waits).
    expect(result.exported).toEqual({ reportedThrough: new Date(now).toISOString().slice(0, 10), pending: null });
    // The shopper's "your data" page says what this browser now also sends, and what protects it.
    // (No relay here: the other reports' local ε, 4 a day, adds to the secure mode's 2.)
    expect(result.privacy.secure).toEqual({ centralEpsilon: 2, delta: 1e-6, maxItems: 4, mustNotCollude: ['leader', 'helper'], withOtherReports: { epsilon: 6, delta: 1e-6 } });
    expect(result.privacy.summary).toMatch(/Both kinds of report together: at most ε = 6 \(δ = 0.000001\) per day\.$/);
    expect(result.privacy.summary).toMatch(/two servers run by different organizations.*ε = 2 \(δ = 0.000001\) per day even against either server, as long as the leader and the helper do not work together/);
    const stored = readFileSync(join(DIR, 'reports.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { topic: string; value: unknown }).filter((l) => l.topic === 'edgereco-secure');
    expect(stored).toHaveLength(1);
    const report = stored[0]!.value as SecureReport;

    // Opened with both aggregators' keys (a test can hold both; in production no one does): the vector.
    const leaderKey = await loadOhttpKey(join(DIR, 'leader-key.json'));
    const verifyKey = toBase64url(new Uint8Array(16).fill(1));
    const opener = [new SecureAggregator(0, { taskId: TASK, length: ITEMS.length, key: leaderKey, verifyKey, sigma: 1 }), new SecureAggregator(1, { taskId: TASK, length: ITEMS.length, key: (await loadOhttpKey(join(DIR, 'helper-key.json'))), verifyKey, sigma: 1 })] as const;
    const shares = [];
    for (const [role, a] of opener.entries()) {
      a.startJob('open', report.period, [report.nonce]);
      shares.push(await a.prepare('open', report.nonce, report.publicShare, role === 0 ? report.leaderShare : report.helperShare));
    }
    const field = fieldOf(opener[0].vdaf);
    const vector = field.vecAdd(shares[0]!.state.outputShare, shares[1]!.state.outputShare).map(Number);
    expect(vector.flatMap((v, i) => (v === 1 ? [ITEMS[i]] : []))).toEqual(['item-0', 'item-3', 'item-12', 'item-21']);
    expect(vector.every((v) => v === 0 || v === 1)).toBe(true);

    // The store's run two days later: counted once by the leader and the helper (the day's figures say one report).
    const run = await aggregateSite(config, () => now + 2 * 86_400_000);
    expect(run.secure).toMatchObject({ read: 1, accepted: 1, collected: [report.period] });
    expect(run.secure!.summary.reports).toBe(1);
    await context.close();
  }, 120_000);

  it('pay with a Privacy Pass token when the gateway wants one per report', async () => {
    const dir = join(DIR, 'paid');
    mkdirSync(dir, { recursive: true });
    const paid = resolveGatewayConfig({
      port: 0,
      sites: [{ id: 'shop', key: KEY, origins: [new URL(baseUrl()).origin] }],
      sink: { kind: 'file', path: join(dir, 'reports.jsonl') },
      secure: { topic: 'edgereco-secure', taskId: TASK },
      tokens: { keyDir: join(dir, 'keys'), perSessionPerDay: 8, perIpPerDay: 50, secureCookie: false },
    });
    const tokens = await TokenService.open(paid.tokens!, Date.now());
    const paidGateway = await startGateway(paid, { sink: await createFileSink(join(dir, 'reports.jsonl'), [...paid.topics, 'edgereco-secure']), log: () => {}, tokens });
    try {
      const context = await browser.newContext();
      const page = await openSdkPage(context, DEDICATED);
      const bodies: string[] = [];
      page.on('request', (r) => r.method() === 'POST' && r.url().includes('/topics/edgereco-secure') && bodies.push(r.postData() ?? ''));
      const result = await page.evaluate(
        async ({ url, key, priorsUrl }) => {
          const w = window as unknown as W;
          const reco = w.sdk.createRecommender({ storeId: 'secure-paid', priorsUrl, syncUrl: url, syncKey: key, syncTokens: true });
          const problems: string[] = [];
          reco.on('error', (e) => problems.push(e.message));
          reco.on('warning', (e) => problems.push(e.message));
          await reco.track({ type: 'view', itemId: 'item-5' });
          await reco.syncNow();
          return { problems };
        },
        // The gateway as the page reaches it: `localhost`, the page's own site, so the issuer's cookie is first-party.
        { url: paidGateway.url.replace('127.0.0.1', 'localhost'), key: KEY, priorsUrl: `${baseUrl()}${BASE}/priors.json` },
      );
      expect(result.problems).toEqual([]);
      const stored = readFileSync(join(dir, 'reports.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { topic: string }).filter((l) => l.topic === 'edgereco-secure');
      expect(stored).toHaveLength(1);
      const wire = JSON.parse(bodies[0]!) as { records: { token?: string }[] };
      expect(typeof wire.records[0]!.token).toBe('string');
      await context.close();
    } finally {
      await paidGateway.close();
    }
  }, 120_000);
});
