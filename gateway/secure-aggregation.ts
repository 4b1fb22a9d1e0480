import { createHash, timingSafeEqual } from 'node:crypto';
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
 * - **prepare** (leader → helper, `POST /secure/v1/prepare`): for a batch of reports, the leader sends each report's
 *   nonce, public share, the helper's sealed share and the leader's own preparation share; the helper opens its share,
 *   prepares it (Prio3's `prepareInit`), combines both preparation shares (Prio3 verifies the proof that every entry
 *   is 0 or 1 here: a report that fails is refused) and answers the preparation message, keeping its output share
 *   pending; the leader finishes its side with the message.
 * - **commit** (`POST /secure/v1/commit`): the nonces the leader accepted too; the helper adds exactly those pending
 *   output shares to its aggregate share of the period. Both keep a count and a checksum (XOR of SHA-256 of the
 *   nonces, as DAP) and the leader compares them after each commit: a divergence stops the aggregation.
 * - **collect** (`POST /secure/v1/collect`): closes the period on the helper, which adds its own discrete Gaussian
 *   noise to its aggregate share once (drawn at closing, kept: asking again returns the same share, so noise cannot be
 *   averaged away) and answers it; the leader adds its own and sums. Each aggregator's noise alone gives the central
 *   (ε, δ), so neither, knowing its own noise, learns more than that from the published sum; the sum carries both.
 *   A closed period accepts no more reports.
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
}

interface PeriodState {
  share: Vector;
  count: number;
  checksum: Uint8Array;
  /** Every nonce prepared in this period (committed, pending or refused after preparation): a nonce counts once. */
  seen: Set<string>;
  /** Output shares prepared but not yet committed. */
  pending: Map<string, Vector>;
  /** The noisy share, once collected (the period is then closed). */
  collected?: Vector;
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

/** One aggregator's side of a task: opens and prepares its shares, keeps each period's aggregate share. */
export class SecureAggregator {
  readonly vdaf: Vdaf;
  private readonly verifyKey: Buffer;
  private readonly periods = new Map<string, PeriodState>();

  constructor(
    readonly role: 0 | 1,
    readonly options: AggregatorOptions,
  ) {
    this.vdaf = secureVdaf(options.length);
    this.verifyKey = Buffer.from(fromBase64url(options.verifyKey));
    if (this.verifyKey.length !== this.vdaf.verifyKeySize) throw new RangeError(`edgereco gateway: the secure task's verifyKey must be ${this.vdaf.verifyKeySize} bytes (base64url); got ${this.verifyKey.length}`);
    varianceFraction(options.sigma); // refuses a σ that is not a positive number, at start
  }

  private period(period: string): PeriodState {
    let state = this.periods.get(period);
    if (!state) {
      state = { share: new Array<bigint>(this.options.length).fill(0n), count: 0, checksum: new Uint8Array(32), seen: new Set(), pending: new Map() };
      this.periods.set(period, state);
    }
    return state;
  }

  /**
   * Opens this aggregator's share of a report and prepares it: the preparation share to exchange and the state to
   * finish with. Refuses (RefusedError) a replayed nonce, a closed period, a share that does not open or decode.
   */
  async prepare(period: string, nonce: string, publicShare: string, sealed: SealedShare): Promise<{ prepShare: ReturnType<Vdaf['encodePreparationShare']>; share: { verifiersShare: Vector; jointRandomnessPart: Buffer }; state: { correctedJointRandSeed: Buffer; outputShare: Vector } }> {
    const state = this.period(period);
    if (state.collected) throw new RefusedError('closed', `the period ${period} was collected; it takes no more reports`);
    if (state.seen.has(nonce)) throw new RefusedError('replayed', `the report ${nonce} was already prepared in ${period}`);
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
    state.seen.add(nonce);
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

  /** Finishes a prepared report with the preparation message; its output share waits for {@link commit}. */
  finish(period: string, nonce: string, state: { correctedJointRandSeed: Buffer; outputShare: Vector }, message: Uint8Array): void {
    try {
      const { outputShare } = this.vdaf.prepareNext(state as never, { jointRand: Buffer.from(message) } as never) as { outputShare: Vector };
      this.period(period).pending.set(nonce, outputShare);
    } catch {
      throw new RefusedError('invalid', "the preparation message does not match this aggregator's share: the report's shares do not fit together");
    }
  }

  /** Adds the pending output shares of `nonces` to the period's aggregate share (the others pending are dropped). */
  commit(period: string, nonces: readonly string[]): PeriodTotals {
    const state = this.period(period);
    if (state.collected) throw new RefusedError('closed', `the period ${period} was collected`);
    const field = fieldOf(this.vdaf);
    for (const nonce of nonces) {
      const out = state.pending.get(nonce);
      if (!out) continue;
      state.share = field.vecAdd(state.share, out) as Vector;
      state.count++;
      const digest = createHash('sha256').update(fromBase64url(nonce)).digest();
      for (let i = 0; i < 32; i++) state.checksum[i]! ^= digest[i]!;
    }
    state.pending.clear();
    return this.totals(period);
  }

  totals(period: string): PeriodTotals {
    const state = this.period(period);
    return { count: state.count, checksum: toBase64url(state.checksum) };
  }

  /** Closes the period and answers its aggregate share with this aggregator's noise (drawn once, then kept). */
  collect(period: string): { share: Vector; totals: PeriodTotals } {
    const state = this.period(period);
    if (!state.collected) {
      const { num, den } = varianceFraction(this.options.sigma);
      const p = fieldOf(this.vdaf).modulus;
      state.collected = state.share.map((x) => (((x + discreteGaussian(num, den)) % p) + p) % p);
      state.pending.clear();
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
    let body: { task?: string; period?: string; reports?: PrepareItem[]; nonces?: string[] };
    try {
      body = (await readJson(req, maxBody)) as typeof body;
    } catch (error) {
      return send(res, 400, { error: `the body is not JSON: ${String((error as Error).message)}` }), true;
    }
    if (body.task !== helper.options.taskId) return send(res, 404, { error: `unknown task ${String(body.task)}` }), true;
    const period = String(body.period);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(period)) return send(res, 400, { error: 'period must be YYYY-MM-DD' }), true;
    try {
      if (path === '/secure/v1/prepare') {
        if (!Array.isArray(body.reports)) return send(res, 400, { error: 'reports must be an array' }), true;
        const results = [];
        for (const item of body.reports) {
          try {
            const mine = await helper.prepare(period, item.nonce, item.publicShare, item.helperShare);
            const theirs = decodePreparationShare(helper.vdaf, b64(item.leaderPrepShare, 'leaderPrepShare'));
            const message = await helper.combine([theirs, mine.share]);
            helper.finish(period, item.nonce, mine.state, message);
            results.push({ nonce: item.nonce, prepMessage: toBase64url(new Uint8Array(message)) });
          } catch (error) {
            if (!(error instanceof RefusedError)) throw error;
            results.push({ nonce: item.nonce, refused: error.reason, detail: error.message });
          }
        }
        return send(res, 200, { results }), true;
      }
      if (path === '/secure/v1/commit') {
        if (!Array.isArray(body.nonces)) return send(res, 400, { error: 'nonces must be an array' }), true;
        return send(res, 200, helper.commit(period, body.nonces)), true;
      }
      if (path === '/secure/v1/collect') {
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

  /** Aggregates `reports` (any periods): each counted once on both sides or refused with its reason. */
  async aggregate(reports: readonly SecureReport[]): Promise<{ accepted: number; refused: Refusal[] }> {
    const refused: Refusal[] = [];
    const byPeriod = new Map<string, SecureReport[]>();
    for (const r of reports) {
      if (r?.v !== 1 || r.task !== this.leader.options.taskId) {
        refused.push({ nonce: String(r?.nonce), reason: 'wrong-task', detail: `a report of version ${String(r?.v)} for task ${String(r?.task)}` });
        continue;
      }
      byPeriod.set(r.period, [...(byPeriod.get(r.period) ?? []), r]);
    }
    let accepted = 0;
    for (const [period, batch] of byPeriod) {
      const prepared = new Map<string, Awaited<ReturnType<SecureAggregator['prepare']>>>();
      const items: PrepareItem[] = [];
      for (const r of batch) {
        try {
          const mine = await this.leader.prepare(period, r.nonce, r.publicShare, r.leaderShare);
          prepared.set(r.nonce, mine);
          items.push({ nonce: r.nonce, publicShare: r.publicShare, helperShare: r.helperShare, leaderPrepShare: toBase64url(new Uint8Array(mine.prepShare)) });
        } catch (error) {
          if (!(error instanceof RefusedError)) throw error;
          refused.push({ nonce: r.nonce, reason: error.reason, detail: error.message });
        }
      }
      if (items.length === 0) continue;
      const { results } = await this.post<{ results: ({ nonce: string; prepMessage: string } | { nonce: string; refused: Refusal['reason']; detail: string })[] }>('/secure/v1/prepare', { task: this.leader.options.taskId, period, reports: items });
      const ok: string[] = [];
      for (const result of results) {
        if ('refused' in result) {
          refused.push({ nonce: result.nonce, reason: result.refused, detail: `the helper: ${result.detail}` });
          continue;
        }
        try {
          this.leader.finish(period, result.nonce, prepared.get(result.nonce)!.state, fromBase64url(result.prepMessage));
          ok.push(result.nonce);
        } catch (error) {
          if (!(error instanceof RefusedError)) throw error;
          refused.push({ nonce: result.nonce, reason: error.reason, detail: error.message });
        }
      }
      const theirs = await this.post<PeriodTotals>('/secure/v1/commit', { task: this.leader.options.taskId, period, nonces: ok });
      const mine = this.leader.commit(period, ok);
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
