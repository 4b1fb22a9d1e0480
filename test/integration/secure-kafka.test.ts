import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateSite } from '../../gateway/aggregate-site.js';
import { createKafkaSink, resolveGatewayConfig, startGateway, type Gateway, type GatewayConfig } from '../../gateway/index.js';
import type { SecureTaskFile } from '../../gateway/secure-aggregate.js';
import { fromBase64url, toBase64url } from '../../src/core/base64url.js';
import { utcDay } from '../../src/core/ldp/privacy-budget.js';
import { decodeKeyConfigList } from '../../src/core/ohttp/key-config.js';
import { parsePriors } from '../../src/core/priors.js';
import { buildSecureReport } from '../../src/core/secure/report.js';
import { startTestHelper } from '../unit/gateway/secure-test-helper.js';

/**
 * The secure mode on a real Kafka broker: the gateway's Kafka sink stores the secure reports on their topic (two
 * partitions), and `edgereco-gateway aggregate` runs the leader over them with a helper over HTTP: each counted
 * once across runs (jobs named by partition and offsets), the day published two days later.
 */
const bootstrap = process.env.KAFKA_BOOTSTRAP!;
const dir = mkdtempSync(join(tmpdir(), 'edgereco-secure-kafka-'));
const TOPIC = `edgereco-secure-${Date.now()}`;
const REPORTS = `edgereco-reports-secure-it-${Date.now()}`;
const TASK = toBase64url(new Uint8Array(16).fill(8));
const VERIFY = toBase64url(new Uint8Array(16).fill(9));
const TOKEN = 'leader-and-helper-secret-kafka';
const ITEMS = Array.from({ length: 30 }, (_, i) => `item-${i}`);
const KEY = 'pk_secure_kafka';
const ORIGIN = 'https://shop.example';
let helperServer: Server;
let gateway: Gateway;
let config: GatewayConfig;

beforeAll(async () => {
  const admin = new Admin({ clientId: 'edgereco-it', bootstrapBrokers: [bootstrap] });
  await admin.createTopics({ topics: [TOPIC], partitions: 2, replicas: 1 });
  await admin.createTopics({ topics: [REPORTS], partitions: 1, replicas: 1 });
  await admin.close();
  const helper = await startTestHelper({ dir, taskId: TASK, items: ITEMS, verifyKey: VERIFY, token: TOKEN, maxItems: 2, stateFile: join(dir, 'helper-state.json') });
  helperServer = helper.server;
  config = resolveGatewayConfig({
    port: 0,
    sites: [{ id: 'shop', key: KEY, origins: [ORIGIN] }],
    topics: [REPORTS],
    sink: { kind: 'kafka', bootstrap: [bootstrap] },
    secure: { topic: TOPIC, taskId: TASK },
    aggregate: {
      catalog: join(dir, 'catalog.json'),
      out: join(dir, 'priors.json'),
      stateDir: join(dir, 'state'),
      groupId: `edgereco-secure-it-${Date.now()}`,
      secure: { items: join(dir, 'items.json'), maxItems: 2, helperUrl: helper.url, helperTokenEnv: 'SECURE_IT_TOKEN', verifyKeyEnv: 'SECURE_IT_VERIFY', keyFile: join(dir, 'leader-key.json'), stateFile: join(dir, 'leader-state.json'), taskOut: join(dir, 'secure-task.json') },
    },
  });
  Object.assign(process.env, { SECURE_IT_TOKEN: TOKEN, SECURE_IT_VERIFY: VERIFY });
  gateway = await startGateway(config, { sink: await createKafkaSink({ bootstrap: [bootstrap] }), log: () => {} });
}, 60_000);
afterAll(async () => {
  await gateway?.close();
  helperServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(records: unknown[]): Promise<{ partition: number }[]> {
  const response = await fetch(`${gateway.url}/topics/${TOPIC}`, { method: 'POST', headers: { 'content-type': 'application/vnd.kafka.json.v2+json', 'x-edgereco-key': KEY, origin: ORIGIN }, body: JSON.stringify({ records: records.map((value) => ({ value })) }) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { offsets: { partition: number }[] }).offsets;
}

describe('secure aggregation over the Kafka sink', () => {
  it('stores the reports on two partitions and counts each once across runs; publishes the day two days later', async () => {
    const today = Date.now();
    await aggregateSite(config, () => today); // writes the task file
    const task = JSON.parse(readFileSync(join(dir, 'secure-task.json'), 'utf8')) as SecureTaskFile;
    const browserTask = { taskId: task.taskId, length: task.items.length, maxItems: task.maxItems, leaderKey: decodeKeyConfigList(fromBase64url(task.leaderKeys))[0]!, helperKey: decodeKeyConfigList(fromBase64url(task.helperKeys))[0]! };
    const period = utcDay(today);
    const reports = await Promise.all(Array.from({ length: 80 }, (_, b) => buildSecureReport(browserTask, period, b < 10 ? [0, 1] : [0])));
    const partitions = new Set<number>();
    for (let at = 0; at < reports.length; at += 10) {
      const offsets = await post(reports.slice(at, at + 10));
      expect(offsets).toHaveLength(10);
      for (const o of offsets) partitions.add(o.partition);
    }
    expect(partitions.size).toBe(2);
    const first = await aggregateSite(config, () => today);
    expect(first.secure).toMatchObject({ read: 80, accepted: 80, collected: [] });
    const later = today + 2 * 86_400_000;
    const run = await aggregateSite(config, () => later);
    expect(run.secure).toMatchObject({ read: 0, accepted: 0, collected: [period] });
    const bundle = parsePriors(JSON.parse(readFileSync(join(dir, 'priors.json'), 'utf8')));
    expect(bundle.items.filter((i) => i.source === 'secure-aggregation').map((i) => i.itemId)).toEqual(['item-0']);
    expect(bundle.sources?.secure?.reports).toBe(80);
  }, 120_000);

  it('stores reports over a Games-sized catalog (about 0.5 MB each) four to a request', async () => {
    const task = JSON.parse(readFileSync(join(dir, 'secure-task.json'), 'utf8')) as SecureTaskFile;
    const big = { taskId: TASK, length: 23_715, maxItems: 8, leaderKey: decodeKeyConfigList(fromBase64url(task.leaderKeys))[0]!, helperKey: decodeKeyConfigList(fromBase64url(task.helperKeys))[0]! };
    const reports = await Promise.all([0, 1, 2, 3].map((i) => buildSecureReport(big, utcDay(Date.now()), [i, 100 + i])));
    expect(JSON.stringify(reports[0]).length).toBeGreaterThan(500_000);
    expect(await post(reports)).toHaveLength(4);
  }, 120_000);
});
