import { canonicalReport, type AggregateReport } from '../../src/core/ldp/aggregate-report.js';
import { canonicalSecureReport, isSecureReport, type SecureReport } from '../../src/core/secure/report-schema.js';

/** What a sink stores: a privatized report, or a secure report on the secure topic. */
export type StoredReport = AggregateReport | SecureReport;

/** A stored report's id (a secure report's is its nonce): the record key, and what duplicates share. */
export function storedReportId(report: StoredReport): string {
  return isSecureReport(report) ? report.nonce : report.id;
}

/** A stored report with its fields in the wire format's order. */
export function canonicalStoredReport(report: StoredReport): StoredReport {
  return isSecureReport(report) ? canonicalSecureReport(report) : canonicalReport(report);
}

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
  /** A privatized report, or a secure report's shares (src/core/secure/report.ts) on the secure topic. */
  report: StoredReport;
}

export interface RecordOffset {
  partition: number;
  offset: number;
}
