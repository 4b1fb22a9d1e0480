import { randomUUID } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { checkAggregateReport } from '../src/core/ldp/aggregate-report.js';
import { DEFAULT_MIN_SUPPORT, ReportAggregator, type MinSupport, type PriorsBundle, type PriorsCandidates } from './aggregator.js';
import { createError, ERROR_CODES } from '../src/core/errors.js';

export interface AggregationOptions {
  bootstrap: string[];
  topic: string;
  /**
   * The consumer group. Default `edgereco-aggregator`. One run reads every partition; splitting a run across instances
   * would need merging their partial supports (they add up), which is not built yet.
   */
  groupId?: string;
  candidates: PriorsCandidates;
  support?: MinSupport;
  /** Where the bundle JSON is written (atomically: a temp file, then a rename). Default: not written. */
  out?: string;
  /** Gives up waiting for the end of the topic after this long. Default 60 s. */
  timeoutMs?: number;
}

export interface AggregationResult {
  bundle: PriorsBundle;
  /** Records read, including duplicates and anything invalid. */
  records: number;
  /** Records that failed the report schema (the gateway should never let one through). */
  invalid: number;
}

/**
 * One aggregation run: joins the consumer group, reads the topic from the beginning to the end offsets it had when the
 * run started, counts each report id once (the gateway keys records by report id, so a resend lands in the same
 * partition as the original), estimates with OLH and writes the versioned priors bundle. Offsets are not committed:
 * every run recounts from the start, so a crash mid-run loses nothing and counts nothing twice.
 */
export async function runAggregation(options: AggregationOptions): Promise<AggregationResult> {
  const consumer = new Consumer({
    groupId: options.groupId ?? 'edgereco-aggregator',
    clientId: `edgereco-aggregator-${randomUUID().slice(0, 8)}`,
    bootstrapBrokers: options.bootstrap,
    deserializers: stringDeserializers,
  });
  const aggregator = new ReportAggregator();
  let records = 0;
  let invalid = 0;
  try {
    const ends = (await consumer.listOffsets({ topics: [options.topic] })).get(options.topic) ?? [];
    const remaining = new Map<number, bigint>();
    ends.forEach((end, partition) => {
      if (end > 0n) remaining.set(partition, end);
    });
    if (remaining.size > 0) {
      const stream = await consumer.consume({ topics: [options.topic], mode: 'earliest', autocommit: false, maxWaitTime: 200 });
      const timer = setTimeout(() => void stream.close(), options.timeoutMs ?? 60_000);
      try {
        for await (const message of stream) {
          records += 1;
          let report: unknown;
          try {
            report = (JSON.parse(message.value) as { report?: unknown }).report;
          } catch {
            report = undefined;
          }
          const check = checkAggregateReport(report);
          if (check.ok) aggregator.add(check.report);
          else invalid += 1;
          const end = remaining.get(message.partition);
          if (end !== undefined && message.offset + 1n >= end) remaining.delete(message.partition);
          if (remaining.size === 0) break;
        }
      } finally {
        clearTimeout(timer);
        await stream.close();
      }
      if (remaining.size > 0) throw createError(ERROR_CODES.INTERNAL, { problem: `the aggregator did not read the topic ${options.topic} to its end within the timeout`, next: 'run it again; if it keeps failing, check that the broker is reachable' }, { retryable: true });
    }
  } finally {
    await consumer.close();
  }
  const bundle = aggregator.estimate(options.candidates, options.support ?? DEFAULT_MIN_SUPPORT);
  if (options.out) await writePriors(options.out, bundle);
  return { bundle, records, invalid };
}

/** Writes a priors bundle whole or not at all (a temporary file renamed over `out`), so browsers never fetch half. */
export async function writePriors(out: string, bundle: PriorsBundle): Promise<void> {
  const tmp = `${out}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(bundle, null, 1)}\n`);
  await rename(tmp, out);
}

/** The one line an aggregation run prints: what it read and what it published where. */
export function describeAggregation(run: { bundle: PriorsBundle; records: number; invalid: number }, out: string): string {
  const { bundle, records, invalid } = run;
  return `edgereco aggregator: ${records} records (${bundle.reports.duplicatesDropped} duplicates dropped, ${invalid} invalid) → ${bundle.items.length} items, ${bundle.pairs.length} pairs, ${bundle.queries.length} queries in ${out}\n`;
}
