import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaSink, resolveGatewayConfig, startGateway, type Gateway } from '../../gateway/index.js';
import { KEY, ORIGIN, headers, produceBody, send, validReport } from '../unit/gateway/helpers.js';

/** The gateway with its Kafka sink against the real broker that kafka-global-setup.ts started (no mock). */
const bootstrap = process.env.KAFKA_BOOTSTRAP;
const topic = `edgereco-reports-it-${Date.now()}`;
const missingTopic = `edgereco-missing-${Date.now()}`;
let gateway: Gateway;

interface Stored { partition: number; offset: number; key: string; value: { site: string; report: { id: string } } }

async function readAll(expected: number, timeoutMs = 20_000): Promise<Stored[]> {
  const consumer = new Consumer({ groupId: `it-${Date.now()}-${Math.random()}`, clientId: 'edgereco-it', bootstrapBrokers: [bootstrap as string], deserializers: stringDeserializers });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 200 });
  const out: Stored[] = [];
  const timer = setTimeout(() => void stream.close(), timeoutMs);
  try {
    for await (const m of stream) {
      out.push({ partition: m.partition, offset: Number(m.offset), key: m.key, value: JSON.parse(m.value) as Stored['value'] });
      if (out.length >= expected) break;
    }
  } finally {
    clearTimeout(timer);
    await stream.close();
    await consumer.close();
  }
  return out;
}

beforeAll(async () => {
  if (!bootstrap) throw new Error('KAFKA_BOOTSTRAP is not set: run this through the vitest "integration" project (its global setup starts Kafka)');
  const admin = new Admin({ clientId: 'edgereco-it', bootstrapBrokers: [bootstrap] });
  await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
  await admin.close();
  const config = resolveGatewayConfig({
    port: 0,
    sites: [{ id: 'shop', key: KEY, origins: [ORIGIN] }],
    topics: [topic, missingTopic],
    sink: { kind: 'kafka', bootstrap: [bootstrap] },
  });
  gateway = await startGateway(config, { sink: await createKafkaSink({ bootstrap: [bootstrap] }), log: () => undefined });
});

afterAll(async () => {
  await gateway?.close();
});

describe('gateway → Apache Kafka', () => {
  const sent: { id: string; partition: number; offset: number }[] = [];

  it('produces every accepted report to Kafka and answers with the real partitions and offsets', async () => {
    for (let batch = 0; batch < 5; batch++) {
      const reports = Array.from({ length: 10 }, (_, i) => validReport(`sku-${batch}-${i}`));
      const reply = await send(gateway.url, { path: `/topics/${topic}`, headers: headers(), body: produceBody(reports) });
      expect(reply.status).toBe(200);
      const offsets = reply.json().offsets as { partition: number; offset: number; error_code: null }[];
      expect(offsets).toHaveLength(10);
      offsets.forEach((o, i) => sent.push({ id: reports[i]!.id, partition: o.partition, offset: o.offset }));
    }
    const stored = await readAll(sent.length);
    expect(stored).toHaveLength(sent.length);
    const byId = new Map(stored.map((s) => [s.value.report.id, s]));
    for (const s of sent) {
      const record = byId.get(s.id);
      expect(record).toMatchObject({ partition: s.partition, offset: s.offset, key: s.id, value: { site: 'shop' } });
    }
    expect(new Set(stored.map((s) => s.partition)).size).toBeGreaterThan(1);
  });

  it('keeps every record and its offset when many requests arrive at once (the sink groups them into one produce)', async () => {
    const batches = Array.from({ length: 20 }, (_, b) => Array.from({ length: 25 }, (_, i) => validReport(`c-${b}-${i}`)));
    const replies = await Promise.all(batches.map((reports) => send(gateway.url, { path: `/topics/${topic}`, headers: headers(), body: produceBody(reports) })));
    replies.forEach((reply, b) => {
      expect(reply.status).toBe(200);
      (reply.json().offsets as { partition: number; offset: number }[]).forEach((o, i) => sent.push({ id: batches[b]![i]!.id, partition: o.partition, offset: o.offset }));
    });
    const stored = await readAll(sent.length);
    expect(stored).toHaveLength(sent.length);
    const where = new Set(stored.map((s) => `${s.value.report.id}@${s.partition}:${s.offset}`));
    for (const s of sent) expect(where.has(`${s.id}@${s.partition}:${s.offset}`)).toBe(true);
  });

  it('answers 404 (40401) for a topic the broker does not have, and 422 for an invalid report, writing nothing', async () => {
    const missing = await send(gateway.url, { path: `/topics/${missingTopic}`, headers: headers(), body: produceBody([validReport()]) });
    expect(missing.status).toBe(404);
    expect(missing.json().error_code).toBe(40401);
    const invalid = await send(gateway.url, { path: `/topics/${topic}`, headers: headers(), body: produceBody([validReport(), { ...validReport(), userId: 'u' }]) });
    expect(invalid.status).toBe(422);
    const stored = await readAll(sent.length + 1, 3_000);
    expect(stored).toHaveLength(sent.length);
  });
});
