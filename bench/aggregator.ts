/**
 * The aggregator at scale, on a real Kafka broker (issue 16, item 4), and the publication rule and the site's policy
 * at work (items 1): writes bench/results/aggregator.json.
 *
 *   npx tsx bench/aggregator.ts [--reports=10000000] [--candidates=100000] [--partitions=4] [--publication-runs=20]
 *   (starts and stops a local broker unless KAFKA_BOOTSTRAP is set; `node bench/run.mjs aggregator` runs it and
 *   writes the table in BENCHMARKS.md)
 *
 * Synthetic reports at the site's ε = 2 (80% items, Zipf over the candidates; 10% pairs; 10% queries) over the last
 * 30 days, 1% sent twice, produced through the gateway's own Kafka sink into a topic of `partitions` partitions. Each
 * consumer is its own process (bench/aggregator-consumer.ts):
 * - one consumer folds 1,000,000 and then 10,000,000 reports: reports/s (records read ÷ the fold's wall time, group
 *   join included) and peak RSS, which must not grow with the number of reports;
 * - two consumers of one group fold the 10,000,000 together: their bundle must be byte-identical to one consumer's;
 * - one consumer is SIGKILLed after its first checkpoint and started again: byte-identical again (exactly once).
 * Then the gateway (file sink) is sent crafted reports (another ε, a period outside the window, report v1): each must
 * get a 422; and bench/publication.ts measures the publication rule on the Games population.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { createFileSink, createKafkaSink, resolveGatewayConfig, startGateway } from '../gateway/index.js';
import { itemKey, olhParams, olhPerturb, pairKey, queryKey, seededRandom, utcDay, type AggregateReport, type ReportKind } from '../src/core/ldp/index.js';
import type { FoldCounts } from '../gateway/partition-fold.js';
import { craftedReportsNeeded, loadShoppers, measureScenario } from './publication.js';
import { KEY, ORIGIN, headers, produceBody, send, validReport } from '../test/unit/gateway/helpers.js';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const REPORTS = arg('reports', 10_000_000);
const CANDIDATES = arg('candidates', 100_000);
const PARTITIONS = arg('partitions', 4);
const QUERIES = 2_000;
const DAY = 86_400_000;
const NOW = Date.now();
const work = mkdtempSync(join(tmpdir(), 'edgereco-bench-agg-'));
const ownBroker = !process.env.KAFKA_BOOTSTRAP;
const bootstrap = process.env.KAFKA_BOOTSTRAP ?? execFileSync('bash', ['scripts/kafka/start-kafka.sh'], { encoding: 'utf8' }).trim();
const log = (message: string) => process.stderr.write(`aggregator bench: ${message}\n`);

/** Produces `count` synthetic reports (and 1% of them again) into a new topic; returns it and the produce rate. */
async function produce(count: number, seed: number): Promise<{ topic: string; produced: number; per_s: number }> {
  const topic = `edgereco-bench-agg-${count}-${Date.now().toString(36)}`;
  const admin = new Admin({ clientId: 'edgereco-bench', bootstrapBrokers: [bootstrap] });
  await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
  await admin.close();
  const sink = await createKafkaSink({ bootstrap: [bootstrap], maxBatchRecords: 20_000, appendTimeoutMs: 120_000 });
  const random = seededRandom(seed);
  const params = olhParams(2);
  const zipf = (n: number) => Math.min(n - 1, Math.floor(Math.exp(random() * Math.log(n + 1)) - 1));
  const resend: AggregateReport[] = [];
  const t0 = performance.now();
  const report = (i: number): AggregateReport => {
    const u = random();
    const kind: ReportKind = u < 0.8 ? 'item' : u < 0.9 ? 'pair' : 'query';
    const key = kind === 'item' ? itemKey(`sku-${zipf(CANDIDATES)}`) : kind === 'pair' ? pairKey(`sku-${zipf(100)}`, `sku-${zipf(100)}`) : queryKey(`query ${zipf(QUERIES)}`);
    const { seed: s, value } = olhPerturb(key, params, random);
    return { v: 2, id: `bench-${seed}-${i.toString(36).padStart(12, '0')}`, period: utcDay(NOW - (1 + (i % 30)) * DAY), kind, eps: 2, mech: 'olh', g: params.g, seed: s, y: value };
  };
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 20_000) {
    const batch = Array.from({ length: Math.min(20_000, count - i) }, (_, j) => report(i + j));
    for (const r of batch) if (random() < 0.01) resend.push(r);
    pending.push(sink.append(topic, batch.map((r) => ({ site: 'shop', report: r }))));
    if (pending.length >= 4) await pending.shift();
  }
  for (let i = 0; i < resend.length; i += 20_000) pending.push(sink.append(topic, resend.slice(i, i + 20_000).map((r) => ({ site: 'shop', report: r }))));
  await Promise.all(pending);
  await sink.close();
  const produced = count + resend.length;
  return { topic, produced, per_s: Math.round(produced / ((performance.now() - t0) / 1000)) };
}

/** What a consumer process reports: its fold's counts (gateway/partition-fold.ts) and its own figures. */
interface ConsumerFigures extends FoldCounts {
  partitions: number[];
  fold_s: number;
  priors_s: number;
  max_rss_mb: number;
  published: Record<string, number>;
  reports: Record<string, number>;
}

function consumer(topic: string, group: string, stateDir: string, out: string, extra: Record<string, number> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/aggregator-consumer.ts'], {
    env: { ...process.env, BENCH_CONSUMER: JSON.stringify({ bootstrap, topic, group, stateDir, out, now: NOW, items: CANDIDATES, queries: QUERIES, ...extra }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  const done = new Promise<ConsumerFigures | null>((resolve, reject) => {
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(null);
      else if (code === 0) resolve(JSON.parse(text.trim().split('\n').pop()!) as ConsumerFigures);
      else reject(new Error(`the bench consumer exited with ${code}`));
    });
  });
  return { child, done };
}

const rate = (c: ConsumerFigures) => Math.round(c.records / c.fold_s);

async function poisoning(): Promise<Record<string, unknown>> {
  const file = join(work, 'reports.jsonl');
  const config = resolveGatewayConfig({ port: 0, sites: [{ id: 'shop', key: KEY, origins: [ORIGIN], ratePerSecond: 1e9, burst: 1e9 }], topics: ['edgereco-reports'], sink: { kind: 'file', path: file } });
  const gateway = await startGateway(config, { sink: await createFileSink(file, config.topics), log: () => undefined });
  const today = Date.now();
  const crafted: Record<string, AggregateReport | Record<string, unknown>> = {
    'ε = 0.1': validReport('ghost', 0.1),
    'ε = 0.5': validReport('ghost', 0.5),
    'ε = 4': validReport('ghost', 4),
    'ε = 10': validReport('ghost', 10),
    'period 2000-01-01': validReport('ghost', 2, '2000-01-01'),
    'period 9999-12-31': validReport('ghost', 2, '9999-12-31'),
    'period tomorrow + 1': validReport('ghost', 2, utcDay(today + 2 * DAY)),
    'period 31 days ago': validReport('ghost', 2, utcDay(today - 31 * DAY)),
    'report v1': { ...validReport('ghost'), v: 1, seed: 3_000_000_000 },
  };
  const statuses: Record<string, number> = {};
  for (const [name, report] of Object.entries(crafted)) statuses[name] = (await send(gateway.url, { headers: headers(), body: produceBody([report]) })).status;
  const control = (await send(gateway.url, { headers: headers(), body: produceBody([validReport('ghost')]) })).status;
  await gateway.close();
  const stored = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).length;
  return { statuses, all_refused: Object.values(statuses).every((s) => s === 422), control_status: control, stored_records: stored };
}

try {
  log(`producing 1,000,000 and ${REPORTS.toLocaleString('en')} reports into ${PARTITIONS} partitions …`);
  const small = await produce(1_000_000, 1);
  const large = await produce(REPORTS, 2);
  log(`produced at ${large.per_s.toLocaleString('en')} records/s; one consumer …`);
  const oneSmall = (await consumer(small.topic, 'one-small', join(work, 'one-small'), join(work, 'one-small.json')).done)!;
  const one = (await consumer(large.topic, 'one', join(work, 'one'), join(work, 'one.json')).done)!;
  const reference = readFileSync(join(work, 'one.json'));
  log(`one consumer: ${rate(one).toLocaleString('en')} reports/s, ${one.max_rss_mb} MB; two consumers …`);
  const a = consumer(large.topic, 'two', join(work, 'two'), join(work, 'two-a.json'));
  const b = consumer(large.topic, 'two', join(work, 'two'), join(work, 'two-b.json'));
  const t0 = performance.now();
  const [twoA, twoB] = (await Promise.all([a.done, b.done])) as [ConsumerFigures, ConsumerFigures];
  const twoWall = (performance.now() - t0) / 1000;
  const twoIdentical = readFileSync(join(work, 'two-a.json')).equals(reference) && readFileSync(join(work, 'two-b.json')).equals(reference);
  log('kill and restart …');
  const killDir = join(work, 'killed');
  const victim = consumer(large.topic, 'killed', killDir, join(work, 'killed.json'), { sessionTimeoutMs: 6000 });
  const checkpoints = () => Array.from({ length: PARTITIONS }, (_, p) => join(killDir, large.topic, `p${p}`, 'checkpoint.json')).filter(existsSync).map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { nextOffset: number }).nextOffset);
  while (checkpoints().length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  victim.child.kill('SIGKILL');
  await victim.done;
  const foldedAtKill = checkpoints().reduce((x, y) => x + y, 0);
  const restarted = (await consumer(large.topic, 'killed', killDir, join(work, 'killed.json'), { sessionTimeoutMs: 6000 }).done)!;
  const killIdentical = readFileSync(join(work, 'killed.json')).equals(reference);
  log('poisoning through the gateway …');
  const poison = await poisoning();
  log('the publication rule on the Games population (20 seeded runs per scenario) …');
  const shoppers = loadShoppers();
  const runs = arg('publication-runs', 20);
  const noSignal = measureScenario(shoppers, 'no_signal', runs);
  const games = measureScenario(shoppers, 'games', runs);
  const crafted = { new_rule: craftedReportsNeeded(shoppers, 'new'), old_rule: craftedReportsNeeded(shoppers, 'old') };
  const { max_rss_mb: _r, ...oneRest } = one;
  const result = {
    reports_per_s: rate(one),
    peak_rss_mb: one.max_rss_mb,
    peak_rss_mb_1m: oneSmall.max_rss_mb,
    two_consumers_identical: twoIdentical,
    kill_restart_identical: killIdentical,
    no_signal_published: noSignal.published.total,
    poisoning_refused: poison.all_refused,
    measured: {
      at: new Date().toISOString(),
      reports: REPORTS,
      records: large.produced,
      candidates: { items: CANDIDATES, pairs: 4950, queries: QUERIES },
      partitions: PARTITIONS,
      produce_records_per_s: large.per_s,
      one_consumer: { ...oneRest, reports_per_s: rate(one), max_rss_mb: one.max_rss_mb },
      one_consumer_1m: { reports_per_s: rate(oneSmall), max_rss_mb: oneSmall.max_rss_mb, fold_s: oneSmall.fold_s, records: oneSmall.records },
      two_consumers: { wall_s: Number(twoWall.toFixed(2)), a: { partitions: twoA.partitions, records: twoA.records, fold_s: twoA.fold_s, max_rss_mb: twoA.max_rss_mb }, b: { partitions: twoB.partitions, records: twoB.records, fold_s: twoB.fold_s, max_rss_mb: twoB.max_rss_mb }, counted: twoA.counted + twoB.counted, byte_identical: twoIdentical },
      kill_restart: { folded_at_kill: foldedAtKill, restarted: { records: restarted.records, counted: restarted.counted, replayed: restarted.replayed, fold_s: restarted.fold_s }, byte_identical: killIdentical },
      poisoning: poison,
      publication: { shoppers: shoppers.histories.length, epsilon: 2, alpha: 0.01, min_count: 20, no_signal: noSignal, games, crafted_reports_to_publish_unviewed_item: crafted },
    },
  };
  writeFileSync('bench/results/aggregator.json', `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
  if (ownBroker) execFileSync('bash', ['scripts/kafka/stop-kafka.sh'], { stdio: 'ignore' });
}
