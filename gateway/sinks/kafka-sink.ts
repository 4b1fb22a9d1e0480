import { Admin, Producer, ProduceAcks, stringSerializers } from '@platformatic/kafka';
import { itemKey } from '../../src/core/ldp/item-key.js';
import { canonicalStoredReport, storedReportId, type RecordOffset, type ReportSink, type SinkRecord } from './sink.js';

export interface KafkaSinkOptions {
  bootstrap: string[];
  clientId?: string;
  /** Per-request timeout of the Kafka protocol, ms. Default 10,000. */
  timeoutMs?: number;
  /** Retries of a failed produce (the idempotent producer makes them safe). Default 10, 250 ms apart. */
  retries?: number;
  /** An append not acknowledged within this many ms fails (the gateway answers 503; the client retries and the aggregator drops duplicates). Default 15,000. */
  appendTimeoutMs?: number;
  /** Most records in one produce call (appends are grouped up to this). Default 5,000. */
  maxBatchRecords?: number;
}

interface Pending {
  topic: string;
  records: readonly SinkRecord[];
  partitions: number[];
  resolve: (offsets: RecordOffset[]) => void;
  reject: (error: unknown) => void;
  settled: boolean;
}

/** The most value bytes in one produce request (under the broker's default 1 MB record batch). */
const MAX_REQUEST_BYTES = 900 * 1024;

/**
 * Apache Kafka through @platformatic/kafka: an idempotent producer with acks=all, so a batch is acknowledged only once
 * every in-sync replica has it, and the client's own retries do not write it twice. The record key is the report id
 * and the partition is chosen from it, so duplicates of a report land on one partition (where the aggregator drops
 * them); the value is `{ site, report }` as JSON, the report's fields in the wire format's order.
 *
 * Group commit: @platformatic/kafka's idempotent producer must not have two `send` calls in flight (concurrent sends
 * get OUT_OF_ORDER_SEQUENCE_NUMBER from the broker), so appends queue up and each produce call carries every append
 * that arrived while the previous one was in flight. After a failed produce the producer is replaced (fresh producer
 * id and sequences). Topic lookups use a separate admin client with few retries: the idempotent producer retries the
 * metadata of a missing topic (almost) forever.
 */
export async function createKafkaSink(options: KafkaSinkOptions): Promise<ReportSink> {
  const clientId = options.clientId ?? 'edgereco-gateway';
  const timeout = options.timeoutMs ?? 10_000;
  const appendTimeoutMs = options.appendTimeoutMs ?? 15_000;
  const maxBatch = options.maxBatchRecords ?? 5_000;
  const newProducer = () =>
    new Producer({
      clientId,
      bootstrapBrokers: options.bootstrap,
      serializers: stringSerializers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      timeout,
      retries: Math.max(2, options.retries ?? 10),
      retryDelay: 250,
      autocreateTopics: false,
    });
  let producer = newProducer();
  const admin = new Admin({ clientId: `${clientId}-admin`, bootstrapBrokers: options.bootstrap, timeout, retries: 2, retryDelay: 250 });
  const partitionCounts = new Map<string, number>();
  const queue: Pending[] = [];
  let inFlight: Promise<void> | undefined;
  let closed = false;

  async function partitionsOf(topic: string): Promise<number | undefined> {
    const known = partitionCounts.get(topic);
    if (known !== undefined) return known;
    try {
      const metadata = await admin.metadata({ topics: [topic], autocreateTopics: false });
      const count = metadata.topics.get(topic)?.partitionsCount;
      if (count !== undefined && count > 0) partitionCounts.set(topic, count);
      return count;
    } catch {
      return undefined;
    }
  }

  function settle(p: Pending, outcome: { offsets: RecordOffset[] } | { error: unknown }): void {
    if (p.settled) return;
    p.settled = true;
    if ('offsets' in outcome) p.resolve(outcome.offsets);
    else p.reject(outcome.error);
  }

  async function flush(batch: Pending[]): Promise<void> {
    const messages = batch.flatMap((p) =>
      p.records.map((r, i) => ({ topic: p.topic, partition: p.partitions[i] as number, key: storedReportId(r.report), value: JSON.stringify({ site: r.site, report: canonicalStoredReport(r.report) }) })),
    );
    try {
      // One produce request per run of messages under MAX_REQUEST_BYTES (secure reports are ~0.5 MB each, and a
      // partition's records of one request form one record batch, which the broker caps at 1 MB by default), sent
      // in order; the broker returns each partition's base offset per request, and a partition's records of one
      // request were appended in order.
      const offsets: number[] = [];
      for (let start = 0; start < messages.length; ) {
        let end = start;
        for (let bytes = 0; end < messages.length && (end === start || bytes + messages[end]!.value.length <= MAX_REQUEST_BYTES); end++) bytes += messages[end]!.value.length;
        const chunk = messages.slice(start, end);
        const result = await producer.send({ messages: chunk });
        const next = new Map<string, number>();
        for (const o of result.offsets ?? []) next.set(`${o.topic}\u0000${o.partition}`, Number(o.offset));
        for (const m of chunk) {
          const key = `${m.topic}\u0000${m.partition}`;
          const offset = next.get(key) ?? -1;
          next.set(key, offset + 1);
          offsets.push(offset);
        }
        start = end;
      }
      let at = 0;
      for (const p of batch) settle(p, { offsets: p.partitions.map((partition) => ({ partition, offset: offsets[at++]! })) });
    } catch (error) {
      for (const p of batch) settle(p, { error });
      const broken = producer;
      producer = newProducer();
      broken.close().catch(() => undefined);
    }
  }

  function pump(): void {
    if (inFlight || queue.length === 0) return;
    const batch: Pending[] = [];
    let size = 0;
    while (queue.length > 0 && (batch.length === 0 || size + queue[0]!.records.length <= maxBatch)) {
      const p = queue.shift() as Pending;
      if (p.settled) continue; // timed out while queued
      batch.push(p);
      size += p.records.length;
    }
    if (batch.length === 0) return;
    inFlight = flush(batch).finally(() => {
      inFlight = undefined;
      pump();
    });
  }

  return {
    hasTopic: async (topic) => (await partitionsOf(topic)) !== undefined,
    async append(topic, records) {
      if (closed) throw new Error('the Kafka sink is closed');
      const partitions = (await partitionsOf(topic)) ?? 1;
      return new Promise<RecordOffset[]>((resolve, reject) => {
        const pending: Pending = { topic, records, partitions: records.map((r) => itemKey(storedReportId(r.report)) % partitions), resolve, reject, settled: false };
        const timer = setTimeout(() => settle(pending, { error: new Error(`Kafka did not acknowledge within ${appendTimeoutMs} ms`) }), appendTimeoutMs);
        pending.resolve = (offsets) => {
          clearTimeout(timer);
          resolve(offsets);
        };
        pending.reject = (error) => {
          clearTimeout(timer);
          reject(error);
        };
        queue.push(pending);
        pump();
      });
    },
    async close() {
      closed = true;
      while (inFlight || queue.some((p) => !p.settled)) {
        pump();
        await (inFlight ?? new Promise((r) => setTimeout(r, 10)));
      }
      await Promise.allSettled([producer.close(), admin.close()]);
    },
  };
}
