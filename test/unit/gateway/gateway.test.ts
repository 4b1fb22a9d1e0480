import fc from 'fast-check';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSink, resolveGatewayConfig, startGateway, type AccessLogEntry, type Gateway } from '../../../gateway/index.js';
import { KEY, ORIGIN, TOPIC, V2, headers, produceBody, send, validReport } from './helpers.js';

let dir: string;
let file: string;
let gateway: Gateway;
const logs: AccessLogEntry[] = [];
let accepted = 0;

async function start(): Promise<Gateway> {
  const config = resolveGatewayConfig({
    port: 0,
    sites: [{ id: 'shop', key: KEY, origins: [ORIGIN], ratePerSecond: 1_000_000, burst: 1_000_000 }, { id: 'tiny', key: 'pk_tiny_site', origins: [ORIGIN], ratePerSecond: 1, burst: 3 }],
    topics: [TOPIC],
    maxBodyBytes: 16 * 1024,
    bodyTimeoutMs: 300,
    sink: { kind: 'file', path: file },
  });
  return startGateway(config, { sink: await createFileSink(file, config.topics), log: (e) => logs.push(e) });
}

async function lines(): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

function expectError(reply: { status: number; json: () => Record<string, unknown> }, status: number, code: number): void {
  expect(reply.status).toBe(status);
  const body = reply.json();
  expect(body.error_code).toBe(code);
  expect(typeof body.message).toBe('string');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgereco-gateway-'));
  file = join(dir, 'reports.jsonl');
  gateway = await start();
});
afterAll(async () => {
  await gateway.close();
  await rm(dir, { recursive: true, force: true });
});

describe('gateway: Kafka REST v2 produce', () => {
  it('appends valid reports and answers with their offsets, in the v2 response format', async () => {
    const reports = [validReport('a'), validReport('b'), validReport('c')];
    const reply = await send(gateway.url, { headers: headers(), body: produceBody(reports) });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/vnd.kafka.v2+json');
    expect(reply.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(reply.json()).toEqual({
      key_schema_id: null,
      value_schema_id: null,
      offsets: [0, 1, 2].map((offset) => ({ partition: 0, offset: accepted + offset, error_code: null, error: null })),
    });
    accepted += 3;
    const stored = await lines();
    expect(stored.map((l) => (l.value as { id: string }).id)).toEqual(reports.map((r) => r.id));
    expect(stored[0]).toMatchObject({ topic: TOPIC, partition: 0, site: 'shop' });
  });

  it('accepts the same body as text/plain with the key in the query (navigator.sendBeacon)', async () => {
    const reply = await send(gateway.url, {
      path: `/topics/${TOPIC}?key=${KEY}`,
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN },
      body: produceBody([validReport()]),
    });
    expect(reply.status).toBe(200);
    accepted += 1;
  });

  it('answers a CORS preflight for an allowed origin, and refuses it for any other', async () => {
    const ok = await send(gateway.url, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-edgereco-key' } });
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(ok.headers['access-control-allow-headers']).toContain('x-edgereco-key');
    expect(ok.headers['access-control-allow-methods']).toContain('POST');
    const bad = await send(gateway.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expectError(bad, 403, 40301);
    expect(bad.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses each kind of bad request with the right status and a Confluent-style error body', async () => {
    const body = produceBody([validReport()]);
    expectError(await send(gateway.url, { headers: headers({ 'x-edgereco-key': 'pk_wrong_key' }), body }), 401, 40101);
    expectError(await send(gateway.url, { headers: { 'content-type': V2, origin: ORIGIN }, body }), 401, 40101);
    expectError(await send(gateway.url, { headers: headers({ origin: 'https://evil.example' }), body }), 403, 40301);
    expectError(await send(gateway.url, { headers: { 'content-type': V2, 'x-edgereco-key': KEY }, body }), 403, 40301);
    expectError(await send(gateway.url, { headers: headers({ 'content-type': 'application/json' }), body }), 415, 41501);
    expectError(await send(gateway.url, { headers: headers(), body: '{"records": [' }), 400, 40002);
    expectError(await send(gateway.url, { path: '/topics/other-topic', headers: headers(), body }), 404, 40401);
    expectError(await send(gateway.url, { method: 'GET', headers: headers() }), 405, 40501);
    expectError(await send(gateway.url, { path: '/nope', headers: headers(), body }), 404, 40401);
    expectError(await send(gateway.url, { headers: headers(), body: 'x'.repeat(20_000) }), 413, 41301);
    expectError(await send(gateway.url, { headers: headers(), chunks: Array.from({ length: 40 }, () => 'x'.repeat(1024)) }), 413, 41301);
    expectError(await send(gateway.url, { headers: headers(), chunks: ['{"records":', '[]', '}'], delayMs: 250 }), 408, 40801);
  });

  it('refuses schema violations: unknown fields, __proto__, huge numbers, a g that does not match ε, bad ids', async () => {
    const good = validReport();
    const bad: unknown[] = [
      { ...good, userId: 'u1' },
      JSON.parse(`{"__proto__":{"polluted":1},${JSON.stringify(good).slice(1)}`),
      { ...good, seed: 1e308 },
      { ...good, y: 99 },
      { ...good, g: 3 },
      { ...good, eps: 1e9 },
      { ...good, id: 'short' },
      { ...good, period: '2026-11-27T10:00:00Z' },
      { ...good, v: 3 },
      { ...good, v: 1 },
      { ...good, seed: 8192 },
      { ...good, kind: 'user' },
      'not an object',
      null,
    ];
    for (const report of bad) {
      expectError(await send(gateway.url, { headers: headers(), body: produceBody([validReport(), report]) }), 422, 42201);
    }
    expectError(await send(gateway.url, { headers: headers(), body: JSON.stringify({ records: [] }) }), 422, 42201);
    expectError(await send(gateway.url, { headers: headers(), body: JSON.stringify({ records: [{ value: good, partition: 3 }] }) }), 422, 42201);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await lines()).length).toBe(accepted);
  });

  it('refuses a Hadamard-response report (once accepted, then silently dropped) with a message that says so', async () => {
    const { g: _g, seed: _seed, y: _y, ...base } = validReport() as unknown as Record<string, unknown>;
    const reply = await send(gateway.url, { headers: headers(), body: produceBody([{ ...base, mech: 'hadamard', domain: 'vocab-1', size: 1024, col: 7, bit: 1 }]) });
    expectError(reply, 422, 42201);
    expect(reply.json().message).toMatch(/records\[0\]: edgereco: report\.mech is "hadamard".*"olh"/);
    expect((await lines()).length).toBe(accepted);
  });

  it('refuses a report of another ε than the site\'s, or of a period in the future or past the retention, saying why (nothing is written)', async () => {
    const DAY = 86_400_000;
    const day = (ago: number) => new Date(Date.now() - ago * DAY).toISOString().slice(0, 10);
    const refused: [unknown, RegExp][] = [
      [validReport('sku-1', 0.1), /records\[1\]: edgereco: report\.eps must be 2 for item reports on this site \(got 0\.1\)/],
      [validReport('sku-1', 10), /report\.eps must be 2 for item reports on this site \(got 10\)/],
      [validReport('sku-1', 2.5), /report\.eps must be 2/],
      [validReport('sku-1', 2, '2000-01-01'), /report\.period 2000-01-01 is outside the periods this site accepts, \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d \(UTC days\): it is older than the 30-day retention/],
      [validReport('sku-1', 2, '9999-12-31'), /report\.period 9999-12-31 is outside .*: it is in the future/],
      [validReport('sku-1', 2, day(-2)), /it is in the future/],
      [validReport('sku-1', 2, day(31)), /older than the 30-day retention/],
    ];
    for (const [report, message] of refused) {
      const reply = await send(gateway.url, { headers: headers(), body: produceBody([validReport(), report]) });
      expectError(reply, 422, 42202);
      expect(reply.json().message).toMatch(message);
    }
    const v1 = await send(gateway.url, { headers: headers(), body: produceBody([{ ...validReport(), v: 1, seed: 3_000_000_000 }]) });
    expectError(v1, 422, 42201);
    expect(v1.json().message).toMatch(/report\.v is 1: version 1 reports .* no longer accepted; this gateway takes report version 2 \(update the edgereco SDK\)/);
    expect((await lines()).length).toBe(accepted);
    // The window's edges: the last day of the retention and today are accepted.
    const edges = await send(gateway.url, { headers: headers(), body: produceBody([validReport('sku-1', 2, day(30)), validReport('sku-1', 2, day(1)), validReport()]) });
    expect(edges.status).toBe(200);
    accepted += 3;
  });

  it('rate-limits per publishable key with 429 and Retry-After', async () => {
    const tiny = { 'x-edgereco-key': 'pk_tiny_site' };
    const body = produceBody([validReport(), validReport()]);
    expect((await send(gateway.url, { headers: headers(tiny), body })).status).toBe(200);
    accepted += 2;
    const limited = await send(gateway.url, { headers: headers(tiny), body });
    expectError(limited, 429, 42901);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('stays up and answers every random body with a 4xx and an error body; nothing invalid is stored', async () => {
    const before = (await lines()).length;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ records: [{ value: v }] }))), async (body) => {
        const reply = await send(gateway.url, { headers: headers(), body });
        expect(reply.status).toBeGreaterThanOrEqual(400);
        expect(reply.status).toBeLessThan(500);
        expect(typeof reply.json().error_code).toBe('number');
      }),
      { seed: 11, numRuns: 300 },
    );
    expect((await lines()).length).toBe(before);
    expect((await send(gateway.url, { method: 'GET', path: '/healthz' })).status).toBe(200);
  });

  it('never logs an IP address or report content', () => {
    expect(logs.length).toBeGreaterThan(300);
    const allowedKeys = new Set(['method', 'route', 'status', 'ms', 'site', 'records', 'errorCode']);
    for (const entry of logs) for (const key of Object.keys(entry)) expect(allowedKeys.has(key)).toBe(true);
    const text = JSON.stringify(logs);
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain('::1');
  });

  it('resumes offsets from the file after a restart', async () => {
    await gateway.close();
    gateway = await start();
    const reply = await send(gateway.url, { headers: headers(), body: produceBody([validReport()]) });
    expect((reply.json().offsets as { offset: number }[])[0]?.offset).toBe(accepted);
    accepted += 1;
  });
});
