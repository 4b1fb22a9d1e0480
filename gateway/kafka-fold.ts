import { randomUUID } from 'node:crypto';
import { Consumer } from '@platformatic/kafka';
import { createError, ERROR_CODES } from '../src/core/errors.js';
import type { AggregatorStore } from './aggregator-store.js';
import { forEachRecord, nextOffsetAfter, RecordFetcher, type PartitionRecords } from './kafka-fetch.js';
import { addFoldCounts, emptyFoldCounts, PartitionFold, type FoldCounts } from './partition-fold.js';
import { DEFAULT_DEDUP, type DedupOptions } from './period-state.js';
import type { ReportPolicy } from './report-policy.js';
import { reportOfValue } from './report-value.js';

export interface KafkaFoldOptions {
  bootstrap: string[];
  topic: string;
  /** The consumer group: every consumer of it folds its share of the partitions into the same store. */
  groupId: string;
  store: AggregatorStore;
  policy: ReportPolicy;
  dedup?: DedupOptions;
  /** The site's clock (the accepted periods). Default Date.now. */
  now?: () => number;
  /** A partition is checkpointed after this many records… Default 500,000. */
  checkpointRecords?: number;
  /** …or this many ms, whichever comes first. Default 10,000. */
  checkpointMs?: number;
  /** Gives up when the topic is not folded to its end within this. Default 30 minutes. */
  timeoutMs?: number;
  /** The group session: a consumer that stops heartbeating loses its partitions after this. Default 30,000 ms. */
  sessionTimeoutMs?: number;
  /** A partition lock not refreshed for this long is taken over (consumers on other hosts). Default 60,000 ms. */
  lockLeaseMs?: number;
  /** Largest fetch response. Default 16 MiB. */
  fetchMaxBytes?: number;
  /** Called after each checkpoint (what was written, for progress and tests); the fold waits for a returned promise. */
  onCheckpoint?: (partition: number, nextOffset: number) => void | Promise<void>;
}

export interface KafkaFoldResult extends FoldCounts {
  /** The partitions this consumer folded records of. */
  partitions: number[];
  /** The end offsets the run folded to (the topic's ends when it started). */
  ends: number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Kafka error codes a fetch recovers from: offset out of range (retention deleted it), leadership changes. */
const OFFSET_OUT_OF_RANGE = 1;
const RETRIABLE = new Set([3, 6, 74, 75]);

/**
 * One consumer of the aggregator's group, catching up: folds the partitions the group assigns it, from the store's
 * checkpoints to the end offsets the topic had when it started, into per-period states, each record in O(1), and
 * checkpoints them as it goes (aggregator-store.ts: exactly once). Returns when every partition of the topic is
 * folded to those ends, by this consumer or by others of the group. The group (membership, assignment, heartbeats,
 * the mirrored offsets) is the Kafka client's; records are read with raw fetches (kafka-fetch.ts), the next one sent
 * while the current one is folded: the client's message stream capped a consumer at about 70,000 records/s here.
 */
export async function foldKafkaTopic(options: KafkaFoldOptions): Promise<KafkaFoldResult> {
  const { store, topic, policy } = options;
  const now = options.now ?? Date.now;
  const dedup = options.dedup ?? DEFAULT_DEDUP;
  const checkpointRecords = options.checkpointRecords ?? 500_000;
  const checkpointMs = options.checkpointMs ?? 10_000;
  const leaseMs = options.lockLeaseMs ?? 60_000;
  const session = options.sessionTimeoutMs ?? 30_000;
  const consumer = new Consumer({
    groupId: options.groupId,
    clientId: `edgereco-aggregator-${randomUUID().slice(0, 8)}`,
    bootstrapBrokers: options.bootstrap,
    sessionTimeout: session,
    rebalanceTimeout: session,
    heartbeatInterval: Math.min(3000, Math.floor(session / 3)),
    autocommit: false,
  });
  const totals = emptyFoldCounts();
  const folded = new Set<number>();
  const owned = new Map<number, { fold: PartitionFold; written: number; at: number }>();
  const done = new Set<number>();
  const closers: (() => Promise<void>)[] = [];
  try {
    const metadata = await consumer.metadata({ topics: [topic] });
    const info = metadata.topics.get(topic);
    if (!info) throw createError(ERROR_CODES.INVALID_OPTION, { field: 'the aggregator topic', requirement: `${topic} does not exist` });
    const ends = ((await consumer.listOffsets({ topics: [topic] })).get(topic) ?? []).map(Number);
    let starts = ((await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic) ?? []).map(Number);
    consumer.topics.track(topic);
    await consumer.joinGroup({});
    const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);

    const checkpoint = async (partition: number, entry: { fold: PartitionFold; written: number; at: number }) => {
      if (!(await store.holds(partition))) {
        throw createError(ERROR_CODES.INTERNAL, { problem: `the aggregator lost the lock of ${topic} partition ${partition} (another consumer took it over)`, next: 'run it again; it resumes from the last checkpoint' }, { retryable: true });
      }
      await entry.fold.checkpoint(store, now());
      await store.refresh(partition);
      entry.written = entry.fold.nextOffset;
      entry.at = Date.now();
      await options.onCheckpoint?.(partition, entry.fold.nextOffset);
      const leaderEpoch = info.partitions[partition]?.leaderEpoch ?? -1;
      // The group's committed offsets mirror the store's checkpoints, for lag monitoring only.
      await consumer.commit({ offsets: [{ topic, partition, offset: BigInt(entry.fold.nextOffset), leaderEpoch }] }).catch(() => undefined);
    };

    const release = async (partition: number) => {
      const entry = owned.get(partition)!;
      if (entry.fold.nextOffset !== entry.written) await checkpoint(partition, entry);
      addFoldCounts(totals, entry.fold.counts);
      owned.delete(partition);
      await store.unlock(partition);
    };

    const fetcher = new RecordFetcher(`edgereco-aggregator-fetch-${randomUUID().slice(0, 8)}`, metadata.brokers);
    closers.push(() => fetcher.close());
    let leaders = new Map(info.partitions.map((p, i) => [i, p.leader]));
    const fetchAll = async (requests: { partition: number; offset: number }[]): Promise<PartitionRecords[]> => {
      const byLeader = new Map<number, { partition: number; offset: number }[]>();
      for (const r of requests) {
        const leader = leaders.get(r.partition)!;
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), r]);
      }
      const parts = await Promise.all([...byLeader].map(([node, list]) => fetcher.fetch(node, topic, list, { maxBytes: options.fetchMaxBytes ?? 16 << 20, partitionMaxBytes: 8 << 20, maxWaitMs: 200 })));
      return parts.flat();
    };
    /** After a fetch error: the leaders again, and the log starts (records deleted by retention are gone). */
    const refresh = async () => {
      const fresh = await consumer.metadata({ topics: [topic], forceUpdate: true });
      leaders = new Map(fresh.topics.get(topic)!.partitions.map((p, i) => [i, p.leader]));
      starts = ((await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic) ?? []).map(Number);
      for (const { fold } of owned.values()) fold.nextOffset = Math.max(fold.nextOffset, starts[fold.partition] ?? 0);
      prefetch = undefined;
    };
    let prefetch: { key: string; responses: Promise<PartitionRecords[]> } | undefined;
    let failures = 0;

    for (;;) {
      if (Date.now() > deadline) {
        throw createError(ERROR_CODES.INTERNAL, { problem: `the aggregator did not fold ${topic} to its end within the timeout`, next: 'run it again (it resumes where it stopped); if it keeps failing, check the broker and the other consumers of the group' }, { retryable: true });
      }
      // Follow the group's assignment: checkpoint and let go of partitions moved elsewhere, lock and load new ones.
      const assigned = new Set(consumer.assignments?.find((a) => a.topic === topic)?.partitions ?? []);
      for (const partition of [...owned.keys()]) if (!assigned.has(partition)) await release(partition);
      for (const partition of assigned) {
        if (owned.has(partition) || done.has(partition)) continue;
        if ((await store.checkpoint(partition)) >= ends[partition]!) {
          done.add(partition);
          continue;
        }
        if (!(await store.lock(partition, leaseMs))) continue; // its previous consumer is still letting go
        const fold = await PartitionFold.load(store, partition, policy, dedup);
        const written = fold.nextOffset;
        fold.nextOffset = Math.max(fold.nextOffset, starts[partition] ?? 0); // records deleted by retention: gone
        owned.set(partition, { fold, written, at: Date.now() });
      }
      const active = [...owned.values()].filter(({ fold }) => fold.nextOffset < ends[fold.partition]!);
      for (const entry of owned.values()) if (entry.fold.nextOffset >= ends[entry.fold.partition]!) done.add(entry.fold.partition);
      if (active.length === 0) {
        const checkpoints = await Promise.all(ends.map((_, p) => store.checkpoint(p)));
        if (checkpoints.every((c, p) => c >= ends[p]!)) break;
        await sleep(200); // other consumers of the group are still folding theirs
        continue;
      }

      const requests = active.map(({ fold }) => ({ partition: fold.partition, offset: fold.nextOffset }));
      const key = requests.map((r) => `${r.partition}:${r.offset}`).join(',');
      let responses: PartitionRecords[];
      try {
        responses = await (prefetch?.key === key ? prefetch.responses : fetchAll(requests));
      } catch (error) {
        prefetch = undefined;
        if (++failures > 5) throw error;
        await refresh();
        continue;
      }
      failures = 0;
      // The next fetch goes out now, from the offsets after this response's complete batches, and arrives while this
      // one is folded (checkpoints included). Dropped if the assignment or an offset changes meanwhile.
      const next = requests
        .map((r) => {
          const data = responses.find((p) => p.partition === r.partition);
          return { partition: r.partition, offset: data?.records && data.errorCode === 0 ? Math.min(ends[r.partition]!, nextOffsetAfter(data.records, r.offset)) : r.offset };
        })
        .filter((r) => r.offset < ends[r.partition]!);
      prefetch = next.length > 0 ? { key: next.map((r) => `${r.partition}:${r.offset}`).join(','), responses: fetchAll(next) } : undefined;
      prefetch?.responses.catch(() => undefined);
      const nowMs = now();
      for (const data of responses) {
        const entry = owned.get(data.partition);
        if (!entry) continue;
        const fold = entry.fold;
        if (data.errorCode === OFFSET_OUT_OF_RANGE) {
          await refresh();
          continue;
        }
        if (data.errorCode !== 0) {
          if (!RETRIABLE.has(data.errorCode)) throw new Error(`edgereco aggregator: fetching ${topic} partition ${data.partition} failed with Kafka error ${data.errorCode}`);
          await refresh();
          continue;
        }
        if (!data.records) continue;
        const after = forEachRecord(data.records, fold.nextOffset, ends[fold.partition]!, (offset, bytes, start, end) => fold.fold(offset, reportOfValue(bytes, start, end), nowMs));
        // Past transaction markers and compacted gaps too, never past the end of this run.
        if (after > fold.nextOffset) fold.nextOffset = after;
        if (fold.nextOffset > entry.written) folded.add(fold.partition);
      }
      for (const [partition, entry] of owned) {
        const { fold } = entry;
        const due = fold.pending >= checkpointRecords || Date.now() - entry.at >= checkpointMs || fold.nextOffset >= ends[partition]!;
        if (due && fold.nextOffset !== entry.written) await checkpoint(partition, entry);
      }
    }
    for (const partition of [...owned.keys()]) await release(partition);
    return { ...totals, partitions: [...folded].sort((a, b) => a - b), ends };
  } finally {
    for (const partition of owned.keys()) await store.unlock(partition).catch(() => undefined);
    for (const close of closers) await close().catch(() => undefined);
    await consumer.close().catch(() => undefined);
  }
}
