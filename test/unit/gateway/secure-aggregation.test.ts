import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Buffer } from 'node:buffer';
import { toBase64url } from '../../../src/core/base64url.js';
import { ohttpSuite } from '../../../src/core/ohttp/encapsulation.js';
import type { KeyConfig } from '../../../src/core/ohttp/key-config.js';
import { generateKey } from '../../../gateway/ohttp-key.js';
import { buildSecureReport, secureVdaf, shareAad, shareInfo, type SecureReport, type SecureTask } from '../../../src/core/secure/report.js';
import { discreteGaussian, gaussianSigma, varianceFraction } from '../../../gateway/discrete-gaussian.js';
import { fieldOf, SecureAggregator, SecureLeader, secureHelperRoutes } from '../../../gateway/secure-aggregation.js';

/**
 * The secure mode's two aggregators over real HTTP (the helper a real `http` server, the leader calling it with fetch):
 * browsers' reports built by the SDK's code, the real Prio3 and HPKE of the libraries.
 */

const LENGTH = 30;
const TASK_ID = toBase64url(new Uint8Array(16).fill(7));

let server: Server;
let wire: Server;
let helperUrl: string;
let task: SecureTask;
let leader: SecureLeader;
const toHelper: string[] = [];
const SECRET = 'leader-helper-secret';

beforeAll(async () => {
  const [l, h] = await Promise.all([generateKey(1), generateKey(2)]);
  task = { taskId: TASK_ID, length: LENGTH, maxItems: 4, leaderKey: l.config, helperKey: h.config };
  const verifyKey = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
  const helper = new SecureAggregator(1, { taskId: TASK_ID, length: LENGTH, key: { keyId: 2, privateKey: h.privateKey }, verifyKey, sigma: 1 });
  const routes = secureHelperRoutes(helper, SECRET);
  server = createServer((req, res) => void routes(req, res).then((handled) => handled || res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const direct = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The leader reaches the helper through a recording hop: what crosses the wire to the helper, byte for byte.
  wire = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      toHelper.push(body.toString('utf8'));
      void fetch(direct + req.url, { method: req.method, headers: req.headers as Record<string, string>, body }).then(async (r) => res.writeHead(r.status, { 'content-type': 'application/json' }).end(Buffer.from(await r.arrayBuffer())));
    });
  });
  await new Promise<void>((resolve) => wire.listen(0, '127.0.0.1', resolve));
  helperUrl = `http://127.0.0.1:${(wire.address() as AddressInfo).port}/`;
  leader = new SecureLeader(new SecureAggregator(0, { taskId: TASK_ID, length: LENGTH, key: { keyId: 1, privateKey: l.privateKey }, verifyKey, sigma: 1 }), helperUrl, SECRET);
});
afterAll(() => {
  server?.close();
  wire?.close();
});

describe('two-server secure aggregation (Prio3SumVec, HPKE, discrete Gaussian noise)', () => {
  it('sums the browsers\' vectors, refuses replays, cheats and misaddressed shares, and neither the helper nor the wire sees a vector', async () => {
    const period = '2026-12-07';
    // 40 browsers, each with up to 4 items of the 30, every one with item 0.
    const truth = new Array<number>(LENGTH).fill(0);
    const reports: SecureReport[] = [];
    for (let b = 0; b < 40; b++) {
      const items = [...new Set([0, 1 + (b % 29), 1 + ((b * 7) % 29), 1 + ((b * 13 + 5) % 29)].slice(0, 2 + (b % 3)))];
      for (const i of items) truth[i]!++;
      reports.push(await buildSecureReport(task, period, items));
    }
    // A replay of a report already sent.
    const replay = structuredClone(reports[3]!);
    // A cheating browser: its leader share's measurement says 1 more for item 0 (a count of 2 from one report), the
    // helper's untouched. Re-sealed with the same HPKE so only Prio3's proof can catch it.
    const honest = await buildSecureReport(task, period, [1]);
    const cheat = await tamper(honest, period, task);
    // A share sealed to the leader's key placed where the helper's goes.
    const swapped = await buildSecureReport(task, period, [2]);
    const misaddressed = { ...swapped, helperShare: swapped.leaderShare };
    const result = await leader.aggregate([...reports, replay, cheat, misaddressed]);
    expect(result.accepted).toBe(40);
    const reasons = Object.fromEntries(result.refused.map((r) => [r.nonce, r.reason]));
    expect(reasons).toEqual({ [replay.nonce]: 'replayed', [cheat.nonce]: 'invalid', [misaddressed.nonce]: 'undecryptable' });
    // A later batch with a replay of the first batch is refused as well.
    expect((await leader.aggregate([reports[0]!])).refused.map((r) => r.reason)).toEqual(['replayed']);

    const collected = await leader.collect(period);
    expect(collected.reports).toBe(40);
    expect(collected.sigma.total).toBeCloseTo(Math.SQRT2, 5);
    // The sums are the truth plus both aggregators' noise (σ = 1 each: |noise| ≤ 8 fails with probability < 10⁻⁸ per entry).
    const error = collected.sums.map((s, i) => s - truth[i]!);
    expect(truth[0]).toBe(40);
    expect(error.every((e) => Number.isInteger(e) && Math.abs(e) <= 8)).toBe(true);
    expect(error.some((e) => e !== 0)).toBe(true); // noise was added
    // The noise is drawn once: collecting again gives the same sums, and the period takes no more reports.
    expect((await leader.collect(period)).sums).toEqual(collected.sums);
    const late = await leader.aggregate([await buildSecureReport(task, period, [0])]);
    expect(late.refused.map((r) => r.reason)).toEqual(['closed']);

    // On the wire to the helper: its own sealed shares and the leader's preparation shares, never a leader share
    // (which holds the vector's share in the clear once opened) nor a leader ciphertext.
    const wire = toHelper.join('\n');
    expect(wire).toContain(reports[0]!.helperShare.ct);
    for (const r of reports) expect(wire).not.toContain(r.leaderShare.ct);
  });

  it('refuses the leader without its secret, and reports it cannot encode', async () => {
    const response = await fetch(new URL('/secure/v1/collect', helperUrl), { method: 'POST', body: JSON.stringify({ task: TASK_ID, period: '2026-12-08' }), headers: { authorization: 'Bearer wrong' } });
    expect(response.status).toBe(401);
    await expect(buildSecureReport(task, '2026-12-08', [0, 1, 2, 3, 4])).rejects.toThrow(/at most 4 items \(got 5\)/);
    await expect(buildSecureReport(task, '2026-12-08', [LENGTH])).rejects.toThrow(/outside the task's domain of 30 items/);
  });
});

describe('secure aggregation across a lost answer and restarts (state files)', () => {
  it('counts each report once when the helper\'s answer to a commit is lost and both restart from their files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'secure-'));
    const [l, h] = await Promise.all([generateKey(1), generateKey(2)]);
    const t: SecureTask = { taskId: TASK_ID, length: LENGTH, maxItems: 4, leaderKey: l.config, helperKey: h.config };
    const verifyKey = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
    const helperOptions = { taskId: TASK_ID, length: LENGTH, key: { keyId: 2, privateKey: h.privateKey }, verifyKey, sigma: 1, stateFile: join(dir, 'helper.json') };
    const leaderOptions = { taskId: TASK_ID, length: LENGTH, key: { keyId: 1, privateKey: l.privateKey }, verifyKey, sigma: 1, stateFile: join(dir, 'leader.json') };
    let routes = secureHelperRoutes(new SecureAggregator(1, helperOptions), SECRET);
    let dropNextCommitAnswer = false;
    const helperServer = createServer((req, res) => {
      // The helper commits, but its answer never reaches the leader (a dropped connection).
      if (dropNextCommitAnswer && req.url === '/secure/v1/commit') {
        dropNextCommitAnswer = false;
        res.end = (() => {
          res.socket?.destroy();
          return res;
        }) as typeof res.end;
      }
      void routes(req, res).then((handled) => handled || res.writeHead(404).end());
    });
    await new Promise<void>((resolve) => helperServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(helperServer.address() as AddressInfo).port}/`;
    try {
      const period = '2026-12-09';
      const truth = new Array<number>(LENGTH).fill(0);
      const batch = async (n: number, from: number) => {
        const out: SecureReport[] = [];
        for (let b = from; b < from + n; b++) {
          const items = [0, 1 + (b % 29)];
          for (const i of items) truth[i]!++;
          out.push(await buildSecureReport(t, period, items));
        }
        return out;
      };
      const a = await batch(10, 0);
      const b = await batch(10, 10);
      let leader = new SecureLeader(new SecureAggregator(0, leaderOptions), url, SECRET);
      expect((await leader.aggregate(a, 'p0:0-10')).accepted).toBe(10);
      dropNextCommitAnswer = true;
      await expect(leader.aggregate(b, 'p0:10-20')).rejects.toThrow(/fetch failed|socket|other side closed/i);
      // Both restart from their files: the leader without job p0:10-20, the helper with it committed.
      leader = new SecureLeader(new SecureAggregator(0, leaderOptions), url, SECRET);
      routes = secureHelperRoutes(new SecureAggregator(1, helperOptions), SECRET);
      // The leader runs the job again under its id: the helper answers as before, and nothing counts twice.
      expect(await leader.aggregate(b, 'p0:10-20')).toEqual({ accepted: 10, refused: [] });
      expect(await leader.aggregate(a, 'p0:0-10')).toEqual({ accepted: 0, refused: [] }); // committed before: skipped
      // A report of a committed job sent again in a new job is a replay, on both sides.
      expect((await leader.aggregate([b[0]!], 'p0:20-21')).refused.map((r) => r.reason)).toEqual(['replayed']);
      const collected = await leader.collect(period);
      expect(collected.reports).toBe(20);
      expect(truth[0]).toBe(20);
      expect(collected.sums.every((sum, i) => Math.abs(sum - truth[i]!) <= 8)).toBe(true);
      // The noise was drawn once and saved: after another restart, the same sums.
      leader = new SecureLeader(new SecureAggregator(0, leaderOptions), url, SECRET);
      routes = secureHelperRoutes(new SecureAggregator(1, helperOptions), SECRET);
      expect((await leader.collect(period)).sums).toEqual(collected.sums);
      // A state file of another role or task is refused at start, saying so.
      expect(() => new SecureAggregator(0, { ...leaderOptions, stateFile: helperOptions.stateFile })).toThrow(/belongs to task .* as helper, not this one/);
    } finally {
      helperServer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the discrete Gaussian sampler and its accounting', () => {
  it('draws integers with mean 0 and variance σ²', () => {
    const { num, den } = varianceFraction(3);
    const n = 20_000;
    let sum = 0;
    let squares = 0;
    let zeros = 0;
    for (let i = 0; i < n; i++) {
      const x = Number(discreteGaussian(num, den));
      sum += x;
      squares += x * x;
      if (x === 0) zeros++;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.1); // standard error 0.021
    expect(squares / n).toBeGreaterThan(8.6); // 9 ± 4 standard errors (0.09 each)
    expect(squares / n).toBeLessThan(9.4);
    // P(0) = 1 / Σ exp(−k²/18) = 0.1330 for σ = 3.
    expect(zeros / n).toBeGreaterThan(0.12);
    expect(zeros / n).toBeLessThan(0.146);
  });

  it('gives the σ DESIGN.md states for 8 items per report at (2, 10⁻⁶)', () => {
    expect(gaussianSigma(Math.sqrt(16), 2, 1e-6)).toBe(9.54);
  });
});

/** `report` with its leader share's first measurement entry raised by 1, sealed again (a browser that cheats). */
async function tamper(report: SecureReport, period: string, t: SecureTask): Promise<SecureReport> {
  const vdaf = secureVdaf(t.length);
  // The cheat needs the leader share in the clear: rebuild the report with a known measurement, then change it.
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  const { publicShare, inputShares } = await vdaf.shard(new Array<number>(t.length).fill(0).map((_, i) => (i === 0 ? 1 : 0)), Buffer.from(nonce), Buffer.from(crypto.getRandomValues(new Uint8Array(vdaf.randSize))));
  const field = fieldOf(vdaf);
  const leaderBytes = new Uint8Array(vdaf.encodeInputShare(inputShares[0]!));
  const size = field.encodedSize;
  const first = field.decode(Buffer.from(leaderBytes.subarray(0, size)))[0]!;
  leaderBytes.set(field.encode([(first + 1n) % field.modulus]), 0);
  const pub = new Uint8Array(vdaf.encodePublicShare(publicShare));
  const aad = shareAad(t.taskId, period, nonce, pub);
  const sealTo = async (key: KeyConfig, role: 0 | 1, bytes: Uint8Array) => {
    const suite = ohttpSuite();
    const sender = await suite.createSenderContext({ recipientPublicKey: await suite.kem.deserializePublicKey(key.publicKey), info: shareInfo(role) });
    return { keyId: key.keyId, ct: toBase64url(new Uint8Array(await sender.seal(bytes, aad))), enc: toBase64url(new Uint8Array(sender.enc)) };
  };
  return { ...report, nonce: toBase64url(nonce), publicShare: toBase64url(pub), leaderShare: await sealTo(t.leaderKey, 0, leaderBytes), helperShare: await sealTo(t.helperKey, 1, new Uint8Array(vdaf.encodeInputShare(inputShares[1]!))) };
}
