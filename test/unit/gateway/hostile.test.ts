import { Agent, request as httpRequest } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSink, resolveGatewayConfig, startGateway, type Gateway } from '../../../gateway/index.js';
import { seededRandom } from '../../../src/core/ldp/index.js';
import { KEY, ORIGIN, TOPIC, V2, produceBody, validReport } from './helpers.js';

/**
 * 10,000 malformed or hostile requests against the real server (file sink): every one gets a 4xx with a
 * Confluent-style error body, the gateway stays up, and nothing reaches the sink.
 */
const TOTAL = 10_000;
const CONCURRENCY = 32;
const MAX_BODY = 16 * 1024;
let dir: string;
let file: string;
let gateway: Gateway;

interface Attack { kind: string; method?: string; path?: string; headers: Record<string, string>; body?: string | Buffer; slow?: boolean }

const random = seededRandom(424_242);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
const base = (extra: Record<string, string> = {}) => ({ 'content-type': V2, 'x-edgereco-key': KEY, origin: ORIGIN, ...extra });
const goodBody = () => produceBody([validReport()]);
const withReport = (mutate: (text: string) => string) => `{"records":[{"value":${mutate(JSON.stringify(validReport()))}}]}`;
const WRONG_VALUES = ['null', 'true', '[]', '{}', '"x"', '-1', '1e400', '123456789012345678901234567890', '0.5', '"__proto__"'];
const FIELDS = ['v', 'id', 'period', 'kind', 'eps', 'mech', 'g', 'seed', 'y'];

const ATTACKS: (() => Attack)[] = [
  () => ({ kind: 'bad-json', headers: base(), body: goodBody().slice(0, Math.floor(random() * 60)) }),
  () => ({ kind: 'content-type', headers: base({ 'content-type': pick(['application/json', 'text/html', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/vnd.kafka.binary.v2+json', '']) }), body: goodBody() }),
  () => ({ kind: 'oversized', headers: base(), body: `{"records":[${'{"value":1},'.repeat(MAX_BODY / 10)}]}` }),
  () => ({ kind: 'bad-key', headers: base({ 'x-edgereco-key': Math.floor(random() * 1e12).toString(36) }), body: goodBody() }),
  () => ({ kind: 'no-key', headers: { 'content-type': V2, origin: ORIGIN }, body: goodBody() }),
  () => ({ kind: 'bad-origin', headers: base({ origin: pick(['https://evil.example', 'null', 'https://shop.example.evil', 'http://shop.example', 'https://shop.example:444']) }), body: goodBody() }),
  () => ({ kind: 'schema', headers: base(), body: withReport((t) => { const f = pick(FIELDS); return t.replace(new RegExp(`"${f}":("[^"]*"|[^,}]*)`), `"${f}":${pick(WRONG_VALUES)}`); }) }),
  () => ({ kind: 'extra-field', headers: base(), body: withReport((t) => `{"${pick(['userId', 'ip', 'ts', 'constructor', 'prototype', 'email'])}":"x",${t.slice(1)}`) }),
  () => ({ kind: 'proto', headers: base(), body: pick([
    withReport((t) => `{"__proto__":{"isAdmin":true},${t.slice(1)}`),
    `{"__proto__":{"records":[]},"records":[{"value":${JSON.stringify(validReport())}}]}`,
    `{"records":[{"value":${JSON.stringify(validReport())},"__proto__":{"x":1}}]}`,
    `{"constructor":{"prototype":{"x":1}},"records":[]}`,
  ]) }),
  () => ({ kind: 'huge-number', headers: base(), body: withReport((t) => t.replace(/"seed":\d+/, `"seed":${pick(['1e400', '9'.repeat(400), '-1', '4294967296', '1.5'])}`)) }),
  () => ({ kind: 'records-shape', headers: base(), body: pick(['{"records":[]}', '{"records":{}}', '{"records":null}', '[]', 'null', '"records"', '{}', `{"records":[${Array.from({ length: 501 }, () => '{"value":1}').join(',')}]}`]) }),
  () => ({ kind: 'deep', headers: base(), body: `{"records":[{"value":${'['.repeat(4000)}${']'.repeat(4000)}}]}` }),
  () => ({ kind: 'binary', headers: base(), body: Buffer.from(Array.from({ length: 200 }, () => Math.floor(random() * 256))) }),
  () => ({ kind: 'path', method: pick(['POST', 'PUT', 'GET', 'DELETE', 'PATCH']), path: pick(['/topics/other', '/topics/../etc/passwd', '/topics/%ZZ', '/topics/a%2Fb', '/topics', '/', `/topics/${TOPIC}/partitions/0`, '/consumers/x']), headers: base(), body: goodBody() }),
  () => ({ kind: 'method', method: pick(['GET', 'PUT', 'DELETE', 'PATCH']), headers: base(), body: goodBody() }),
  () => ({ kind: 'duplicate-key', headers: base(), body: `{"records":[{"value":${JSON.stringify(validReport())}}],"records":[{"value":{"v":1}}]}` }),
  () => ({ kind: 'slow', headers: base(), body: goodBody(), slow: true }),
  // Poisoning: valid reports the site does not accept (another ε, a period outside the window), and version 1.
  () => ({ kind: 'poison', headers: base(), body: produceBody([pick([
    validReport('ghost', pick([0.1, 0.5, 1, 4, 10])),
    validReport('ghost', 2, pick(['2000-01-01', '9999-12-31', '2020-02-29', new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10)])),
    { ...validReport('ghost'), v: 1, seed: Math.floor(random() * 2 ** 32) },
  ])]) }),
];

function fire(agent: Agent, attack: Attack): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(attack.path ?? `/topics/${TOPIC}`, gateway.url), { method: attack.method ?? 'POST', headers: attack.headers, agent }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (attack.slow) {
      // Half the body, then silence past the gateway's body deadline.
      const body = String(attack.body);
      req.setHeader('content-length', Buffer.byteLength(body));
      req.write(body.slice(0, 20));
      setTimeout(() => req.destroy(), 2_000);
    } else {
      req.end(attack.body);
    }
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgereco-hostile-'));
  file = join(dir, 'reports.jsonl');
  const config = resolveGatewayConfig({
    port: 0,
    sites: [{ id: 'shop', key: KEY, origins: [ORIGIN], ratePerSecond: 1e9, burst: 1e9 }],
    topics: [TOPIC],
    maxBodyBytes: MAX_BODY,
    bodyTimeoutMs: 200,
    sink: { kind: 'file', path: file },
  });
  gateway = await startGateway(config, { sink: await createFileSink(file, config.topics), log: () => undefined });
});
afterAll(async () => {
  await gateway.close();
  await rm(dir, { recursive: true, force: true });
});

describe('gateway under hostile input', () => {
  it(`answers ${TOTAL} malformed or hostile requests with a 4xx and an error body, stays up, and stores nothing`, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const attacks = Array.from({ length: TOTAL }, (_, i) => (ATTACKS[i % ATTACKS.length] as () => Attack)());
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < attacks.length) {
        const attack = attacks[next++] as Attack;
        const reply = await fire(agent, attack);
        let body: { error_code?: unknown; message?: unknown } = {};
        try {
          body = JSON.parse(reply.body) as typeof body;
        } catch {
          // reported below
        }
        const ok = reply.status >= 400 && reply.status < 500 && typeof body.error_code === 'number' && typeof body.message === 'string';
        if (!ok && failures.length < 10) failures.push(`${attack.kind}: ${reply.status} ${reply.body.slice(0, 120)}`);
        kinds.set(attack.kind, (kinds.get(attack.kind) ?? 0) + 1);
      }
    }));
    agent.destroy();
    expect(failures).toEqual([]);
    expect([...kinds.values()].reduce((a, b) => a + b, 0)).toBe(TOTAL);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect((await readFile(file, 'utf8')).length).toBe(0);
    const health = await fetch(`${gateway.url}/healthz`);
    expect(health.status).toBe(200);
    const good = await fetch(`${gateway.url}/topics/${TOPIC}`, { method: 'POST', headers: base(), body: goodBody() });
    expect(good.status).toBe(200);
  }, 120_000);
});
