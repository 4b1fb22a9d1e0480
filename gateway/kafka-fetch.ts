import { Connection, createAPI, fetchV12, Reader, readRecordsBatch } from '@platformatic/kafka';

/**
 * Kafka fetch requests whose record sets are left as bytes, and a record-batch reader over them that touches only
 * what the aggregator needs (each record's offset and value). The Kafka client's own fetch decodes every record into
 * objects (key, value, headers, a BigInt timestamp); at millions of small records that decoding, not the aggregator's
 * O(1) fold, was the bottleneck (half of a consumer's time). Built on the client's public protocol exports: its
 * `Connection`, the Fetch v12 request encoder, `Reader`, and `readRecordsBatch` for compressed batches.
 */

export interface PartitionRecords {
  partition: number;
  /** Kafka error code of the partition (0: none; 1: offset out of range; 6: not the leader …). */
  errorCode: number;
  logStartOffset: number;
  /** The record batches as the broker sent them (the last one may be cut short). */
  records: Buffer | null;
}

interface RawFetchResponse {
  errorCode: number;
  partitions: PartitionRecords[];
}

/** Fetch v12's response (see @platformatic/kafka's fetch-v12.js), the records kept as one contiguous buffer. */
function parseRawFetch(_correlationId: number, _apiKey: number, _apiVersion: number, reader: Reader): RawFetchResponse {
  reader.readInt32(); // throttle time
  const errorCode = reader.readInt16();
  reader.readInt32(); // session id
  const partitions: PartitionRecords[] = [];
  reader.readArray((r) => {
    r.readString();
    r.readArray((p) => {
      const partition = p.readInt32();
      const partitionError = p.readInt16();
      p.readInt64(); // high watermark
      p.readInt64(); // last stable offset
      const logStartOffset = Number(p.readInt64());
      p.readArray((a) => {
        a.readInt64();
        a.readInt64();
      });
      p.readInt32(); // preferred read replica
      const size = p.readUnsignedVarInt() - 1;
      let records: Buffer | null = null;
      if (size > 0) {
        records = (p.buffer as unknown as { slice(start: number, end: number): Buffer }).slice(p.position, p.position + size);
        p.skip(size);
      }
      partitions.push({ partition, errorCode: partitionError, logStartOffset, records });
    });
  });
  return { errorCode, partitions };
}

type FetchArgs = [number, number, number, number, number, number, { topicId: string; partitions: { partition: number; currentLeaderEpoch: number; fetchOffset: bigint; lastFetchedEpoch: number; partitionMaxBytes: number }[] }[], unknown[], string];
const rawFetch = createAPI<FetchArgs, RawFetchResponse>(1, 12, fetchV12.createRequest, parseRawFetch);

/** Fetches record bytes from the brokers, one connection per broker. */
export class RecordFetcher {
  private readonly connections = new Map<number, Promise<Connection>>();

  constructor(private readonly clientId: string, private readonly brokers: Map<number, { host: string; port: number }>) {}

  private connection(node: number): Promise<Connection> {
    let connection = this.connections.get(node);
    if (!connection) {
      const broker = this.brokers.get(node);
      if (!broker) return Promise.reject(new Error(`edgereco aggregator: no broker ${node} in the cluster metadata`));
      const c = new Connection(this.clientId, { requestTimeout: 30_000 });
      connection = (c.connect(broker.host, broker.port) as Promise<void>).then(() => c);
      connection.catch(() => this.connections.delete(node));
      this.connections.set(node, connection);
    }
    return connection;
  }

  /** One Fetch (read committed) of `topic` from broker `node`, each partition from its offset. */
  async fetch(node: number, topic: string, partitions: readonly { partition: number; offset: number }[], options: { maxBytes: number; partitionMaxBytes: number; maxWaitMs: number }): Promise<PartitionRecords[]> {
    const connection = await this.connection(node);
    try {
      const response = await rawFetch.async(connection, options.maxWaitMs, 1, options.maxBytes, 1, 0, -1, [
        { topicId: topic, partitions: partitions.map((p) => ({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: BigInt(p.offset), lastFetchedEpoch: -1, partitionMaxBytes: options.partitionMaxBytes })) },
      ], [], '');
      if (response.errorCode !== 0) throw new Error(`edgereco aggregator: the broker answered a fetch with Kafka error ${response.errorCode}`);
      return response.partitions;
    } catch (error) {
      this.connections.delete(node);
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((c) => c.then((x) => x.close(), () => undefined).catch(() => undefined)));
  }
}

const BATCH_HEADER = 61;
const COMPRESSION = 0x07;
const CONTROL = 0x20;

let at = 0;

/** A zigzag varint (32 bits) at `at`, moving `at` past it. */
function varint(buf: Buffer): number {
  let result = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = buf[at++]!;
    if (shift < 28) result |= (byte & 0x7f) << shift;
    else result |= (byte & 0x0f) << 28;
    shift += 7;
  } while (byte & 0x80 && shift < 35);
  return (result >>> 1) ^ -(result & 1);
}

function skipVarint(buf: Buffer): void {
  while (buf[at++]! & 0x80);
}

/** The offset after the last complete batch in `data` (batches cut short at the end of a fetch are not counted). */
export function nextOffsetAfter(data: Buffer, from: number): number {
  let next = from;
  for (let pos = 0; pos + BATCH_HEADER <= data.length; ) {
    const end = pos + 12 + data.readInt32BE(pos + 8);
    if (end > data.length) break;
    next = Math.max(next, data.readInt32BE(pos) * 4_294_967_296 + data.readUInt32BE(pos + 4) + data.readInt32BE(pos + 23) + 1);
    pos = end;
  }
  return next;
}

/**
 * Calls `visit(offset, bytes, start, end)` for the value of every data record of the complete batches in `data` whose
 * offset is in [from, until) (control batches, such as transaction markers, have none); returns the offset after the
 * last complete batch, at most `until`. A null value is visited as an empty range.
 */
export function forEachRecord(data: Buffer, from: number, until: number, visit: (offset: number, bytes: Buffer, start: number, end: number) => void): number {
  let next = from;
  for (let pos = 0; pos + BATCH_HEADER <= data.length; ) {
    const end = pos + 12 + data.readInt32BE(pos + 8);
    if (end > data.length) break;
    const base = data.readInt32BE(pos) * 4_294_967_296 + data.readUInt32BE(pos + 4);
    const attributes = data.readInt16BE(pos + 21);
    const last = base + data.readInt32BE(pos + 23);
    if (data[pos + 16] !== 2) throw new Error(`edgereco aggregator: record batch format ${data[pos + 16]} (Kafka < 0.11) is not supported`);
    if (last >= from && (attributes & CONTROL) === 0) {
      if ((attributes & COMPRESSION) !== 0) {
        const batch = readRecordsBatch(Reader.from(data.subarray(pos, end)));
        for (const record of batch.records) {
          const offset = base + record.offsetDelta;
          if (offset >= from && offset < until) {
            const value = record.value ?? Buffer.alloc(0);
            visit(offset, value, 0, value.length);
          }
        }
      } else {
        const count = data.readInt32BE(pos + 57);
        at = pos + BATCH_HEADER;
        for (let i = 0; i < count; i++) {
          const length = varint(data);
          const recordEnd = at + length;
          at += 1; // attributes
          skipVarint(data); // timestamp delta
          const offset = base + varint(data);
          const keyLength = varint(data);
          if (keyLength > 0) at += keyLength;
          const valueLength = varint(data);
          if (offset >= from && offset < until) visit(offset, data, at, valueLength > 0 ? at + valueLength : at);
          at = recordEnd;
        }
      }
    }
    next = Math.min(until, Math.max(next, last + 1));
    pos = end;
  }
  return next;
}
