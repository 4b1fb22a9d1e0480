/**
 * A quick probe, not the acceptance bench: the gateway with its Kafka sink and the load generator in one process
 * (keep-alive, 16 concurrent requests of 50 reports), beside a bare idempotent producer sending the same batches one
 * after another. The bench/gateway.ts must load from a second process.
 *
 *   B=$(bash scripts/kafka/start-kafka.sh) && KAFKA_BOOTSTRAP=$B npx tsx bench/gateway-load.ts; bash scripts/kafka/stop-kafka.sh
 */
import { Agent, request } from 'node:http';
import { Admin, Producer, ProduceAcks, stringSerializers } from '@platformatic/kafka';
import { createKafkaSink, resolveGatewayConfig, startGateway } from '../gateway/index.js';
import { produceBody, validReport, KEY, ORIGIN, V2 } from '../test/unit/gateway/helpers.js';

const bootstrap = process.env.KAFKA_BOOTSTRAP as string;
const topic = `load-${Date.now()}`;
const admin = new Admin({ clientId: 'load', bootstrapBrokers: [bootstrap] });
await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
await admin.close();

const PER_REQ = 50;
const REQS = 600;
const CONC = 16;
// Bare producer: same batches, sequential.
const producer = new Producer({ clientId: 'bare', bootstrapBrokers: [bootstrap], serializers: stringSerializers, idempotent: true, acks: ProduceAcks.ALL });
let t = performance.now();
for (let i = 0; i < REQS; i++) await producer.send({ messages: Array.from({ length: PER_REQ }, () => { const r = validReport(); return { topic, key: r.id, value: JSON.stringify({ site: 's', report: r }) }; }) });
const bare = (REQS * PER_REQ) / ((performance.now() - t) / 1000);
await producer.close();

const config = resolveGatewayConfig({ port: 0, sites: [{ id: 'shop', key: KEY, origins: [ORIGIN], ratePerSecond: 1e9, burst: 1e9 }], topics: [topic], sink: { kind: 'kafka', bootstrap: [bootstrap] } });
const gw = await startGateway(config, { sink: await createKafkaSink({ bootstrap: [bootstrap] }), log: () => undefined });
const agent = new Agent({ keepAlive: true, maxSockets: CONC });
const bodies = Array.from({ length: REQS }, () => produceBody(Array.from({ length: PER_REQ }, () => validReport())));
const lat: number[] = [];
let next = 0;
t = performance.now();
await Promise.all(Array.from({ length: CONC }, async () => {
  while (next < REQS) {
    const body = bodies[next++] as string;
    const s = performance.now();
    await new Promise<void>((res, rej) => {
      const req = request(`${gw.url}/topics/${topic}`, { method: 'POST', agent, headers: { 'content-type': V2, 'x-edgereco-key': KEY, origin: ORIGIN } }, (r) => { r.resume(); r.on('end', () => (r.statusCode === 200 ? res() : rej(new Error(String(r.statusCode))))); });
      req.on('error', rej); req.end(body);
    });
    lat.push(performance.now() - s);
  }
}));
const secs = (performance.now() - t) / 1000;
lat.sort((a, b) => a - b);
console.log(JSON.stringify({ reports_per_s: Math.round((REQS * PER_REQ) / secs), p50_ms: +lat[Math.floor(lat.length * 0.5)]!.toFixed(1), p99_ms: +lat[Math.floor(lat.length * 0.99)]!.toFixed(1), bare_producer_per_s: Math.round(bare), per_request: PER_REQ, concurrency: CONC, note: 'in-process load, loaded 2-core machine' }));
agent.destroy();
await gw.close();
