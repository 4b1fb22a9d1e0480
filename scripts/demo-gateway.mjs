// The demo's local gateway, as `npm start` runs it (and the demo's browser test): the ingest service for the demo's
// origin with a file sink, an aggregation run whenever reports arrived (every `everyMs`), and the store's dashboard
// at /dashboard behind `adminKey`. Everything it writes goes under `dir` (relative to the repository root).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { ROOT } from './serve.mjs';

export async function startDemoGateway({ sitePort, gatewayPort, adminKey, dir = 'data/demo', everyMs = 30_000 }) {
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  mkdirSync(`${ROOT}/${dir}`, { recursive: true });
  const config = `${dir}/site.json`;
  writeFileSync(`${ROOT}/${config}`, `${JSON.stringify({
    host: '127.0.0.1',
    port: gatewayPort,
    sites: [{ id: 'demo', key: 'pk_demo_local', origins: [`http://localhost:${sitePort}`, `http://127.0.0.1:${sitePort}`] }],
    sink: { kind: 'file', path: `${dir}/reports.jsonl` },
    adminKey,
    aggregate: { catalog: 'demo/data/retail-products.json', out: `${dir}/priors.json`, stateDir: `${dir}/aggregator-state`, experiments: 'demo/experiments.json' },
  }, null, 2)}\n`);
  // What the demo page reads as /demo/sync.json.
  writeFileSync(`${ROOT}/${dir}/sync.json`, `${JSON.stringify({ syncUrl: gatewayUrl, syncKey: 'pk_demo_local', dashboard: `${gatewayUrl}/dashboard` })}\n`);
  // The config says it all: PORT and KAFKA_BOOTSTRAP (which npm start's own PORT would be) must not override it.
  const { PORT: _port, KAFKA_BOOTSTRAP: _kafka, ...env } = process.env;
  const cli = (...args) => spawn(process.execPath, ['--import', 'tsx', 'gateway/cli.ts', ...args, '--config', config], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const gateway = cli('serve');
  let stderr = '';
  gateway.stderr.on('data', (d) => (stderr += d));
  await new Promise((resolve, reject) => {
    gateway.stderr.on('data', () => stderr.includes('listening on') && resolve());
    gateway.once('exit', (code) => reject(new Error(`edgereco demo: the gateway exited (${code}): ${stderr.trim()}; is port ${gatewayPort} taken? (GATEWAY_PORT=… picks another)`)));
  });
  const sink = `${ROOT}/${dir}/reports.jsonl`;
  let lastSize = -1;
  let running = null;
  /** One aggregation run now (after the one in progress), whether or not reports arrived. */
  const aggregateNow = async () => {
    while (running) await running;
    const size = existsSync(sink) ? statSync(sink).size : 0;
    running = new Promise((resolve) => {
      const run = cli('aggregate');
      run.stderr.on('data', (d) => process.env.EDGERECO_DEMO_VERBOSE && process.stderr.write(d));
      run.once('exit', () => resolve());
    });
    await running;
    running = null;
    lastSize = size;
  };
  const timer = setInterval(() => {
    const size = existsSync(sink) ? statSync(sink).size : 0;
    if (!running && size !== lastSize) void aggregateNow();
  }, everyMs);
  await aggregateNow();
  return {
    gatewayUrl,
    syncFile: `/${dir}/sync.json`,
    aggregateNow,
    async close() {
      clearInterval(timer);
      while (running) await running;
      if (gateway.exitCode === null) {
        const exited = new Promise((r) => gateway.once('exit', r));
        gateway.kill('SIGTERM');
        await exited;
      }
    },
  };
}
