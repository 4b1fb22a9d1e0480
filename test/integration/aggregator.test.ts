import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaSink, resolveGatewayConfig, startGateway, type Gateway } from '../../gateway/index.js';
import { runAggregation, type AggregationResult } from '../../gateway/aggregator-run.js';
import type { PriorsBundle } from '../../gateway/aggregator.js';
import { resolveReportPolicy } from '../../gateway/report-policy.js';
import {
  itemKey, olhParams, olhPerturb, olhVariance, pairKey, queryKey, randomUint32, seededRandom, utcDay, type AggregateReport, type OlhWireReport, type ReportKind,
} from '../../src/core/ldp/index.js';
import { randomId } from '../../src/core/random-id.js';
import type * as Sdk from '../../src/index.js';
import { launch } from '../browser/chromium.js';
// @ts-expect-error: a plain .mjs helper shared with the scripts
import { serve, ROOT } from '../../scripts/serve.mjs';
import { KEY, ORIGIN, headers, produceBody, send } from '../unit/gateway/helpers.js';

/**
 * The aggregator against the real broker. (1) Simulated shoppers send OLH reports through the gateway's Kafka sink,
 * some twice; one run counts each report id once and publishes only what passes the rule, which a first-time visitor
 * then sees. (2) Two consumers of one group give the byte-identical bundle one consumer gives. (3) A consumer killed
 * mid-run (SIGKILL) and started again counts every report exactly once.
 */
const bootstrap = process.env.KAFKA_BOOTSTRAP as string;
const DAY = 86_400_000;
const NOW = Date.now();
const RUN = Date.now().toString(36);
let gateway: Gateway;
const work = mkdtempSync(join(tmpdir(), 'edgereco-agg-it-'));

async function createTopic(name: string, partitions: number): Promise<void> {
  const admin = new Admin({ clientId: 'edgereco-agg-it', bootstrapBrokers: [bootstrap] });
  await admin.createTopics({ topics: [name], partitions, replicas: 1 });
  await admin.close();
}

function olhReport(kind: ReportKind, key: number, eps: number, random: () => number, period = utcDay(NOW - DAY)): OlhWireReport {
  const params = olhParams(eps);
  const { seed, value } = olhPerturb(key, params, random);
  return { v: 2, id: randomId(), period, kind, eps, mech: 'olh', g: params.g, seed, y: value };
}

beforeAll(async () => {
  if (!bootstrap) throw new Error('KAFKA_BOOTSTRAP is not set: run this through the vitest "integration" project');
});

afterAll(async () => {
  await gateway?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('aggregator (Kafka consumer group → per-period states → priors bundle)', () => {
  it('drops duplicate report ids, estimates with OLH, and publishes only what passes the rule, which a first visit shows', async () => {
    const topic = `edgereco-reports-agg-${RUN}`;
    await createTopic(topic, 3);
    const config = resolveGatewayConfig({ port: 0, sites: [{ id: 'shop', key: KEY, origins: [ORIGIN] }], topics: [topic], sink: { kind: 'kafka', bootstrap: [bootstrap] }, privacy: { epsilon: 4 } });
    gateway = await startGateway(config, { sink: await createKafkaSink({ bootstrap: [bootstrap] }), log: () => undefined });
    const ITEMS = Array.from({ length: 50 }, (_, i) => `sku-${i}`);
    const random = seededRandom(42);
    // Zipf popularity: shopper s reports item i with weight 1/(i+1).
    const weights = ITEMS.map((_, i) => 1 / (i + 1));
    const total = weights.reduce((a, b) => a + b, 0);
    const truth = new Map<string, number>();
    const reports: AggregateReport[] = [];
    for (let s = 0; s < 6000; s++) {
      let u = random() * total;
      let i = 0;
      while (u > weights[i]! && i < ITEMS.length - 1) u -= weights[i++]!;
      truth.set(ITEMS[i]!, (truth.get(ITEMS[i]!) ?? 0) + 1);
      reports.push(olhReport('item', itemKey(ITEMS[i]!), 4, random));
    }
    for (let s = 0; s < 1500; s++) reports.push(olhReport('pair', s < 700 ? pairKey('sku-1', 'sku-0') : randomUint32(random), 4, random));
    for (let s = 0; s < 1000; s++) reports.push(olhReport('query', s < 500 ? queryKey('Red Mug') : randomUint32(random), 4, random));
    const resent = reports.filter((_, i) => i % 10 === 3); // 10% arrive twice
    const stream = [...reports, ...resent];
    for (let i = 0; i < stream.length; i += 400) {
      const reply = await send(gateway.url, { path: `/topics/${topic}`, headers: headers(), body: produceBody(stream.slice(i, i + 400)) });
      expect(reply.status).toBe(200);
    }
    // Poisoning never reaches the topic: another ε, a period outside the window.
    for (const poison of [olhReport('item', itemKey('ghost'), 0.1, random), olhReport('item', itemKey('ghost'), 4, random, '2000-01-01')]) {
      expect((await send(gateway.url, { path: `/topics/${topic}`, headers: headers(), body: produceBody([poison]) })).status).toBe(422);
    }
    const out = join(work, 'priors.json');
    const { bundle, records, invalid, refused, duplicates } = await runAggregation({
      bootstrap: [bootstrap],
      topic,
      groupId: `agg-it-${RUN}`,
      stateDir: join(work, 'state-1'),
      policy: resolveReportPolicy({ epsilon: 4 }),
      candidates: { items: ITEMS, queries: ['red mug', 'blue cup'] },
      publication: { pairTopItems: 20 },
      out,
    });
    expect({ records, invalid, refused, duplicates }).toEqual({ records: stream.length, invalid: 0, refused: 0, duplicates: resent.length });
    expect(bundle.reports).toEqual({ item: 6000, pair: 1500, query: 1000, duplicatesDropped: resent.length });
    expect(JSON.parse(readFileSync(out, 'utf8')) as PriorsBundle).toEqual(bundle);
    expect(bundle).toMatchObject({ format: 'edgereco-priors', version: 4, periods: { from: utcDay(NOW - DAY), to: utcDay(NOW - DAY) } });
    expect(bundle.publication).toMatchObject({ rule: 'bonferroni-bernstein', alpha: 0.01, minCount: 20, candidates: 50 + 190 + 2 });
    // Published items: the true top ones, each really popular; every item with a true count under 20 left out.
    const trueTop = [...truth.entries()].sort((a, b) => b[1] - a[1]);
    expect(bundle.items.length).toBeGreaterThanOrEqual(8);
    expect(bundle.items.slice(0, 3).map((i) => i.itemId)).toEqual(trueTop.slice(0, 3).map(([id]) => id));
    for (const { itemId, count } of bundle.items) {
      expect(count).toBeGreaterThanOrEqual(bundle.threshold.item);
      expect(truth.get(itemId) ?? 0).toBeGreaterThanOrEqual(20);
      expect(Math.abs(count - (truth.get(itemId) ?? 0))).toBeLessThan(5 * Math.sqrt(olhVariance(olhParams(4), 6000, truth.get(itemId))));
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

  describe('scale-out and crash safety', () => {
    const topic = `edgereco-reports-group-${RUN}`;
    const ITEMS = Array.from({ length: 2000 }, (_, i) => `sku-${i}`);
    const QUERIES = Array.from({ length: 300 }, (_, i) => `query ${i}`);
    const candidates = { items: ITEMS, queries: QUERIES };
    const policy = resolveReportPolicy({ epsilon: 2 });
    const fold = { checkpointRecords: 5_000, sessionTimeoutMs: 6_000 };
    const distinct: Record<ReportKind, number> = { item: 0, pair: 0, query: 0 };
    let reference: Buffer;

    beforeAll(async () => {
      // 150,000 reports over the last 5 days (Zipf items, pairs, queries), 3% sent twice, into 4 partitions through the
      // gateway's own sink; then the reference: one consumer alone.
      await createTopic(topic, 4);
      const random = seededRandom(7);
      const zipf = (n: number) => Math.min(n - 1, Math.floor(Math.exp(random() * Math.log(n + 1)) - 1));
      const reports: OlhWireReport[] = [];
      for (let i = 0; i < 150_000; i++) {
        const period = utcDay(NOW - (1 + (i % 5)) * DAY);
        const r = i % 5 < 3
          ? olhReport('item', itemKey(ITEMS[zipf(ITEMS.length)]!), 2, random, period)
          : i % 5 === 3 ? olhReport('pair', pairKey(ITEMS[zipf(20)]!, ITEMS[zipf(20) + 20]!), 2, random, period) : olhReport('query', queryKey(QUERIES[zipf(QUERIES.length)]!), 2, random, period);
        reports.push(r);
        distinct[r.kind] += 1;
      }
      const stream = [...reports, ...reports.filter((_, i) => i % 33 === 0)];
      const sink = await createKafkaSink({ bootstrap: [bootstrap], maxBatchRecords: 10_000 });
      for (let i = 0; i < stream.length; i += 5_000) await sink.append(topic, stream.slice(i, i + 5_000).map((report) => ({ site: 'shop', report })));
      await sink.close();
      const one = await runAggregation({ bootstrap: [bootstrap], topic, groupId: `one-${RUN}`, stateDir: join(work, 'one'), policy, candidates, now: () => NOW, out: join(work, 'one.json'), fold });
      expect(one.bundle.reports).toMatchObject(distinct);
      expect(one.duplicates).toBe(stream.length - reports.length);
      reference = readFileSync(join(work, 'one.json'));
    }, 180_000);

    it('two consumers in one group share the partitions and give the byte-identical bundle', async () => {
      const group = `two-${RUN}`;
      const dir = join(work, 'two');
      let second: Promise<AggregationResult> | undefined;
      const first = runAggregation({
        bootstrap: [bootstrap], topic, groupId: group, stateDir: dir, policy, candidates, now: () => NOW, out: join(work, 'two-a.json'),
        fold: {
          ...fold,
          // After its first checkpoint, the first consumer lets the second join and waits out one heartbeat, so the
          // group rebalances while both still have work.
          onCheckpoint: async () => {
            if (second) return;
            second = runAggregation({ bootstrap: [bootstrap], topic, groupId: group, stateDir: dir, policy, candidates, now: () => NOW, out: join(work, 'two-b.json'), fold });
            await new Promise((resolve) => setTimeout(resolve, 4_000));
          },
        },
      });
      const a = await first;
      const b = await second!;
      expect(a.partitions.length).toBeGreaterThan(0);
      expect(b.partitions.length).toBeGreaterThan(0);
      expect(new Set([...a.partitions, ...b.partitions]).size).toBe(4);
      expect(a.counted + b.counted).toBe(distinct.item + distinct.pair + distinct.query);
      expect(a.replayed + b.replayed).toBe(0);
      expect(readFileSync(join(work, 'two-a.json')).equals(reference)).toBe(true);
      expect(readFileSync(join(work, 'two-b.json')).equals(reference)).toBe(true);
    }, 120_000);

    it('a consumer killed mid-run (SIGKILL) and started again counts every report exactly once', async () => {
      const dir = join(work, 'killed');
      const out = join(work, 'killed.json');
      writeFileSync(join(work, 'catalog.json'), JSON.stringify(ITEMS.map((id) => ({ id }))));
      writeFileSync(join(work, 'queries.json'), JSON.stringify(QUERIES));
      const env = {
        ...process.env, KAFKA_BOOTSTRAP: bootstrap, TOPIC: topic, GROUP_ID: `killed-${RUN}`, STATE_DIR: dir, CATALOG: join(work, 'catalog.json'),
        QUERIES: join(work, 'queries.json'), OUT: out, AS_OF: new Date(NOW).toISOString(), CHECKPOINT_RECORDS: '2000', SESSION_TIMEOUT_MS: '6000',
      };
      const start = () => spawn(process.execPath, ['--import', 'tsx', 'gateway/aggregator-main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
      const exited = (child: ReturnType<typeof start>) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const checkpoints = () => [0, 1, 2, 3].map((p) => join(dir, topic, `p${p}`, 'checkpoint.json')).filter(existsSync).map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { nextOffset: number }).nextOffset);

      const victim = start();
      const victimExit = exited(victim);
      while (checkpoints().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      victim.kill('SIGKILL');
      expect(await victimExit).toBe(null);
      const atKill = checkpoints();
      expect(atKill.reduce((a, b) => a + b, 0)).toBeLessThan(150_000); // really mid-run
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(join(dir, topic)).some((p) => existsSync(join(dir, topic, p, 'lock')))).toBe(true); // left behind

      let log = '';
      const again = start();
      again.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      expect(await exited(again), log).toBe(0);
      expect(log).toMatch(/records folded/);
      expect(readFileSync(out).equals(reference)).toBe(true);
      expect((JSON.parse(readFileSync(out, 'utf8')) as PriorsBundle).reports).toMatchObject(distinct);
    }, 120_000);
  });
});

/** Serves the repository plus the priors file at /priors.json on localhost. */
async function serveFile(file: string): Promise<{ url: string; close: () => Promise<void> }> {
  const copy = join(ROOT, 'test-results', 'priors.json');
  mkdirSync(dirname(copy), { recursive: true });
  copyFileSync(file, copy);
  return serve({ routes: { '/priors.json': '/test-results/priors.json' } });
}
