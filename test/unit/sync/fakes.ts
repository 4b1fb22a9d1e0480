import type { AggregateReport } from '../../../src/core/ldp/index.js';
import { randomId } from '../../../src/core/random-id.js';
import type { OutboxCommit, OutboxState } from '../../../src/storage/idb-outbox.js';
import type { OutboxRecord } from '../../../src/storage/schema.js';
import type { SchedulerOutbox } from '../../../src/sync/sync-scheduler.js';

export function report(i = 0, period = '2026-11-26'): AggregateReport {
  return { v: 2, id: randomId(), period, kind: 'item', eps: 2, mech: 'olh', g: 8, seed: ((i * 2654435761) >>> 0) % 8192, y: i % 8 };
}

/** The outbox in memory, with the same contract as IdbOutbox. */
export class MemoryOutbox implements SchedulerOutbox {
  readonly records = new Map<string, OutboxRecord>();
  readonly sentIds: string[] = [];
  current: OutboxState = { budget: undefined, reportedThrough: undefined };

  constructor(reports: AggregateReport[] = []) {
    for (const r of reports) this.records.set(r.id, { id: r.id, period: r.period, attempts: 0, report: r });
  }

  async commit(build: (state: OutboxState) => OutboxCommit | null): Promise<OutboxCommit | null> {
    const commit = build(this.current);
    if (!commit) return null;
    for (const r of commit.records) this.records.set(r.id, r);
    this.current = { budget: commit.budget, reportedThrough: commit.reportedThrough };
    return commit;
  }
  async state(): Promise<OutboxState> {
    return this.current;
  }
  async pending(): Promise<OutboxRecord[]> {
    return [...this.records.values()];
  }
  async confirm(ids: readonly string[]): Promise<void> {
    for (const id of ids) if (this.records.delete(id)) this.sentIds.push(id);
  }
  async drop(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.records.delete(id);
  }
  async failed(ids: readonly string[]): Promise<void> {
    for (const id of new Set(ids)) {
      const r = this.records.get(id);
      if (r) this.records.set(id, { ...r, attempts: r.attempts + 1 });
    }
  }
  async clear(): Promise<void> {
    this.records.clear();
  }
}

export interface Call {
  url: string;
  init: RequestInit;
  ids: string[];
  bytes: number;
}

/** A fetch that records each request and answers from `reply` (a status, or a thrown network error). */
export function fakeFetch(reply: (call: Call, index: number) => number | Error | { status: number; headers: Record<string, string> }) {
  const calls: Call[] = [];
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const body = String(init.body);
    const parsed = JSON.parse(body) as { records: { value: AggregateReport }[] };
    const call = { url, init, ids: parsed.records.map((r) => r.value.id), bytes: Buffer.byteLength(body) };
    calls.push(call);
    const answer = reply(call, calls.length - 1);
    if (answer instanceof Error) throw answer;
    const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
    return new Response(status === 204 ? null : JSON.stringify({ error_code: status * 100 + 1, message: 'x' }), { status, headers });
  };
  return { calls, fetch };
}
