import { createReadStream } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { RecordOffset, ReportSink } from './sink.js';

/**
 * The sink when no broker is configured: one append-only JSONL file, one line per record:
 * `{"topic","partition":0,"offset","site","value"}`. Offsets count lines per topic, resumed from the file at start, so
 * they behave like a one-partition Kafka topic. Appends are serialized; each batch is one write, then fsync.
 */
export async function createFileSink(path: string, topics: readonly string[]): Promise<ReportSink> {
  await mkdir(dirname(path), { recursive: true });
  const next = new Map<string, number>(topics.map((t) => [t, 0]));
  const existing = await open(path, 'a+');
  await existing.close();
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    try {
      const topic = (JSON.parse(line) as { topic?: unknown }).topic;
      if (typeof topic === 'string' && next.has(topic)) next.set(topic, (next.get(topic) ?? 0) + 1);
    } catch {
      // A torn last line after a crash: its record was never acknowledged, so it does not count.
    }
  }
  const handle: FileHandle = await open(path, 'a');
  let queue: Promise<unknown> = Promise.resolve();

  return {
    hasTopic: async (topic) => next.has(topic),
    append(topic, records) {
      const run = async (): Promise<RecordOffset[]> => {
        const first = next.get(topic) ?? 0;
        const text = records
          .map((r, i) => JSON.stringify({ topic, partition: 0, offset: first + i, site: r.site, value: r.report }))
          .join('\n');
        await handle.write(`${text}\n`);
        await handle.datasync();
        next.set(topic, first + records.length);
        return records.map((_, i) => ({ partition: 0, offset: first + i }));
      };
      const result = queue.then(run, run);
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      await queue;
      await handle.close();
    },
  };
}
