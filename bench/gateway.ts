/**
 * The gateway's throughput into Kafka and its latency under load from a second process on loopback, beside a bare
 * idempotent producer measured in the same run. The gateway runs as its own Node process (Kafka sink, acks=all,
 * idempotent); this process is the load generator (keep-alive HTTP, CONCURRENCY requests in flight, REPORTS_PER_REQUEST
 * reports each, as browsers batch them). Writes bench/results/gateway.json.
 *
 *   npx tsx bench/gateway.ts          (starts and stops a local broker unless KAFKA_BOOTSTRAP is set)
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Producer, ProduceAcks, stringSerializers } from '@platformatic/kafka';
import { KEY, ORIGIN, V2, produceBody, validReport } from '../test/unit/gateway/helpers.js';
import { freePort } from '../scripts/free-port.mjs';

const REPORTS_PER_REQUEST = 50;
const REQUESTS = 600;
const CONCURRENCY = 8;
const RUNS = 3;

const ownBroker = !process.env.KAFKA_BOOTSTRAP;
const bootstrap = process.env.KAFKA_BOOTSTRAP ?? execFileSync('bash', ['scripts/kafka/start-kafka.sh'], { encoding: 'utf8' }).trim();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;


async function bareProducer(topic: string): Promise<number> {
  const producer = new Producer({ clientId: 'bench-bare', bootstrapBrokers: [bootstrap], serializers: stringSerializers, idempotent: true, acks: ProduceAcks.ALL });
  const batches = Array.from({ length: REQUESTS }, () => Array.from({ length: REPORTS_PER_REQUEST }, () => validReport()));
  const t0 = performance.now();
  for (const batch of batches) await producer.send({ messages: batch.map((r) => ({ topic, key: r.id, value: JSON.stringify({ site: 'shop', report: r }) })) });
  const rate = (REQUESTS * REPORTS_PER_REQUEST) / ((performance.now() - t0) / 1000);
  await producer.close();
  return rate;
}

async function throughGateway(url: string, topic: string): Promise<{ rate: number; latencies: number[] }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const bodies = Array.from({ length: REQUESTS }, () => produceBody(Array.from({ length: REPORTS_PER_REQUEST }, () => validReport())));
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const body = bodies[next++]!;
        const t = performance.now();
        await new Promise<void>((resolve, reject) => {
          const req = request(`${url}/topics/${topic}`, { method: 'POST', agent, headers: { 'content-type': V2, 'x-edgereco-key': KEY, origin: ORIGIN } }, (res) => {
            res.resume();
            res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
          });
          req.on('error', reject);
          req.end(body);
        });
        latencies.push(performance.now() - t);
      }
    }),
  );
  const rate = (REQUESTS * REPORTS_PER_REQUEST) / ((performance.now() - t0) / 1000);
  agent.destroy();
  return { rate, latencies };
}

const topic = `bench-gateway-${Date.now()}`;
const admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: [bootstrap] });
await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
await admin.close();
const port = await freePort();
const config = join(mkdtempSync(join(tmpdir(), 'edgereco-bench-')), 'gateway.json');
writeFileSync(config, JSON.stringify({ port, topics: [topic], sites: [{ id: 'shop', key: KEY, origins: [ORIGIN], ratePerSecond: 1e9, burst: 1e9 }] }));
const gateway = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], { env: { ...process.env, EDGERECO_GATEWAY_CONFIG: config, KAFKA_BOOTSTRAP: bootstrap, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
await new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('the gateway did not start')), 60_000);
  gateway.stderr!.on('data', (d: Buffer) => d.toString().includes('listening on') && (clearTimeout(timer), resolve()));
});
try {
  const bare: number[] = [];
  const rates: number[] = [];
  const p99s: number[] = [];
  await throughGateway(`http://127.0.0.1:${port}`, topic); // warm-up: connections, producer, JIT
  for (let run = 0; run < RUNS; run++) {
    bare.push(await bareProducer(topic));
    const { rate, latencies } = await throughGateway(`http://127.0.0.1:${port}`, topic);
    latencies.sort((a, b) => a - b);
    rates.push(rate);
    p99s.push(latencies[Math.floor(latencies.length * 0.99)]!);
  }
  const result = {
    reports_per_s: Math.round(median(rates)),
    p99_ms: Number(median(p99s).toFixed(1)),
    bare_producer_per_s: Math.round(median(bare)),
    measured: { at: new Date().toISOString(), runs: RUNS, requests_per_run: REQUESTS, reports_per_request: REPORTS_PER_REQUEST, concurrency: CONCURRENCY, samples: { reports_per_s: rates.map(Math.round), p99_ms: p99s.map((x) => Number(x.toFixed(1))), bare_producer_per_s: bare.map(Math.round) } },
  };
  writeFileSync('bench/results/gateway.json', JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result));
} finally {
  gateway.kill('SIGTERM');
  if (ownBroker) execFileSync('bash', ['scripts/kafka/stop-kafka.sh'], { stdio: 'ignore' });
}
