import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaSink, resolveGatewayConfig, startGateway, type Gateway } from '../../gateway/index.js';
import { runAggregation } from '../../gateway/aggregator-run.js';
import type { PriorsBundle } from '../../gateway/aggregator.js';
import { itemKey, olhParams, olhPerturb, pairKey, queryKey, seededRandom, type AggregateReport, type ReportKind } from '../../src/core/ldp/index.js';
import { randomId } from '../../src/core/random-id.js';
import type * as Sdk from '../../src/index.js';
import { launch } from '../browser/chromium.js';
// @ts-expect-error: a plain .mjs helper shared with the scripts
import { serve, ROOT } from '../../scripts/serve.mjs';
import { KEY, ORIGIN, headers, produceBody, send } from '../unit/gateway/helpers.js';

/**
 * The aggregator against the real broker: simulated shoppers send OLH reports (ε = 4) through the gateway's Kafka
 * sink, some of them twice (a beacon and a retry); one aggregation run must count each report id once and publish
 * only what passes the minimum support.
 */
const bootstrap = process.env.KAFKA_BOOTSTRAP;
const topic = `edgereco-reports-agg-${Date.now()}`;
const ITEMS = Array.from({ length: 50 }, (_, i) => `sku-${i}`);
let gateway: Gateway;

function olhReport(kind: ReportKind, key: number, random: () => number): AggregateReport {
  const params = olhParams(4);
  const { seed, value } = olhPerturb(key, params, random);
  return { v: 1, id: randomId(), period: '2026-11-26', kind, eps: 4, mech: 'olh', g: params.g, seed, y: value };
}

beforeAll(async () => {
  if (!bootstrap) throw new Error('KAFKA_BOOTSTRAP is not set: run this through the vitest "integration" project');
  const admin = new Admin({ clientId: 'edgereco-agg-it', bootstrapBrokers: [bootstrap] });
  await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
  await admin.close();
  const config = resolveGatewayConfig({ port: 0, sites: [{ id: 'shop', key: KEY, origins: [ORIGIN] }], topics: [topic], sink: { kind: 'kafka', bootstrap: [bootstrap] } });
  gateway = await startGateway(config, { sink: await createKafkaSink({ bootstrap: [bootstrap] }), log: () => undefined });
});

afterAll(async () => {
  await gateway?.close();
});

describe('aggregator (Kafka consumer group → priors bundle)', () => {
  it('drops duplicate report ids, estimates with OLH, and publishes only what passes the minimum support', async () => {
    const random = seededRandom(42);
    // Zipf popularity: shopper s reports item i with weight 1/(i+1).
    const weights = ITEMS.map((_, i) => 1 / (i + 1));
    const total = weights.reduce((a, b) => a + b, 0);
    const truth = new Map<string, number>();
    const reports: AggregateReport[] = [];
    for (let s = 0; s < 4000; s++) {
      let u = random() * total;
      let i = 0;
      while (u > weights[i]! && i < ITEMS.length - 1) u -= weights[i++]!;
      truth.set(ITEMS[i]!, (truth.get(ITEMS[i]!) ?? 0) + 1);
      reports.push(olhReport('item', itemKey(ITEMS[i]!), random));
    }
    for (let s = 0; s < 1500; s++) reports.push(olhReport('pair', s < 700 ? pairKey('sku-1', 'sku-0') : Math.floor(random() * 2 ** 32) >>> 0, random));
    for (let s = 0; s < 1000; s++) reports.push(olhReport('query', s < 500 ? queryKey('Red Mug') : Math.floor(random() * 2 ** 32) >>> 0, random));
    const resent = reports.filter((_, i) => i % 10 === 3); // 10% arrive twice
    const stream = [...reports, ...resent];
    for (let i = 0; i < stream.length; i += 400) {
      const reply = await send(gateway.url, { path: `/topics/${topic}`, headers: headers(), body: produceBody(stream.slice(i, i + 400)) });
      expect(reply.status).toBe(200);
    }
    const out = join(mkdtempSync(join(tmpdir(), 'edgereco-priors-')), 'priors.json');
    const { bundle, records, invalid } = await runAggregation({
      bootstrap: [bootstrap as string],
      topic,
      groupId: `agg-it-${Date.now()}`,
      candidates: { items: ITEMS, queries: ['red mug', 'blue cup'], pairTopItems: 20 },
      support: { minCount: 20, z: 4 },
      out,
    });
    expect(records).toBe(stream.length);
    expect(invalid).toBe(0);
    expect(bundle.reports).toEqual({ item: 4000, pair: 1500, query: 1000, duplicatesDropped: resent.length });
    expect(JSON.parse(readFileSync(out, 'utf8')) as PriorsBundle).toEqual(bundle);
    expect(bundle).toMatchObject({ format: 'edgereco-priors', version: 1, periods: { from: '2026-11-26', to: '2026-11-26' } });
    // Published items: the true top ones, each really popular; every item with a true count under 20 left out.
    const trueTop = [...truth.entries()].sort((a, b) => b[1] - a[1]);
    expect(bundle.items.length).toBeGreaterThanOrEqual(8);
    expect(bundle.items.slice(0, 3).map((i) => i.itemId)).toEqual(trueTop.slice(0, 3).map(([id]) => id));
    for (const { itemId, count } of bundle.items) {
      expect(count).toBeGreaterThanOrEqual(bundle.threshold.item);
      expect(truth.get(itemId) ?? 0).toBeGreaterThanOrEqual(20);
      expect(Math.abs(count - (truth.get(itemId) ?? 0))).toBeLessThan(5 * Math.sqrt(olhVarianceAt4(4000)));
    }
    expect(bundle.pairs[0]).toMatchObject({ items: ['sku-0', 'sku-1'] });
    expect(bundle.pairs).toHaveLength(1);
    expect(bundle.queries.map((q) => q.query)).toEqual(['red mug']);

    // A first-time visitor in a fresh browser profile gets the published priors: trending items in recommend(), the
    // popular query in suggest(), the published pair in frequentlyBoughtTogether().
    const served = await serveFile(out);
    const browser = await launch();
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${served.url}/test/browser/pages/sdk.html`);
      await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
      const seen = await page.evaluate(async (priorsUrl) => {
        const sdk = (window as unknown as { sdk: typeof Sdk }).sdk;
        const reco = sdk.createRecommender({ storeId: 'first-visit', priorsUrl });
        const recs = await reco.recommend({ k: 3 });
        return {
          recs: recs.map((r) => [r.itemId, r.reason]),
          suggest: await reco.suggest('re'),
          together: (await reco.frequentlyBoughtTogether(['sku-1'], { k: 1 })).map((r) => [r.itemId, r.source]),
          events: (await reco.exportData()).events.length,
        };
      }, `${served.url}/priors.json`);
      expect(seen.events).toBe(0); // a first-time visitor
      expect(seen.recs.map(([id]) => id)).toEqual(bundle.items.slice(0, 3).map((i) => i.itemId));
      expect(seen.recs.every(([, reason]) => reason!.startsWith('Trending with other shoppers in this store'))).toBe(true);
      expect(seen.suggest[0]).toEqual({ text: 'red mug', source: 'popular' });
      expect(seen.together).toEqual([['sku-0', 'priors']]);
    } finally {
      await browser.close();
      await served.close();
    }
  });
});

/** Serves the repository plus the priors file at /priors.json on localhost. */
async function serveFile(file: string): Promise<{ url: string; close: () => Promise<void> }> {
  const copy = join(ROOT, 'test-results', 'priors.json');
  mkdirSync(dirname(copy), { recursive: true });
  copyFileSync(file, copy);
  return serve({ routes: { '/priors.json': '/test-results/priors.json' } });
}

function olhVarianceAt4(n: number): number {
  const { p, q } = olhParams(4);
  return (n * q * (1 - q)) / (p - q) ** 2;
}
