import { describe, expect, it } from 'vitest';
import type { EdgeRecoError } from '../../../src/core/errors.js';
import { batchReports, MAX_REQUEST_BYTES } from '../../../src/sync/report-batches.js';
import { KAFKA_JSON_V2, ReportSender } from '../../../src/sync/report-sender.js';
import { fakeFetch, MemoryOutbox, report, type Call } from './fakes.js';

function sender(outbox: MemoryOutbox, reply: Parameters<typeof fakeFetch>[0], online: () => boolean = () => true) {
  const { calls, fetch } = fakeFetch(reply);
  const errors: EdgeRecoError[] = [];
  const warnings: EdgeRecoError[] = [];
  const s = new ReportSender({ url: 'https://ingest.example/', key: 'pk_test_key', topic: 'edgereco-reports', outbox, fetch, isOnline: online, onError: (e) => errors.push(e), onWarning: (e) => warnings.push(e) });
  return { s, calls, errors, warnings };
}

describe('ReportSender', () => {
  it('posts a Kafka REST v2 body with the publishable key, and removes reports from the outbox only after a 2xx', async () => {
    const reports = Array.from({ length: 5 }, (_, i) => report(i));
    const outbox = new MemoryOutbox(reports);
    const { s, calls, errors } = sender(outbox, () => 200);
    expect(await s.flush()).toEqual({ sent: 5, dropped: 0, attempted: 5, outcome: 'done' });
    expect(calls).toHaveLength(1);
    const { url, init } = calls[0] as Call;
    expect(url).toBe('https://ingest.example/topics/edgereco-reports');
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({ 'Content-Type': KAFKA_JSON_V2, 'X-EdgeReco-Key': 'pk_test_key' });
    expect(init.credentials).toBe('omit');
    expect(JSON.parse(String(init.body))).toEqual({ records: reports.map((value) => ({ value })) });
    expect(outbox.records.size).toBe(0);
    expect(outbox.sentIds.sort()).toEqual(reports.map((r) => r.id).sort());
    expect(errors).toEqual([]);
  });

  it('batches under 64 KB per request (and 500 records), in order, losing none', async () => {
    const reports = Array.from({ length: 1800 }, (_, i) => report(i));
    const outbox = new MemoryOutbox(reports);
    const { s, calls } = sender(outbox, () => 200);
    expect((await s.flush()).sent).toBe(1800);
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const call of calls) {
      expect(call.bytes).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
      expect(call.ids.length).toBeLessThanOrEqual(500);
    }
    expect(calls.flatMap((c) => c.ids)).toEqual(reports.map((r) => r.id));
    // And the byte limit binds on its own: a 4 KB limit gives full 4 KB bodies.
    const { batches } = batchReports(reports.slice(0, 200), 4096);
    for (const b of batches) expect(Buffer.byteLength(b.body)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(batches[0]!.body)).toBeGreaterThan(4096 - 200);
    expect(batches.flatMap((b) => b.ids)).toEqual(reports.slice(0, 200).map((r) => r.id));
  });

  it('never retries a 4xx: drops that batch, emits SYNC_REJECTED, and goes on with the next batch', async () => {
    const reports = Array.from({ length: 1200 }, (_, i) => report(i));
    const outbox = new MemoryOutbox(reports);
    const { s, calls, errors } = sender(outbox, (_call, i) => (i === 0 ? 422 : 200));
    const result = await s.flush();
    expect(result.outcome).toBe('done');
    expect(result.dropped).toBe(calls[0]!.ids.length);
    expect(result.sent).toBe(1200 - calls[0]!.ids.length);
    expect(outbox.records.size).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'SYNC_REJECTED', retryable: false, details: { status: 422 } });
    expect(new Set(calls.flatMap((c) => c.ids)).size).toBe(calls.flatMap((c) => c.ids).length); // nothing sent twice
    for (const status of [400, 401, 403, 404, 413, 415]) {
      const again = new MemoryOutbox([report()]);
      const one = sender(again, () => status);
      expect((await one.s.flush()).dropped).toBe(1);
      expect(again.records.size).toBe(0);
    }
  });

  it('keeps the reports on a 5xx, 429 or network failure, counts the attempt, and ends the pass with Retry-After', async () => {
    for (const answer of [503, 500, new TypeError('Failed to fetch'), { status: 429, headers: { 'Retry-After': '7' } }, { status: 503, headers: { 'Retry-After': '5' } }]) {
      const reports = Array.from({ length: 900 }, (_, i) => report(i));
      const outbox = new MemoryOutbox(reports);
      const { s, calls, warnings, errors } = sender(outbox, () => answer);
      const result = await s.flush();
      expect(result.outcome).toBe('retry');
      expect(calls).toHaveLength(1); // the rest waits for the retry
      expect(outbox.records.size).toBe(900);
      expect(calls[0]!.ids.every((id) => outbox.records.get(id)!.attempts === 1)).toBe(true);
      expect(errors).toEqual([]);
      expect(warnings[0]).toMatchObject({ code: 'SYNC_FAILED', retryable: true });
      const retryAfter = typeof answer === 'object' && 'headers' in answer ? Number(answer.headers['Retry-After']) * 1000 : undefined;
      expect(result.retryAfterMs).toBe(retryAfter);
    }
  });

  it('sends nothing while offline, and stops between batches when the connection drops', async () => {
    const outbox = new MemoryOutbox(Array.from({ length: 1200 }, (_, i) => report(i)));
    const offline = sender(outbox, () => 200, () => false);
    expect(await offline.s.flush()).toEqual({ sent: 0, dropped: 0, attempted: 0, outcome: 'offline' });
    expect(offline.calls).toHaveLength(0);
    let online = true;
    const dropping = sender(outbox, () => ((online = false), 200), () => online);
    const result = await dropping.s.flush();
    expect(result.outcome).toBe('offline');
    expect(dropping.calls).toHaveLength(1);
    expect(outbox.records.size).toBe(1200 - dropping.calls[0]!.ids.length);
    // A fetch that fails because the network went away is a pause, not a warning.
    const down = new MemoryOutbox([report()]);
    let up = true;
    const lost = sender(down, () => ((up = false), new TypeError('Failed to fetch')), () => up);
    expect((await lost.s.flush()).outcome).toBe('offline');
    expect(lost.warnings).toEqual([]);
    expect(down.records.size).toBe(1);
  });
});
