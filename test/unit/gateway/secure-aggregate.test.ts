import type { Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateSite } from '../../../gateway/aggregate-site.js';
import { createFileSink, resolveGatewayConfig, startGateway, type Gateway, type GatewayConfig } from '../../../gateway/index.js';
import type { SecureTaskFile } from '../../../gateway/secure-aggregate.js';
import { fromBase64url, toBase64url } from '../../../src/core/base64url.js';
import { utcDay } from '../../../src/core/ldp/privacy-budget.js';
import { decodeKeyConfigList } from '../../../src/core/ohttp/key-config.js';
import { parsePriors } from '../../../src/core/priors.js';
import { buildSecureReport } from '../../../src/core/secure/report.js';
import { KEY, ORIGIN, TOPIC, headers, produceBody, send } from './helpers.js';
import { startTestHelper } from './secure-test-helper.js';

/**
 * `edgereco-gateway aggregate` with `aggregate.secure`: the leader reads the secure reports the gateway stored (file
 * sink), aggregates them with a helper over real HTTP, collects a period two days after it, and publishes the items
 * that clear the threshold in a version 5 bundle the SDK reads, labelled `secure-aggregation`.
 */
const dir = mkdtempSync(join(tmpdir(), 'edgereco-secure-aggregate-'));
const SECURE_TOPIC = 'edgereco-secure';
const TASK = toBase64url(new Uint8Array(16).fill(5));
const VERIFY = toBase64url(new Uint8Array(16).fill(6));
const TOKEN = 'leader-and-helper-secret';
const DAY = 86_400_000;
const ITEMS = Array.from({ length: 30 }, (_, i) => `item-${i}`);
let helperServer: Server;
let gateway: Gateway;
let config: GatewayConfig;
const env = { HELPER_TOKEN: TOKEN, VERIFY_KEY: VERIFY };

beforeAll(async () => {
  const helper = await startTestHelper({ dir, taskId: TASK, items: ITEMS, verifyKey: VERIFY, token: TOKEN, maxItems: 2, stateFile: join(dir, 'helper-state.json') });
  helperServer = helper.server;
  config = resolveGatewayConfig({
    port: 0,
    sites: [{ id: 'shop', key: KEY, origins: [ORIGIN] }],
    topics: [TOPIC],
    sink: { kind: 'file', path: join(dir, 'reports.jsonl') },
    secure: { topic: SECURE_TOPIC, taskId: TASK },
    aggregate: {
      catalog: join(dir, 'catalog.json'),
      out: join(dir, 'priors.json'),
      stateDir: join(dir, 'state'),
      secure: { items: join(dir, 'items.json'), maxItems: 2, helperUrl: helper.url, helperTokenEnv: 'HELPER_TOKEN', verifyKeyEnv: 'VERIFY_KEY', keyFile: join(dir, 'leader-key.json'), stateFile: join(dir, 'leader-state.json'), taskOut: join(dir, 'secure-task.json') },
    },
  });
  gateway = await startGateway(config, { sink: await createFileSink(join(dir, 'reports.jsonl'), [TOPIC, SECURE_TOPIC]), log: () => {} });
  Object.assign(process.env, env);
});
afterAll(async () => {
  await gateway?.close();
  helperServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the leader in edgereco-gateway aggregate (aggregate.secure)', () => {
  it('counts the stored reports once, publishes a period two days after it, and says what it did', async () => {
    const today = Date.now();
    // First run: nothing to count; it writes the task browsers fetch, with both keys.
    const first = await aggregateSite(config, () => today);
    expect(first.secure).toMatchObject({ read: 0, accepted: 0, items: [] });
    const task = JSON.parse(readFileSync(join(dir, 'secure-task.json'), 'utf8')) as SecureTaskFile;
    expect(task).toMatchObject({ format: 'edgereco-secure-task', taskId: TASK, topic: SECURE_TOPIC, items: ITEMS, maxItems: 2 });
    const browserTask = { taskId: task.taskId, length: task.items.length, maxItems: task.maxItems, leaderKey: decodeKeyConfigList(fromBase64url(task.leaderKeys))[0]!, helperKey: decodeKeyConfigList(fromBase64url(task.helperKeys))[0]! };
    // 80 browsers viewed item-0, 10 of them item-1 too: item-0 clears the threshold (about 47), item-1 cannot.
    const period = utcDay(today);
    const reports = await Promise.all(Array.from({ length: 80 }, (_, b) => buildSecureReport(browserTask, period, b < 10 ? [0, 1] : [0])));
    for (let at = 0; at < reports.length; at += 20) {
      const reply = await send(gateway.url, { path: `/topics/${SECURE_TOPIC}`, headers: headers(), body: produceBody(reports.slice(at, at + 20)) });
      expect(reply.status).toBe(200);
    }
    // The same day: counted, not yet collected (reports for it may still come), so nothing published.
    const sameDay = await aggregateSite(config, () => today);
    expect(sameDay.secure).toMatchObject({ read: 80, accepted: 80, collected: [], items: [] });
    // Two days later: collected and published, in a bundle the SDK reads.
    const later = today + 2 * DAY;
    const run = await aggregateSite(config, () => later);
    expect(run.secure).toMatchObject({ read: 0, accepted: 0, collected: [period] });
    const bundle = parsePriors(JSON.parse(readFileSync(join(dir, 'priors.json'), 'utf8')));
    expect(bundle.version).toBe(5);
    expect(bundle.items.filter((i) => i.source === 'secure-aggregation').map((i) => i.itemId)).toEqual(['item-0']);
    expect(bundle.sources?.secure).toMatchObject({ taskId: TASK, periods: { from: period, to: period }, reports: 80, maxItems: 2, centralEpsilon: 2, delta: 1e-6, mustNotCollude: ['leader', 'helper'] });
    const count = bundle.items.find((i) => i.source === 'secure-aggregation')!.count;
    expect(Math.abs(count - 80)).toBeLessThan(40); // σ ≈ 6.8 on the sum
    // Run again: nothing new, the same published count (each period's noise is drawn once).
    const again = await aggregateSite(config, () => later);
    expect(again.secure?.items).toEqual(run.secure?.items);
    // A late report for the collected period is stored by the gateway but refused by the aggregators: closed.
    const late = await buildSecureReport(browserTask, period, [3]);
    expect((await send(gateway.url, { path: `/topics/${SECURE_TOPIC}`, headers: headers(), body: produceBody([late]) })).status).toBe(200);
    const afterLate = await aggregateSite(config, () => later);
    expect(afterLate.secure).toMatchObject({ read: 1, accepted: 0, refused: { closed: 1 } });
  }, 60_000);

  it('refuses a config without the gateway\'s secure section, saying what to do', () => {
    const { secure: _secure, ...withoutSecure } = { ...config };
    expect(() => resolveGatewayConfig({ ...withoutSecure, sink: { kind: 'file', path: join(dir, 'r.jsonl') } })).toThrow(/needs the gateway's "secure" section/);
  });
});
