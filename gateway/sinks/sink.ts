import type { AggregateReport } from '../../src/core/ldp/aggregate-report.js';

/** Where accepted records go. `append` resolves once they are durable (acknowledged by all in-sync replicas, or written). */
export interface ReportSink {
  /** Whether the topic exists for this sink. */
  hasTopic(topic: string): Promise<boolean>;
  /** Appends the records in order and returns the partition and offset of each. */
  append(topic: string, records: readonly SinkRecord[]): Promise<RecordOffset[]>;
  close(): Promise<void>;
}

export interface SinkRecord {
  /** The site that sent it (its config id), never anything about the sender's network. */
  site: string;
  report: AggregateReport;
}

export interface RecordOffset {
  partition: number;
  offset: number;
}
