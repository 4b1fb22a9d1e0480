import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toBase64url } from '../../src/core/base64url.js';
import { decodeKeyConfigList } from '../../src/core/ohttp/key-config.js';
import { buildSecureReport, type SecureReport, type SecureTask } from '../../src/core/secure/report.js';
import { gaussianSigma } from '../../gateway/discrete-gaussian.js';
import { SecureAggregator, SecureLeader } from '../../gateway/secure-aggregation.js';
import { killProcess, spawnNode } from './e2e-processes.js';
import { generateKey } from '../../gateway/ohttp-key.js';

/**
 * The secure mode's helper as a store's partner runs it: `edgereco-gateway helper --config helper.json`, its own
 * process, SIGKILLed in the middle of a job and started again from its state file. The leader runs here, over real
 * HTTP, with the browsers' reports built by the SDK's code.
 */

const dir = mkdtempSync(join(tmpdir(), 'secure-helper-'));
const logs: string[] = [];
let helper: ChildProcess | null = null;
let tap: Server | null = null;
afterAll(async () => {
  await killProcess(helper);
  tap?.close();
  rmSync(dir, { recursive: true, force: true });
});

const LENGTH = 40;
const TOKEN = 'a-secret-the-store-and-its-partner-agreed';

async function startHelper(): Promise<string> {
  helper = await spawnNode(['gateway/cli.ts', 'helper', '--config', join(dir, 'helper.json'), '--port', '0'], { EDGERECO_LEADER_TOKEN: TOKEN }, 'helper listening on', logs);
  const line = logs.filter((l) => l.includes('helper listening on')).at(-1)!;
  return /listening on (http:\/\/\S+)/.exec(line)![1]!;
}

describe('edgereco-gateway helper (its own process)', () => {
  it('serves its key, refuses a caller without the secret, and counts every report once across a SIGKILL mid-job', async () => {
    const taskId = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
    const verifyKey = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
    writeFileSync(join(dir, 'helper.json'), JSON.stringify({ format: 'edgereco-secure-helper', taskId, length: LENGTH, maxItems: 4, epsilon: 2, delta: 1e-6, verifyKey, keyFile: join(dir, 'helper-key.json'), stateFile: join(dir, 'helper-state.json'), leaderTokenEnv: 'EDGERECO_LEADER_TOKEN' }));
    let helperUrl = await startHelper();
    const health = (await (await fetch(`${helperUrl}/healthz`)).json()) as { sigma: number };
    expect(health.sigma).toBe(gaussianSigma(Math.sqrt(8), 2, 1e-6));
    const [helperKey] = decodeKeyConfigList(new Uint8Array(await (await fetch(`${helperUrl}/secure/v1/key`)).arrayBuffer()));
    expect((await fetch(`${helperUrl}/secure/v1/collect`, { method: 'POST', body: JSON.stringify({ task: taskId, period: '2026-12-07' }) })).status).toBe(401);

    const { privateKey, config: leaderKey } = await generateKey(9);
    const task: SecureTask = { taskId, length: LENGTH, maxItems: 4, leaderKey, helperKey: helperKey! };
    // The leader reaches the helper through a tap that, once, kills the helper when the leader commits a job.
    let killOnCommit = false;
    tap = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        if (killOnCommit && req.url === '/secure/v1/commit') {
          killOnCommit = false;
          await killProcess(helper);
          res.writeHead(502).end('{"error":"the helper is gone"}');
          return;
        }
        try {
          const r = await fetch(helperUrl + req.url, { method: req.method, headers: { 'content-type': 'application/json', authorization: String(req.headers.authorization) }, body: Buffer.concat(chunks) });
          res.writeHead(r.status, { 'content-type': 'application/json' }).end(Buffer.from(await r.arrayBuffer()));
        } catch {
          res.writeHead(502).end('{"error":"the helper is unreachable"}');
        }
      });
    });
    await new Promise<void>((resolve) => tap!.listen(0, '127.0.0.1', resolve));
    const tapUrl = `http://127.0.0.1:${(tap.address() as AddressInfo).port}/`;
    const leader = () => new SecureLeader(new SecureAggregator(0, { taskId, length: LENGTH, key: { keyId: 9, privateKey }, verifyKey, sigma: health.sigma, stateFile: join(dir, 'leader-state.json') }), tapUrl, TOKEN);

    const period = '2026-12-07';
    const truth = new Array<number>(LENGTH).fill(0);
    const reports = async (from: number, n: number) => {
      const out: SecureReport[] = [];
      for (let b = from; b < from + n; b++) {
        const items = [0, 1 + (b % 39), 1 + ((b * 11) % 39)];
        for (const i of new Set(items)) truth[i]!++;
        out.push(await buildSecureReport(task, period, items));
      }
      return out;
    };
    const a = await reports(0, 12);
    const b = await reports(12, 12);
    expect((await leader().aggregate(a, 'p0:0-12')).accepted).toBe(12);
    // SIGKILL while job p0:12-24 is prepared and not committed: the helper forgets it, keeps job p0:0-12 (its file).
    killOnCommit = true;
    await expect(leader().aggregate(b, 'p0:12-24')).rejects.toThrow(/answered 502/);
    expect(helper!.exitCode !== null || helper!.signalCode === 'SIGKILL').toBe(true);
    helperUrl = await startHelper();
    const again = await leader().aggregate(b, 'p0:12-24');
    expect(again).toEqual({ accepted: 12, refused: [] });
    const collected = await leader().collect(period);
    expect(collected.reports).toBe(24);
    expect(truth[0]).toBe(24);
    // The count and the nonces' checksum matched on both sides (else collect throws); the sums are counts with σ ≈ 11.7
    // of noise from each side (|noise| ≤ 100 fails with probability far below 10⁻⁸ per entry), not field values.
    // (The unit test checks the sums themselves, with σ = 1.)
    expect(collected.sums.every((s, i) => Math.abs(s - truth[i]!) <= 100)).toBe(true);
    expect(collected.sigma.helper).toBe(health.sigma);
  }, 120_000);
});
