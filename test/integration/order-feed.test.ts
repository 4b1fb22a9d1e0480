import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateSite } from '../../gateway/aggregate-site.js';
import { resolveGatewayConfig } from '../../gateway/config.js';
import { readOrderTopic } from '../../gateway/order-feed-kafka.js';
import { parsePriors } from '../../src/core/priors.js';

/**
 * The store's order feed as a Kafka topic its backend writes (one JSON record per order), read by the aggregator from
 * a real broker (test/integration/kafka-global-setup.ts): orders counted once however often they were written, bad
 * records skipped and named, and the best-sellers and pairs labelled "orders" in the bundle.
 */
const bootstrap = process.env.KAFKA_BOOTSTRAP!;
const stamp = Date.now();
const ORDERS = `shop-orders-${stamp}`;
const REPORTS = `edgereco-reports-orders-${stamp}`;
const NOW = Date.now();
const DAY = 86_400_000;
let dir: string;

beforeAll(async () => {
  if (!bootstrap) throw new Error('KAFKA_BOOTSTRAP is not set: run this through the vitest "integration" project (its global setup starts Kafka)');
  dir = await mkdtemp(join(tmpdir(), 'edgereco-order-topic-'));
  const admin = new Admin({ clientId: 'edgereco-it-orders', bootstrapBrokers: [bootstrap] });
  await admin.createTopics({ topics: [ORDERS], partitions: 2, replicas: 1 });
  await admin.createTopics({ topics: [REPORTS], partitions: 1, replicas: 1 });
  await admin.close();
  const producer = new Producer({ clientId: 'edgereco-it-shop-backend', bootstrapBrokers: [bootstrap], serializers: stringSerializers });
  const order = (i: number, lines: string[], daysAgo = 1) => ({ key: `o-${i}`, value: JSON.stringify({ orderId: `o-${i}`, time: new Date(NOW - daysAgo * DAY).toISOString(), lines: lines.map((itemId) => ({ itemId, quantity: 1 })) }), topic: ORDERS });
  const messages = [
    ...Array.from({ length: 22 }, (_, i) => order(i, ['mug-red', 'lamp'])),
    order(3, ['mug-red', 'lamp']), // the backend's retry: the same order again
    ...Array.from({ length: 5 }, (_, i) => order(100 + i, ['vase'], 45)), // older than the 30-day window
    { key: 'bad-1', value: 'not json', topic: ORDERS },
    { key: 'bad-2', value: JSON.stringify({ orderId: 'o-x', time: 'yesterday', lines: [{ itemId: 'a' }] }), topic: ORDERS },
  ];
  await producer.send({ messages });
  await producer.close();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("the store's order topic", () => {
  it('is read whole, each order once, bad records skipped and named', async () => {
    const read = await readOrderTopic({ bootstrap: [bootstrap], topic: ORDERS });
    expect(read.orders.map((o) => o.orderId).sort()).toEqual([...Array.from({ length: 22 }, (_, i) => `o-${i}`), ...Array.from({ length: 5 }, (_, i) => `o-${100 + i}`)].sort());
    expect(read.skipped).toBe(2);
    expect(read.problems.join('\n')).toContain('not JSON');
    expect(read.problems.join('\n')).toContain('order o-x: time must be an ISO 8601 date');
  });

  it('gives an aggregation run its best-sellers and pairs, labelled "orders" in the bundle', async () => {
    await writeFile(join(dir, 'catalog.json'), JSON.stringify([{ id: 'mug-red' }, { id: 'lamp' }, { id: 'vase' }]));
    const config = resolveGatewayConfig({
      sites: [{ id: 'shop', key: 'pk_test_orders_topic', origins: ['https://shop.example'] }],
      topics: [REPORTS],
      sink: { kind: 'kafka', bootstrap: [bootstrap] },
      aggregate: { catalog: join(dir, 'catalog.json'), out: join(dir, 'priors.json'), stateDir: join(dir, 'state'), groupId: `orders-it-${stamp}`, orders: { kafka: { topic: ORDERS } } },
    });
    const run = await aggregateSite(config, () => NOW);
    expect(run.orders).toMatchObject({ orders: 22, skipped: 2, items: 2, pairs: 1 });
    const bundle = parsePriors(JSON.parse(await readFile(join(dir, 'priors.json'), 'utf8')));
    expect(bundle.items).toEqual([{ itemId: 'lamp', count: 22, source: 'orders' }, { itemId: 'mug-red', count: 22, source: 'orders' }]);
    expect(bundle.pairs).toEqual([{ items: ['lamp', 'mug-red'], count: 22, source: 'orders' }]);
    expect(bundle.sources?.orders).toMatchObject({ feed: 'kafka', orders: 22, minOrders: 20, window: { days: 30 } });
  });
});
