import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSink, resolveGatewayConfig, startGateway, type Gateway } from '../../../gateway/index.js';
import { toBase64url } from '../../../src/core/base64url.js';
import { utcDay } from '../../../src/core/ldp/privacy-budget.js';
import { buildSecureReport, type SecureTask } from '../../../src/core/secure/report.js';
import { KEY, ORIGIN, TOPIC, headers, produceBody, send, validReport } from './helpers.js';
import { generateKey } from '../../../gateway/ohttp-key.js';

/**
 * The gateway takes the secure mode's reports on their own topic (config `secure`), with the rules other reports
 * follow (origin, schema, period window) plus the task's id, and a body as large as a report over the catalog.
 */
const SECURE_TOPIC = 'edgereco-secure';
const TASK = toBase64url(new Uint8Array(16).fill(3));
let dir: string;
let file: string;
let gateway: Gateway;
let task: SecureTask;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgereco-secure-ingest-'));
  file = join(dir, 'reports.jsonl');
  const config = resolveGatewayConfig({ port: 0, sites: [{ id: 'shop', key: KEY, origins: [ORIGIN] }], topics: [TOPIC], bodyTimeoutMs: 5_000, sink: { kind: 'file', path: file }, secure: { topic: SECURE_TOPIC, taskId: TASK } });
  gateway = await startGateway(config, { sink: await createFileSink(file, [TOPIC, SECURE_TOPIC]), log: () => {} });
  task = { taskId: TASK, length: 5_000, maxItems: 8, leaderKey: (await generateKey(1)).config, helperKey: (await generateKey(2)).config };
});
afterAll(async () => {
  await gateway.close();
  await rm(dir, { recursive: true, force: true });
});

const post = (records: unknown[]) => send(gateway.url, { path: `/topics/${SECURE_TOPIC}`, headers: headers(), body: produceBody(records) });

describe('gateway: secure reports', () => {
  it('appends a report over a 5,000-item catalog (larger than other topics take) to the secure topic, as sent', async () => {
    const report = await buildSecureReport(task, utcDay(Date.now()), [1, 2, 3]);
    const body = produceBody([report]);
    expect(body.length).toBeGreaterThan(64 * 1024);
    const reply = await post([report]);
    expect(reply.status).toBe(200);
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { topic: string; value: unknown });
    expect(lines.at(-1)).toMatchObject({ topic: SECURE_TOPIC, value: report });
  });

  it('refuses another task, a period outside the window, a field it does not know, and an ordinary report there; and a secure report on the ordinary topic', async () => {
    const report = await buildSecureReport(task, utcDay(Date.now()), [1]);
    const other = await post([{ ...report, task: toBase64url(new Uint8Array(16).fill(9)) }]);
    expect(other.status).toBe(422);
    expect(String(other.json().message)).toMatch(/must be this site's secure task/);
    const old = await post([{ ...report, period: '2000-01-01' }]);
    expect(old.status).toBe(422);
    expect(String(old.json().message)).toMatch(/period 2000-01-01 is not accepted/);
    const extra = await post([{ ...report, userId: 'u-1' }]);
    expect(extra.status).toBe(422);
    expect(String(extra.json().message)).toMatch(/has no field "userId"/);
    expect((await post([validReport('a')])).json().error_code).toBe(42201);
    const wrongTopic = await send(gateway.url, { headers: headers(), body: produceBody([report]) });
    expect(wrongTopic.status).toBe(413); // the ordinary topic's 64 KiB
    const small = await buildSecureReport({ ...task, length: 50 }, utcDay(Date.now()), [1]);
    expect((await send(gateway.url, { headers: headers(), body: produceBody([small]) })).json().error_code).toBe(42201);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1); // only the first test's report
  });
});
