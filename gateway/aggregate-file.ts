import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { checkAggregateReport } from '../src/core/ldp/aggregate-report.js';
import { ReportAggregator } from './aggregator.js';

/** What one pass over the file sink counted. */
export interface FileAggregation {
  aggregator: ReportAggregator;
  /** Lines of the topic read, including duplicates and anything invalid. */
  records: number;
  /** Records of the topic that failed the report schema (or a torn last line). */
  invalid: number;
}

/**
 * Reads the file sink's JSONL (`{"topic","partition","offset","site","value"}` per line) and counts the reports of one
 * topic, each report id once: the file-sink twin of runAggregation's Kafka read.
 */
export async function aggregateFile(path: string, topic: string): Promise<FileAggregation> {
  const aggregator = new ReportAggregator();
  let records = 0;
  let invalid = 0;
  for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
    if (!line) continue;
    let record: { topic?: unknown; value?: unknown } | undefined;
    try {
      record = JSON.parse(line) as { topic?: unknown; value?: unknown };
    } catch {
      invalid += 1;
      continue;
    }
    if (record.topic !== topic) continue;
    records += 1;
    const check = checkAggregateReport(record.value);
    if (check.ok) aggregator.add(check.report);
    else invalid += 1;
  }
  return { aggregator, records, invalid };
}
