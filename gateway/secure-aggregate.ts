import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Consumer } from '@platformatic/kafka';
import { forEachRecord, RecordFetcher } from './kafka-fetch.js';
import { open } from 'node:fs/promises';
import { createError, ERROR_CODES } from '../src/core/errors.js';
import { toBase64url, fromBase64url } from '../src/core/base64url.js';
import { decodeKeyConfigList, encodeKeyConfigList } from '../src/core/ohttp/key-config.js';
import { utcDay } from '../src/core/ldp/privacy-budget.js';
import { PRIORS_SECURE_VERSION, type PriorsBundle, type SecureSourceSummary } from '../src/core/priors.js';
import { interleave } from './priors-merge.js';
import { checkSecureReport, type SecureReport } from '../src/core/secure/report-schema.js';
import type { GatewayConfig } from './config.js';
import { gaussianSigma } from './discrete-gaussian.js';
import { loadOhttpKey } from './ohttp-key.js';
import { SecureAggregator, SecureLeader } from './secure-aggregation.js';

/**
 * The leader's run of the secure mode, inside `edgereco-gateway aggregate` (config `aggregate.secure`): reads the
 * secure reports the gateway appended since the last run, aggregates them with the helper in jobs named by their
 * offsets (so a run that fails part-way is run again without counting anything twice), collects each period once the
 * reports for it can no longer arrive (`collectAfterDays`), and publishes the items whose noisy sum over the recent
 * collected periods clears the publication threshold, labelled `secure-aggregation`. It also writes the task file a
 * store serves to browsers (`taskOut`): the task id, the domain's item ids in vector order, the items per report and
 * both aggregators' public keys.
 */
export interface SecureAggregateConfig {
  /** The task's domain: a JSON array of item ids, in the vector's order; fixed for the task (a new domain, a new task id). */
  items: string;
  /** Items one report may hold (the SDK sends the shopper's latest distinct items of the day, up to this). Default 8. */
  maxItems?: number;
  /** The central ε and δ per shopper and period this aggregator's noise gives on its own. Defaults 2 and 10⁻⁶. */
  epsilon?: number;
  delta?: number;
  /** The helper's base URL, e.g. `https://helper.partner.example`. */
  helperUrl: string;
  /** The environment variable holding the bearer secret agreed with the helper. */
  helperTokenEnv: string;
  /** The environment variable holding Prio3's verification key (16 bytes, base64url), shared with the helper only. */
  verifyKeyEnv: string;
  /** The leader's HPKE key, created (0600) when missing. Default `data/secure-leader-key.json`. */
  keyFile?: string;
  /** The leader's state. Default `data/secure-leader-state.json`. */
  stateFile?: string;
  /** The task file for browsers. Default `secure-task.json`. */
  taskOut?: string;
  /**
   * Where browsers fetch the task file (absolute, or relative to the priors bundle's URL), written in the bundle
   * (`secureTask.url`): browsers with sync on then send their secure reports. Default: not written (none sent).
   */
  taskUrl?: string;
  /** A period is collected this many days after it (reports leave a browser up to a day late). Default 2. */
  collectAfterDays?: number;
  /** Collected periods summed into the published list. Default 7. */
  windowDays?: number;
  /** Reports per job. Default 50 (a job holds its reports and their output shares: 333 MB peak for 40 reports over 23,715 items, leader and helper in one process; bench/secure-leader.ts). */
  batch?: number;
}

/** The task file a store serves to browsers (`SecureTask` with the domain's ids and the upload topic). */
export interface SecureTaskFile {
  format: 'edgereco-secure-task';
  version: 1;
  taskId: string;
  topic: string;
  items: string[];
  maxItems: number;
  /** The aggregators' key configurations (`application/ohttp-keys`, base64url). */
  leaderKeys: string;
  helperKeys: string;
}

export interface SecureRun {
  /** Reports read this run, counted, refused (by reason). */
  read: number;
  accepted: number;
  refused: Record<string, number>;
  /** Periods collected this run. */
  collected: string[];
  /** What the published list was made from. */
  summary: SecureSourceSummary;
  items: { itemId: string; count: number }[];
  /** Where browsers fetch the task (the config's `taskUrl`), for the bundle. */
  taskUrl?: string;
}

const DAY_MS = 86_400_000;

const fail = (requirement: string, fix: string) => createError(ERROR_CODES.INVALID_OPTION, { field: 'config.aggregate.secure', requirement, fix });

/** Checks `aggregate.secure` (and that the gateway takes secure reports). */
export function checkSecureAggregateConfig(secure: SecureAggregateConfig, config: GatewayConfig): void {
  if (!config.secure) throw fail('needs the gateway\'s "secure" section (its topic and task id)', 'add "secure": { "topic": "edgereco-secure", "taskId": "…" } at the top of site.json');
  for (const field of ['items', 'helperUrl', 'helperTokenEnv', 'verifyKeyEnv'] as const) if (typeof secure[field] !== 'string' || secure[field] === '') throw fail(`"${field}" must be a non-empty string`, 'see docs/privacy.md');
  if (secure.taskUrl !== undefined && (typeof secure.taskUrl !== 'string' || secure.taskUrl === '')) throw fail('"taskUrl" must be a URL (absolute, or relative to the priors bundle\'s)', 'where your site serves the file taskOut names');
  if (secure.maxItems !== undefined && !(Number.isInteger(secure.maxItems) && secure.maxItems >= 1 && secure.maxItems <= 64)) throw fail('"maxItems" must be an integer from 1 to 64 (default 8)', 'the items one report may hold');
  if (secure.epsilon !== undefined && !(secure.epsilon > 0 && secure.epsilon <= 10)) throw fail('"epsilon" must be in (0, 10] (default 2)', 'the central ε per shopper and period');
  if (secure.delta !== undefined && !(secure.delta > 0 && secure.delta < 1e-3)) throw fail('"delta" must be in (0, 0.001) (default 1e-6)', 'e.g. 1e-6');
}

/**
 * The secure records of `topic` in the file sink, streamed from byte `position` (where the last run's committed jobs
 * ended), those at offset `from` or later, in batches of `size`, each with the byte position after its last line. A
 * last line without its newline is being written: left for later. (A day of a Games-sized store is ~16 GB of
 * reports: nothing reads the file whole.)
 */
async function* fileBatches(path: string, topic: string, position: number, from: number, size: number): AsyncGenerator<{ records: { offset: number; report: SecureReport | null }[]; end: number }> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return;
  const length = (await handle.stat()).size;
  await handle.close();
  let at = position > length ? 0 : position; // a new file: from its start (offsets still decide)
  if (at >= length) return;
  let records: { offset: number; report: SecureReport | null }[] = [];
  let carry = '';
  const marker = `"topic":${JSON.stringify(topic)}`;
  for await (const chunk of createReadStream(path, { start: at, end: length - 1, encoding: 'utf8' })) {
    const text = carry + (chunk as string);
    const lines = text.split('\n');
    carry = lines.pop()!;
    for (const line of lines) {
      at += Buffer.byteLength(line) + 1;
      if (!line.includes(marker)) continue;
      let record: { topic?: unknown; offset?: unknown; value?: unknown };
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        continue;
      }
      if (record.topic !== topic || typeof record.offset !== 'number' || record.offset < from) continue;
      const check = checkSecureReport(record.value);
      records.push({ offset: record.offset, report: check.ok ? check.report : null });
      if (records.length === size) {
        yield { records, end: at };
        records = [];
      }
    }
  }
  if (records.length > 0) yield { records, end: at };
}

/**
 * The secure records of `topic` in Kafka, partition by partition from each partition's `from` offset to the end the
 * topic had when the run started, in batches of `size` (the fetches are capped at 32 MiB, a few dozen Games-sized
 * reports each), with the partition of each batch.
 */
async function* kafkaBatches(bootstrap: string[], topic: string, from: (partition: number) => number, size: number): AsyncGenerator<{ partition: number; records: { offset: number; report: SecureReport | null }[] }> {
  const consumer = new Consumer({ groupId: `edgereco-secure-${randomUUID()}`, clientId: 'edgereco-secure-leader', bootstrapBrokers: bootstrap, autocommit: false });
  try {
    const metadata = await consumer.metadata({ topics: [topic] });
    const info = metadata.topics.get(topic);
    if (!info) throw new Error(`edgereco aggregator: the secure topic ${topic} does not exist on the broker`);
    const ends = ((await consumer.listOffsets({ topics: [topic] })).get(topic) ?? []).map(Number);
    const starts = ((await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic) ?? []).map(Number);
    const fetcher = new RecordFetcher(`edgereco-secure-fetch-${randomUUID().slice(0, 8)}`, metadata.brokers);
    try {
      for (const [partition, p] of info.partitions.entries()) {
        let offset = Math.max(from(partition), starts[partition] ?? 0);
        const records: { offset: number; report: SecureReport | null }[] = [];
        while (offset < ends[partition]!) {
          const [data] = await fetcher.fetch(p.leader, topic, [{ partition, offset }], { maxBytes: 32 << 20, partitionMaxBytes: 32 << 20, maxWaitMs: 200 });
          if (!data || data.errorCode !== 0 || !data.records) throw new Error(`edgereco aggregator: fetching ${topic} partition ${partition} at ${offset} failed (Kafka error ${data?.errorCode})`);
          const next = forEachRecord(data.records, offset, ends[partition]!, (at, bytes, start, end) => {
            let report: SecureReport | null = null;
            try {
              const check = checkSecureReport((JSON.parse(bytes.toString('utf8', start, end)) as { report?: unknown }).report);
              if (check.ok) report = check.report;
            } catch {
              // not JSON: malformed
            }
            records.push({ offset: at, report });
          });
          if (next <= offset) throw new Error(`edgereco aggregator: a record of ${topic} partition ${partition} at ${offset} is larger than one fetch (32 MiB)`);
          offset = next;
          while (records.length >= size) yield { partition, records: records.splice(0, size) };
        }
        if (records.length > 0) yield { partition, records };
      }
    } finally {
      await fetcher.close();
    }
  } finally {
    await consumer.close();
  }
}

/** Runs the leader once (file sink or Kafka); returns what it did and the list to publish. */
export async function runSecureAggregation(config: GatewayConfig, secure: SecureAggregateConfig, nowMs: number, env: NodeJS.ProcessEnv = process.env): Promise<SecureRun> {
  checkSecureAggregateConfig(secure, config);
  const token = env[secure.helperTokenEnv];
  const verifyKey = env[secure.verifyKeyEnv];
  if (!token || token.length < 16) throw fail(`the environment variable ${secure.helperTokenEnv} must hold the helper's bearer secret (16 characters or more)`, `export ${secure.helperTokenEnv}=…`);
  if (!verifyKey || fromBase64url(verifyKey).length !== 16) throw fail(`the environment variable ${secure.verifyKeyEnv} must hold Prio3's verification key, 16 bytes in base64url`, `export ${secure.verifyKeyEnv}=… (the same value the helper has)`);
  const items = JSON.parse(readFileSync(secure.items, 'utf8')) as unknown;
  if (!Array.isArray(items) || items.length === 0 || items.some((i) => typeof i !== 'string')) throw fail(`${secure.items} must be a JSON array of item ids`, 'the task\'s domain, in vector order');
  const domain = items as string[];
  const maxItems = secure.maxItems ?? 8;
  const epsilon = secure.epsilon ?? 2;
  const delta = secure.delta ?? 1e-6;
  const sigma = gaussianSigma(Math.sqrt(2 * maxItems), epsilon, delta);
  const key = await loadOhttpKey(secure.keyFile ?? 'data/secure-leader-key.json');
  const taskId = config.secure!.taskId;
  const leaderState = secure.stateFile ?? 'data/secure-leader-state.json';
  const aggregator = new SecureAggregator(0, { taskId, length: domain.length, key, verifyKey, sigma, stateFile: leaderState });
  const helperUrl = secure.helperUrl.endsWith('/') ? secure.helperUrl : `${secure.helperUrl}/`;
  const leader = new SecureLeader(aggregator, helperUrl, token);

  // The task browsers fetch, with the helper's current key.
  const helperKeys = new Uint8Array(await (await fetch(new URL('secure/v1/key', helperUrl))).arrayBuffer());
  if (decodeKeyConfigList(helperKeys).length === 0) throw fail(`the helper at ${helperUrl} serves no key at /secure/v1/key`, 'start the helper (edgereco-gateway helper)');
  const task: SecureTaskFile = { format: 'edgereco-secure-task', version: 1, taskId, topic: config.secure!.topic, items: domain, maxItems, leaderKeys: toBase64url(encodeKeyConfigList([key.config])), helperKeys: toBase64url(helperKeys) };
  const taskOut = secure.taskOut ?? 'secure-task.json';
  writeFileSync(`${taskOut}.tmp`, `${JSON.stringify(task)}\n`);
  renameSync(`${taskOut}.tmp`, taskOut);

  // New records: after the last offset of the jobs committed before, per partition (job ids say which offsets they
  // hold: `file:a-b/…` for the file sink, `k<partition>:a-b/…` for Kafka).
  const after = new Map<string, number>();
  for (const id of aggregator.committedJobIds()) {
    const m = /^(file|k\d+):(\d+)-(\d+)\//.exec(id);
    if (m) after.set(m[1]!, Math.max(after.get(m[1]!) ?? 0, Number(m[3]) + 1));
  }
  const refused: Record<string, number> = {};
  let accepted = 0;
  let read = 0;
  const run = async (records: { offset: number; report: SecureReport | null }[], job: string) => {
    read += records.length;
    const valid = records.map((r) => r.report).filter((r): r is SecureReport => r !== null);
    if (valid.length < records.length) refused.malformed = (refused.malformed ?? 0) + records.length - valid.length;
    const result = await leader.aggregate(valid, `${job}:${records[0]!.offset}-${records.at(-1)!.offset}`);
    accepted += result.accepted;
    for (const r of result.refused) refused[r.reason] = (refused[r.reason] ?? 0) + 1;
  };
  if (config.sink.kind === 'kafka') {
    for await (const part of kafkaBatches(config.sink.bootstrap, config.secure!.topic, (p) => after.get(`k${p}`) ?? 0, secure.batch ?? 50)) await run(part.records, `k${part.partition}`);
  } else {
    // The file is read from the byte position saved after the last run's jobs (`<stateFile>.position`: only a
    // shortcut, the offsets decide).
    const from = after.get('file') ?? 0;
    const positionFile = `${leaderState}.position`;
    const saved = existsSync(positionFile) ? (JSON.parse(readFileSync(positionFile, 'utf8')) as { position: number; from: number }) : null;
    const position = saved && saved.from <= from ? saved.position : 0;
    for await (const part of fileBatches(config.sink.path, config.secure!.topic, position, from, secure.batch ?? 50)) {
      await run(part.records, 'file');
      writeFileSync(`${positionFile}.tmp`, JSON.stringify({ position: part.end, from: part.records.at(-1)!.offset + 1 }));
      renameSync(`${positionFile}.tmp`, positionFile);
    }
  }

  // Collect every period old enough, then sum the window's collected periods (collecting again returns the same sums).
  const last = utcDay(nowMs - (secure.collectAfterDays ?? 2) * DAY_MS);
  const first = utcDay(nowMs - ((secure.collectAfterDays ?? 2) + (secure.windowDays ?? 7) - 1) * DAY_MS);
  const collected: string[] = [];
  const totals = new Float64Array(domain.length);
  let reports = 0;
  let periods = 0;
  let variance = 0;
  let spanFrom: string | null = null;
  let spanTo: string | null = null;
  for (const p of aggregator.knownPeriods()) {
    if (p.period > last) continue; // reports for it may still arrive
    const inWindow = p.period >= first;
    if (!inWindow && p.collected) continue; // old and closed
    if (!p.collected) collected.push(p.period);
    const sums = await leader.collect(p.period); // closes it the first time
    if (!inWindow) continue;
    sums.sums.forEach((s, i) => (totals[i]! += s));
    reports += sums.reports;
    periods++;
    variance += sums.sigma.total ** 2;
    spanFrom ??= p.period;
    spanTo = p.period;
  }
  // Publication: Bonferroni over the domain with the Gaussian tail (σ of the window's sum), as bench/privacy-modes.ts.
  const minCount = config.aggregate?.minCount ?? 20;
  const alpha = config.aggregate?.alpha ?? 0.01;
  const windowSigma = Math.sqrt(variance);
  const threshold = periods === 0 ? Infinity : minCount + windowSigma * Math.sqrt(2 * Math.log(domain.length / alpha));
  const published = domain.map((itemId, i) => ({ itemId, count: Math.round(totals[i]!) })).filter((e, i) => totals[i]! >= threshold).sort((a, b) => b.count - a.count || (a.itemId < b.itemId ? -1 : 1));
  const summary: SecureSourceSummary = {
    taskId,
    periods: spanFrom && spanTo ? { from: spanFrom, to: spanTo } : null,
    reports,
    maxItems,
    centralEpsilon: epsilon,
    delta,
    sigmaPerAggregator: sigma,
    threshold: Number.isFinite(threshold) ? Math.round(threshold * 10) / 10 : null,
    alpha,
    minCount,
    mustNotCollude: ['leader', 'helper'],
  };
  return { read, accepted, refused, collected, summary, items: published, ...(secure.taskUrl ? { taskUrl: secure.taskUrl } : {}) };
}

/**
 * The bundle with the secure mode's items beside the other entries, labelled `secure-aggregation` and ordered as the
 * sources are merged (each entry by its place within its own source), and what they came from (`sources.secure`).
 */
export function mergeSecurePriors(bundle: PriorsBundle, run: SecureRun): PriorsBundle {
  const items = [...bundle.items, ...run.items.map((i) => ({ ...i, source: 'secure-aggregation' as const }))];
  return { ...bundle, version: PRIORS_SECURE_VERSION, sources: { ...bundle.sources, secure: run.summary }, items: interleave(items, (e) => e.itemId), ...(run.taskUrl ? { secureTask: { url: run.taskUrl } } : {}) };
}
