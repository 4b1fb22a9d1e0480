import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { resolveGatewayConfig } from '../../gateway/config.js';
import { startGateway, type Gateway } from '../../gateway/server.js';
import { createFileSink } from '../../gateway/sinks/file-sink.js';
import { TokenService } from '../../gateway/token-service.js';
import { DEDICATED, baseUrl, launch, openSdkPage, watchErrors } from './chromium.js';

/**
 * Privacy Pass end to end in real Chromium: the built SDK with `syncTokens` gets tokens from the gateway's issuer (the
 * VOPRF blinding and finalization run in the worker), pays each report with one, and the gateway takes them; then the
 * page plays an attacker with what it saw on the wire: a report without a token and a reused token are refused.
 */
type W = Window & { sdk: typeof Sdk };
const KEY = 'pk_test_privacy_pass';

let browser: Browser;
let gateway: Gateway;
let reports = '';
/** The gateway as the page reaches it: `localhost`, the page's own site, so the issuer's session cookie is first-party. */
let syncUrl = '';

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgereco-privacy-pass-'));
  reports = join(dir, 'reports.jsonl');
  const config = resolveGatewayConfig({
    port: 0,
    sites: [{ id: 'shop', key: KEY, origins: [new URL(baseUrl()).origin] }],
    sink: { kind: 'file', path: reports },
    tokens: { keyDir: join(dir, 'keys'), perSessionPerDay: 4, perIpPerDay: 50, secureCookie: false },
  });
  const tokens = await TokenService.open(config.tokens!, Date.now());
  gateway = await startGateway(config, { sink: await createFileSink(reports, config.topics), log: () => {}, tokens });
  syncUrl = gateway.url.replace('127.0.0.1', 'localhost');
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await gateway?.close();
});

describe('reports paid with Privacy Pass tokens, in Chromium', () => {
  it("a shopper's page gets tokens and its reports are accepted; a report without a token and a reused token are refused", async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context, DEDICATED);
    const errors = watchErrors(page);
    const bodies: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/topics/')) bodies.push(r.postData() ?? '');
    });
    const result = await page.evaluate(
      async ({ url, key }) => {
        const w = window as unknown as W;
        const reco = w.sdk.createRecommender({ storeId: 'paid', syncUrl: url, syncKey: key, syncTokens: true });
        const problems: string[] = [];
        reco.on('error', (e) => problems.push(e.message));
        reco.on('warning', (e) => problems.push(e.message));
        await reco.track({ type: 'view', itemId: 'mug-red' });
        const summary = await reco.syncNow();
        const data = await reco.exportData();
        return { summary, problems, sent: data.sync!.sent.map((s) => s.report.id) };
      },
      { url: syncUrl, key: KEY },
    );
    expect(result.problems).toEqual([]);
    expect(result.summary).toMatchObject({ built: 2, sent: 2, accepted: 2, rejected: 0 });
    const written = readFileSync(reports, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { value: { id: string } });
    expect(written.map((l) => l.value.id).sort()).toEqual([...result.sent].sort());

    // On the wire: one token per report, none twice; the reports written to the sink carry none.
    const wire = JSON.parse(bodies[0]!) as { records: { value: { id: string; period: string }; token: string }[] };
    expect(wire.records).toHaveLength(2);
    expect(new Set(wire.records.map((r) => r.token)).size).toBe(2);
    for (const r of wire.records) expect(r.token).toMatch(/^[A-Za-z0-9_-]{195}$/);
    expect(readFileSync(reports, 'utf8')).not.toContain(wire.records[0]!.token.slice(0, 60));
    // The issuer counted this browser by a session cookie of its own, first-party to the gateway.
    expect((await context.cookies(syncUrl)).map((c) => [c.name, c.httpOnly])).toEqual([['edgereco_pp', true]]);

    expect(errors).toEqual([]);

    // The page turns attacker, with what it saw on the wire.
    const crafted = await page.evaluate(
      async ({ url, key, wire }) => {
        const post = async (records: unknown[]) => {
          const response = await fetch(`${url}/topics/edgereco-reports`, { method: 'POST', headers: { 'Content-Type': 'application/vnd.kafka.json.v2+json', 'X-EdgeReco-Key': key }, body: JSON.stringify({ records }) });
          return { status: response.status, body: (await response.json()) as { error_code: number; message: string } };
        };
        const [first] = wire.records;
        const other = { ...first!.value, id: `${first!.value.id.slice(0, 20)}-crafted-0001` };
        return {
          noToken: await post([{ value: other }]),
          reused: await post([{ value: other, token: first!.token }]),
          // The same report with its own token again (what the page's beacon and the next page do): accepted.
          retry: await post([{ value: first!.value, token: first!.token }]),
        };
      },
      { url: syncUrl, key: KEY, wire },
    );
    expect(crafted.noToken.status).toBe(401);
    expect(crafted.noToken.body).toMatchObject({ error_code: 40102 });
    expect(crafted.noToken.body.message).toContain('accepts a report only with a Privacy Pass token');
    expect(crafted.reused.status).toBe(409);
    expect(crafted.reused.body).toMatchObject({ error_code: 40901 });
    expect(crafted.reused.body.message).toContain('already spent on another report');
    expect(crafted.retry.status).toBe(200);
    // Nothing crafted was written: the two reports, and the retry of the first (counted once by the aggregator).
    const after = readFileSync(reports, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { value: { id: string } }).value.id);
    expect(after).toEqual([...written.map((l) => l.value.id), wire.records[0]!.value.id]);
    await context.close();
  });
});
