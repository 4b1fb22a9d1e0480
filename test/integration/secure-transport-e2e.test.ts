import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { aggregateSite } from '../../gateway/aggregate-site.js';
import { gatewayConfigFromEnv } from '../../gateway/config.js';
import { toBase64url } from '../../src/core/base64url.js';
import { launch } from '../browser/chromium.js';
// @ts-expect-error: a plain .mjs helper shared with the scripts
import { serve, ROOT } from '../../scripts/serve.mjs';
import { freePort } from '../../scripts/free-port.mjs';
import { countReportsInKafka, killProcess, spawnNode, startRelayWithTaps, type Tap } from './e2e-processes.js';

/**
 * The secure mode end to end, nothing mocked: Debian's Chromium runs the built SDK, whose priors bundle names the
 * store's secure task; its report (Prio3 shares sealed to the two aggregators) is encapsulated (OHTTP) and posted to
 * the relay (its own process), which forwards it to the gateway (its own process, SIGKILLed mid-run), which produces
 * it to the real Kafka broker; the leader (`aggregate`) and the helper (`edgereco-gateway helper`, its own process)
 * count it. Taps record every byte the browser sent the relay and every byte and peer address that reached the gateway.
 */
const bootstrap = process.env.KAFKA_BOOTSTRAP!;
const stamp = Date.now();
const TOPIC = `edgereco-reports-secure-e2e-${stamp}`;
const SECURE_TOPIC = `edgereco-secure-e2e-${stamp}`;
const KEY = 'pk_test_secure_e2e';
const TASK = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
const VERIFY = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
const TOKEN = 'the-secret-of-the-store-and-its-partner-e2e';
const ITEMS = Array.from({ length: 50 }, (_, i) => `sku-${i}`);
const DAY = 86_400_000;
const RELAY_ADDRESS = '127.0.0.2';
const DIR = join(ROOT as string, 'test-results/secure-e2e');
const logs: string[] = [];
let site: { url: string; close: () => Promise<void> };
let browser: Browser;
let gateway: ChildProcess | null = null;
let stopRelay: (() => Promise<void>) | undefined;
let helper: ChildProcess | null = null;
let gatewayPort = 0;
let relayTap: Tap;
let gatewayTap: Tap;
const configFile = join(DIR, 'site.json');
const env = { EDGERECO_LEADER_TOKEN: TOKEN, SECURE_E2E_TOKEN: TOKEN, SECURE_E2E_VERIFY: VERIFY };

async function startGateway(): Promise<void> {
  gateway = await spawnNode(['gateway/main.ts'], { EDGERECO_GATEWAY_CONFIG: configFile, KAFKA_BOOTSTRAP: bootstrap, PORT: String(gatewayPort) }, 'listening on', logs);
}

beforeAll(async () => {
  const admin = new Admin({ clientId: 'edgereco-e2e', bootstrapBrokers: [bootstrap] });
  await admin.createTopics({ topics: [TOPIC], partitions: 1, replicas: 1 });
  await admin.createTopics({ topics: [SECURE_TOPIC], partitions: 2, replicas: 1 });
  await admin.close();
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  site = (await serve()) as typeof site;
  writeFileSync(join(DIR, 'items.json'), JSON.stringify(ITEMS));
  writeFileSync(join(DIR, 'catalog.json'), JSON.stringify(ITEMS.map((id) => ({ id }))));
  writeFileSync(join(DIR, 'helper.json'), JSON.stringify({ format: 'edgereco-secure-helper', taskId: TASK, length: ITEMS.length, maxItems: 4, epsilon: 2, delta: 1e-6, verifyKey: VERIFY, keyFile: join(DIR, 'helper-key.json'), stateFile: join(DIR, 'helper-state.json'), leaderTokenEnv: 'EDGERECO_LEADER_TOKEN' }));
  helper = await spawnNode(['gateway/cli.ts', 'helper', '--config', join(DIR, 'helper.json'), '--port', '0'], env, 'helper listening on', logs);
  const helperUrl = /helper listening on (http:\/\/\S+)/.exec(logs.join(''))![1]!;
  gatewayPort = await freePort();
  writeFileSync(configFile, JSON.stringify({
    port: gatewayPort, topics: [TOPIC], sites: [{ id: 'shop', key: KEY, origins: [new URL(site.url).origin] }],
    ohttp: { keyFile: join(DIR, 'ohttp-key.json'), required: true },
    secure: { topic: SECURE_TOPIC, taskId: TASK },
    aggregate: {
      catalog: join(DIR, 'catalog.json'), out: join(DIR, 'priors.json'), stateDir: join(DIR, 'state'), topic: TOPIC, groupId: `secure-e2e-${stamp}`,
      secure: { items: join(DIR, 'items.json'), maxItems: 4, helperUrl, helperTokenEnv: 'SECURE_E2E_TOKEN', verifyKeyEnv: 'SECURE_E2E_VERIFY', keyFile: join(DIR, 'leader-key.json'), stateFile: join(DIR, 'leader-state.json'), taskOut: join(DIR, 'secure-task.json'), taskUrl: 'secure-task.json' },
    },
  }));
  Object.assign(process.env, env);
  await startGateway();
  ({ relayTap, gatewayTap, stop: stopRelay } = await startRelayWithTaps(gatewayPort, new URL(site.url).origin, RELAY_ADDRESS, logs));
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopRelay?.();
  await killProcess(gateway);
  await killProcess(helper);
  await site?.close();
});

type W = { sdk: typeof Sdk; reco?: Sdk.Recommender; problems?: string[] };

describe('the secure mode end to end: Chromium → OHTTP relay → gateway → Kafka → leader and helper', () => {
  it('a report passes the relay encrypted, survives a gateway SIGKILL, is stored once, and both aggregators count it', async () => {
    const config = () => gatewayConfigFromEnv({ ...process.env, KAFKA_BOOTSTRAP: bootstrap }, configFile);
    const now = Date.now();
    await aggregateSite(config(), () => now); // the task file, and a bundle that names it

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site.url}/test/browser/pages/sdk.html`);
    await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
    await page.evaluate(
      async ({ url, key, topic, relayUrl, priorsUrl, day }) => {
        const w = window as unknown as W;
        const yesterday = Date.now() - day;
        w.problems = [];
        w.reco = w.sdk.createRecommender({ storeId: 'secure-e2e', priorsUrl, syncUrl: url, syncKey: key, syncTopic: topic, syncRelayUrl: relayUrl });
        w.reco.on('error', (e) => w.problems!.push(`error ${e.code}: ${e.message}`));
        for (const itemId of ['sku-4', 'sku-9']) await w.reco.track({ type: 'view', itemId, ts: yesterday });
      },
      { url: `http://gateway.invalid:${gatewayPort}`, key: KEY, topic: TOPIC, relayUrl: relayTap.url, priorsUrl: `${site.url}/test-results/secure-e2e/priors.json`, day: DAY },
    );
    // The gateway is down when the browser first sends: the report waits in the browser and leaves on the next pass.
    await killProcess(gateway);
    gateway = null;
    await page.evaluate(() => (window as unknown as W).reco!.syncNow());
    expect(await countReportsInKafka(bootstrap, SECURE_TOPIC, 1, { timeoutMs: 3_000 })).toEqual(new Map());
    await startGateway();
    await page.evaluate(() => (window as unknown as W).reco!.syncNow());
    await page.evaluate(() => (window as unknown as W).reco!.syncNow()); // nothing left to send: nothing sent twice
    expect(await page.evaluate(() => (window as unknown as W).problems)).toEqual([]);
    const stored = await countReportsInKafka(bootstrap, SECURE_TOPIC, 2, { timeoutMs: 5_000 });
    expect(stored.size).toBe(1);
    const [nonce, times] = [...stored][0]!;
    expect(times).toBe(1);

    // On the wire: the relay saw only encrypted bytes; the gateway only the relay's address.
    const toRelay = Buffer.concat(relayTap.connections.flatMap((c) => c.bytes)).toString('latin1');
    expect(toRelay.toLowerCase()).toContain('content-type: message/ohttp-req');
    for (const clear of [nonce, '"publicShare"', '"leaderShare"', TASK, SECURE_TOPIC, KEY]) expect(toRelay).not.toContain(clear);
    expect(new Set(gatewayTap.connections.map((c) => c.from))).toEqual(new Set([RELAY_ADDRESS]));
    expect(Buffer.concat(gatewayTap.connections.flatMap((c) => c.bytes)).toString('latin1')).not.toContain(nonce);

    // The store's run two days later: the leader and the helper (its own process) count it once.
    const run = await aggregateSite(config(), () => now + 2 * DAY);
    expect(run.secure).toMatchObject({ read: 1, accepted: 1 });
    expect(run.secure!.summary.reports).toBe(1);
    await context.close();
  }, 180_000);
});
