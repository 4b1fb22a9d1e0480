// What the end-to-end tests share: a repository script started as its own Node process, a process killed hard, and
// the reports a Kafka topic holds.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import type { AggregateReport } from '../../src/core/ldp/index.js';
// @ts-expect-error: a plain .mjs helper shared with the scripts
import { ROOT } from '../../scripts/serve.mjs';
import { freePort } from '../../scripts/free-port.mjs';

/**
 * Runs `node --import tsx ARGS…` from the repository root with `env` added; resolves once its stderr says `ready`.
 * Everything it prints goes to `logs` (for the error messages of the tests).
 */
export function spawnNode(args: string[], env: NodeJS.ProcessEnv, ready: string, logs: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT as string, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start: ${logs.join('')}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      logs.push(d.toString());
      if (d.toString().includes(ready)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited (${code}): ${logs.join('')}`)));
  });
}

/** SIGKILL, as a crash: resolves once the process is gone (at once when there is none). */
export function killProcess(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A record as the gateway's Kafka sink writes it. */
export interface SinkRecord {
  key: string;
  value: { site: string; report: AggregateReport };
}

/**
 * Every record on `topic` from the start, up to `expected` of them (or until `timeoutMs`): report id → how many times
 * it is there. `check` sees each record first (a test's assertions on what was written).
 */
export async function countReportsInKafka(bootstrap: string, topic: string, expected: number, options: { timeoutMs?: number; check?: (record: SinkRecord) => void } = {}): Promise<Map<string, number>> {
  const consumer = new Consumer({ groupId: `e2e-${Date.now()}-${Math.random()}`, clientId: 'edgereco-e2e', bootstrapBrokers: [bootstrap], deserializers: stringDeserializers });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 200 });
  const counts = new Map<string, number>();
  let n = 0;
  const timer = setTimeout(() => void stream.close(), options.timeoutMs ?? 20_000);
  try {
    for await (const m of stream) {
      const record: SinkRecord = { key: m.key, value: JSON.parse(m.value) as SinkRecord['value'] };
      options.check?.(record);
      // A report's id; a secure report's is its nonce.
      const id = record.value.report.id ?? (record.value.report as unknown as { nonce: string }).nonce;
      counts.set(id, (counts.get(id) ?? 0) + 1);
      if (++n >= expected) break;
    }
  } finally {
    clearTimeout(timer);
    await stream.close();
    await consumer.close();
  }
  return counts;
}

export interface Tap {
  server: Server;
  url: string;
  /** One entry per connection: the peer's address and everything it sent. */
  connections: { from: string; bytes: Buffer[] }[];
}

/** A TCP tap in front of `port`: forwards both ways and records what the client side sent. */
export async function tap(port: () => number): Promise<Tap> {
  const connections: Tap['connections'] = [];
  const server = createServer((socket) => {
    const entry = { from: socket.remoteAddress ?? '', bytes: [] as Buffer[] };
    connections.push(entry);
    const upstream = connect(port(), '127.0.0.1');
    socket.on('data', (d: Buffer) => entry.bytes.push(d));
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections };
}

/**
 * The minimal OHTTP relay the gateway package ships, its own process, between two taps: `gatewayTap` in front of the
 * gateway at `gatewayPort` (what reached the gateway, and from which address), the relay forwarding to it from
 * `relayAddress`, and `relayTap` in front of the relay (what the browser sent). `origin`: the shop's page.
 */
export async function startRelayWithTaps(gatewayPort: number, origin: string, relayAddress: string, logs: string[]): Promise<{ relay: ChildProcess; relayTap: Tap; gatewayTap: Tap; stop: () => Promise<void> }> {
  const gatewayTap = await tap(() => gatewayPort);
  const relayPort = (await freePort()) as number;
  const relay = await spawnNode(['gateway/cli.ts', 'relay', '--gateway', `${gatewayTap.url}/ohttp`, '--port', String(relayPort), '--origin', origin, '--local-address', relayAddress], {}, 'relay listening on', logs);
  const relayTap = await tap(() => relayPort);
  const stop = async () => {
    await killProcess(relay);
    relayTap.server.close();
    gatewayTap.server.close();
  };
  return { relay, relayTap, gatewayTap, stop };
}
