import { randomUUID } from 'node:crypto';
import { Consumer } from '@platformatic/kafka';
import { createError, ERROR_CODES } from '../src/core/errors.js';
import { forEachRecord, RecordFetcher } from './kafka-fetch.js';
import { checkOrder, OrderCollector, type OrderFeedRead } from './order-feed.js';

export interface OrderTopicOptions {
  bootstrap: string[];
  /** The topic the store's backend writes its orders to (one JSON record per order, order-feed.ts). */
  topic: string;
  /** Give up after this long. Default 5 minutes. */
  timeoutMs?: number;
}

/**
 * Reads the store's order topic once, every partition from the oldest record the broker keeps to the end it had when
 * the read began, with no consumer group and nothing committed: each aggregation run counts the orders of its
 * window afresh, so the topic's retention must cover the window (30 days by default). Orders are far fewer than
 * reports; a month of a large store's orders is read in seconds.
 */
export async function readOrderTopic(options: OrderTopicOptions): Promise<OrderFeedRead> {
  const { topic } = options;
  const clientId = `edgereco-orders-${randomUUID().slice(0, 8)}`;
  const consumer = new Consumer({ groupId: clientId, clientId, bootstrapBrokers: options.bootstrap, autocommit: false });
  const fetcher = { current: null as RecordFetcher | null };
  const collector = new OrderCollector();
  try {
    const metadata = await consumer.metadata({ topics: [topic] });
    const info = metadata.topics.get(topic);
    if (!info) throw createError(ERROR_CODES.INVALID_OPTION, { field: 'config.aggregate.orders.kafka.topic', requirement: `names a topic that does not exist (${topic})` });
    const ends = ((await consumer.listOffsets({ topics: [topic] })).get(topic) ?? []).map(Number);
    const next = ((await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic) ?? []).map(Number);
    fetcher.current = new RecordFetcher(`${clientId}-fetch`, metadata.brokers);
    const deadline = Date.now() + (options.timeoutMs ?? 300_000);
    const decoder = new TextDecoder();
    while (next.some((offset, p) => offset < ends[p]!)) {
      if (Date.now() > deadline) throw createError(ERROR_CODES.INTERNAL, { problem: `the order topic ${topic} was not read to its end in time`, next: 'run the aggregation again; check the broker' }, { retryable: true });
      const byLeader = new Map<number, { partition: number; offset: number }[]>();
      next.forEach((offset, partition) => {
        if (offset >= ends[partition]!) return;
        const leader = info.partitions[partition]!.leader;
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), { partition, offset }]);
      });
      for (const [node, requests] of byLeader) {
        for (const data of await fetcher.current.fetch(node, topic, requests, { maxBytes: 16 << 20, partitionMaxBytes: 8 << 20, maxWaitMs: 200 })) {
          if (data.errorCode !== 0) throw new Error(`edgereco aggregator: reading the order topic ${topic} partition ${data.partition} failed with Kafka error ${data.errorCode}`);
          if (!data.records) continue;
          const after = forEachRecord(data.records, next[data.partition]!, ends[data.partition]!, (offset, bytes, start, end) => {
            let value: unknown;
            try {
              value = JSON.parse(decoder.decode(bytes.subarray(start, end)));
            } catch {
              collector.skip(`${topic} partition ${data.partition} offset ${offset}: not JSON`);
              return;
            }
            const check = checkOrder(value);
            if (check.ok) collector.add(check.order);
            else collector.skip(`${topic} partition ${data.partition} offset ${offset}: ${check.message}`);
          });
          next[data.partition] = Math.max(next[data.partition]!, after);
        }
      }
    }
    return collector.result();
  } finally {
    await fetcher.current?.close().catch(() => undefined);
    await consumer.close().catch(() => undefined);
  }
}
