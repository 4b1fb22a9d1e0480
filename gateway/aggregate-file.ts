import { open } from 'node:fs/promises';
import { AggregatorStore } from './aggregator-store.js';
import { PartitionFold, type FoldCounts } from './partition-fold.js';
import { DEFAULT_DEDUP, type DedupOptions } from './period-state.js';
import type { ReportPolicy } from './report-policy.js';

export interface FileFoldOptions {
  /** The file sink's JSONL. */
  path: string;
  topic: string;
  store: AggregatorStore;
  policy: ReportPolicy;
  dedup?: DedupOptions;
  now?: () => number;
  /** Checkpoint after this many records. Default 500,000. */
  checkpointRecords?: number;
}

const CHUNK = 1 << 20;

/**
 * The file sink's twin of the Kafka fold: the JSONL file (`{"topic","partition","offset","site","value"}` per line) is
 * one partition whose offsets are the lines' own. Folds the lines of `topic` after the store's checkpoint into the
 * store, checkpointing as it goes, so each run reads only what was appended since the last one (the checkpoint keeps
 * the byte position too). A last line without its newline (being written, or torn by a crash) is left for later.
 */
export async function foldFile(options: FileFoldOptions): Promise<FoldCounts> {
  const { store, topic } = options;
  const now = options.now ?? Date.now;
  const every = options.checkpointRecords ?? 500_000;
  if (!(await store.lock(0, 60_000))) throw new Error(`edgereco aggregator: another aggregation holds ${store.dir}/${topic}/p0; wait for it to finish`);
  const handle = await open(options.path, 'r').catch(() => undefined);
  try {
    const fold = await PartitionFold.load(store, 0, options.policy, options.dedup ?? DEFAULT_DEDUP);
    let position = await store.position(0);
    const size = handle ? (await handle.stat()).size : 0;
    if (position > size) position = 0; // a new file: read it from the start (offsets still decide what is folded)
    const buffer = Buffer.alloc(CHUNK);
    let carry = Buffer.alloc(0);
    while (handle) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, position + carry.length);
      if (bytesRead === 0) break;
      const data = carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
      let start = 0;
      for (let end = data.indexOf(10, start); end >= 0; end = data.indexOf(10, start)) {
        foldLine(fold, data.toString('utf8', start, end), topic, now());
        start = end + 1;
      }
      position += start;
      carry = Buffer.from(data.subarray(start));
      if (fold.pending >= every) await fold.checkpoint(store, now(), position);
    }
    if (fold.pending > 0 || position !== (await store.position(0))) await fold.checkpoint(store, now(), position);
    return fold.counts;
  } finally {
    await handle?.close();
    await store.unlock(0);
  }
}

function foldLine(fold: PartitionFold, line: string, topic: string, nowMs: number): void {
  if (!line) return;
  let record: { topic?: unknown; offset?: unknown; value?: unknown };
  try {
    record = JSON.parse(line) as typeof record;
  } catch {
    fold.counts.invalid += 1; // a line torn by a crash, with later lines appended after it
    return;
  }
  if (record.topic !== topic || typeof record.offset !== 'number' || record.offset < fold.nextOffset) return;
  fold.fold(record.offset, record.value, nowMs);
}
