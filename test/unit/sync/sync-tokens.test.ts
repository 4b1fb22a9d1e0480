import 'fake-indexeddb/auto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSink, resolveGatewayConfig, startGateway, TokenService, type Gateway } from '../../../gateway/index.js';
import { validateEvent, type BehaviourEvent, type EdgeRecoError } from '../../../src/core/index.js';
import { seededRandom, type AggregateReport } from '../../../src/core/ldp/index.js';
import { IdbOutbox } from '../../../src/storage/index.js';
import { buildReports } from '../../../src/sync/build-reports.js';
import { batchReports } from '../../../src/sync/report-batches.js';
import { ReportSender } from '../../../src/sync/report-sender.js';
import { SyncScheduler } from '../../../src/sync/sync-scheduler.js';
import { fetchTokens } from '../../../src/sync/token-issuer.js';
import { TokenWallet } from '../../../src/sync/token-wallet.js';

/**
 * The SDK's sync with Privacy Pass tokens against the real gateway on loopback (its issuer, its redemption, its file
 * sink): the outbox in IndexedDB (fake-indexeddb), the scheduler, the sender and the token wallet the worker runs.
 */
const KEY = 'pk_test_tokens_site';
const ORIGIN = 'https://shop.example';
const DAY = 86_400_000;
const POLICY = { epsilonPerReport: 2, epsilonPerDay: 4 };
let now = Date.UTC(2026, 10, 26, 15); // only goes forward (the gateway's rate limiter reads it too)
let dir: string;
let gateway: Gateway;
let file: string;

const withOrigin = (u: string, init: RequestInit) => fetch(u, { ...init, headers: { ...(init.headers as Record<string, string>), Origin: ORIGIN } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgereco-sync-tokens-'));
  file = join(dir, 'reports.jsonl');
  const config = resolveGatewayConfig({
    port: 0,
    sites: [{ id: 'shop', key: KEY, origins: [ORIGIN] }],
    sink: { kind: 'file', path: file },
    tokens: { keyDir: join(dir, 'keys'), perIpPerDay: 100, secureCookie: false },
  });
  const tokens = await TokenService.open(config.tokens!, now);
  gateway = await startGateway(config, { sink: await createFileSink(file, config.topics), log: () => {}, now: () => now, tokens });
});
afterAll(async () => {
  await gateway.close();
  await rm(dir, { recursive: true, force: true });
});

function setup(name: string, log: BehaviourEvent[]) {
  const outbox = new IdbOutbox(name);
  const problems: EdgeRecoError[] = [];
  const common = { url: gateway.url, key: KEY, topic: 'edgereco-reports', outbox };
  const wallet = new TokenWallet({ url: gateway.url, key: KEY, store: outbox, target: 4, fetch: withOrigin, issue: fetchTokens, onWarning: (e) => problems.push(e), now: () => now });
  const sender = new ReportSender({ ...common, fetch: withOrigin, isOnline: () => true, onError: (e) => problems.push(e), onWarning: (e) => problems.push(e), now: () => now });
  const scheduler = new SyncScheduler(
    { ...common, storeId: name, sender, readEvents: async () => log, policy: POLICY, onBeacon: () => {}, onError: (e) => problems.push(e), isOnline: () => true, random: seededRandom(3), now: () => now, tokens: wallet },
    false,
  );
  return { outbox, scheduler, problems };
}

async function written(): Promise<AggregateReport[]> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { value: AggregateReport }).value);
}

describe('sync with Privacy Pass tokens', () => {
  it('gets tokens while the shopper is active, and pays each report of the finished day with one of them', async () => {
    const log = [validateEvent({ type: 'view', itemId: 'mug', ts: now - 3_600_000 }, undefined, now), validateEvent({ type: 'search', query: 'red mug', resultCount: 2, ts: now - 60_000 }, undefined, now)];
    const { outbox, scheduler, problems } = setup('tokens-1', log);
    // Day 1: nothing to report yet (the day is not over), but the shopper is active: tokens for later.
    await scheduler.tick();
    expect((await outbox.state()).tokens).toHaveLength(4);
    expect(await outbox.pending()).toEqual([]);
    // Day 2: the first pass builds day 1's two reports, each with its own token, and the gateway takes them.
    now += DAY;
    await scheduler.tick();
    expect(problems).toEqual([]);
    const sent = await outbox.sent();
    expect(sent.map((s) => s.report.period)).toEqual(['2026-11-26', '2026-11-26']);
    expect((await written()).map((r) => r.id).sort()).toEqual(sent.map((s) => s.report.id).sort());
    // Two tokens were spent; no activity today, so none were fetched.
    expect((await outbox.state()).tokens).toHaveLength(2);
  });

  it('syncNow() gets tokens first when none are held, then reports today with them', async () => {
    const log = [validateEvent({ type: 'view', itemId: 'lamp', ts: now - 60_000 }, undefined, now)];
    const { outbox, scheduler, problems } = setup('tokens-2', log);
    const summary = await scheduler.syncNow();
    expect(problems).toEqual([]);
    expect(summary).toMatchObject({ built: 2, accepted: 2, rejected: 0 });
    expect((await outbox.state()).tokens!.length).toBeGreaterThanOrEqual(2); // topped up again after: still active
  });

  it('builds nothing while no token is held, and says so', async () => {
    const log = [validateEvent({ type: 'view', itemId: 'lamp', ts: now - 60_000 }, undefined, now)];
    const outbox = new IdbOutbox('tokens-3');
    const problems: EdgeRecoError[] = [];
    const refused = new TokenWallet({ url: gateway.url, key: 'pk_unknown_key', store: outbox, target: 4, fetch: withOrigin, issue: fetchTokens, onWarning: (e) => problems.push(e), now: () => now });
    const sender = new ReportSender({ url: gateway.url, key: KEY, topic: 'edgereco-reports', outbox, fetch: withOrigin, isOnline: () => true, onError: (e) => problems.push(e), onWarning: (e) => problems.push(e), now: () => now });
    const scheduler = new SyncScheduler({ url: gateway.url, key: KEY, topic: 'edgereco-reports', outbox, storeId: 'tokens-3', sender, readEvents: async () => log, policy: POLICY, onBeacon: () => {}, onError: (e) => problems.push(e), isOnline: () => true, now: () => now, tokens: refused }, false);
    const summary = await scheduler.syncNow();
    expect(summary.built).toBe(0);
    expect(summary.message).toContain("no Privacy Pass token to pay for a report (the gateway's issuer gave none; see the warnings)");
    expect(problems.map((p) => p.code)).toContain('SYNC_FAILED');
    expect(problems[0]!.message).toContain("the gateway's token issuer answered HTTP 401");
  });
});

describe('reports and tokens on the wire', () => {
  const events = [validateEvent({ type: 'view', itemId: 'a', ts: Date.UTC(2026, 10, 25, 10) }, undefined, Date.UTC(2026, 10, 25, 11))];
  const ctx = { nowMs: Date.UTC(2026, 10, 26, 9), policy: POLICY, random: seededRandom(1), newId: (() => { let i = 0; return () => `report-id-${String(++i).padStart(10, '0')}`; })(), tokens: true };
  const held = (n: number) => Array.from({ length: n }, (_, i) => ({ token: `tok${i}`, key: 'k' }));

  it('a build takes one held token per report, builds no more reports than tokens, and nothing without one', () => {
    const two = buildReports(events, { budget: undefined, reportedThrough: undefined, tokens: held(3) }, ctx)!;
    expect(two.records.map((r) => r.token)).toEqual(['tok0', 'tok1']);
    expect(two.tokens).toEqual([{ token: 'tok2', key: 'k' }]);
    const one = buildReports(events, { budget: undefined, reportedThrough: undefined, tokens: held(1) }, ctx)!;
    expect(one.records.map((r) => [r.report.kind, r.token])).toEqual([['item', 'tok0']]);
    expect(one.budget.spentToday).toBe(2);
    expect(buildReports(events, { budget: undefined, reportedThrough: undefined, tokens: [] }, ctx)).toBeNull();
    expect(buildReports(events, { budget: undefined, reportedThrough: undefined }, { ...ctx, tokens: false })!.records.every((r) => r.token === undefined)).toBe(true);
  });

  it('each record of the produce body carries its report and its token', () => {
    const commit = buildReports(events, { budget: undefined, reportedThrough: undefined, tokens: held(2) }, ctx)!;
    const { batches } = batchReports(commit.records);
    expect(JSON.parse(batches[0]!.body)).toEqual({ records: commit.records.map((r) => ({ value: r.report, token: r.token })) });
  });
});
