import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createError, ERROR_CODES } from '../src/core/errors.js';
import { OHTTP_KEYS_TYPE } from '../src/core/ohttp/key-config.js';
import { gaussianSigma } from './discrete-gaussian.js';
import { loadOhttpKey } from './ohttp-key.js';
import { SecureAggregator, secureHelperRoutes } from './secure-aggregation.js';

/**
 * `edgereco-gateway helper --config helper.json`: the second aggregator of the secure mode (gateway/secure-aggregation.ts),
 * run by another party than the store's leader for the central figure to hold. Its config:
 *
 *   { "format": "edgereco-secure-helper", "taskId": "…", "length": 23715, "maxItems": 8, "epsilon": 2, "delta": 1e-6,
 *     "verifyKey": "…", "keyFile": "helper-key.json", "stateFile": "helper-state.json", "leaderTokenEnv": "EDGERECO_LEADER_TOKEN" }
 *
 * It computes its own noise from ε, δ and the task's `maxItems` (σ for L2 sensitivity √(2 · maxItems)), so its
 * guarantee does not depend on the leader's settings; creates its HPKE key in `keyFile` the first time (mode 0600) and
 * serves the public half at GET /secure/v1/key (`application/ohttp-keys`) for the store to publish in the task; keeps
 * its state in `stateFile` (a restart, even after SIGKILL, continues from the last commit); and takes requests only
 * with the leader's bearer secret, read from the environment variable `leaderTokenEnv` (never from the file).
 */
export interface HelperConfig {
  format: 'edgereco-secure-helper';
  taskId: string;
  length: number;
  maxItems: number;
  epsilon: number;
  delta: number;
  verifyKey: string;
  keyFile: string;
  stateFile: string;
  leaderTokenEnv: string;
  host?: string;
  port?: number;
}

const invalid = (requirement: string, fix: string) => createError(ERROR_CODES.INVALID_OPTION, { field: 'the secure helper config', requirement, fix });

/** Reads and checks a helper config; relative paths are relative to the working directory. */
export function readHelperConfig(file: string): HelperConfig {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw invalid(`${file} must be a readable JSON file (${String((error as Error).message)})`, 'pass --config with the helper\'s JSON config');
  }
  if (doc.format !== 'edgereco-secure-helper') throw invalid(`${file} must have "format": "edgereco-secure-helper"`, 'start from the example in docs/privacy.md');
  for (const field of ['taskId', 'verifyKey', 'keyFile', 'stateFile', 'leaderTokenEnv']) if (typeof doc[field] !== 'string' || doc[field] === '') throw invalid(`"${field}" must be a non-empty string`, 'the store gives taskId and verifyKey; the paths are yours');
  for (const field of ['length', 'maxItems']) if (!Number.isInteger(doc[field]) || (doc[field] as number) < 1) throw invalid(`"${field}" must be a positive integer`, 'the task\'s domain size and items per report, as the store publishes them');
  if (!(typeof doc.epsilon === 'number' && doc.epsilon > 0 && doc.epsilon <= 10)) throw invalid('"epsilon" must be a number in (0, 10]', 'the central ε per shopper and period this helper guarantees, e.g. 2');
  if (!(typeof doc.delta === 'number' && doc.delta > 0 && doc.delta < 1e-3)) throw invalid('"delta" must be a number in (0, 0.001)', 'e.g. 1e-6');
  return { ...(doc as unknown as HelperConfig), keyFile: resolve(doc.keyFile as string), stateFile: resolve(doc.stateFile as string) };
}

export interface SecureHelper {
  server: Server;
  url: string;
  sigma: number;
  close(): Promise<void>;
}

/** Starts the helper's HTTP service. */
export async function startSecureHelper(config: HelperConfig, env: NodeJS.ProcessEnv = process.env): Promise<SecureHelper> {
  const token = env[config.leaderTokenEnv];
  if (!token || token.length < 16) throw invalid(`the environment variable ${config.leaderTokenEnv} must hold the leader's bearer secret (16 characters or more)`, `export ${config.leaderTokenEnv}=… with the secret agreed with the store`);
  const key = await loadOhttpKey(config.keyFile);
  const sigma = gaussianSigma(Math.sqrt(2 * config.maxItems), config.epsilon, config.delta);
  const helper = new SecureAggregator(1, { taskId: config.taskId, length: config.length, key, verifyKey: config.verifyKey, sigma, stateFile: config.stateFile });
  const routes = secureHelperRoutes(helper, token);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'GET' && path === '/secure/v1/key') return void res.writeHead(200, { 'content-type': OHTTP_KEYS_TYPE, 'cache-control': 'max-age=3600' }).end(key.keysBody);
    if (req.method === 'GET' && path === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, sigma }));
    routes(req, res)
      .then((handled) => handled || res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}'))
      .catch((error: unknown) => {
        process.stderr.write(`edgereco helper: ${String((error as Error)?.stack ?? error)}\n`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal error"}');
      });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(config.port ?? 8789, config.host ?? '127.0.0.1', () => resolveListen());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${address.address}:${address.port}`,
    sigma,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
