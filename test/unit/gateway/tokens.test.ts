import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSink, resolveGatewayConfig, startGateway, type Gateway, type GatewayConfigInput } from '../../../gateway/index.js';
import { TokenService } from '../../../gateway/token-service.js';
import { fetchTokens, type HeldToken } from '../../../src/sync/token-issuer.js';
import type { AggregateReport } from '../../../src/core/ldp/aggregate-report.js';
import { KEY, ORIGIN, headers, send, validReport } from './helpers.js';

/**
 * Privacy Pass at the gateway, nothing mocked: the real gateway on loopback with its issuer, the SDK's own token client
 * (src/sync/token-issuer.ts, the code the worker runs) getting tokens over HTTP, and reports sent with them.
 */
const DAY = 86_400_000;
let dir: string;
let now = Date.UTC(2026, 10, 27, 12);

interface Running {
  gateway: Gateway;
  file: string;
  keyDir: string;
}

async function start(name: string, tokens: GatewayConfigInput['tokens'], keyDir = join(dir, `${name}-keys`)): Promise<Running> {
  const file = join(dir, `${name}.jsonl`);
  const config = resolveGatewayConfig({
    port: 0,
    sites: [{ id: 'shop', key: KEY, origins: [ORIGIN], ratePerSecond: 1_000_000, burst: 1_000_000 }],
    sink: { kind: 'file', path: file },
    ...(tokens ? { tokens: { keyDir, secureCookie: false, ...tokens } } : {}),
  });
  const service = config.tokens ? await TokenService.open(config.tokens, now) : undefined;
  const gateway = await startGateway(config, { sink: await createFileSink(file, config.topics), log: () => {}, now: () => now, ...(service ? { tokens: service } : {}) });
  return { gateway, file, keyDir };
}

/** The SDK's token client against a gateway, as a page on ORIGIN would call it (Node's fetch sends no Origin itself). */
function tokensFrom(url: string, count: number) {
  return fetchTokens({ url, key: KEY, fetch: (u, init) => fetch(u, { ...init, headers: { ...(init.headers as Record<string, string>), Origin: ORIGIN } }) }, count);
}

function body(records: { report: unknown; token?: string }[]): string {
  return JSON.stringify({ records: records.map(({ report, token }) => (token === undefined ? { value: report } : { value: report, token })) });
}

async function lines(file: string): Promise<{ value: AggregateReport }[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { value: AggregateReport });
}

const report = (item = 'sku-1') => validReport(item, 2, new Date(now).toISOString().slice(0, 10));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgereco-tokens-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gateway with tokens: one Privacy Pass token per report', () => {
  let run: Running;
  let held: HeldToken[] = [];
  beforeAll(async () => {
    run = await start('main', { perIpPerDay: 6, perSessionPerDay: 6 });
    const got = await tokensFrom(run.gateway.url, 6);
    held = got.tokens;
    expect(got.stopped).toBeUndefined();
  });
  afterAll(() => run.gateway.close());

  it('publishes its issuer directory: one key of type 1 and the challenge every shopper gets', async () => {
    const reply = await send(run.gateway.url, { method: 'GET', path: '/.well-known/private-token-issuer-directory' });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/private-token-issuer-directory');
    const doc = reply.json() as { 'issuer-request-uri': string; 'token-keys': { 'token-type': number; 'token-key': string; 'not-before': number }[] };
    expect(doc['issuer-request-uri']).toBe('/token-request');
    expect(doc['token-keys']).toHaveLength(1);
    expect(doc['token-keys'][0]).toMatchObject({ 'token-type': 1 });
    expect(held.every((t) => t.key === doc['token-keys'][0]!['token-key'])).toBe(true);
    expect(new Set(held.map((t) => t.token)).size).toBe(6);
  });

  it('accepts reports that each carry a token, and writes the reports without their tokens', async () => {
    const reports = [report('a'), report('b')];
    const reply = await send(run.gateway.url, { headers: headers(), body: body(reports.map((r, i) => ({ report: r, token: held[i]!.token }))) });
    expect(reply.status).toBe(200);
    const written = await lines(run.file);
    expect(written.map((l) => l.value.id)).toEqual(reports.map((r) => r.id));
    expect(JSON.stringify(written)).not.toContain(held[0]!.token.slice(0, 40));
  });

  it('refuses a report without a token (401, with the RFC 9577 challenge), and writes nothing of the request', async () => {
    const before = (await lines(run.file)).length;
    const reply = await send(run.gateway.url, { headers: headers(), body: body([{ report: report(), token: held[2]!.token }, { report: report() }]) });
    expect(reply.status).toBe(401);
    expect(reply.json()).toMatchObject({ error_code: 40102 });
    expect(reply.json().message).toContain('records[1] has no token');
    expect(reply.headers['www-authenticate']).toMatch(/^PrivateToken challenge="[A-Za-z0-9_-]+", token-key="[A-Za-z0-9_-]+"$/);
    expect((await lines(run.file)).length).toBe(before);
  });

  it('refuses a token spent on another report (409), and takes the same report again with its token (a retry)', async () => {
    const first = report('x');
    expect((await send(run.gateway.url, { headers: headers(), body: body([{ report: first, token: held[2]!.token }]) })).status).toBe(200);
    const reused = await send(run.gateway.url, { headers: headers(), body: body([{ report: report('y'), token: held[2]!.token }]) });
    expect(reused.status).toBe(409);
    expect(reused.json()).toMatchObject({ error_code: 40901 });
    expect(reused.json().message).toContain('already spent on another report');
    // The page's beacon, then the next page, send the very same report with its token: accepted, and the aggregator
    // counts the report id once.
    expect((await send(run.gateway.url, { headers: headers(), body: body([{ report: first, token: held[2]!.token }]) })).status).toBe(200);
    // One token on two reports of one request.
    const twice = await send(run.gateway.url, { headers: headers(), body: body([{ report: report('p'), token: held[3]!.token }, { report: report('q'), token: held[3]!.token }]) });
    expect(twice.status).toBe(409);
    expect(twice.json().message).toContain('pays for another report of this request');
  });

  it('refuses an altered token, a made-up one and garbage (401 40103)', async () => {
    const bytes = Buffer.from(held[4]!.token, 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    const altered = await send(run.gateway.url, { headers: headers(), body: body([{ report: report(), token: bytes.toString('base64url') }]) });
    expect(altered.status).toBe(401);
    expect(altered.json()).toMatchObject({ error_code: 40103 });
    expect(altered.json().message).toContain('does not verify');
    const madeUp = Buffer.from(held[4]!.token, 'base64url');
    madeUp.fill(7, 2, 34); // another nonce, same key and challenge: the authenticator no longer matches
    expect((await send(run.gateway.url, { headers: headers(), body: body([{ report: report(), token: madeUp.toString('base64url') }]) })).json()).toMatchObject({ error_code: 40103 });
    const garbage = await send(run.gateway.url, { headers: headers(), body: body([{ report: report(), token: 'not-a-token' }]) });
    expect(garbage.json()).toMatchObject({ error_code: 40103 });
    // The unaltered token is still good: refused requests spend nothing.
    expect((await send(run.gateway.url, { headers: headers(), body: body([{ report: report(), token: held[4]!.token }]) })).status).toBe(200);
  });

  it('gives each client only its tokens per day (429 with Retry-After until the next UTC day), then again the next day', async () => {
    const more = await tokensFrom(run.gateway.url, 2);
    expect(more.tokens).toHaveLength(0);
    expect(more.stopped).toMatchObject({ status: 429, retryAfterMs: 12 * 3600 * 1000 });
    expect(more.stopped!.message).toContain('this address had its tokens for today');
    now += DAY;
    expect((await tokensFrom(run.gateway.url, 2)).tokens).toHaveLength(2);
    now -= DAY;
  });

  it('refuses tokens of another issuer', async () => {
    const other = await start('other', { perIpPerDay: 5 });
    const foreign = (await tokensFrom(other.gateway.url, 1)).tokens[0]!;
    await other.gateway.close();
    const reply = await send(run.gateway.url, { headers: headers(), body: body([{ report: report(), token: foreign.token }]) });
    expect(reply.status).toBe(401);
    expect(reply.json().message).toContain('a key this gateway no longer redeems (or never had)');
  });
});

describe('gateway with tokens: restarts and key rotation', () => {
  it('a restarted gateway still refuses a token spent before, and redeems the tokens it issued', async () => {
    const first = await start('restart', { perIpPerDay: 5, keyDays: 7 });
    const { tokens } = await tokensFrom(first.gateway.url, 3);
    const spent = report('r');
    expect((await send(first.gateway.url, { headers: headers(), body: body([{ report: spent, token: tokens[0]!.token }]) })).status).toBe(200);
    await first.gateway.close();
    const second = await start('restart', { perIpPerDay: 5, keyDays: 7 }, first.keyDir);
    expect((await send(second.gateway.url, { headers: headers(), body: body([{ report: report('s'), token: tokens[0]!.token }]) })).status).toBe(409);
    expect((await send(second.gateway.url, { headers: headers(), body: body([{ report: report('t'), token: tokens[1]!.token }]) })).status).toBe(200);
    // One key period later the tokens still count; two later their key is gone.
    now += 7 * DAY;
    const later = (r: AggregateReport) => ({ ...r, period: new Date(now).toISOString().slice(0, 10) });
    expect((await send(second.gateway.url, { headers: headers(), body: body([{ report: later(report('u')), token: tokens[2]!.token }]) })).status).toBe(200);
    now += 7 * DAY;
    const gone = await send(second.gateway.url, { headers: headers(), body: body([{ report: later(report('v')), token: tokens[2]!.token }]) });
    expect(gone.status).toBe(401);
    expect(gone.json().message).toContain('no longer redeems');
    now -= 14 * DAY;
    await second.gateway.close();
  });
});

describe('gateway without tokens', () => {
  it('takes reports without tokens, as before, and has no issuer', async () => {
    const run = await start('plain', undefined);
    expect((await send(run.gateway.url, { headers: headers(), body: body([{ report: report() }]) })).status).toBe(200);
    expect((await send(run.gateway.url, { method: 'GET', path: '/.well-known/private-token-issuer-directory' })).status).toBe(404);
    await run.gateway.close();
  });
});
