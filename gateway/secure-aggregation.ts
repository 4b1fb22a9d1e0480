import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Buffer } from 'node:buffer';
import { fromBase64url, toBase64url } from '../src/core/base64url.js';
import { ohttpSuite } from '../src/core/ohttp/encapsulation.js';
import { secureVdaf, shareAad, shareInfo, type SealedShare, type SecureReport } from '../src/core/secure/report.js';
import { discreteGaussian, varianceFraction } from './discrete-gaussian.js';

/**
 * The two aggregators of the secure mode (issue 16): the leader receives the browsers' reports (src/core/secure/report.ts)
 * and the helper, run by another party, prepares its share of each with it. Modelled on the IETF Distributed
 * Aggregation Protocol (draft-ietf-ppm-dap) for a one-round VDAF, simplified to what one store needs and stated here:
 *
 * - **prepare** (leader → helper, `POST /secure/v1/prepare`): a job, a batch of one period's reports the leader names
 *   (a Kafka partition and offset range), in which the leader sends each report's nonce, public share, the helper's
 *   sealed share and the leader's own preparation share; the helper opens its share, prepares it (Prio3's
 *   `prepareInit`), combines both preparation shares (Prio3 verifies the proof that every entry is 0 or 1 here: a
 *   report that fails is refused) and answers the preparation message, keeping its output share with the job; the
 *   leader finishes its side with the message.
 * - **commit** (`POST /secure/v1/commit`): the job's nonces the leader accepted too; the helper adds exactly those
 *   output shares to its aggregate share of the period, saves, and answers its totals: a count and a checksum (XOR of
 *   SHA-256 of the nonces, as DAP), which the leader compares with its own after committing: a divergence stops the
 *   aggregation. Jobs are idempotent (a retried job gets the helper's first answer; a committed job counts once), so
 *   a lost answer or a leader restarted from its last saved state runs the job again and nothing counts twice.
 * - **collect** (`POST /secure/v1/collect`): closes the period on the helper, which adds its own discrete Gaussian
 *   noise to its aggregate share once (drawn at closing, saved: asking again returns the same share, so noise cannot
 *   be averaged away) and answers it; the leader adds its own and sums. Each aggregator's noise alone gives the
 *   central (ε, δ), so neither, knowing its own noise, learns more than that from the published sum; the sum carries
 *   both. A closed period accepts no more reports.
 *
 * A replayed nonce is refused by both. Requests between the two carry a shared bearer secret. The cryptography is
 * the libraries' (`@divviup/prio3`, `@hpke/core`); this file decodes the bytes Prio3 encodes (the library has
 * encoders only) and keeps the states.
 */

type Vdaf = ReturnType<typeof secureVdaf>;
/** A field element vector, as `@divviup/field` keeps it. */
type Vector = bigint[];

/** Why a report was not counted (`reason` says it in words a store's engineer can act on). */
export interface Refusal {
  nonce: string;
  reason: 'replayed' | 'undecryptable' | 'malformed' | 'invalid' | 'closed' | 'wrong-task';
  detail: string;
}

/** What one aggregator knows of one task: its id and domain, its HPKE key, the verification key both share, its noise. */
export interface AggregatorOptions {
  taskId: string;
  length: number;
  /** The aggregator's HPKE private key and its key id (the public half is in the task's `leaderKey` / `helperKey`). */
  key: { keyId: number; privateKey: CryptoKey };
  /** Prio3's verification key, shared by the two aggregators only (16 bytes, base64url). */
  verifyKey: string;
  /** The discrete Gaussian noise's σ this aggregator adds to each entry of its share at collection. */
  sigma: number;
  /**
   * Where the aggregator keeps its periods' shares, totals, decided nonces, collected noisy shares and committed jobs
   * (JSON, mode 0600, replaced atomically after every commit and collection); none: in memory only (tests, benches).
   */
  stateFile?: string;
}

interface PeriodState {
  share: Vector;
  count: number;
  checksum: Uint8Array;
  /** Every nonce decided (counted or refused) by a committed job of this period: a nonce counts once. */
  seen: Set<string>;
  /** The noisy share, once collected (the period is then closed). */
  collected?: Vector;
}

/** A batch of reports in preparation: its output shares wait for the commit (in memory: a crash forgets it). */
interface JobState {
  period: string;
  /** The job's nonces, in order, as first prepared: the same job id with other reports is refused. */
  nonces: string[];
  /** The nonces prepared so far (a second report with one of them is a replay). */
  started: Set<string>;
  /** Finished output shares, by nonce. */
  finished: Map<string, Vector>;
  /** The helper's answer to the leader, kept so that a retried job gets the same answer. */
  results?: PrepareResult[];
}

/** What a committed job left: its answer (helper) and the totals after it. */
interface CommittedJob {
  period: string;
  nonces: string[];
  results?: PrepareResult[];
}

/** The helper's answer for one report of a job. */
type PrepareResult = { nonce: string; prepMessage: string } | { nonce: string; refused: Refusal['reason']; detail: string };

/** An aggregator's durable state (`stateFile`): written after every commit and collection, atomically. */
interface StateFile {
  format: 'edgereco-secure-aggregator';
  version: 1;
  taskId: string;
  role: 0 | 1;
  periods: Record<string, { share: string; count: number; checksum: string; seen: string[]; collected?: string }>;
  jobs: Record<string, CommittedJob>;
}

/** The totals both aggregators must agree on for a period. */
export interface PeriodTotals {
  count: number;
  checksum: string;
}

class RefusedError extends Error {
  constructor(
    readonly reason: Refusal['reason'],
    detail: string,
  ) {
    super(detail);
  }
}


/** The field of the VDAF's vectors (Field128 for Prio3SumVec), as `@divviup/field` exposes it. */
interface Field {
  modulus: bigint;
  encodedSize: number;
  encode(values: readonly bigint[]): Uint8Array;
  decode(bytes: Uint8Array): Vector;
  vecAdd(a: readonly bigint[], b: readonly bigint[]): Vector;
}

/**
 * Internal to `@divviup/prio3` 0.8.0 (its field, typed private, and its expansion of a helper's seeds); pinned by
 * the exact version in package.json and tested (test/unit/gateway/secure-aggregation.test.ts).
 */
interface Prio3Internals {
  field: Field;
  pseudorandom(len: number, usage: number, seed: Buffer, binder: Buffer | number): Promise<Vector>;
  flp: { measurementLen: number; proofLen: number; verifierLen: number };
  proofs: number;
  xof: { seedSize: number };
}
const USAGE_MEASUREMENT_SHARE = 1;
const USAGE_PROOF_SHARE = 2;

/** The VDAF's field. */
export function fieldOf(vdaf: Vdaf): Field {
  return (vdaf as unknown as Prio3Internals).field;
}

function decodeVector(vdaf: Vdaf, bytes: Uint8Array, length: number, what: string): Vector {
  const size = fieldOf(vdaf).encodedSize;
  if (bytes.length !== length * size) throw new RefusedError('malformed', `${what} has ${bytes.length} bytes, expected ${length * size}`);
  return fieldOf(vdaf).decode(Buffer.from(bytes));
}

/** An input share from its encoding (Prio3's `encodeInputShare`): the leader's vectors, or the helper's seeds expanded. */
async function decodeInputShare(vdaf: Vdaf, role: 0 | 1, bytes: Uint8Array) {
  const p = vdaf as unknown as Prio3Internals;
  const seed = p.xof.seedSize;
  const size = fieldOf(vdaf).encodedSize;
  const { measurementLen, proofLen } = p.flp;
  if (role === 0) {
    const m = measurementLen * size;
    const proof = proofLen * p.proofs * size;
    if (bytes.length !== m + proof + seed) throw new RefusedError('malformed', `the leader's share has ${bytes.length} bytes, expected ${m + proof + seed}`);
    return {
      measurementShare: decodeVector(vdaf, bytes.subarray(0, m), measurementLen, "the leader's measurement share"),
      proofsShare: decodeVector(vdaf, bytes.subarray(m, m + proof), proofLen * p.proofs, "the leader's proof share"),
      blind: Buffer.from(bytes.subarray(m + proof)),
    };
  }
  if (bytes.length !== 3 * seed) throw new RefusedError('malformed', `the helper's share has ${bytes.length} bytes, expected ${3 * seed}`);
  const [m, proof, blind] = [0, 1, 2].map((i) => Buffer.from(bytes.subarray(i * seed, (i + 1) * seed))) as [Buffer, Buffer, Buffer];
  return {
    measurementShare: await p.pseudorandom(measurementLen, USAGE_MEASUREMENT_SHARE, m, Buffer.of(1)),
    proofsShare: await p.pseudorandom(proofLen * p.proofs, USAGE_PROOF_SHARE, proof, Buffer.from([p.proofs, 1])),
    blind,
  };
}

function decodePublicShare(vdaf: Vdaf, bytes: Uint8Array) {
  const seed = (vdaf as unknown as Prio3Internals).xof.seedSize;
  if (bytes.length !== 2 * seed) throw new RefusedError('malformed', `the public share has ${bytes.length} bytes, expected ${2 * seed}`);
  return { jointRandParts: [Buffer.from(bytes.subarray(0, seed)), Buffer.from(bytes.subarray(seed))] };
}

function decodePreparationShare(vdaf: Vdaf, bytes: Uint8Array) {
  const p = vdaf as unknown as Prio3Internals;
  const n = p.flp.verifierLen * p.proofs * fieldOf(vdaf).encodedSize;
  if (bytes.length !== n + p.xof.seedSize) throw new RefusedError('malformed', `the preparation share has ${bytes.length} bytes, expected ${n + p.xof.seedSize}`);
  return { verifiersShare: decodeVector(vdaf, bytes.subarray(0, n), p.flp.verifierLen * p.proofs, 'the preparation share'), jointRandomnessPart: Buffer.from(bytes.subarray(n)) };
}

const b64 = (text: string, what: string): Uint8Array => {
  if (typeof text !== 'string') throw new RefusedError('malformed', `${what} is missing`);
  try {
    return fromBase64url(text);
  } catch {
    throw new RefusedError('malformed', `${what} is not base64url`);
  }
};

/**
 * One aggregator's side of a task: opens and prepares its shares in jobs (batches the leader names), adds a job's
 * output shares to the period's aggregate share when the job is committed, and closes a period with its noise.
 * A job is idempotent: committing it again changes nothing, and the helper answers a retried job as the first time,
 * so a leader that lost the helper's answer (a dropped connection, its own crash before it saved its state) runs the
 * same job again and both count each report once.
 */
export class SecureAggregator {
  readonly vdaf: Vdaf;
  private readonly verifyKey: Buffer;
  private readonly periods = new Map<string, PeriodState>();
  private readonly jobs = new Map<string, JobState>();
  private readonly committed = new Map<string, CommittedJob>();

  constructor(
    readonly role: 0 | 1,
    readonly options: AggregatorOptions,
  ) {
    this.vdaf = secureVdaf(options.length);
    this.verifyKey = Buffer.from(fromBase64url(options.verifyKey));
    if (this.verifyKey.length !== this.vdaf.verifyKeySize) throw new RangeError(`edgereco gateway: the secure task's verifyKey must be ${this.vdaf.verifyKeySize} bytes (base64url); got ${this.verifyKey.length}`);
    varianceFraction(options.sigma); // refuses a σ that is not a positive number, at start
    if (options.stateFile && existsSync(options.stateFile)) this.restore(JSON.parse(readFileSync(options.stateFile, 'utf8')) as StateFile);
  }

  private restore(file: StateFile): void {
    if (file.format !== 'edgereco-secure-aggregator' || file.version !== 1) throw new Error(`edgereco gateway: ${this.options.stateFile} is not a secure aggregator state file (version 1)`);
    if (file.taskId !== this.options.taskId || file.role !== this.role) throw new Error(`edgereco gateway: ${this.options.stateFile} belongs to task ${file.taskId} as ${file.role === 0 ? 'leader' : 'helper'}, not this one; give each task and role its own file`);
    for (const [period, p] of Object.entries(file.periods)) {
      this.periods.set(period, { share: this.decodeShare(p.share), count: p.count, checksum: fromBase64url(p.checksum), seen: new Set(p.seen), ...(p.collected ? { collected: this.decodeShare(p.collected) } : {}) });
    }
    for (const [id, job] of Object.entries(file.jobs)) this.committed.set(id, job);
  }

  private save(): void {
    const file = this.options.stateFile;
    if (!file) return;
    const out: StateFile = { format: 'edgereco-secure-aggregator', version: 1, taskId: this.options.taskId, role: this.role, periods: {}, jobs: Object.fromEntries(this.committed) };
    for (const [period, p] of this.periods) {
      out.periods[period] = { share: this.encodeShare(p.share), count: p.count, checksum: toBase64url(p.checksum), seen: [...p.seen], ...(p.collected ? { collected: this.encodeShare(p.collected) } : {}) };
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(out), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  private period(period: string): PeriodState {
    let state = this.periods.get(period);
    if (!state) {
      state = { share: new Array<bigint>(this.options.length).fill(0n), count: 0, checksum: new Uint8Array(32), seen: new Set() };
      this.periods.set(period, state);
    }
    return state;
  }

  /** The periods this aggregator holds reports of, and whether each was collected (closed). */
  knownPeriods(): { period: string; reports: number; collected: boolean }[] {
    return [...this.periods].map(([period, p]) => ({ period, reports: p.count, collected: p.collected !== undefined })).sort((a, b) => (a.period < b.period ? -1 : 1));
  }

  /** The ids of the committed jobs. */
  committedJobIds(): string[] {
    return [...this.committed.keys()];
  }

  /** The committed job `id` (its period, nonces and, on the helper, its answer), or undefined. */
  committedJob(id: string): CommittedJob | undefined {
    return this.committed.get(id);
  }

  /**
   * Starts job `id` over `nonces` of `period` (a retry of an uncommitted job starts afresh). Refuses a job id already
   * used for other reports, and a closed period.
   */
  startJob(id: string, period: string, nonces: readonly string[]): void {
    const done = this.committed.get(id);
    if (done && (done.period !== period || done.nonces.join() !== nonces.join())) throw new RefusedError('wrong-task', `the job ${id} was committed with other reports`);
    if (this.period(period).collected) throw new RefusedError('closed', `the period ${period} was collected; it takes no more reports`);
    this.jobs.set(id, { period, nonces: [...nonces], started: new Set(), finished: new Map() });
  }

  private job(id: string): JobState {
    const job = this.jobs.get(id);
    if (!job) throw new RefusedError('wrong-task', `no job ${id} is being prepared`);
    return job;
  }

  /**
   * Opens this aggregator's share of a report of job `id` and prepares it: the preparation share to exchange and the
   * state to finish with. Refuses (RefusedError) a nonce decided before or twice in the job, a share that does not
   * open or decode.
   */
  async prepare(id: string, nonce: string, publicShare: string, sealed: SealedShare): Promise<{ prepShare: ReturnType<Vdaf['encodePreparationShare']>; share: { verifiersShare: Vector; jointRandomnessPart: Buffer }; state: { correctedJointRandSeed: Buffer; outputShare: Vector } }> {
    const job = this.job(id);
    const period = job.period;
    if (this.period(period).seen.has(nonce) || job.started.has(nonce)) throw new RefusedError('replayed', `the report ${nonce} was already sent for ${period}`);
    job.started.add(nonce);
    const nonceBytes = b64(nonce, 'nonce');
    if (nonceBytes.length !== this.vdaf.nonceSize) throw new RefusedError('malformed', `the nonce has ${nonceBytes.length} bytes, expected ${this.vdaf.nonceSize}`);
    const pub = b64(publicShare, 'publicShare');
    if (!sealed || sealed.keyId !== this.options.key.keyId) throw new RefusedError('undecryptable', `the share is sealed to key id ${sealed?.keyId}, not this aggregator's ${this.options.key.keyId}`);
    let plain: Uint8Array;
    try {
      const suite = ohttpSuite();
      const recipient = await suite.createRecipientContext({ recipientKey: this.options.key.privateKey, enc: b64(sealed.enc, 'enc') as Uint8Array<ArrayBuffer>, info: shareInfo(this.role) });
      plain = new Uint8Array(await recipient.open(b64(sealed.ct, 'ct') as Uint8Array<ArrayBuffer>, shareAad(this.options.taskId, period, nonceBytes, pub)));
    } catch {
      throw new RefusedError('undecryptable', 'the share does not open with this aggregator\'s key for this task, period, nonce and public share');
    }
    const input = await decodeInputShare(this.vdaf, this.role, plain);
    const init = await this.vdaf.prepareInit(this.verifyKey, this.role, null, Buffer.from(nonceBytes), decodePublicShare(this.vdaf, pub), input as never);
    return { prepShare: this.vdaf.encodePreparationShare(init.preparationShare), share: init.preparationShare as never, state: init.preparationState as never };
  }

  /** Combines both preparation shares (Prio3 verifies the report's proof: RefusedError 'invalid' if it fails). */
  async combine(shares: { verifiersShare: Vector; jointRandomnessPart: Buffer }[]): Promise<Buffer> {
    try {
      const message = await this.vdaf.unshardPreparationShares(null, shares as never);
      return this.vdaf.encodePreparationMessage(message);
    } catch (error) {
      throw new RefusedError('invalid', `the report's proof does not verify (${String((error as Error).message ?? error)}): an entry is not 0 or 1, or the shares do not fit together`);
    }
  }

  /** Finishes a prepared report of job `id` with the preparation message; its output share waits for {@link commit}. */
  finish(id: string, nonce: string, state: { correctedJointRandSeed: Buffer; outputShare: Vector }, message: Uint8Array): void {
    try {
      const { outputShare } = this.vdaf.prepareNext(state as never, { jointRand: Buffer.from(message) } as never) as { outputShare: Vector };
      this.job(id).finished.set(nonce, outputShare);
    } catch (error) {
      if (error instanceof RefusedError) throw error;
      throw new RefusedError('invalid', "the preparation message does not match this aggregator's share: the report's shares do not fit together");
    }
  }

  /** Keeps the helper's answer to job `id`, so that a retry gets it again. */
  answer(id: string, results: PrepareResult[]): void {
    this.job(id).results = results;
  }

  /**
   * Commits job `id`: the finished output shares of `accepted` join the period's aggregate share, and every nonce of
   * the job counts as decided. Committing a committed job again changes nothing. Saved before it answers.
   */
  commit(id: string, accepted: readonly string[]): PeriodTotals {
    const done = this.committed.get(id);
    if (done) return this.totals(done.period);
    const job = this.job(id);
    const state = this.period(job.period);
    if (state.collected) throw new RefusedError('closed', `the period ${job.period} was collected`);
    const field = fieldOf(this.vdaf);
    for (const nonce of new Set(accepted)) {
      const out = job.finished.get(nonce);
      if (!out) continue;
      state.share = field.vecAdd(state.share, out);
      state.count++;
      const digest = createHash('sha256').update(fromBase64url(nonce)).digest();
      for (let i = 0; i < 32; i++) state.checksum[i]! ^= digest[i]!;
    }
    for (const nonce of job.nonces) state.seen.add(nonce);
    this.committed.set(id, { period: job.period, nonces: job.nonces, ...(job.results ? { results: job.results } : {}) });
    this.jobs.delete(id);
    this.save();
    return this.totals(job.period);
  }

  totals(period: string): PeriodTotals {
    const state = this.period(period);
    return { count: state.count, checksum: toBase64url(state.checksum) };
  }

  /** Closes the period and answers its aggregate share with this aggregator's noise (drawn once, saved, then kept). */
  collect(period: string): { share: Vector; totals: PeriodTotals } {
    const state = this.period(period);
    if (!state.collected) {
      const { num, den } = varianceFraction(this.options.sigma);
      const p = fieldOf(this.vdaf).modulus;
      state.collected = state.share.map((x) => (((x + discreteGaussian(num, den)) % p) + p) % p);
      for (const [id, job] of this.jobs) if (job.period === period) this.jobs.delete(id);
      this.save();
    }
    return { share: state.collected, totals: this.totals(period) };
  }

  encodeShare(share: Vector): string {
    return toBase64url(new Uint8Array(fieldOf(this.vdaf).encode(share)));
  }

  decodeShare(text: string): Vector {
    return decodeVector(this.vdaf, b64(text, 'share'), this.options.length, 'the aggregate share');
  }
}

/** What the leader sends the helper for one report of a batch. */
interface PrepareItem {
  nonce: string;
  publicShare: string;
  helperShare: SealedShare;
  leaderPrepShare: string;
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RefusedError('malformed', `the request is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function authorized(req: IncomingMessage, secret: string): boolean {
  const given = Buffer.from(req.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${secret}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The helper's HTTP side (`/secure/v1/prepare`, `/commit`, `/collect`), for a Node `http` server: answers true when the
 * request was one of its routes. `authToken`: the bearer secret the leader sends (another value gets 401).
 */
export function secureHelperRoutes(helper: SecureAggregator, authToken: string, maxBody = 512 * 1024 * 1024): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  if (helper.role !== 1) throw new Error('edgereco gateway: secureHelperRoutes takes the helper (role 1)');
  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (!path.startsWith('/secure/v1/')) return false;
    if (req.method !== 'POST') return send(res, 405, { error: 'POST only' }), true;
    if (!authorized(req, authToken)) return send(res, 401, { error: 'the leader\'s bearer secret is missing or wrong' }), true;
    let body: { task?: string; period?: string; job?: string; reports?: PrepareItem[]; nonces?: string[] };
    try {
      body = (await readJson(req, maxBody)) as typeof body;
    } catch (error) {
      return send(res, 400, { error: `the body is not JSON: ${String((error as Error).message)}` }), true;
    }
    if (body.task !== helper.options.taskId) return send(res, 404, { error: `unknown task ${String(body.task)}` }), true;
    try {
      if (path === '/secure/v1/prepare' || path === '/secure/v1/commit') {
        const job = body.job;
        if (typeof job !== 'string' || job.length === 0 || job.length > 200) return send(res, 400, { error: 'job must be a string of 1 to 200 characters' }), true;
        if (path === '/secure/v1/commit') {
          if (!Array.isArray(body.nonces)) return send(res, 400, { error: 'nonces must be an array' }), true;
          return send(res, 200, helper.commit(job, body.nonces)), true;
        }
        const period = String(body.period);
        if (!PERIOD.test(period)) return send(res, 400, { error: 'period must be YYYY-MM-DD' }), true;
        if (!Array.isArray(body.reports)) return send(res, 400, { error: 'reports must be an array' }), true;
        const nonces = body.reports.map((r) => String(r?.nonce));
        const done = helper.committedJob(job);
        // A retried job that the helper committed: the same answer (the leader lost it), nothing counted again.
        if (done?.results && done.period === period && done.nonces.join() === nonces.join()) return send(res, 200, { results: done.results }), true;
        helper.startJob(job, period, nonces);
        const results: PrepareResult[] = [];
        for (const item of body.reports) {
          try {
            const mine = await helper.prepare(job, item.nonce, item.publicShare, item.helperShare);
            const theirs = decodePreparationShare(helper.vdaf, b64(item.leaderPrepShare, 'leaderPrepShare'));
            const message = await helper.combine([theirs, mine.share]);
            helper.finish(job, item.nonce, mine.state, message);
            results.push({ nonce: item.nonce, prepMessage: toBase64url(new Uint8Array(message)) });
          } catch (error) {
            if (!(error instanceof RefusedError)) throw error;
            results.push({ nonce: item.nonce, refused: error.reason, detail: error.message });
          }
        }
        helper.answer(job, results);
        return send(res, 200, { results }), true;
      }
      if (path === '/secure/v1/collect') {
        const period = String(body.period);
        if (!PERIOD.test(period)) return send(res, 400, { error: 'period must be YYYY-MM-DD' }), true;
        const { share, totals } = helper.collect(period);
        return send(res, 200, { share: helper.encodeShare(share), ...totals, sigma: helper.options.sigma }), true;
      }
      return send(res, 404, { error: `no route ${path}` }), true;
    } catch (error) {
      if (error instanceof RefusedError) return send(res, 409, { error: error.message, reason: error.reason }), true;
      throw error;
    }
  };
}

const PERIOD = /^\d{4}-\d{2}-\d{2}$/;

/** What {@link SecureLeader.collect} publishes from: the noisy sums and how they were made. */
export interface CollectedSums {
  period: string;
  /** Per domain entry: how many reports set it, plus both aggregators' noise (may be negative). */
  sums: number[];
  reports: number;
  /** σ of each aggregator's noise, and of their sum (√(σ₁² + σ₂²)). */
  sigma: { leader: number; helper: number; total: number };
}

/** The leader: prepares batches of reports with the helper over HTTP, commits them on both sides, collects. */
export class SecureLeader {
  constructor(
    readonly leader: SecureAggregator,
    private readonly helperUrl: string,
    private readonly authToken: string,
  ) {
    if (leader.role !== 0) throw new Error('edgereco gateway: SecureLeader takes the leader (role 0)');
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(new URL(path, this.helperUrl), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${this.authToken}` }, body: JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) throw new Error(`edgereco gateway: the helper at ${this.helperUrl} answered ${response.status} to ${path}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  /**
   * Aggregates `reports` as job `job` (one job per period of the reports: `${job}/${period}`): each counted once on both
   * sides or refused with its reason. The same job id with the same reports may run again after a failure (the helper
   * answers a job it committed as before; a committed job counts once): give a job the id of what it holds (a Kafka
   * partition and offset range) so that a restarted leader runs it again under the same id. Default: a random id.
   */
  async aggregate(reports: readonly SecureReport[], job = toBase64url(globalThis.crypto.getRandomValues(new Uint8Array(12)))): Promise<{ accepted: number; refused: Refusal[] }> {
    const refused: Refusal[] = [];
    const byPeriod = new Map<string, SecureReport[]>();
    for (const r of reports) {
      if (r?.v !== 1 || r.task !== this.leader.options.taskId || typeof r.period !== 'string' || !PERIOD.test(r.period)) {
        refused.push({ nonce: String(r?.nonce), reason: 'wrong-task', detail: `a report of version ${String(r?.v)} for task ${String(r?.task)}, period ${String(r?.period)}` });
        continue;
      }
      byPeriod.set(r.period, [...(byPeriod.get(r.period) ?? []), r]);
    }
    let accepted = 0;
    for (const [period, batch] of byPeriod) {
      const id = `${job}/${period}`;
      const nonces = batch.map((r) => r.nonce);
      if (this.leader.committedJob(id)) continue; // this leader committed it before a restart: counted
      try {
        this.leader.startJob(id, period, nonces);
      } catch (error) {
        if (!(error instanceof RefusedError)) throw error;
        for (const r of batch) refused.push({ nonce: r.nonce, reason: error.reason, detail: error.message });
        continue;
      }
      const prepared = new Map<string, Awaited<ReturnType<SecureAggregator['prepare']>>>();
      const items: PrepareItem[] = [];
      for (const r of batch) {
        try {
          const mine = await this.leader.prepare(id, r.nonce, r.publicShare, r.leaderShare);
          prepared.set(r.nonce, mine);
          items.push({ nonce: r.nonce, publicShare: r.publicShare, helperShare: r.helperShare, leaderPrepShare: toBase64url(new Uint8Array(mine.prepShare)) });
        } catch (error) {
          if (!(error instanceof RefusedError)) throw error;
          refused.push({ nonce: r.nonce, reason: error.reason, detail: error.message });
        }
      }
      if (items.length === 0) {
        this.leader.commit(id, []); // every report refused here: nothing goes to the helper
        continue;
      }
      const { results } = await this.post<{ results: PrepareResult[] }>('/secure/v1/prepare', { task: this.leader.options.taskId, period, job: id, reports: items });
      const ok: string[] = [];
      for (const result of results) {
        if ('refused' in result) {
          refused.push({ nonce: result.nonce, reason: result.refused, detail: `the helper: ${result.detail}` });
          continue;
        }
        try {
          this.leader.finish(id, result.nonce, prepared.get(result.nonce)!.state, fromBase64url(result.prepMessage));
          ok.push(result.nonce);
        } catch (error) {
          if (!(error instanceof RefusedError)) throw error;
          refused.push({ nonce: result.nonce, reason: error.reason, detail: error.message });
        }
      }
      const theirs = await this.post<PeriodTotals>('/secure/v1/commit', { task: this.leader.options.taskId, job: id, nonces: ok });
      const mine = this.leader.commit(id, ok);
      if (theirs.count !== mine.count || theirs.checksum !== mine.checksum) {
        throw new Error(`edgereco gateway: the helper's totals for ${period} (${theirs.count} reports, checksum ${theirs.checksum}) differ from the leader's (${mine.count}, ${mine.checksum}); the period cannot be published`);
      }
      accepted += ok.length;
    }
    return { accepted, refused };
  }

  /** Closes `period` on both sides and sums the noisy shares: what the priors are published from. */
  async collect(period: string): Promise<CollectedSums> {
    const theirs = await this.post<{ share: string; count: number; checksum: string; sigma: number }>('/secure/v1/collect', { task: this.leader.options.taskId, period });
    const mine = this.leader.collect(period);
    if (theirs.count !== mine.totals.count || theirs.checksum !== mine.totals.checksum) {
      throw new Error(`edgereco gateway: the helper collected ${theirs.count} reports for ${period} (checksum ${theirs.checksum}), the leader ${mine.totals.count} (${mine.totals.checksum}); not published`);
    }
    const field = fieldOf(this.leader.vdaf);
    const p = field.modulus;
    const total = field.vecAdd(mine.share, this.leader.decodeShare(theirs.share)) as Vector;
    // An entry above p/2 is a negative sum (noise below zero), as the field wraps it.
    const sums = total.map((x) => Number(x > p / 2n ? x - p : x));
    const sigma = { leader: this.leader.options.sigma, helper: theirs.sigma, total: Math.hypot(this.leader.options.sigma, theirs.sigma) };
    return { period, sums, reports: mine.totals.count, sigma };
  }
}
